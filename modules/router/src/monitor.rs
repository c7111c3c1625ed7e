//! The health monitor: polls `$SRV.INFO` and each module's health every `health_interval`,
//! and reacts at once to `soulspot.module.up` / `down` announcements.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_nats::Client;
use futures::StreamExt;
use futures::future::join_all;
use soulspot_bus::{MessageContext, request_json};
use soulspot_contracts::{HealthReport, ModuleAnnouncement, subjects};
use tokio::task::JoinHandle;

use crate::registry::{Observation, Registry};
use crate::settings::RoutingSettings;

/// The running monitor; stops when dropped.
#[derive(Debug)]
pub struct HealthMonitor {
    task: JoinHandle<()>,
}

impl HealthMonitor {
    /// Starts polling; the first poll runs at once. `Registry::first_poll` tells when it is in.
    pub async fn start(
        client: Client,
        registry: Arc<Registry>,
        settings: RoutingSettings,
    ) -> Result<Self, async_nats::SubscribeError> {
        let ups = client.subscribe(subjects::MODULE_UP).await?;
        let downs = client.subscribe(subjects::MODULE_DOWN).await?;
        let monitor = Monitor {
            client,
            registry,
            settings,
        };
        let task = tokio::spawn(monitor.run(ups, downs));
        Ok(Self { task })
    }
}

impl Drop for HealthMonitor {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Monitor {
    client: Client,
    registry: Arc<Registry>,
    settings: RoutingSettings,
}

impl Monitor {
    async fn run(self, mut ups: async_nats::Subscriber, mut downs: async_nats::Subscriber) {
        let mut ticker = tokio::time::interval(self.settings.health_interval());
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticker.tick() => self.poll().await,
                () = self.registry.poll_requested() => {
                    self.poll().await;
                    ticker.reset();
                }
                Some(message) = ups.next() => {
                    if let Some(up) = announcement(&message.payload) {
                        tracing::info!(module = %up.module, instance_id = %up.instance_id, "module announced itself");
                    }
                    self.poll().await;
                    ticker.reset();
                }
                Some(message) = downs.next() => {
                    if let Some(down) = announcement(&message.payload) {
                        tracing::info!(module = %down.module, instance_id = %down.instance_id, "module announced its stop");
                        self.registry.remove_instance(&down.module, &down.instance_id);
                    }
                }
            }
        }
    }

    /// One round: who is there, and how each module says it is.
    async fn poll(&self) {
        let infos = match soulspot_runtime::discover(&self.client, self.settings.discovery_window())
            .await
        {
            Ok(infos) => infos,
            Err(error) => {
                tracing::warn!(%error, "module discovery failed");
                return;
            }
        };
        let mut modules: Vec<String> = infos.iter().map(|info| info.name.clone()).collect();
        modules.sort();
        modules.dedup();
        let deadline = self.settings.health_interval() / 2;
        let reports = join_all(modules.into_iter().map(|module| async move {
            let subject = subjects::health(&module);
            let context = MessageContext::default();
            let report: Option<HealthReport> = match request_json(
                &self.client,
                &subject,
                &serde_json::json!({}),
                &context,
                deadline,
            )
            .await
            {
                Ok(report) => Some(report),
                Err(error) => {
                    tracing::debug!(%module, %error, "health request failed");
                    None
                }
            };
            (module, report)
        }))
        .await;
        let health: BTreeMap<String, Option<HealthReport>> = reports.into_iter().collect();
        self.registry.apply(Observation { infos, health });
        metrics::counter!("soulspot_router_health_polls_total").increment(1);
    }
}

fn announcement(payload: &[u8]) -> Option<ModuleAnnouncement> {
    serde_json::from_slice(payload)
        .inspect_err(|error| tracing::warn!(%error, "malformed module announcement"))
        .ok()
}
