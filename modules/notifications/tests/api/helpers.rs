//! Shared test fixtures: requests, fast retry settings, channels, and `spawn_app()` — the
//! module registered on its own nats-server.

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use soulspot_bus::testing::NatsServer;
use soulspot_bus::{MessageContext, NatsSettings, RequestError};
use soulspot_common::RetryPolicy;
use soulspot_contracts::payloads::{NotifyTrackReadyReply, NotifyTrackReadyRequest};
use soulspot_contracts::{HealthReport, TrackRef, subjects};
use soulspot_notifications::channels::{ChannelSettings, WebhookSettings};
use soulspot_notifications::message::Notification;
use soulspot_notifications::{Application, DeliverySettings, NotificationsSettings};
use soulspot_runtime::{Secret, Validate};
use time::OffsetDateTime;

/// Deadline of every request a test makes over NATS.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(15);

pub fn track_ready(job_id: Option<&str>) -> NotifyTrackReadyRequest {
    NotifyTrackReadyRequest {
        job_id: job_id.map(str::to_owned),
        track: TrackRef {
            title: "Teardrop".to_owned(),
            artist: "Massive Attack".to_owned(),
            album: Some("Mezzanine".to_owned()),
            duration_ms: Some(330_000),
            ..TrackRef::default()
        },
        path: "/music/Massive Attack/Mezzanine (1998)/03 - Teardrop.flac".to_owned(),
    }
}

pub fn notification(job_id: Option<&str>) -> Notification {
    Notification::new(track_ready(job_id), OffsetDateTime::now_utc())
}

/// Three attempts 10 ms apart, 500 ms per attempt: the defaults' shape, test-sized.
pub fn fast_delivery() -> DeliverySettings {
    DeliverySettings {
        retry: RetryPolicy {
            base_ms: 10,
            factor: 2,
            max_delay_ms: 50,
            max_attempts: 3,
            jitter_percent: 0,
        },
        max_retry_after_ms: 5_000,
        timeout_ms: 500,
        deadline_ms: 10_000,
    }
}

pub fn webhook(name: &str, url: String, secret: Option<&str>) -> ChannelSettings {
    ChannelSettings::Webhook(WebhookSettings {
        name: Some(name.to_owned()),
        url,
        secret: secret.map(Secret::new),
    })
}

pub struct TestApp {
    pub nats: NatsServer,
    pub settings: NotificationsSettings,
    pub module: Option<Application>,
}

/// The module with `channels`, on a fresh nats-server.
pub async fn spawn_app(channels: Vec<ChannelSettings>) -> TestApp {
    spawn_app_with(channels, |_| {}).await
}

/// `spawn_app`, with `adjust` applied to the settings first.
pub async fn spawn_app_with(
    channels: Vec<ChannelSettings>,
    adjust: impl FnOnce(&mut NotificationsSettings),
) -> TestApp {
    let nats = NatsServer::start().unwrap();
    let mut settings = NotificationsSettings {
        channels,
        delivery: fast_delivery(),
        ..NotificationsSettings::default()
    };
    settings.service.nats.url = nats.url();
    adjust(&mut settings);
    settings.validate().unwrap();
    let mut app = TestApp {
        nats,
        settings,
        module: None,
    };
    app.module = Some(app.start_module().await);
    app
}

impl TestApp {
    pub async fn client(&self) -> async_nats::Client {
        let settings = NatsSettings {
            url: self.nats.url(),
            ..NatsSettings::default()
        };
        soulspot_bus::connect(&settings, "test").await.unwrap()
    }

    async fn start_module(&self) -> Application {
        Application::build(self.settings.clone()).await.unwrap()
    }

    /// A second instance of the module on the same NATS, sharing the work with the first.
    pub async fn another_instance(&self) -> Application {
        self.start_module().await
    }

    /// Stops the module as a deployment would and starts a fresh instance.
    pub async fn restart_module(&mut self) {
        if let Some(module) = self.module.take() {
            module
                .run_until_stopped(std::future::ready(()))
                .await
                .unwrap();
        }
        self.module = Some(self.start_module().await);
    }

    pub async fn notify<Req: Serialize + ?Sized>(
        &self,
        request: &Req,
    ) -> Result<NotifyTrackReadyReply, RequestError> {
        self.request("notify.track_ready", request).await
    }

    pub async fn health(&self) -> HealthReport {
        self.request("health", &serde_json::json!({}))
            .await
            .unwrap()
    }

    async fn request<Req: Serialize + ?Sized, Rep: DeserializeOwned>(
        &self,
        operation: &str,
        request: &Req,
    ) -> Result<Rep, RequestError> {
        let subject = subjects::capability("notifications", operation);
        soulspot_bus::request_json(
            &self.client().await,
            &subject,
            request,
            &MessageContext::default(),
            REQUEST_DEADLINE,
        )
        .await
    }
}
