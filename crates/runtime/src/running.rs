//! A registered module while it serves: its identity, its request tasks, and the stop that
//! announces it down and drains them. Dropping it without `stop` still ends its serving.

use std::time::Duration;

use async_nats::Client;
use async_nats::service::Service;
use futures::FutureExt;
use soulspot_contracts::{ModuleAnnouncement, subjects};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::health::HealthChecks;

/// A registered, serving module.
pub struct RunningModule {
    announcement: ModuleAnnouncement,
    required_modules: Vec<String>,
    client: Client,
    /// `None` once stopped.
    service: Option<Service>,
    tasks: TaskTracker,
    /// Cancelled to end every endpoint's request loop.
    serving: CancellationToken,
    checks: HealthChecks,
}

impl std::fmt::Debug for RunningModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningModule")
            .field("announcement", &self.announcement)
            .finish()
    }
}

impl RunningModule {
    pub(crate) fn new(
        announcement: ModuleAnnouncement,
        required_modules: Vec<String>,
        client: Client,
        service: Service,
        tasks: TaskTracker,
        serving: CancellationToken,
        checks: HealthChecks,
    ) -> Self {
        Self {
            announcement,
            required_modules,
            client,
            service: Some(service),
            tasks,
            serving,
            checks,
        }
    }

    pub fn name(&self) -> &str {
        &self.announcement.module
    }

    pub fn instance_id(&self) -> &str {
        &self.announcement.instance_id
    }

    pub fn capabilities(&self) -> &[String] {
        &self.announcement.capabilities
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Modules that some capability of this one needs.
    pub fn required_modules(&self) -> &[String] {
        &self.required_modules
    }

    pub fn health_checks(&self) -> &HealthChecks {
        &self.checks
    }

    /// Announces the stop, stops taking requests, and waits up to `grace` for those in flight.
    pub async fn stop(mut self, grace: Duration) {
        self.announce(subjects::MODULE_DOWN).await;
        if let Some(service) = self.service.take()
            && let Err(error) = service.stop().await
        {
            tracing::warn!(%error, "service did not stop cleanly");
        }
        // The endpoints unsubscribe and their request loops end once the stop reaches them;
        // requests already received are still answered.
        self.tasks.close();
        if tokio::time::timeout(grace, self.tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!(module = %self.announcement.module, ?grace, "requests still running at shutdown");
        }
        if let Err(error) = self.client.flush().await {
            tracing::warn!(%error, "nats flush failed at shutdown");
        }
        tracing::info!(module = %self.announcement.module, "module stopped");
    }

    pub(crate) async fn announce(&self, subject: &'static str) {
        let body = match serde_json::to_vec(&self.announcement) {
            Ok(body) => body,
            Err(error) => {
                tracing::error!(%error, "announcement not encodable");
                return;
            }
        };
        if let Err(error) = self.client.publish(subject, body.into()).await {
            tracing::warn!(%subject, %error, "announcement not sent");
        }
        if let Err(error) = self.client.flush().await {
            tracing::warn!(%subject, %error, "announcement not flushed");
        }
    }
}

/// A module dropped without `stop` (a test that ends, a failed start) stops answering: its
/// request loops end, which unsubscribes its endpoints, and the service stops answering
/// `$SRV` discovery. Requests already running finish on their own.
impl Drop for RunningModule {
    fn drop(&mut self) {
        self.serving.cancel();
        if let Some(service) = self.service.take() {
            // `Service::stop` never waits: it signals its endpoints and aborts its verb task.
            if let Some(Err(error)) = service.stop().now_or_never() {
                tracing::warn!(%error, "service did not stop cleanly");
            }
        }
    }
}
