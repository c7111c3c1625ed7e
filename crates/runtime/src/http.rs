//! The operational HTTP endpoints every module serves: `/healthz` (the process is alive),
//! `/readyz` (connected to NATS and passing every check of its own) and `/metrics` (Prometheus).

use std::net::SocketAddr;

use anyhow::Context;
use async_nats::Client;
use async_nats::connection::State;
use axum::Router;
use axum::extract::State as Extract;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use soulspot_contracts::ModuleStatus;
use soulspot_telemetry::MetricsHandle;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::health::{HealthChecks, PublicReport};

#[derive(Clone)]
struct Ops {
    client: Client,
    checks: HealthChecks,
    metrics: MetricsHandle,
}

/// The three operational routes, to serve alone or merge into a larger API.
pub fn ops_routes(client: Client, checks: HealthChecks) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(Ops {
            client,
            checks,
            metrics: soulspot_telemetry::metrics_handle(),
        })
}

/// 503 unless connected and every check passes: a degraded module (its slskd down, its
/// library root unwritable) is not ready for work. Open to anyone, so it shows checks in
/// their public form only.
async fn readyz(Extract(ops): Extract<Ops>) -> Response {
    let connected = ops.client.connection_state() == State::Connected;
    let report = ops.checks.report().await;
    let ready = connected && report.status == ModuleStatus::Active;
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = serde_json::json!({
        "ready": ready,
        "nats": if connected { "connected" } else { "disconnected" },
        "health": PublicReport::from(&report),
    });
    (status, axum::Json(body)).into_response()
}

async fn metrics(Extract(ops): Extract<Ops>) -> Response {
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4")],
        ops.metrics.render(),
    )
        .into_response()
}

/// An HTTP server on its own task: bound at start (port 0 picks a free port), drained at stop.
#[derive(Debug)]
pub struct HttpServer {
    address: SocketAddr,
    task: JoinHandle<std::io::Result<()>>,
    stop: oneshot::Sender<()>,
}

impl HttpServer {
    pub async fn start(bind: &str, routes: Router) -> std::io::Result<Self> {
        let listener = TcpListener::bind(bind).await?;
        let address = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, routes)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        Ok(Self {
            address,
            task,
            stop,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Stops taking connections and waits for the requests in flight.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.task
            .await
            .context("http server task failed")?
            .context("http server failed")
    }
}
