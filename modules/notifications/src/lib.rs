//! SoulSpot's notifications module: the `notify.track_ready` capability tells the user a
//! track is in the library, and a `pipeline.failed` event that a job failed, on every
//! configured channel (generic webhooks, ntfy, Gotify), with retries, at most once per job,
//! kind and channel.
//!
//! `Application::build` turns settings into the running module; `main.rs` only loads and runs it.

use soulspot_runtime::outbound::Redirects;

pub mod app;
pub mod channels;
pub mod dedup;
pub mod delivery;
pub mod failures;
pub mod health;
pub mod message;
pub mod notifier;
pub mod settings;
pub mod signature;

pub use app::{Application, BuildError, NotificationsModule, PRIORITY};
pub use settings::{DeliverySettings, NotificationsSettings};

const USER_AGENT: &str = concat!("soulspot-notifications/", env!("CARGO_PKG_VERSION"));

/// The client every channel sends with: the module's User-Agent and the per-attempt timeout.
pub fn http_client(delivery: &DeliverySettings) -> Result<reqwest::Client, reqwest::Error> {
    soulspot_runtime::outbound::client_builder(USER_AGENT, Redirects::SameOrigin)
        .timeout(delivery.timeout())
        .build()
}
