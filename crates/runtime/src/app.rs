//! `ModuleApp`: a registered module with its operational HTTP listener, run until a signal.
//! Every module binary is: load settings → init telemetry → connect → build the module's
//! `ModuleBuilder` → `ModuleApp::start` → `run_until_stopped(shutdown_signal())`.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use async_nats::Client;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::module::{ModuleBuilder, RunningModule};
use crate::settings::ServiceSettings;

/// How long the start-up report gathers `$SRV.INFO` replies.
const DISCOVERY_WINDOW: Duration = Duration::from_millis(500);

/// A running module and its `/healthz`, `/readyz`, `/metrics` listener.
#[derive(Debug)]
pub struct ModuleApp {
    module: RunningModule,
    http_address: SocketAddr,
    server: JoinHandle<std::io::Result<()>>,
    stop_server: oneshot::Sender<()>,
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
        let (listener, http_address) = crate::http::bind(&settings.http.bind)
            .await
            .with_context(|| format!("failed to bind {}", settings.http.bind))?;
        let routes = crate::http::ops_routes(client.clone(), module.health_checks().clone());
        let (stop_server, stopped) = oneshot::channel();
        let server = tokio::spawn(crate::http::serve(listener, routes, async {
            let _ = stopped.await;
        }));
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
            stop_server,
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
        let _ = self.stop_server.send(());
        self.server
            .await
            .context("http server task failed")?
            .context("http server failed")?;
        client.drain().await.context("failed to drain nats")?;
        Ok(())
    }
}
