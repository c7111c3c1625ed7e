//! SoulSpot's notifications module: the `notify.track_ready` capability tells the user a
//! track is in the library, on every configured channel (generic webhooks, ntfy, Gotify),
//! with retries, at most once per job and channel.
//!
//! `build` turns settings into a `ModuleBuilder`; `main.rs` only loads, builds and runs it.

pub mod channels;
pub mod dedup;
pub mod delivery;
pub mod health;
pub mod message;
pub mod notifier;
pub mod settings;
pub mod signature;

use std::sync::Arc;

use soulspot_contracts::operations::{NOTIFY_TRACK_READY, modules};
use soulspot_runtime::{CallContext, Capability, ModuleBuilder, ServiceError};

pub use message::{ChannelResult, TrackReadyReply, TrackReadyRequest};
pub use settings::{DeliverySettings, InvalidSetting, NotificationsSettings};

use crate::dedup::{DedupError, DeliveryLog};
use crate::health::ChannelHealth;
use crate::notifier::Notifier;

/// Routing priority of `notify.track_ready`.
pub const PRIORITY: u32 = 10;

const USER_AGENT: &str = concat!("soulspot-notifications/", env!("CARGO_PKG_VERSION"));

/// Why the module could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Settings(#[from] InvalidSetting),
    #[error("http client not buildable: {0}")]
    Http(#[source] reqwest::Error),
    #[error(transparent)]
    DeliveryLog(#[from] DedupError),
}

/// The client every channel sends with: the module's User-Agent and the per-attempt timeout.
pub fn http_client(delivery: &DeliverySettings) -> Result<reqwest::Client, reqwest::Error> {
    soulspot_runtime::outbound::client_builder(USER_AGENT)
        .timeout(delivery.timeout())
        .build()
}

/// Validates `settings`, opens the delivery log on `client`'s JetStream and describes the
/// module: the capability and one health check per channel plus the delivery log's.
pub async fn build(
    settings: &NotificationsSettings,
    client: async_nats::Client,
) -> Result<ModuleBuilder, BuildError> {
    settings.validate()?;
    if settings.channels.is_empty() {
        tracing::warn!(
            module = modules::NOTIFICATIONS,
            impact = "notify.track_ready replies with no channels",
            action = "add [[channels]] to config/notifications.toml",
            "no notification channel configured"
        );
    }
    let http = http_client(&settings.delivery).map_err(BuildError::Http)?;
    let log = DeliveryLog::open(client, &settings.dedup).await?;
    let health = ChannelHealth::default();
    let notifier = Arc::new(Notifier::new(
        settings.channels.clone(),
        http,
        settings.delivery.retry_policy(),
        log.clone(),
        health.clone(),
    ));
    let capability = Capability::new(
        NOTIFY_TRACK_READY,
        PRIORITY,
        move |_: CallContext, request: TrackReadyRequest| {
            let notifier = notifier.clone();
            async move { Ok::<_, ServiceError>(notifier.notify(request).await) }
        },
    );
    let mut builder = ModuleBuilder::new(modules::NOTIFICATIONS, env!("CARGO_PKG_VERSION"))
        .description("tells the user a track is ready: webhooks, ntfy, gotify")
        .capability(capability)
        .health_check("delivery_log", move || {
            let log = log.clone();
            async move { log.check().await.map_err(|error| error.to_string()) }
        });
    for channel in &settings.channels {
        let name = channel.name().to_owned();
        let health = health.clone();
        builder = builder.health_check(&format!("channel.{name}"), move || {
            let outcome = health.check(&name);
            async move { outcome }
        });
    }
    Ok(builder)
}
