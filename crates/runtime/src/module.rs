//! Registration of a module as a NATS micro service: one endpoint per capability on
//! `soulspot.<module>.<operation>` (default queue group, so instances share the load), the
//! health endpoint, and the `soulspot.module.up` / `down` announcements.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::Client;
use async_nats::service::{Request, Service, ServiceExt};
use bytes::Bytes;
use futures::{FutureExt, StreamExt};
use serde_json::Value;
use soulspot_bus::MessageContext;
use soulspot_contracts::operations::metadata_keys;
use soulspot_contracts::{ModuleAnnouncement, subjects};
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use crate::capability::{CallContext, Capability, ServiceError};
use crate::health::HealthChecks;
use crate::reply;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("operation `{0}` has no contract in contracts/capabilities")]
    UnknownOperation(String),
    #[error("contracts unavailable: {0}")]
    Contracts(String),
    #[error("service registration failed: {0}")]
    Register(String),
}

/// Describes a module before it starts.
#[derive(Debug)]
pub struct ModuleBuilder {
    name: String,
    version: String,
    description: String,
    capabilities: Vec<Capability>,
    checks: HealthChecks,
    max_request_bytes: usize,
}

impl ModuleBuilder {
    pub fn new(name: &str, version: &str) -> Self {
        Self {
            name: name.to_owned(),
            version: version.to_owned(),
            description: format!("soulspot {name} module"),
            capabilities: Vec::new(),
            checks: HealthChecks::default(),
            max_request_bytes: 256 * 1024,
        }
    }

    pub fn description(mut self, description: &str) -> Self {
        description.clone_into(&mut self.description);
        self
    }

    pub fn capability(mut self, capability: Capability) -> Self {
        self.capabilities.push(capability);
        self
    }

    /// A check reported by the health endpoint; `Err` carries the detail.
    pub fn health_check<F, Fut>(mut self, name: &str, check: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<(), String>> + Send + 'static,
    {
        self.checks.add(name, check);
        self
    }

    pub fn max_request_bytes(mut self, limit: usize) -> Self {
        self.max_request_bytes = limit;
        self
    }

    /// Registers the service and its endpoints on `client` and announces the module.
    pub async fn start(self, client: Client) -> Result<RunningModule, StartError> {
        let contracts = soulspot_contracts::contracts()
            .map_err(|error| StartError::Contracts(error.to_string()))?;
        for capability in &self.capabilities {
            contracts
                .capability(&capability.operation)
                .map_err(|_| StartError::UnknownOperation(capability.operation.clone()))?;
        }
        let health_subject = subjects::health(&self.name);
        let service = client
            .service_builder()
            .description(&self.description)
            .metadata(HashMap::from([(
                metadata_keys::HEALTH_SUBJECT.to_owned(),
                health_subject.clone(),
            )]))
            .start(&self.name, &self.version)
            .await
            .map_err(|error| StartError::Register(error.to_string()))?;
        let shared = Arc::new(Shared {
            module: self.name.clone(),
            max_request_bytes: self.max_request_bytes,
            checks: self.checks.clone(),
        });
        let tasks = TaskTracker::new();
        for capability in &self.capabilities {
            let metadata = endpoint_metadata(capability, contracts);
            let endpoint = service
                .endpoint_builder()
                .name(capability.operation.replace('.', "_"))
                .metadata(metadata)
                .add(subjects::capability(&self.name, &capability.operation))
                .await
                .map_err(|error| StartError::Register(error.to_string()))?;
            let route = Route::Capability(capability.clone());
            tasks.spawn(serve_endpoint(
                endpoint,
                route,
                shared.clone(),
                tasks.clone(),
            ));
        }
        let health = service
            .endpoint_builder()
            .name("health")
            .add(health_subject)
            .await
            .map_err(|error| StartError::Register(error.to_string()))?;
        tasks.spawn(serve_endpoint(
            health,
            Route::Health,
            shared.clone(),
            tasks.clone(),
        ));

        let info = service.info().await;
        let running = RunningModule {
            announcement: ModuleAnnouncement {
                module: self.name,
                instance_id: info.id,
                version: self.version,
                capabilities: self
                    .capabilities
                    .iter()
                    .map(|c| c.operation.clone())
                    .collect(),
            },
            required_modules: self
                .capabilities
                .iter()
                .flat_map(|c| c.required_modules.iter().cloned())
                .collect(),
            client,
            service,
            tasks,
            shared,
        };
        running.announce(subjects::MODULE_UP).await;
        tracing::info!(
            module = %running.announcement.module,
            instance_id = %running.announcement.instance_id,
            capabilities = ?running.announcement.capabilities,
            "module registered"
        );
        Ok(running)
    }
}

fn endpoint_metadata(
    capability: &Capability,
    contracts: &soulspot_contracts::Contracts,
) -> HashMap<String, String> {
    let schema_version = contracts
        .capability(&capability.operation)
        .map(|contract| contract.version.to_string())
        .unwrap_or_default();
    HashMap::from([
        (
            metadata_keys::OPERATION.to_owned(),
            capability.operation.clone(),
        ),
        (
            metadata_keys::PRIORITY.to_owned(),
            capability.priority.to_string(),
        ),
        (
            metadata_keys::REQUIRED_MODULES.to_owned(),
            capability.required_modules.join(","),
        ),
        (metadata_keys::SCHEMA_VERSION.to_owned(), schema_version),
    ])
}

/// State every request handler of one module shares.
struct Shared {
    module: String,
    max_request_bytes: usize,
    checks: HealthChecks,
}

#[derive(Clone)]
enum Route {
    Capability(Capability),
    Health,
}

async fn serve_endpoint(
    mut endpoint: async_nats::service::endpoint::Endpoint,
    route: Route,
    shared: Arc<Shared>,
    tasks: TaskTracker,
) {
    while let Some(request) = endpoint.next().await {
        tasks.spawn(answer(request, route.clone(), shared.clone()));
    }
}

/// Answers one request; whatever happens inside, the caller gets a reply.
async fn answer(request: Request, route: Route, shared: Arc<Shared>) {
    let started = Instant::now();
    let context = MessageContext::from_headers(request.message.headers.as_ref());
    let operation = match &route {
        Route::Capability(capability) => capability.operation.clone(),
        Route::Health => soulspot_contracts::operations::HEALTH.to_owned(),
    };
    let span = tracing::info_span!(
        "request",
        module = %shared.module,
        operation = %operation,
        correlation_id = context.correlation_id.as_deref().unwrap_or(""),
        trace_id = %context.trace_id(),
    );
    let outcome = AssertUnwindSafe(handle(
        &request.message.payload,
        &route,
        &shared,
        context,
        &operation,
    ))
    .catch_unwind()
    .instrument(span.clone())
    .await
    .unwrap_or_else(|_| Err(ServiceError::internal("handler panicked")));
    let _entered = span.enter();
    let outcome_label = match &outcome {
        Ok(_) => "ok",
        Err(error) if error.kind().is_callers_fault() => "client_error",
        Err(_) => "server_error",
    };
    metrics::counter!("soulspot_requests_total", "module" => shared.module.clone(), "operation" => operation.clone(), "outcome" => outcome_label).increment(1);
    metrics::histogram!("soulspot_request_duration_seconds", "module" => shared.module.clone(), "operation" => operation.clone())
        .record(started.elapsed().as_secs_f64());
    if let Err(error) = &outcome {
        reply::log_failure(error);
    }
    reply::respond(&request, outcome).await;
}

async fn handle(
    payload: &Bytes,
    route: &Route,
    shared: &Shared,
    context: MessageContext,
    operation: &str,
) -> Result<Bytes, ServiceError> {
    if payload.len() > shared.max_request_bytes {
        return Err(ServiceError::payload_too_large(format!(
            "request of {} bytes exceeds the limit of {} bytes",
            payload.len(),
            shared.max_request_bytes
        )));
    }
    let reply = match route {
        Route::Health => serde_json::to_value(shared.checks.report().await).map_err(|error| {
            ServiceError::internal(format!("health report not encodable: {error}"))
        })?,
        Route::Capability(capability) => {
            let body = decode(payload)?;
            let contracts = soulspot_contracts::contracts().map_err(ServiceError::internal)?;
            contracts
                .validate_request(operation, &body)
                .map_err(ServiceError::bad_request)?;
            let call = CallContext {
                operation: operation.to_owned(),
                message: context,
            };
            let reply = (capability.handler)(call, body).await?;
            contracts
                .validate_reply(operation, &reply)
                .map_err(|violation| {
                    ServiceError::internal(format!("module produced an invalid reply: {violation}"))
                })?;
            reply
        }
    };
    serde_json::to_vec(&reply)
        .map(Bytes::from)
        .map_err(|error| ServiceError::internal(format!("reply not encodable: {error}")))
}

/// An empty body counts as `{}`, so parameterless operations need no payload.
fn decode(payload: &Bytes) -> Result<Value, ServiceError> {
    if payload.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(serde_json::Map::new()));
    }
    serde_json::from_slice(payload)
        .map_err(|error| ServiceError::bad_request(format!("malformed json: {error}")))
}

/// A registered, serving module.
pub struct RunningModule {
    announcement: ModuleAnnouncement,
    required_modules: Vec<String>,
    client: Client,
    service: Service,
    tasks: TaskTracker,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for RunningModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningModule")
            .field("announcement", &self.announcement)
            .finish()
    }
}

impl RunningModule {
    pub fn name(&self) -> &str {
        &self.announcement.module
    }

    pub fn instance_id(&self) -> &str {
        &self.announcement.instance_id
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Modules that some capability of this one needs.
    pub fn required_modules(&self) -> &[String] {
        &self.required_modules
    }

    pub fn health_checks(&self) -> &HealthChecks {
        &self.shared.checks
    }

    /// Announces the stop, stops taking requests, and waits up to `grace` for those in flight.
    pub async fn stop(self, grace: Duration) {
        self.announce(subjects::MODULE_DOWN).await;
        if let Err(error) = self.service.stop().await {
            tracing::warn!(%error, "service did not stop cleanly");
        }
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

    async fn announce(&self, subject: &'static str) {
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
