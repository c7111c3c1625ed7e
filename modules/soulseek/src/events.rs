//! The `download.*` events of one download, built to their contracts and published with the
//! download's correlation id.

use serde_json::{Map, Value, json};
use soulspot_bus::{EventPublisher, MessageContext};
use soulspot_common::RetryPolicy;
use soulspot_contracts::{EventEnvelope, FileRef, SchemaViolation, TrackRef};

use crate::MODULE;

pub const STARTED: &str = "download.started";
pub const PROGRESS: &str = "download.progress";
pub const COMPLETED: &str = "download.completed";
pub const FAILED: &str = "download.failed";

/// Who a download belongs to: what every one of its events carries.
#[derive(Debug, Clone)]
pub struct DownloadIdentity {
    pub download_id: String,
    pub job_id: Option<String>,
    pub track: TrackRef,
    /// The request's context; its correlation id is replaced by `job_id` when given.
    pub context: MessageContext,
}

impl DownloadIdentity {
    pub fn correlation_id(&self) -> Option<&str> {
        self.job_id
            .as_deref()
            .or(self.context.correlation_id.as_deref())
    }
}

/// Publishes the events of one download. A failed publish is logged, never fatal: the
/// download itself goes on.
#[derive(Debug)]
pub struct DownloadEvents<'a, P> {
    publisher: &'a P,
    identity: &'a DownloadIdentity,
    outcome_retry: RetryPolicy,
}

impl<'a, P: EventPublisher> DownloadEvents<'a, P> {
    /// Events published once each; see [`Self::outcome_retry`].
    pub fn new(publisher: &'a P, identity: &'a DownloadIdentity) -> Self {
        Self {
            publisher,
            identity,
            outcome_retry: RetryPolicy::never(),
        }
    }

    /// The outcome (completed or failed) is what a job waits for: publish it again as
    /// `policy` says while NATS is out.
    pub fn outcome_retry(mut self, policy: RetryPolicy) -> Self {
        self.outcome_retry = policy;
        self
    }

    pub async fn started(&self, username: &str, filename: &str) {
        let mut data = self.with_track();
        data.insert("username".to_owned(), json!(username));
        data.insert("filename".to_owned(), json!(filename));
        self.publish(STARTED, data).await;
    }

    pub async fn progress(&self, bytes_transferred: u64, size: u64, percent: f64) {
        let mut data = self.base();
        data.insert("bytes_transferred".to_owned(), json!(bytes_transferred));
        data.insert("size".to_owned(), json!(size));
        data.insert("percent".to_owned(), json!(percent));
        self.publish(PROGRESS, data).await;
    }

    pub async fn completed(&self, file: &FileRef, username: &str) {
        let mut data = self.with_track();
        data.insert("file".to_owned(), json!(file));
        data.insert("username".to_owned(), json!(username));
        self.publish(COMPLETED, data).await;
    }

    pub async fn failed(&self, error: &str, can_retry: bool, attempts: u32) {
        let mut data = self.with_track();
        data.insert("error".to_owned(), json!(error));
        data.insert("can_retry".to_owned(), json!(can_retry));
        data.insert("attempts".to_owned(), json!(attempts));
        self.publish(FAILED, data).await;
    }

    fn base(&self) -> Map<String, Value> {
        let mut data = Map::new();
        data.insert("download_id".to_owned(), json!(self.identity.download_id));
        if let Some(job_id) = &self.identity.job_id {
            data.insert("job_id".to_owned(), json!(job_id));
        }
        data
    }

    fn with_track(&self) -> Map<String, Value> {
        let mut data = self.base();
        data.insert("track".to_owned(), json!(self.identity.track));
        data
    }

    async fn publish(&self, event_type: &str, data: Map<String, Value>) {
        let download_id = &self.identity.download_id;
        let event = match envelope(event_type, Value::Object(data)) {
            Ok(event) => event,
            Err(error) => {
                tracing::error!(%download_id, event_type, %error, "event not built");
                return;
            }
        };
        let event = match self.identity.correlation_id() {
            Some(correlation_id) => event.with_correlation_id(correlation_id),
            None => event,
        };
        // The outcome is what a job waits for: keep trying through a NATS outage. The same
        // event id each time, so JetStream stores it once.
        let policy = if event_type == COMPLETED || event_type == FAILED {
            self.outcome_retry
        } else {
            RetryPolicy::never()
        };
        let mut backoff = policy.backoff();
        loop {
            let attempt = backoff.start();
            let published = self
                .publisher
                .publish(event.clone(), &self.identity.context)
                .await;
            let Err(error) = published else { return };
            let Some(pause) = backoff.next_pause(None) else {
                tracing::error!(%download_id, event_type, attempt, %error, "event not published");
                return;
            };
            tracing::warn!(%download_id, event_type, attempt, %error, ?pause, "event not published, retrying");
            tokio::time::sleep(pause).await;
        }
    }
}

/// An event of `event_type` from this module at the contract's current version.
fn envelope(event_type: &str, data: Value) -> Result<EventEnvelope, SchemaViolation> {
    let version = soulspot_contracts::contracts()?.event_version(event_type)?;
    Ok(EventEnvelope::new(event_type, version, MODULE, data))
}

#[cfg(test)]
mod tests {
    use soulspot_bus::testing::RecordingBus;

    use super::*;

    fn identity(job_id: Option<&str>, correlation: Option<&str>) -> DownloadIdentity {
        DownloadIdentity {
            download_id: "0192b3c4-0000-7000-8000-000000000001".to_owned(),
            job_id: job_id.map(str::to_owned),
            track: TrackRef {
                title: "Glass Harbour".to_owned(),
                artist: "Aurora Lane".to_owned(),
                ..TrackRef::default()
            },
            context: MessageContext::new_root(correlation.map(str::to_owned)),
        }
    }

    #[tokio::test]
    async fn every_event_matches_its_contract_and_carries_the_job_id() {
        let bus = RecordingBus::default();
        let identity = identity(Some("job-1"), Some("other"));
        let events = DownloadEvents::new(&bus, &identity);
        events.started("peer", r"@@m\A\B\01 - T.flac").await;
        events.progress(10, 100, 10.0).await;
        let file = FileRef {
            file_id: "f-1".to_owned(),
            path: "/downloads/B/01 - T.flac".to_owned(),
            size: 100,
            format: "flac".to_owned(),
            checksum: Some("sha256:00".to_owned()),
        };
        events.completed(&file, "peer").await;
        events.failed("every candidate failed", true, 3).await;
        let published = bus.published();
        let types: Vec<&str> = published.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(types, [STARTED, PROGRESS, COMPLETED, FAILED]);
        assert!(
            published
                .iter()
                .all(|e| e.correlation_id.as_deref() == Some("job-1"))
        );
        assert!(published.iter().all(|e| e.data["job_id"] == "job-1"));
        assert_eq!(published[2].data["file"]["checksum"], "sha256:00");
        assert_eq!(published[3].data["attempts"], 3);
    }

    #[tokio::test]
    async fn without_a_job_id_the_request_correlation_is_kept() {
        let bus = RecordingBus::default();
        let identity = identity(None, Some("corr-7"));
        DownloadEvents::new(&bus, &identity)
            .failed("no candidate", true, 0)
            .await;
        let event = &bus.published()[0];
        assert_eq!(event.correlation_id.as_deref(), Some("corr-7"));
        assert!(event.data.get("job_id").is_none());
    }
}
