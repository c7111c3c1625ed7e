//! Local emulators of the external services SoulSpot talks to — Spotify (accounts and
//! Web API), slskd, MusicBrainz and the Cover Art Archive — serving one shared catalog
//! on loopback ports, with injectable faults and real audio files for downloads.
//!
//! ```no_run
//! # async fn demo() -> Result<(), soulspot_sandbox::SandboxError> {
//! let config = soulspot_sandbox::SandboxConfig::fast("/tmp/downloads")?;
//! let sandbox = soulspot_sandbox::Sandbox::start(config).await?;
//! println!("slskd at {}", sandbox.urls().slskd);
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```

pub mod audio;
pub mod catalog;
mod config;
mod coverart;
mod edits;
mod error;
mod faults;
mod http_log;
mod ids;
mod lenient;
mod musicbrainz;
mod observed;
mod server;
mod slskd;
mod spotify;
mod state;
mod text;

pub use catalog::Catalog;
pub use config::{ENV_PREFIX, RateLimit, SandboxConfig, ServicePorts, Timing};
pub use edits::PlaylistEdits;
pub use error::SandboxError;
pub use faults::{Faults, TransferFault};
pub use observed::Observed;
pub use server::{Sandbox, SandboxUrls};
