//! SoulSpot's metadata module: `enrich.metadata` finds a downloaded file's recording on
//! MusicBrainz (by ISRC, else by title and artist, within a length tolerance), fetches the
//! release's front cover from the Cover Art Archive, and writes the tags into the file.

pub mod app;
mod cache;
mod checksum;
pub mod coverart;
pub mod enrich;
pub mod error;
pub mod matching;
pub mod metadata;
pub mod musicbrainz;
pub mod paths;
pub mod settings;
pub mod tags;

pub use app::{Application, BuildError, ENRICH_PRIORITY, MetadataModule};
pub use enrich::Enricher;
pub use metadata::TrackMetadata;
pub use settings::MetadataSettings;
