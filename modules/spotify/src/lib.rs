//! SoulSpot's Spotify module: `search.track` (priority 10) and `playlist.tracks` over the
//! Spotify Web API with an app token (client credentials).

pub mod app;
pub mod client;
pub mod error;
pub mod handlers;
mod http;
mod model;
pub mod playlist_ref;
pub mod settings;
mod token;

pub use app::{Application, SpotifyModule};
pub use client::{Playlist, SpotifyClient};
pub use error::SpotifyError;
pub use settings::{SpotifyApiSettings, SpotifySettings};
