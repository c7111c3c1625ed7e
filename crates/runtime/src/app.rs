//! `Application<M>`: one module's process, the same for every module. `build` connects to
//! NATS, lets the module assemble its capabilities, registers them as a micro service and
//! serves `/healthz`, `/readyz` and `/metrics`; `run_until_stopped` serves until the shutdown
//! future resolves, then announces the stop and drains. A module crate names its own:
//! `pub type Application = soulspot_runtime::Application<Spotify>;`.

use std::error::Error as StdError;
use std::future::Future;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use async_nats::Client;
use soulspot_bus::ConnectError;
use tokio_util::sync::DropGuard;

use crate::background::Background;
use crate::http::HttpServer;
use crate::module::{ModuleBuilder, StartError};
use crate::running::RunningModule;
use crate::settings::ServiceSettings;

/// How long the start-up report gathers `$SRV.INFO` replies.
const DISCOVERY_WINDOW: Duration = Duration::from_millis(500);

/// What a module adds to the shared application: its settings and its assembly.
pub trait Module: 'static {
    /// The module's name: the NATS service, client and settings name.
    const NAME: &'static str;
    type Settings: Send + 'static;
    /// Why the module could not be assembled.
    type Error: StdError + Send + Sync + 'static;

    /// The settings every module has, inside the module's own.
    fn service_settings(settings: &Self::Settings) -> &ServiceSettings;

    /// Describes the module — capabilities and health checks — from its settings, with a
    /// connected client and the task set that its work beyond a request runs in.
    fn assemble(
        settings: Self::Settings,
        startup: Startup,
    ) -> impl Future<Output = Result<ModuleBuilder, Self::Error>> + Send;
}

/// What a module gets to assemble itself.
#[derive(Debug, Clone)]
pub struct Startup {
    /// Connected as the module, for its event store and buckets.
    pub client: Client,
    /// Work that outlives a request runs here; it is cancelled when the application stops.
    pub background: Background,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("failed to connect to nats")]
    Connect(#[source] ConnectError),
    #[error("failed to assemble the {module} module")]
    Assemble {
        module: &'static str,
        #[source]
        source: Box<dyn StdError + Send + Sync>,
    },
    #[error("failed to register the module on nats")]
    Register(#[source] StartError),
    #[error("failed to bind {bind}")]
    Bind {
        bind: String,
        #[source]
        source: std::io::Error,
    },
}

/// A built module: registered, serving requests and its operational HTTP endpoints.
/// Dropping it without `run_until_stopped` stops it without the drain.
pub struct Application<M> {
    module: RunningModule,
    server: HttpServer,
    background: Background,
    _cancel_background_on_drop: DropGuard,
    grace: Duration,
    _module: PhantomData<fn() -> M>,
}

impl<M> std::fmt::Debug for Application<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("module", &self.module)
            .field("address", &self.server.address())
            .finish()
    }
}

impl<M: Module> Application<M> {
    pub async fn build(settings: M::Settings) -> Result<Self, BuildError> {
        let service = M::service_settings(&settings).clone();
        let client = soulspot_bus::connect(&service.nats, M::NAME)
            .await
            .map_err(BuildError::Connect)?;
        let background = Background::default();
        let startup = Startup {
            client: client.clone(),
            background: background.clone(),
        };
        let cancel_background_on_drop = background.cancel_on_drop();
        let builder =
            M::assemble(settings, startup)
                .await
                .map_err(|error| BuildError::Assemble {
                    module: M::NAME,
                    source: Box::new(error),
                })?;
        let module = builder
            .limits(&service.limits)
            .start(client.clone())
            .await
            .map_err(BuildError::Register)?;
        let routes = crate::http::ops_routes(client.clone(), module.health_checks().clone());
        let server = HttpServer::start(&service.http.bind, routes)
            .await
            .map_err(|source| BuildError::Bind {
                bind: service.http.bind.clone(),
                source,
            })?;
        tracing::info!(module = M::NAME, address = %server.address(), "operational endpoints listening");
        let required = module.required_modules().to_vec();
        background.spawn(async move {
            crate::discovery::startup_report(&client, M::NAME, &required, DISCOVERY_WINDOW).await;
        });
        Ok(Self {
            module,
            server,
            background,
            _cancel_background_on_drop: cancel_background_on_drop,
            grace: service.limits.shutdown_grace(),
            _module: PhantomData,
        })
    }

    /// The bound address of `/healthz`, `/readyz` and `/metrics`.
    pub fn address(&self) -> SocketAddr {
        self.server.address()
    }

    /// Serves until `shutdown` resolves, then announces the stop, drains the requests in
    /// flight (up to the grace period), cancels background work and drains NATS.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        shutdown.await;
        let client = self.module.client().clone();
        self.module.stop(self.grace).await;
        if !self.background.stop(self.grace).await {
            tracing::warn!(module = M::NAME, grace = ?self.grace, "background work still running at shutdown");
        }
        self.server.stop().await?;
        client.drain().await.context("failed to drain nats")?;
        Ok(())
    }
}
