//! State shared by every emulator: configuration, catalog, faults and generated audio.

use std::sync::Arc;

use tokio::sync::watch;

use crate::audio::{AudioLibrary, AudioRequest, AudioTags};
use crate::catalog::{Catalog, PeerFile};
use crate::config::SandboxConfig;
use crate::edits::PlaylistEdits;
use crate::faults::Faults;
use crate::observed::Observed;
use crate::server::SandboxUrls;

/// Default bitrate of MP3 files whose catalog entry names none.
const DEFAULT_MP3_KBPS: u32 = 320;

/// What every emulator can see.
#[derive(Debug)]
pub(crate) struct Shared {
    pub config: SandboxConfig,
    pub urls: SandboxUrls,
    pub faults: Arc<Faults>,
    pub observed: Arc<Observed>,
    pub edits: Arc<PlaylistEdits>,
    pub audio: AudioLibrary,
    pub shutdown: watch::Receiver<bool>,
}

impl Shared {
    pub fn catalog(&self) -> &Catalog {
        &self.config.catalog
    }

    /// The audio a shared file holds: its track's tags in its format.
    pub fn audio_request(&self, file: &PeerFile) -> AudioRequest {
        let catalog = self.catalog();
        let tags = catalog
            .track(&file.track_id)
            .and_then(|track| {
                let (artist, album) = catalog.context(track)?;
                Some(AudioTags {
                    title: track.title.clone(),
                    artist: artist.name.clone(),
                    album: album.title.clone(),
                    track_number: track.track_number,
                })
            })
            .unwrap_or_default();
        AudioRequest {
            format: file.format,
            tags,
            bit_rate_kbps: file.bit_rate.unwrap_or(DEFAULT_MP3_KBPS),
        }
    }

    /// Size in bytes of the file a download of `file` writes.
    pub fn file_size(&self, file: &PeerFile) -> u64 {
        self.audio.render(&self.audio_request(file)).len() as u64
    }
}
