//! What the library learns from a file itself: size, bitrate, checksum, and which of two
//! copies of a recording is the better one.

use std::cmp::Ordering;
use std::io;
use std::path::Path;

use lofty::file::AudioFile;

/// Formats that lose nothing; any of them beats any lossy one.
const LOSSLESS_FORMATS: [&str; 8] = ["flac", "alac", "wav", "aiff", "aif", "ape", "wv", "tta"];

/// Facts about a file on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFacts {
    pub size_bytes: u64,
    pub bitrate_kbps: Option<u32>,
    /// `sha256:<hex>` of the bytes.
    pub checksum: String,
}

/// Reads the size, the audio bitrate (when the file parses as audio) and the checksum.
pub fn inspect(path: &Path) -> io::Result<FileFacts> {
    Ok(FileFacts {
        size_bytes: std::fs::metadata(path)?.len(),
        bitrate_kbps: read_bitrate(path),
        checksum: soulspot_runtime::files::sha256_of(path)?,
    })
}

/// The audio bitrate in kbit/s; `None` for files lofty cannot read.
fn read_bitrate(path: &Path) -> Option<u32> {
    let tagged = lofty::read_from_path(path).ok()?;
    tagged
        .properties()
        .audio_bitrate()
        .or_else(|| tagged.properties().overall_bitrate())
        .filter(|bitrate| *bitrate > 0)
}

/// Whether `format` (a lower-case extension) is lossless.
pub fn is_lossless(format: &str) -> bool {
    LOSSLESS_FORMATS.contains(&format)
}

/// How good one copy of a recording is, ordered as the `replace_if_better` policy wants:
/// lossless beats lossy, then a higher bitrate (an unknown one counts as lowest), then size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quality {
    pub lossless: bool,
    pub bitrate_kbps: Option<u32>,
    pub size_bytes: u64,
}

impl Quality {
    pub fn new(format: &str, bitrate_kbps: Option<u32>, size_bytes: u64) -> Self {
        Self {
            lossless: is_lossless(format),
            bitrate_kbps,
            size_bytes,
        }
    }

    /// Strictly better: an equal copy never replaces the one held.
    pub fn is_better_than(&self, other: &Quality) -> bool {
        self.rank().cmp(&other.rank()) == Ordering::Greater
    }

    fn rank(&self) -> (bool, u32, u64) {
        (
            self.lossless,
            self.bitrate_kbps.unwrap_or(0),
            self.size_bytes,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lossless_beats_any_lossy_bitrate() {
        let flac = Quality::new("flac", Some(900), 1_000);
        let mp3 = Quality::new("mp3", Some(320), 9_000_000);
        assert!(flac.is_better_than(&mp3));
        assert!(!mp3.is_better_than(&flac));
    }

    #[test]
    fn then_bitrate_then_size() {
        let low = Quality::new("mp3", Some(128), 9_000);
        let high = Quality::new("mp3", Some(320), 1_000);
        assert!(high.is_better_than(&low));
        let small = Quality::new("mp3", None, 1_000);
        let large = Quality::new("mp3", None, 2_000);
        assert!(large.is_better_than(&small));
        assert!(!small.is_better_than(&small));
    }

    #[test]
    fn inspects_size_and_checksum_of_a_non_audio_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.mp3");
        std::fs::write(&path, b"abc").unwrap();
        let facts = inspect(&path).unwrap();
        assert_eq!(facts.size_bytes, 3);
        assert_eq!(facts.bitrate_kbps, None);
        assert_eq!(
            facts.checksum,
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
