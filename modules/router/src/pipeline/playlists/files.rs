//! Keeping each synced playlist's M3U8 file in the library current: after a sync, and after
//! each of its tracks' jobs completes, the router asks the library (`playlist.write`) to
//! rewrite the file from the playlist's tracks in order.
//!
//! Called directly rather than driven by events: the library derives the file from its index
//! at each write, so a write lost to a crash is made good by the next one, and writes in any
//! order converge. Writes of one playlist are coalesced: while one is in flight, any number
//! of requests for the same playlist make one more write after it, not one each, so a long
//! playlist completing track by track costs a bounded number of rewrites.
//!
//! One request carries the whole playlist, so a playlist longer than the contract's
//! [`MAX_TRACKS`] gets no file (a warning says so); the tracks are sent with only what the
//! library matches them by, to keep the request small.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use soulspot_bus::MessageContext;
use soulspot_contracts::TrackRef;
use soulspot_contracts::operations::PLAYLIST_WRITE;
use soulspot_contracts::payloads::PlaylistWriteRequest;

use crate::pipeline::store::JobStore;
use crate::route::Router;

/// The most tracks `playlist.write` takes (its contract's `maxItems`).
pub const MAX_TRACKS: usize = 2_000;

/// What the library matches a track by: its ids, artist and title.
fn matching_fields(track: TrackRef) -> TrackRef {
    TrackRef {
        album: None,
        duration_ms: None,
        ..track
    }
}

/// Writes playlist files, one write in flight per playlist; cheap to clone.
#[derive(Debug, Clone)]
pub struct PlaylistFiles {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    router: Arc<Router>,
    store: JobStore,
    /// Playlists with a write in flight, and whether another was asked for meanwhile.
    writing: Mutex<HashMap<String, bool>>,
}

impl PlaylistFiles {
    pub fn new(router: Arc<Router>, store: JobStore) -> Self {
        Self {
            inner: Arc::new(Inner {
                router,
                store,
                writing: Mutex::new(HashMap::new()),
            }),
        }
    }

    fn writing(&self) -> MutexGuard<'_, HashMap<String, bool>> {
        // The map stays consistent whatever panicked while holding it.
        self.inner
            .writing
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Has the playlist's file rewritten soon, in the background.
    pub fn refresh(&self, playlist_id: &str) {
        {
            let mut writing = self.writing();
            if let Some(again) = writing.get_mut(playlist_id) {
                *again = true;
                return;
            }
            writing.insert(playlist_id.to_owned(), false);
        }
        let files = self.clone();
        let playlist_id = playlist_id.to_owned();
        tokio::spawn(async move {
            loop {
                files.write(&playlist_id).await;
                let mut writing = files.writing();
                match writing.get_mut(&playlist_id) {
                    Some(again) if *again => *again = false,
                    _ => {
                        writing.remove(&playlist_id);
                        return;
                    }
                }
            }
        });
    }

    /// One write; a failure is logged, as the next write makes it good.
    async fn write(&self, playlist_id: &str) {
        let record = match self.inner.store.load_playlist(playlist_id).await {
            Ok(Some(record)) => record,
            Ok(None) => return,
            Err(error) => {
                tracing::warn!(playlist_id, %error, "playlist not readable, its file not updated");
                return;
            }
        };
        if record.tracks.len() > MAX_TRACKS {
            tracing::warn!(
                playlist_id,
                tracks = record.tracks.len(),
                max_tracks = MAX_TRACKS,
                "playlist too long for a playlist file, none written"
            );
            return;
        }
        let request = PlaylistWriteRequest {
            name: record
                .name
                .clone()
                .unwrap_or_else(|| record.playlist_id.clone()),
            playlist_id: record.playlist_id,
            tracks: record
                .tracks
                .into_iter()
                .map(|entry| matching_fields(entry.track))
                .collect(),
        };
        let params = match serde_json::to_value(&request) {
            Ok(params) => params,
            Err(error) => {
                tracing::warn!(playlist_id, %error, "playlist file request not encodable");
                return;
            }
        };
        let context = MessageContext::new_root(None);
        match self
            .inner
            .router
            .route(PLAYLIST_WRITE, &params, &context)
            .await
        {
            Ok(reply) => tracing::debug!(playlist_id, %reply, "playlist file updated"),
            Err(error) => tracing::warn!(
                playlist_id,
                %error,
                impact = "the playlist's m3u8 file in the library is not current",
                "playlist file not updated"
            ),
        }
    }
}
