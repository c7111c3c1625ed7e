//! Reacting to `download.completed.for_source`: a download the spotify playlist sync asked
//! for has finished, so its track is marked downloaded for that playlist.

use soulspot_bus::{
    EventBus, EventStoreError, HandlerError, ReceivedEvent, SubscribeOptions, Subscription,
};
use soulspot_contracts::operations::modules::SPOTIFY;
use soulspot_contracts::payloads::{DownloadCompletedForSource, EventPayload};

use crate::downloads::DownloadedTracks;
use crate::playlist_ref::{is_spotify_id, parse_playlist_id};

/// Subscribes the durable consumer `spotify` and records every spotify playlist download.
pub async fn subscribe(
    bus: &EventBus,
    downloads: DownloadedTracks,
) -> Result<Subscription, EventStoreError> {
    let options = SubscribeOptions::new(SPOTIFY, DownloadCompletedForSource::EVENT_TYPE);
    bus.subscribe(options, move |event| {
        let downloads = downloads.clone();
        async move { record(&downloads, event).await }
    })
    .await
}

async fn record(downloads: &DownloadedTracks, event: ReceivedEvent) -> Result<(), HandlerError> {
    let completed: DownloadCompletedForSource = event.envelope.payload()?;
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
fn playlist_track(completed: &DownloadCompletedForSource) -> Option<(String, &str)> {
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

    fn completed(source_ref: Option<&str>, spotify_id: Option<&str>) -> DownloadCompletedForSource {
        serde_json::from_value(json!({
            "job_id": "job-1",
            "source": "spotify",
            "source_ref": source_ref,
            "track": {"title": "Teardrop", "artist": "Massive Attack", "spotify_id": spotify_id},
            "file": {"file_id": "f-1", "path": "/downloads/a.flac", "size": 1, "format": "flac"},
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
