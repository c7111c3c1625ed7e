//! The capabilities `search.track` and `playlist.tracks`: requests in, replies out, and the
//! one place where library errors become service errors.

use std::sync::Arc;

use soulspot_contracts::operations::{PLAYLIST_TRACKS, SEARCH_TRACK};
use soulspot_contracts::payloads::{
    PlaylistTracksReply, PlaylistTracksRequest, SearchTrackReply, SearchTrackRequest,
};
use soulspot_runtime::{CallContext, Capability, ServiceError};

use crate::client::{MAX_SEARCH_LIMIT, SpotifyClient};
use crate::playlist_ref::{parse_playlist_id, parse_track_reference};

/// Spotify is the preferred search provider (the library's local search has 5).
pub const SEARCH_PRIORITY: u32 = 10;
/// The only provider of playlists.
pub const PLAYLIST_PRIORITY: u32 = 10;

/// `search.track` at priority 10.
pub fn search_capability(client: Arc<SpotifyClient>) -> Capability {
    Capability::new(
        SEARCH_TRACK,
        SEARCH_PRIORITY,
        move |_: CallContext, request: SearchTrackRequest| {
            let client = client.clone();
            async move { search(&client, request).await }
        },
    )
}

/// `playlist.tracks`.
pub fn playlist_capability(client: Arc<SpotifyClient>) -> Capability {
    Capability::new(
        PLAYLIST_TRACKS,
        PLAYLIST_PRIORITY,
        move |_: CallContext, request: PlaylistTracksRequest| {
            let client = client.clone();
            async move { playlist(&client, request).await }
        },
    )
}

async fn search(
    client: &SpotifyClient,
    request: SearchTrackRequest,
) -> Result<SearchTrackReply, ServiceError> {
    let limit = request.limit.unwrap_or(MAX_SEARCH_LIMIT);
    // A query that names one track (`spotify:track:<id>`, a track link) finds that track.
    let found = match parse_track_reference(&request.query) {
        Some(track_id) => client.track(&track_id).await.map(Vec::from_iter),
        None => client.search_tracks(&request.query, limit).await,
    };
    let tracks = found.map_err(|error| error.to_service_error())?;
    metrics::counter!("soulspot_spotify_searches_total").increment(1);
    Ok(SearchTrackReply { tracks })
}

async fn playlist(
    client: &SpotifyClient,
    request: PlaylistTracksRequest,
) -> Result<PlaylistTracksReply, ServiceError> {
    let playlist_id = parse_playlist_id(&request.playlist).map_err(ServiceError::bad_request)?;
    let playlist = client
        .playlist(&playlist_id)
        .await
        .map_err(|error| error.to_service_error())?;
    metrics::counter!("soulspot_spotify_playlists_read_total").increment(1);
    Ok(PlaylistTracksReply {
        playlist_id,
        name: playlist.name,
        tracks: playlist.tracks,
    })
}
