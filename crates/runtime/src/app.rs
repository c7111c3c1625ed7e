//! `ModuleApp`: a registered module with its operational HTTP listener, run until a signal.
//! Every module binary is: load settings → init telemetry → connect → build the module's
//! `ModuleBuilder` → `ModuleApp::start` → `run_until_stopped(shutdown_signal())`.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use async_nats::Client;

use crate::http::HttpServer;
use crate::module::{ModuleBuilder, RunningModule};
use crate::settings::ServiceSettings;

/// How long the start-up report gathers `$SRV.INFO` replies.
const DISCOVERY_WINDOW: Duration = Duration::from_millis(500);

/// A running module and its `/healthz`, `/readyz`, `/metrics` listener.
#[derive(Debug)]
pub struct ModuleApp {
    module: RunningModule,
    http_address: SocketAddr,
    server: HttpServer,
    grace: Duration,
}

impl ModuleApp {
    /// Registers the module on `client`, serves its operational endpoints and logs which
    /// peers are present and missing.
    pub async fn start(
        builder: ModuleBuilder,
        client: Client,
        settings: &ServiceSettings,
    ) -> anyhow::Result<Self> {
        let module = builder
            .max_request_bytes(settings.limits.max_request_bytes)
            .start(client.clone())
            .await
            .context("failed to register the module on nats")?;
        let routes = crate::http::ops_routes(client.clone(), module.health_checks().clone());
        let server = HttpServer::start(&settings.http.bind, routes)
            .await
            .with_context(|| format!("failed to bind {}", settings.http.bind))?;
        let http_address = server.address();
        tracing::info!(module = %module.name(), %http_address, "operational endpoints listening");
        crate::discovery::startup_report(
            &client,
            module.name(),
            module.required_modules(),
            DISCOVERY_WINDOW,
        )
        .await;
        Ok(Self {
            module,
            http_address,
            server,
            grace: settings.limits.shutdown_grace(),
        })
    }

    pub fn http_address(&self) -> SocketAddr {
        self.http_address
    }

    pub fn module(&self) -> &RunningModule {
        &self.module
    }

    /// Serves until `shutdown` resolves, then announces the stop and drains requests.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        shutdown.await;
        let client = self.module.client().clone();
        self.module.stop(self.grace).await;
        self.server.stop().await?;
        client.drain().await.context("failed to drain nats")?;
        Ok(())
    }
}
