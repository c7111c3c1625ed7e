//! The health monitor: polls `$SRV.INFO` and each module's health every `health_interval`,
//! and reacts at once to `soulspot.module.up` / `down` announcements.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_nats::Client;
use futures::StreamExt;
use futures::future::join_all;
use soulspot_bus::{MessageContext, request_json};
use soulspot_contracts::{HealthReport, ModuleAnnouncement, subjects};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::registry::{Observation, Registry};
use crate::settings::RoutingSettings;

/// The running monitor; stops when dropped.
#[derive(Debug)]
pub struct HealthMonitor {
    task: JoinHandle<()>,
    polled_once: Arc<AtomicBool>,
    first_poll: Arc<Notify>,
}

impl HealthMonitor {
    /// Starts polling; the first poll runs at once.
    pub async fn start(
        client: Client,
        registry: Arc<Registry>,
        settings: RoutingSettings,
    ) -> Result<Self, async_nats::SubscribeError> {
        let ups = client.subscribe(subjects::MODULE_UP).await?;
        let downs = client.subscribe(subjects::MODULE_DOWN).await?;
        let polled_once = Arc::new(AtomicBool::new(false));
        let first_poll = Arc::new(Notify::new());
        let monitor = Monitor {
            client,
            registry,
            settings,
            polled_once: polled_once.clone(),
            first_poll: first_poll.clone(),
        };
        let task = tokio::spawn(monitor.run(ups, downs));
        Ok(Self {
            task,
            polled_once,
            first_poll,
        })
    }

    /// Resolves once the registry reflects a full poll: before that, every capability would
    /// look missing.
    pub async fn first_poll_done(&self) {
        let notified = self.first_poll.notified();
        if self.polled_once.load(Ordering::Acquire) {
            return;
        }
        notified.await;
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
    polled_once: Arc<AtomicBool>,
    first_poll: Arc<Notify>,
}

impl Monitor {
    async fn run(self, mut ups: async_nats::Subscriber, mut downs: async_nats::Subscriber) {
        let mut ticker = tokio::time::interval(self.settings.health_interval());
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticker.tick() => self.poll().await,
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
        if !self.polled_once.swap(true, Ordering::AcqRel) {
            self.first_poll.notify_waiters();
        }
        metrics::counter!("soulspot_router_health_polls_total").increment(1);
    }
}

fn announcement(payload: &[u8]) -> Option<ModuleAnnouncement> {
    serde_json::from_slice(payload)
        .inspect_err(|error| tracing::warn!(%error, "malformed module announcement"))
        .ok()
}
