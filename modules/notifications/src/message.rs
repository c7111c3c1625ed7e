//! What the module tells the user — a track is ready, or a job failed — and the text and
//! webhook body the channels send for it.

use serde::Serialize;
use soulspot_contracts::TrackRef;
use soulspot_contracts::payloads::{NotifyTrackReadyRequest, PipelineFailed};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// What a notification is about.
#[derive(Debug, Clone)]
pub enum Subject {
    /// `notify.track_ready`: a track is in the library.
    TrackReady(NotifyTrackReadyRequest),
    /// A `pipeline.failed` event: a job stopped at a step.
    JobFailed(PipelineFailed),
}

/// One notification, fixed once so that every channel and every retry sends the same thing.
#[derive(Debug, Clone)]
pub struct Notification {
    pub subject: Subject,
    pub sent_at: OffsetDateTime,
}

/// The webhook body: `{event: "track_ready", job_id, track, path, sent_at}` or
/// `{event: "job_failed", job_id, track, failed_step, reason, sent_at}`.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum WebhookEvent<'a> {
    TrackReady(TrackReadyEvent<'a>),
    JobFailed(JobFailedEvent<'a>),
}

#[derive(Debug, Serialize)]
pub struct TrackReadyEvent<'a> {
    pub event: &'static str,
    pub job_id: Option<&'a str>,
    pub track: &'a TrackRef,
    pub path: &'a str,
    pub sent_at: String,
}

#[derive(Debug, Serialize)]
pub struct JobFailedEvent<'a> {
    pub event: &'static str,
    pub job_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub track: Option<&'a TrackRef>,
    pub failed_step: &'a str,
    pub reason: &'a str,
    pub sent_at: String,
}

impl Notification {
    /// A track-ready notification.
    pub fn new(request: NotifyTrackReadyRequest, sent_at: OffsetDateTime) -> Self {
        Self {
            subject: Subject::TrackReady(request),
            sent_at,
        }
    }

    /// A job-failed notification.
    pub fn job_failed(failed: PipelineFailed, sent_at: OffsetDateTime) -> Self {
        Self {
            subject: Subject::JobFailed(failed),
            sent_at,
        }
    }

    pub fn job_id(&self) -> Option<&str> {
        match &self.subject {
            Subject::TrackReady(request) => request.job_id.as_deref(),
            Subject::JobFailed(failed) => Some(&failed.job_id),
        }
    }

    /// What the delivery log remembers a delivery by: the job for a track-ready notification,
    /// the job and `failed` for a failure, so that a job's two kinds never suppress each other.
    pub fn dedup_key(&self) -> Option<String> {
        match &self.subject {
            Subject::TrackReady(request) => request.job_id.clone(),
            Subject::JobFailed(failed) => Some(format!("{}/failed", failed.job_id)),
        }
    }

    /// `Track ready: Teardrop`, or `Failed at download: Teardrop`.
    pub fn title(&self) -> String {
        match &self.subject {
            Subject::TrackReady(request) => format!("Track ready: {}", request.track.title),
            Subject::JobFailed(failed) => match &failed.track {
                Some(track) => format!("Failed at {}: {}", failed.failed_step, track.title),
                None => format!("Job failed at {}", failed.failed_step),
            },
        }
    }

    /// `Massive Attack – Teardrop (Mezzanine)` and, on the next line, the library path, or
    /// for a failure the reason (and the job, when it never resolved a track).
    pub fn message(&self) -> String {
        match &self.subject {
            Subject::TrackReady(request) => {
                format!("{}\n{}", describe(&request.track), request.path)
            }
            Subject::JobFailed(failed) => match &failed.track {
                Some(track) => format!("{}\n{}", describe(track), failed.reason),
                None => format!("job {}\n{}", failed.job_id, failed.reason),
            },
        }
    }

    pub fn event(&self) -> WebhookEvent<'_> {
        // Formatting a valid date as RFC 3339 fails only for years outside 0..=9999.
        let sent_at = self.sent_at.format(&Rfc3339).unwrap_or_default();
        match &self.subject {
            Subject::TrackReady(request) => WebhookEvent::TrackReady(TrackReadyEvent {
                event: "track_ready",
                job_id: request.job_id.as_deref(),
                track: &request.track,
                path: &request.path,
                sent_at,
            }),
            Subject::JobFailed(failed) => WebhookEvent::JobFailed(JobFailedEvent {
                event: "job_failed",
                job_id: &failed.job_id,
                track: failed.track.as_ref(),
                failed_step: &failed.failed_step,
                reason: &failed.reason,
                sent_at,
            }),
        }
    }
}

/// `Massive Attack – Teardrop (Mezzanine)`.
fn describe(track: &TrackRef) -> String {
    let album = track
        .album
        .as_deref()
        .map(|album| format!(" ({album})"))
        .unwrap_or_default();
    format!("{} – {}{album}", track.artist, track.title)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notification(album: Option<&str>) -> Notification {
        let track = TrackRef {
            title: "Teardrop".to_owned(),
            artist: "Massive Attack".to_owned(),
            album: album.map(str::to_owned),
            ..TrackRef::default()
        };
        let request = NotifyTrackReadyRequest {
            job_id: Some("job-42".to_owned()),
            track,
            path: "/music/Teardrop.flac".to_owned(),
        };
        Notification::new(request, OffsetDateTime::UNIX_EPOCH)
    }

    #[test]
    fn the_message_names_artist_title_album_and_path() {
        assert_eq!(
            notification(Some("Mezzanine")).message(),
            "Massive Attack – Teardrop (Mezzanine)\n/music/Teardrop.flac"
        );
        assert_eq!(
            notification(None).message(),
            "Massive Attack – Teardrop\n/music/Teardrop.flac"
        );
    }

    #[test]
    fn the_event_has_the_documented_fields() {
        let event = serde_json::to_value(notification(None).event()).unwrap();
        assert_eq!(event["event"], "track_ready");
        assert_eq!(event["job_id"], "job-42");
        assert_eq!(event["track"]["title"], "Teardrop");
        assert_eq!(event["path"], "/music/Teardrop.flac");
        assert_eq!(event["sent_at"], "1970-01-01T00:00:00Z");
    }

    fn failure(track: Option<TrackRef>) -> Notification {
        let failed = PipelineFailed {
            job_id: "job-7".to_owned(),
            track,
            failed_step: "download".to_owned(),
            reason: "no peer shares it".to_owned(),
        };
        Notification::job_failed(failed, OffsetDateTime::UNIX_EPOCH)
    }

    #[test]
    fn a_failure_names_its_step_and_reason() {
        let track = TrackRef {
            title: "Teardrop".to_owned(),
            artist: "Massive Attack".to_owned(),
            album: Some("Mezzanine".to_owned()),
            ..TrackRef::default()
        };
        let with_track = failure(Some(track));
        assert_eq!(with_track.title(), "Failed at download: Teardrop");
        assert_eq!(
            with_track.message(),
            "Massive Attack – Teardrop (Mezzanine)\nno peer shares it"
        );
        let without_track = failure(None);
        assert_eq!(without_track.title(), "Job failed at download");
        assert_eq!(without_track.message(), "job job-7\nno peer shares it");
        let event = serde_json::to_value(without_track.event()).unwrap();
        assert_eq!(event["event"], "job_failed");
        assert_eq!(event["failed_step"], "download");
        assert_eq!(event["reason"], "no peer shares it");
        assert!(event.get("track").is_none());
    }

    #[test]
    fn a_failure_and_a_success_of_one_job_are_remembered_apart() {
        assert_eq!(notification(None).dedup_key().as_deref(), Some("job-42"));
        assert_eq!(failure(None).dedup_key().as_deref(), Some("job-7/failed"));
    }
}
