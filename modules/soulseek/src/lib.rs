//! SoulSpot's Soulseek module: the `download.track` capability over the slskd daemon.
//!
//! A request is answered at once with a download id; the download then runs in the
//! background — a rate-limited search, ranking of the peers' files, and attempts on the best
//! candidates — and reports through `download.started`, `download.progress`,
//! `download.completed` or `download.failed` events.

pub mod app;
pub mod busy;
pub mod download;
pub mod errors;
pub mod events;
pub mod handler;
pub mod health;
pub mod matching;
pub mod pace;
pub mod paths;
pub mod peers;
pub mod progress;
pub mod ranking;
pub mod search;
pub mod settings;
pub mod slskd;
pub mod transfer;
pub mod verify;

pub use app::{Application, BuildError, SoulseekModule};
pub use download::{DownloadOrder, Downloader, DownloaderParts};
pub use handler::{DownloadTrackReply, DownloadTrackRequest};
pub use settings::SoulseekSettings;

/// The module's name: its NATS micro service name and event source.
pub const MODULE: &str = soulspot_contracts::operations::modules::SOULSEEK;

/// The module's version, reported in service discovery.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
