//! Registration of a module as a NATS micro service: one endpoint per capability on
//! `soulspot.<module>.<operation>` (default queue group, so instances share the load), the
//! health endpoint, and the `soulspot.module.up` / `down` announcements. Each capability
//! runs at most its concurrency limit of requests at once and answers the rest busy.

use std::collections::{BTreeMap, HashMap};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use async_nats::Client;
use async_nats::service::{Request, ServiceExt};
use bytes::Bytes;
use futures::{FutureExt, StreamExt};
use serde_json::Value;
use soulspot_bus::MessageContext;
use soulspot_contracts::ErrorKind;
use soulspot_contracts::operations::metadata_keys;
use soulspot_contracts::{ModuleAnnouncement, subjects};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use crate::capability::{CallContext, Capability, ServiceError};
use crate::endpoints::{concurrency_limits, confirmed_by_server, endpoint_metadata, endpoint_name};
use crate::health::HealthChecks;
use crate::reply;
use crate::running::RunningModule;
use crate::settings::LimitSettings;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("operation `{0}` has no contract in contracts/capabilities")]
    UnknownOperation(String),
    #[error("contracts unavailable: {0}")]
    Contracts(String),
    #[error("service registration failed: {0}")]
    Register(String),
    #[error("a concurrency limit names `{0}`, which is no endpoint of this module")]
    UnknownLimit(String),
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
    max_concurrent_requests: usize,
    operation_concurrency: BTreeMap<String, usize>,
}

impl ModuleBuilder {
    pub fn new(name: &str, version: &str) -> Self {
        Self {
            name: name.to_owned(),
            version: version.to_owned(),
            description: format!("soulspot {name} module"),
            capabilities: Vec::new(),
            checks: HealthChecks::default(),
            max_request_bytes: LimitSettings::default().max_request_bytes,
            max_concurrent_requests: LimitSettings::default().max_concurrent_requests,
            operation_concurrency: BTreeMap::new(),
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

    /// Requests each capability handles at once; the one past it is answered busy.
    pub fn max_concurrent_requests(mut self, limit: usize) -> Self {
        self.max_concurrent_requests = limit;
        self
    }

    /// The `[limits]` settings: request size, and concurrency per capability.
    pub fn limits(mut self, limits: &LimitSettings) -> Self {
        self.max_request_bytes = limits.max_request_bytes;
        self.max_concurrent_requests = limits.max_concurrent_requests;
        self.operation_concurrency = limits.operation_concurrency.clone();
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
        let mut limits = concurrency_limits(
            &self.capabilities,
            self.max_concurrent_requests,
            &self.operation_concurrency,
        )?;
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
        let serving = CancellationToken::new();
        for capability in &self.capabilities {
            let metadata = endpoint_metadata(capability, contracts);
            let name = endpoint_name(&capability.operation);
            let endpoint = service
                .endpoint_builder()
                .name(&name)
                .metadata(metadata)
                .add(subjects::capability(&self.name, &capability.operation))
                .await
                .map_err(|error| StartError::Register(error.to_string()))?;
            let permits = limits
                .remove(&name)
                .ok_or_else(|| StartError::Register(format!("no limit for endpoint {name}")))?;
            let route = Route::Capability(capability.clone(), permits);
            tasks.spawn(serve_endpoint(
                endpoint,
                route,
                shared.clone(),
                tasks.clone(),
                serving.clone(),
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
            serving.clone(),
        ));

        let info = service.info().await;
        let announcement = ModuleAnnouncement {
            module: self.name,
            instance_id: info.id,
            version: self.version,
            capabilities: self
                .capabilities
                .iter()
                .map(|c| c.operation.clone())
                .collect(),
        };
        let required_modules = self
            .capabilities
            .iter()
            .flat_map(|c| c.required_modules.iter().cloned())
            .collect();
        let running = RunningModule::new(
            announcement,
            required_modules,
            client,
            service,
            tasks,
            serving,
            shared.checks.clone(),
        );
        confirmed_by_server(running.client()).await?;
        running.announce(subjects::MODULE_UP).await;
        tracing::info!(
            module = %running.name(),
            instance_id = %running.instance_id(),
            capabilities = ?running.capabilities(),
            "module registered"
        );
        Ok(running)
    }
}

/// State every request handler of one module shares.
struct Shared {
    module: String,
    max_request_bytes: usize,
    checks: HealthChecks,
}

/// What an endpoint serves; a capability with the permits bounding its running requests.
#[derive(Clone)]
enum Route {
    Capability(Capability, Arc<Semaphore>),
    Health,
}

/// Takes the endpoint's requests until it is stopped or `serving` is cancelled. A request
/// within the capability's limit runs on its own task holding a permit; one past it is
/// answered busy here and now, so the work in flight never exceeds the limit.
async fn serve_endpoint(
    mut endpoint: async_nats::service::endpoint::Endpoint,
    route: Route,
    shared: Arc<Shared>,
    tasks: TaskTracker,
    serving: CancellationToken,
) {
    loop {
        let request = tokio::select! {
            () = serving.cancelled() => break,
            request = endpoint.next() => match request {
                Some(request) => request,
                None => break,
            },
        };
        let permit = match &route {
            Route::Capability(_, permits) => match permits.clone().try_acquire_owned() {
                Ok(permit) => Some(permit),
                Err(_) => {
                    answer(request, route.clone(), shared.clone(), Admission::Busy).await;
                    continue;
                }
            },
            Route::Health => None,
        };
        tasks.spawn(answer(
            request,
            route.clone(),
            shared.clone(),
            Admission::Admitted(permit),
        ));
    }
}

/// Whether a request may run: with the permit it holds until answered, or refused as busy.
enum Admission {
    Admitted(Option<OwnedSemaphorePermit>),
    Busy,
}

/// Answers one request; whatever happens inside, the caller gets a reply.
async fn answer(request: Request, route: Route, shared: Arc<Shared>, admission: Admission) {
    let started = Instant::now();
    let context = MessageContext::from_headers(request.message.headers.as_ref());
    let operation = match &route {
        Route::Capability(capability, _) => capability.operation.clone(),
        Route::Health => soulspot_contracts::operations::HEALTH.to_owned(),
    };
    let span = tracing::info_span!(
        "request",
        otel.name = %format!("handle {operation}"),
        otel.kind = "server",
        soulspot.service = %shared.module,
        module = %shared.module,
        operation = %operation,
        correlation_id = context.correlation_id.as_deref().unwrap_or(""),
        trace_id = %context.trace_id(),
        outcome = tracing::field::Empty,
    );
    context.continue_in(&span);
    let outcome = match admission {
        Admission::Admitted(_permit) => AssertUnwindSafe(handle(
            &request.message.payload,
            &route,
            &shared,
            context,
            &operation,
        ))
        .catch_unwind()
        .instrument(span.clone())
        .await
        .unwrap_or_else(|_| Err(ServiceError::internal("handler panicked"))),
        Admission::Busy => Err(ServiceError::busy(
            format!("{} is at its limit of concurrent requests", shared.module),
            None,
        )),
    };
    let _entered = span.enter();
    let outcome_label = match &outcome {
        Ok(_) => "ok",
        Err(error) => error.kind().as_str(),
    };
    span.record("outcome", outcome_label);
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
        Route::Capability(capability, _) => {
            let body = decode(payload)?;
            let contracts = soulspot_contracts::contracts().map_err(ServiceError::internal)?;
            contracts
                .validate_request(operation, &body)
                .map_err(ServiceError::bad_request)?;
            // A request that waited past its caller's deadline is answered without running:
            // nobody would read the reply, and its side effects would surprise the caller.
            if context.deadline_passed() {
                return Err(ServiceError::new(
                    ErrorKind::Timeout,
                    "the caller's deadline passed before the request was handled",
                ));
            }
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
