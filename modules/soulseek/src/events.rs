//! The `download.*` events of one download, built from their contract payloads and published
//! with the download's correlation id.

use soulspot_bus::{EventPublisher, MessageContext};
use soulspot_common::RetryPolicy;
use soulspot_contracts::payloads::{
    DownloadCompleted, DownloadFailed, DownloadProgress, DownloadStarted, EventPayload,
};
use soulspot_contracts::{EventEnvelope, FileRef, TrackRef};

use crate::MODULE;

pub const STARTED: &str = DownloadStarted::EVENT_TYPE;
pub const PROGRESS: &str = DownloadProgress::EVENT_TYPE;
pub const COMPLETED: &str = DownloadCompleted::EVENT_TYPE;
pub const FAILED: &str = DownloadFailed::EVENT_TYPE;

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
        let identity = self.identity;
        self.publish(&DownloadStarted {
            download_id: identity.download_id.clone(),
            job_id: identity.job_id.clone(),
            track: identity.track.clone(),
            username: username.to_owned(),
            filename: filename.to_owned(),
        })
        .await;
    }

    pub async fn progress(&self, bytes_transferred: u64, size: u64, percent: f64) {
        let identity = self.identity;
        self.publish(&DownloadProgress {
            download_id: identity.download_id.clone(),
            job_id: identity.job_id.clone(),
            bytes_transferred,
            size,
            percent,
        })
        .await;
    }

    pub async fn completed(&self, file: &FileRef, username: &str) {
        let identity = self.identity;
        self.publish(&DownloadCompleted {
            download_id: identity.download_id.clone(),
            job_id: identity.job_id.clone(),
            track: identity.track.clone(),
            file: file.clone(),
            username: Some(username.to_owned()),
        })
        .await;
    }

    pub async fn failed(&self, error: &str, can_retry: bool) {
        let identity = self.identity;
        self.publish(&DownloadFailed {
            download_id: identity.download_id.clone(),
            job_id: identity.job_id.clone(),
            track: identity.track.clone(),
            error: error.to_owned(),
            can_retry,
        })
        .await;
    }

    async fn publish<E: EventPayload>(&self, payload: &E) {
        let event_type = E::EVENT_TYPE;
        let download_id = &self.identity.download_id;
        let event = match EventEnvelope::of(MODULE, payload) {
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
        events.failed("every candidate failed", true).await;
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
        let failed: DownloadFailed = published[3].payload().unwrap();
        assert_eq!(failed.error, "every candidate failed");
    }

    #[tokio::test]
    async fn without_a_job_id_the_request_correlation_is_kept() {
        let bus = RecordingBus::default();
        let identity = identity(None, Some("corr-7"));
        DownloadEvents::new(&bus, &identity)
            .failed("no candidate", true)
            .await;
        let event = &bus.published()[0];
        assert_eq!(event.correlation_id.as_deref(), Some("corr-7"));
        assert!(event.data.get("job_id").is_none());
    }
}
