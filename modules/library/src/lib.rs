//! SoulSpot's library module: files downloaded tracks into the music library under a path
//! template, keeps an SQLite index of them, answers searches and statistics from it, and
//! writes synced playlists as M3U8 files beside the music.

pub mod app;
pub mod audio;
pub mod filing;
pub mod handlers;
pub mod import;
pub mod index;
pub mod journal;
pub mod library;
pub mod lock;
pub mod playlist;
pub mod sanitize;
pub mod settings;
pub mod signature;
pub mod template;

pub use app::{Application, LibraryModule};
pub use library::Library;
pub use settings::{DuplicatePolicy, LibrarySettings};
