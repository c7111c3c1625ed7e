//! Assembles the router: NATS connection, event bus, registry, health monitor, routing and
//! the HTTP API on one listener.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use async_nats::Client;
use soulspot_bus::EventBus;
use soulspot_contracts::operations::modules;
use soulspot_runtime::http::HttpServer;
use soulspot_runtime::{HealthChecks, Secret};

use crate::api::{self, ApiState, StreamHub};
use crate::monitor::HealthMonitor;
use crate::pipeline::Pipeline;
use crate::registry::Registry;
use crate::route::Router;
use crate::settings::{ApiSettings, RouterSettings};

/// A built router, listening and polling, until `run_until_stopped` returns.
#[derive(Debug)]
pub struct Application {
    router: Arc<Router>,
    client: Client,
    _monitor: HealthMonitor,
    server: HttpServer,
    streams: Arc<StreamHub>,
    shutdown_grace: std::time::Duration,
    api_key: Secret,
}

impl Application {
    pub async fn build(settings: RouterSettings) -> anyhow::Result<Self> {
        // Settled first: a router that cannot guard its API does not start at all.
        let api_key = api::key::resolve(&settings.api).context("failed to settle on an api key")?;
        let client = soulspot_bus::connect(&settings.service.nats, modules::ROUTER).await?;
        let events = EventBus::owning(
            client.clone(),
            modules::ROUTER,
            &settings.service.events,
            settings.service.nats.durability(),
        )
        .await
        .context("failed to open the event store")?;
        let registry = Arc::new(Registry::default());
        let monitor =
            HealthMonitor::start(client.clone(), registry.clone(), settings.router.clone())
                .await
                .context("failed to watch module announcements")?;
        // Until the first poll the registry is empty and every capability looks missing:
        // neither jobs nor HTTP requests are taken before it.
        registry.first_poll().await;
        let router = Arc::new(Router::new(
            client.clone(),
            registry.clone(),
            settings.router.clone(),
        ));
        let pipeline = Pipeline::start(router.clone(), events.clone(), settings.pipeline.clone())
            .await
            .context("failed to start the pipeline")?;
        let api_settings = ApiSettings {
            api_key: api_key.clone(),
            ..settings.api.clone()
        };
        let streams = StreamHub::start(
            &client,
            registry,
            settings.api.max_streams,
            settings.api.stream_buffer,
        )
        .await
        .context("failed to subscribe to events for live streams")?;
        let streams = Arc::new(streams);
        let state = ApiState {
            router: router.clone(),
            pipeline,
            events,
            streams: streams.clone(),
            settings: api_settings,
        };
        let routes = api::routes(state).merge(crate::ui::routes()).merge(
            soulspot_runtime::http::ops_routes(client.clone(), HealthChecks::default()),
        );
        let server = HttpServer::start(&settings.service.http.bind, routes)
            .await
            .with_context(|| format!("failed to bind {}", settings.service.http.bind))?;
        tracing::info!(address = %server.address(), "router listening");
        Ok(Self {
            router,
            client,
            _monitor: monitor,
            server,
            streams,
            shutdown_grace: settings.api.shutdown_grace(),
            api_key,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.server.address()
    }

    /// The key every `/api/*` request must carry: the configured one or the key file's.
    pub fn api_key(&self) -> &Secret {
        &self.api_key
    }

    /// The router itself, for callers in the same process (benchmarks, the pipeline).
    pub fn router(&self) -> Arc<Router> {
        self.router.clone()
    }

    /// Serves until `shutdown` resolves, then ends the live streams and drains HTTP requests
    /// (for `[api] shutdown_grace_ms` at most) and NATS.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        shutdown.await;
        self.streams.close_all();
        match tokio::time::timeout(self.shutdown_grace, self.server.stop()).await {
            Ok(stopped) => stopped?,
            Err(_) => tracing::warn!(
                grace_ms = self.shutdown_grace.as_millis() as u64,
                "http connections still open after the grace period are cut"
            ),
        }
        self.client.drain().await.context("failed to drain nats")?;
        tracing::info!("router stopped");
        Ok(())
    }
}
