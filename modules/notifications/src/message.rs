//! What `notify.track_ready` receives and replies, and the notification text the channels send.

use serde::Serialize;
use soulspot_contracts::TrackRef;
use soulspot_contracts::payloads::NotifyTrackReadyRequest;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// One notification, fixed once so that every channel and every retry sends the same thing.
#[derive(Debug, Clone)]
pub struct Notification {
    pub request: NotifyTrackReadyRequest,
    pub sent_at: OffsetDateTime,
}

/// The webhook body: `{event, job_id, track, path, sent_at}`.
#[derive(Debug, Serialize)]
pub struct TrackReadyEvent<'a> {
    pub event: &'static str,
    pub job_id: Option<&'a str>,
    pub track: &'a TrackRef,
    pub path: &'a str,
    pub sent_at: String,
}

impl Notification {
    pub fn new(request: NotifyTrackReadyRequest, sent_at: OffsetDateTime) -> Self {
        Self { request, sent_at }
    }

    pub fn job_id(&self) -> Option<&str> {
        self.request.job_id.as_deref()
    }

    /// `Track ready: Teardrop`.
    pub fn title(&self) -> String {
        format!("Track ready: {}", self.request.track.title)
    }

    /// `Massive Attack – Teardrop (Mezzanine)` and, on the next line, the library path.
    pub fn message(&self) -> String {
        let track = &self.request.track;
        let album = track
            .album
            .as_deref()
            .map(|album| format!(" ({album})"))
            .unwrap_or_default();
        format!(
            "{} – {}{album}\n{}",
            track.artist, track.title, self.request.path
        )
    }

    pub fn event(&self) -> TrackReadyEvent<'_> {
        TrackReadyEvent {
            event: "track_ready",
            job_id: self.job_id(),
            track: &self.request.track,
            path: &self.request.path,
            // Formatting a valid date as RFC 3339 fails only for years outside 0..=9999.
            sent_at: self.sent_at.format(&Rfc3339).unwrap_or_default(),
        }
    }
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
}
