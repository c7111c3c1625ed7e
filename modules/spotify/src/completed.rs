//! Reacting to `download.completed.for_source`: a download the spotify playlist sync asked
//! for has finished, so its track is marked downloaded for that playlist.

use serde::Deserialize;
use soulspot_bus::{
    EventBus, EventStoreError, HandlerError, ReceivedEvent, SubscribeOptions, Subscription,
};
use soulspot_contracts::TrackRef;
use soulspot_contracts::operations::modules::SPOTIFY;

use crate::downloads::DownloadedTracks;
use crate::playlist_ref::{is_spotify_id, parse_playlist_id};

/// The event this module consumes.
pub const EVENT_TYPE: &str = "download.completed.for_source";

/// The fields of the event's data the module reads.
#[derive(Debug, Deserialize)]
struct CompletedForSource {
    job_id: String,
    source: String,
    #[serde(default)]
    source_ref: Option<String>,
    track: TrackRef,
}

/// Subscribes the durable consumer `spotify` and records every spotify playlist download.
pub async fn subscribe(
    bus: &EventBus,
    downloads: DownloadedTracks,
) -> Result<Subscription, EventStoreError> {
    bus.subscribe(SubscribeOptions::new(SPOTIFY, EVENT_TYPE), move |event| {
        let downloads = downloads.clone();
        async move { record(&downloads, event).await }
    })
    .await
}

async fn record(downloads: &DownloadedTracks, event: ReceivedEvent) -> Result<(), HandlerError> {
    let completed: CompletedForSource = serde_json::from_value(event.envelope.data)?;
    if completed.source != SPOTIFY {
        return Ok(());
    }
    let Some((playlist_id, track_id)) = playlist_track(&completed) else {
        tracing::debug!(job_id = %completed.job_id, "spotify download without a playlist track, nothing to record");
        return Ok(());
    };
    downloads
        .record(&playlist_id, track_id, &completed.job_id)
        .await?;
    metrics::counter!("soulspot_spotify_playlist_downloads_recorded_total").increment(1);
    tracing::info!(job_id = %completed.job_id, %playlist_id, track_id, "playlist track downloaded");
    Ok(())
}

/// The playlist and track ids, when the event names a playlist and a Spotify track.
fn playlist_track(completed: &CompletedForSource) -> Option<(String, &str)> {
    let playlist_id = parse_playlist_id(completed.source_ref.as_deref()?).ok()?;
    let track_id = completed
        .track
        .spotify_id
        .as_deref()
        .filter(|id| is_spotify_id(id))?;
    Some((playlist_id, track_id))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn completed(source_ref: Option<&str>, spotify_id: Option<&str>) -> CompletedForSource {
        serde_json::from_value(json!({
            "job_id": "job-1",
            "source": "spotify",
            "source_ref": source_ref,
            "track": {"title": "Teardrop", "artist": "Massive Attack", "spotify_id": spotify_id},
        }))
        .unwrap()
    }

    #[test]
    fn finds_the_playlist_and_track_in_any_reference_form() {
        let uri = completed(
            Some("spotify:playlist:37i9dQZF1DXcBWIGoYBM5M"),
            Some("67Hna13dNDkZvBpTXRIaOJ"),
        );
        assert_eq!(
            playlist_track(&uri),
            Some((
                "37i9dQZF1DXcBWIGoYBM5M".to_owned(),
                "67Hna13dNDkZvBpTXRIaOJ"
            ))
        );
    }

    #[test]
    fn ignores_events_without_a_playlist_or_a_usable_track_id() {
        assert_eq!(
            playlist_track(&completed(None, Some("67Hna13dNDkZvBpTXRIaOJ"))),
            None
        );
        assert_eq!(
            playlist_track(&completed(Some("37i9dQZF1DXcBWIGoYBM5M"), None)),
            None
        );
        assert_eq!(
            playlist_track(&completed(Some("37i9dQZF1DXcBWIGoYBM5M"), Some("a.>"))),
            None
        );
    }
}
