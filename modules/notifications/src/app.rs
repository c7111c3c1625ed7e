//! The notifications module as an application: the delivery log on JetStream, the notifier,
//! the `notify.track_ready` capability, failure notifications from `pipeline.failed` events
//! and one health check per channel, assembled and run by `soulspot_runtime::Application`.

use std::sync::Arc;

use soulspot_contracts::operations::{NOTIFY_TRACK_READY, modules};
use soulspot_runtime::{
    CallContext, Capability, Module, ModuleBuilder, ServiceError, ServiceSettings, Startup,
};

use soulspot_bus::{EventBus, EventStoreError};

use crate::dedup::{DedupError, DeliveryLog};
use crate::health::ChannelHealth;
use crate::notifier::Notifier;
use crate::settings::NotificationsSettings;
use soulspot_contracts::payloads::NotifyTrackReadyRequest;

/// Routing priority of `notify.track_ready`.
pub const PRIORITY: u32 = 10;

/// The notifications module: `Application::build(settings)`, then `run_until_stopped`.
pub type Application = soulspot_runtime::Application<NotificationsModule>;

/// What the notifications module adds to the shared application.
#[derive(Debug)]
pub struct NotificationsModule;

/// Why the module could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("http client not buildable: {0}")]
    Http(#[source] reqwest::Error),
    #[error(transparent)]
    DeliveryLog(#[from] DedupError),
    #[error("failed jobs cannot be followed: {0}")]
    Events(#[from] EventStoreError),
}

impl Module for NotificationsModule {
    const NAME: &'static str = modules::NOTIFICATIONS;
    type Settings = NotificationsSettings;
    type Error = BuildError;

    fn service_settings(settings: &NotificationsSettings) -> &ServiceSettings {
        &settings.service
    }

    /// Opens the delivery log on the module's JetStream and describes the module: the
    /// capability and one health check per channel plus the delivery log's.
    async fn assemble(
        settings: NotificationsSettings,
        startup: Startup,
    ) -> Result<ModuleBuilder, BuildError> {
        if settings.channels.is_empty() {
            tracing::warn!(
                module = modules::NOTIFICATIONS,
                impact = "notify.track_ready replies with no channels",
                action = "add [[channels]] to config/notifications.toml",
                "no notification channel configured"
            );
        }
        let http = crate::http_client(&settings.delivery).map_err(BuildError::Http)?;
        let durability = settings.service.nats.durability();
        let log = DeliveryLog::open(startup.client.clone(), &settings.dedup, durability).await?;
        let health = ChannelHealth::default();
        let notifier = Arc::new(Notifier::new(
            settings.channels.clone(),
            http,
            settings.delivery.retry_policy(),
            log.clone(),
            health.clone(),
        ));
        if settings.on_failure {
            let events = EventBus::new(
                startup.client,
                modules::NOTIFICATIONS,
                &settings.service.events,
                durability,
            )
            .await?;
            let subscription = crate::failures::follow_failures(&events, notifier.clone()).await?;
            // Held by a task of the application, so delivery stops when the module stops.
            startup.background.spawn(async move {
                let _subscription = subscription;
                std::future::pending::<()>().await;
            });
        }
        let capability = Capability::new(
            NOTIFY_TRACK_READY,
            PRIORITY,
            move |_: CallContext, request: NotifyTrackReadyRequest| {
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
}
