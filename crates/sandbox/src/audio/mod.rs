//! Generated audio: real, decodable FLAC and MP3 files carrying a track's tags.

mod crc;
mod flac;
mod mp3;
mod tone;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

pub use flac::encode as encode_flac;
pub use mp3::encode as encode_mp3;
pub use tone::Tone;

/// The audio containers the sandbox can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AudioFormat {
    /// FLAC, 44.1 kHz, 16 bit, stereo.
    Flac,
    /// MPEG-1 Layer III, 44.1 kHz, stereo, constant bitrate.
    Mp3,
}

impl AudioFormat {
    /// Format named by a filename's suffix (remote paths included), if supported.
    pub fn from_filename(filename: &str) -> Option<Self> {
        let suffix = filename.rsplit_once('.')?.1.to_ascii_lowercase();
        match suffix.as_str() {
            "flac" => Some(Self::Flac),
            "mp3" => Some(Self::Mp3),
            _ => None,
        }
    }

    /// The filename suffix without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Flac => "flac",
            Self::Mp3 => "mp3",
        }
    }
}

/// Tags written into generated files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AudioTags {
    /// Track title.
    pub title: String,
    /// Track artist.
    pub artist: String,
    /// Album title.
    pub album: String,
    /// Track number.
    pub track_number: u32,
}

/// What to render: the cache key of a generated file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AudioRequest {
    /// Container.
    pub format: AudioFormat,
    /// Embedded tags; also seeds the tone's pitch.
    pub tags: AudioTags,
    /// MP3 bitrate in kbit/s (ignored for FLAC).
    pub bit_rate_kbps: u32,
}

/// Renders audio files on demand and keeps them, so a file's reported size and the
/// bytes finally written agree.
#[derive(Debug)]
pub struct AudioLibrary {
    duration: Duration,
    rendered: Mutex<HashMap<AudioRequest, Arc<Vec<u8>>>>,
}

impl AudioLibrary {
    /// A library producing files of `duration`.
    pub fn new(duration: Duration) -> Self {
        Self {
            duration,
            rendered: Mutex::new(HashMap::new()),
        }
    }

    /// The bytes of the requested file, rendering it on first use.
    pub fn render(&self, request: &AudioRequest) -> Arc<Vec<u8>> {
        let mut rendered = self.rendered.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(bytes) = rendered.get(request) {
            return Arc::clone(bytes);
        }
        let tone = Tone::for_seed(&request.tags.title);
        let bytes = Arc::new(match request.format {
            AudioFormat::Flac => encode_flac(&tone, self.duration, &request.tags),
            AudioFormat::Mp3 => encode_mp3(self.duration, request.bit_rate_kbps, &request.tags),
        });
        rendered.insert(request.clone(), Arc::clone(&bytes));
        bytes
    }
}
