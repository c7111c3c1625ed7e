//! `playlist.write`: a synced playlist as an M3U8 file inside the library, at
//! `<root>/Playlists/<name>.m3u8`, listing in playlist order the tracks the library holds,
//! with paths relative to the file so that the library folder can move as a whole.
//!
//! The file is derived from the index each time it is written, never patched, and writes
//! run one at a time: a write sees every track imported before it, so writes in any order,
//! repeated or concurrent, converge on the library's state. It is replaced atomically (a
//! temporary file renamed over it), so a player never reads half a playlist.

use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use soulspot_common::paths;
use soulspot_contracts::payloads::{PlaylistWriteReply, PlaylistWriteRequest};

use crate::index::{DuplicateKey, IndexError, TrackRecord};
use crate::library::Library;
use crate::sanitize::{join_inside, sanitize_file_name};

/// The folder under the library root that holds the playlists.
pub const PLAYLISTS_FOLDER: &str = "Playlists";

#[derive(Debug, thiserror::Error)]
pub enum PlaylistError {
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error("the playlist file would lie outside the library: {0}")]
    UnsafeDestination(String),
    #[error("cannot {action}: {source}")]
    Io {
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
}

fn io_error(action: &'static str) -> impl FnOnce(std::io::Error) -> PlaylistError {
    move |source| PlaylistError::Io { action, source }
}

impl Library {
    /// Writes the playlist's file: the tracks of `request` the index holds, in order.
    pub fn write_playlist(
        &self,
        request: &PlaylistWriteRequest,
    ) -> Result<PlaylistWriteReply, PlaylistError> {
        // A poisoned lock only means a panicked writer; the file it left is whole (renamed).
        let _one_writer = self
            .playlist_lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut held = Vec::with_capacity(request.tracks.len());
        for track in &request.tracks {
            if let Some(found) = self.index.find_duplicate(&DuplicateKey::of_track(track))? {
                held.push(found.record);
            }
        }
        let destination = self.playlist_path(&request.name)?;
        let folder = destination
            .parent()
            .ok_or_else(|| PlaylistError::UnsafeDestination(destination.display().to_string()))?;
        let text = m3u8(&held, folder);
        replace_file(folder, &destination, &text)?;
        tracing::info!(
            playlist_id = %request.playlist_id,
            path = %destination.display(),
            entries = held.len(),
            "playlist file written"
        );
        Ok(PlaylistWriteReply {
            path: destination.display().to_string(),
            entries: held.len() as u64,
            missing: (request.tracks.len() - held.len()) as u64,
        })
    }

    /// `<root>/Playlists/<sanitised name>.m3u8`, its folder created and checked to lie
    /// inside the root with symlinks resolved.
    fn playlist_path(&self, name: &str) -> Result<PathBuf, PlaylistError> {
        let file_name = sanitize_file_name(&format!("{name}.m3u8"), self.section.max_name_bytes);
        let components = [PLAYLISTS_FOLDER.to_owned(), file_name];
        let unsafe_destination = || PlaylistError::UnsafeDestination(components.join("/"));
        let destination = join_inside(&self.root, &components).ok_or_else(unsafe_destination)?;
        let folder = self.root.join(PLAYLISTS_FOLDER);
        fs::create_dir_all(&folder).map_err(io_error("create the playlists folder"))?;
        let resolved =
            fs::canonicalize(&folder).map_err(io_error("resolve the playlists folder"))?;
        if !paths::is_inside(&resolved, &self.root) {
            return Err(unsafe_destination());
        }
        Ok(destination)
    }
}

/// The extended M3U text: `#EXTM3U`, then per track `#EXTINF:<seconds>,<artist> - <title>`
/// and its path relative to `folder`.
fn m3u8(tracks: &[TrackRecord], folder: &Path) -> String {
    let mut text = String::from("#EXTM3U\n");
    for track in tracks {
        // -1 is M3U's "length unknown".
        let seconds = track
            .duration_ms
            .map_or(-1, |ms| i64::try_from(ms.div_ceil(1000)).unwrap_or(-1));
        let label = one_line(&format!("{} - {}", track.artist, track.title));
        let location = relative_location(Path::new(&track.path), folder);
        // Writing to a String cannot fail.
        let _ = write!(text, "#EXTINF:{seconds},{label}\n{location}\n");
    }
    text
}

/// Line breaks would end the entry early: tags are shown on one line.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// `path` relative to `folder`, `/`-separated (`../Artist/Album/01 Song.flac`), both being
/// absolute paths under the library root.
fn relative_location(path: &Path, folder: &Path) -> String {
    let path_parts: Vec<_> = path.components().collect();
    let folder_parts: Vec<_> = folder.components().collect();
    let shared = path_parts
        .iter()
        .zip(&folder_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let ups = std::iter::repeat_n("..".to_owned(), folder_parts.len() - shared);
    let downs = path_parts[shared..]
        .iter()
        .map(|part| part.as_os_str().to_string_lossy().into_owned());
    ups.chain(downs).collect::<Vec<_>>().join("/")
}

/// Writes `text` to a temporary file in `folder`, then renames it over `destination`.
fn replace_file(folder: &Path, destination: &Path, text: &str) -> Result<(), PlaylistError> {
    let mut temporary =
        tempfile::NamedTempFile::new_in(folder).map_err(io_error("create a temporary file"))?;
    temporary
        .write_all(text.as_bytes())
        .map_err(io_error("write the playlist file"))?;
    temporary
        .as_file()
        .sync_all()
        .map_err(io_error("flush the playlist file"))?;
    temporary
        .persist(destination)
        .map_err(|error| PlaylistError::Io {
            action: "replace the playlist file",
            source: error.error,
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_relative_to_the_playlists_folder() {
        let folder = Path::new("/music/Playlists");
        assert_eq!(
            relative_location(
                Path::new("/music/Massive Attack/Mezzanine/03 Teardrop.flac"),
                folder
            ),
            "../Massive Attack/Mezzanine/03 Teardrop.flac"
        );
    }

    #[test]
    fn entries_carry_length_artist_and_title_on_one_line() {
        let track = TrackRecord {
            path: "/music/A/B/01 Song.mp3".to_owned(),
            title: "Song\nwith a break".to_owned(),
            artist: "Artist".to_owned(),
            duration_ms: Some(200_400),
            ..TrackRecord::default()
        };
        let text = m3u8(&[track], Path::new("/music/Playlists"));
        assert_eq!(
            text,
            "#EXTM3U\n#EXTINF:201,Artist - Song with a break\n../A/B/01 Song.mp3\n"
        );
    }
}
