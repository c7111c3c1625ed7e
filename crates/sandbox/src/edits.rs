//! Changes to the catalog's playlists while the sandbox runs, as a user editing a playlist
//! on Spotify would make them: tests add a track and see a watched playlist pick it up.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::catalog::Playlist;

/// Tracks appended to playlists since start, by playlist id; shared by every emulator.
#[derive(Debug, Default)]
pub struct PlaylistEdits {
    appended: Mutex<HashMap<String, Vec<String>>>,
}

impl PlaylistEdits {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Vec<String>>> {
        // A poisoned lock only means a panicking test thread; the edits stay usable.
        self.appended.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends the catalog track `spotify_id` to playlist `playlist_id`.
    pub fn append(&self, playlist_id: &str, spotify_id: &str) {
        self.lock()
            .entry(playlist_id.to_owned())
            .or_default()
            .push(spotify_id.to_owned());
    }

    /// The playlist's entries now: the catalog's, then those appended.
    pub fn track_ids(&self, playlist: &Playlist) -> Vec<String> {
        let mut ids = playlist.track_ids.clone();
        if let Some(appended) = self.lock().get(&playlist.id) {
            ids.extend(appended.iter().cloned());
        }
        ids
    }
}
