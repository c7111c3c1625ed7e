//! `route(operation, params)`: try the live providers of an operation, best first, falling
//! back on absence, timeouts and provider failures, and retrying rounds with backoff while
//! the failures are transient. Bad input (a 4xx-class reply) is returned at once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::Client;
use bytes::Bytes;
use serde_json::Value;
use soulspot_bus::{ErrorClass, MessageContext, RequestError, request_bytes};
use soulspot_common::RetryPolicy;
use soulspot_common::retry::Verdict;
use soulspot_contracts::SchemaViolation;
use tracing::Instrument;

use crate::registry::{Candidate, Registry};
use crate::settings::RoutingSettings;

#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    #[error("unknown operation `{0}`")]
    UnknownOperation(String),
    #[error("invalid request: {0}")]
    InvalidRequest(SchemaViolation),
    #[error("no active module offers `{operation}`")]
    ModuleNotAvailable { operation: String },
    /// The provider refused the request as invalid (4xx class); no other was tried.
    #[error("{module} refused the request ({code}): {message}")]
    Rejected {
        module: String,
        code: u16,
        message: String,
    },
    /// Every candidate failed; `last` is the final failure.
    #[error("every provider of `{operation}` failed; last: {last}")]
    Exhausted {
        operation: String,
        #[source]
        last: RequestError,
    },
}

/// How one routed call is made: the deadline of each try of a provider, and the retry policy
/// of its rounds over the providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallPolicy {
    pub timeout: Duration,
    pub retry: RetryPolicy,
}

/// Routes operations over NATS using what the registry knows.
#[derive(Debug, Clone)]
pub struct Router {
    client: Client,
    registry: Arc<Registry>,
    settings: RoutingSettings,
}

impl Router {
    pub fn new(client: Client, registry: Arc<Registry>, settings: RoutingSettings) -> Self {
        Self {
            client,
            registry,
            settings,
        }
    }

    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// Validates `params` against the operation's contract and routes it with the default
    /// deadline per try.
    pub async fn route(
        &self,
        operation: &str,
        params: &Value,
        context: &MessageContext,
    ) -> Result<Value, RouteError> {
        self.route_within(operation, params, context, self.settings.request_timeout())
            .await
    }

    /// Like `route`, with `deadline` for each try of each provider.
    pub async fn route_within(
        &self,
        operation: &str,
        params: &Value,
        context: &MessageContext,
        deadline: Duration,
    ) -> Result<Value, RouteError> {
        check_request(operation, params)?;
        let payload = Bytes::from(params.to_string());
        let rounds = self.settings.max_attempts;
        let reply = self
            .route_validated(operation, payload, context, deadline, rounds)
            .await?;
        decode(operation, &reply)
    }

    /// Routes under the caller's policy: each round tries every provider with
    /// `policy.timeout`, and the rounds follow `policy.retry`. A round that finds no provider
    /// at all (a module restarting) is a failure worth another round like any transient one.
    pub async fn route_with(
        &self,
        operation: &str,
        params: &Value,
        context: &MessageContext,
        policy: &CallPolicy,
    ) -> Result<Value, RouteError> {
        check_request(operation, params)?;
        let payload = Bytes::from(params.to_string());
        let round = |_| {
            let payload = payload.clone();
            async move {
                let reply = self
                    .route_validated(operation, payload, context, policy.timeout, 1)
                    .await?;
                decode(operation, &reply)
            }
        };
        policy.retry.run(round, verdict).await
    }

    /// Routes a request body as it was received, once `params` (its parsed form) passed the
    /// contract, and returns the reply's bytes untouched: the HTTP API's pass-through, which
    /// spares a re-encoding of the request and a decoding and re-encoding of the reply.
    pub async fn forward(
        &self,
        operation: &str,
        params: &Value,
        body: Bytes,
        context: &MessageContext,
    ) -> Result<Bytes, RouteError> {
        check_request(operation, params)?;
        let deadline = self.settings.request_timeout();
        self.route_validated(
            operation,
            body,
            context,
            deadline,
            self.settings.max_attempts,
        )
        .await
    }

    /// Routes an already validated payload and returns the reply's bytes untouched.
    async fn route_validated(
        &self,
        operation: &str,
        payload: Bytes,
        context: &MessageContext,
        deadline: Duration,
        rounds: u32,
    ) -> Result<Bytes, RouteError> {
        let span = tracing::info_span!(
            "route",
            operation,
            correlation_id = context.correlation_id.as_deref().unwrap_or(""),
            trace_id = %context.trace_id(),
        );
        self.try_rounds(operation, payload, context, deadline, rounds)
            .instrument(span)
            .await
    }

    async fn try_rounds(
        &self,
        operation: &str,
        payload: Bytes,
        context: &MessageContext,
        deadline: Duration,
        rounds: u32,
    ) -> Result<Bytes, RouteError> {
        let mut last_error = None;
        let mut refreshed = false;
        for round in 1..=rounds.max(1) {
            let mut candidates = self.registry.candidates(operation);
            if candidates.is_empty() && !refreshed {
                // What is known may be a poll behind (a module or NATS just restarted):
                // look once more before concluding nobody offers it.
                refreshed = true;
                self.registry.refresh(deadline).await;
                candidates = self.registry.candidates(operation);
            }
            if candidates.is_empty() {
                return Err(match last_error {
                    Some(last) => RouteError::Exhausted {
                        operation: operation.to_owned(),
                        last,
                    },
                    None => self.not_available(operation),
                });
            }
            match self
                .try_candidates(operation, &candidates, &payload, context, deadline)
                .await
            {
                Ok(reply) => return Ok(reply),
                Err(Attempt::Final(error)) => return Err(error),
                Err(Attempt::Retryable(error)) => {
                    let transient = error.is_transient();
                    last_error = Some(error);
                    if !transient || round >= rounds {
                        break;
                    }
                    let pause = self.settings.backoff(round);
                    tracing::info!(round, ?pause, "every provider failed transiently, retrying");
                    tokio::time::sleep(pause).await;
                }
            }
        }
        Err(match last_error {
            Some(last) => RouteError::Exhausted {
                operation: operation.to_owned(),
                last,
            },
            None => self.not_available(operation),
        })
    }

    /// One pass over the candidates, best first.
    async fn try_candidates(
        &self,
        operation: &str,
        candidates: &[Candidate],
        payload: &Bytes,
        context: &MessageContext,
        deadline: Duration,
    ) -> Result<Bytes, Attempt> {
        let mut last = None;
        for candidate in candidates {
            let started = Instant::now();
            let outcome = request_bytes(
                &self.client,
                &candidate.subject,
                payload.clone(),
                context,
                deadline,
            )
            .await;
            record(operation, &candidate.module, &outcome, started);
            match outcome {
                Ok(reply) => {
                    self.registry.provider_answered(operation);
                    return Ok(reply);
                }
                // 429 says "busy", not "bad input": another provider or a later round may serve it.
                Err(RequestError::Service { code, message, .. }) if code < 500 && code != 429 => {
                    return Err(Attempt::Final(RouteError::Rejected {
                        module: candidate.module.clone(),
                        code,
                        message,
                    }));
                }
                Err(error) => {
                    if matches!(error, RequestError::NoResponders { .. }) {
                        self.registry.mark_unreachable(&candidate.module);
                    }
                    tracing::warn!(module = %candidate.module, %error, "provider failed, falling back");
                    last = Some(error);
                }
            }
        }
        Err(match last {
            Some(error) => Attempt::Retryable(error),
            None => Attempt::Final(self.not_available(operation)),
        })
    }

    /// `ModuleNotAvailable`, with one structured warning until the capability comes back.
    fn not_available(&self, operation: &str) -> RouteError {
        metrics::counter!("soulspot_route_unavailable_total", "operation" => operation.to_owned())
            .increment(1);
        if self.registry.should_warn_missing(operation) {
            let providers = self.registry.providers(operation);
            let module = if providers.is_empty() {
                "none".to_owned()
            } else {
                providers
                    .iter()
                    .map(|(name, _)| name.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            };
            let status = if providers.is_empty() {
                "unknown".to_owned()
            } else {
                providers
                    .iter()
                    .map(|(_, status)| status.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            };
            tracing::warn!(
                module = %module,
                operation,
                status = %status,
                impact = %format!("requests for {operation} fail until a provider is active"),
                action = %format!("start a module that offers {operation}"),
                "capability unavailable"
            );
        }
        RouteError::ModuleNotAvailable {
            operation: operation.to_owned(),
        }
    }
}

fn decode(operation: &str, reply: &[u8]) -> Result<Value, RouteError> {
    serde_json::from_slice(reply).map_err(|source| RouteError::Exhausted {
        operation: operation.to_owned(),
        last: RequestError::Decode {
            subject: operation.to_owned(),
            source,
        },
    })
}

/// Whether another round of `route_with` may help: not for bad input or an unreadable reply.
fn verdict(error: &RouteError) -> Verdict {
    match error {
        RouteError::UnknownOperation(_)
        | RouteError::InvalidRequest(_)
        | RouteError::Rejected { .. }
        | RouteError::Exhausted {
            last: RequestError::Encode { .. } | RequestError::Decode { .. },
            ..
        } => Verdict::GiveUp,
        RouteError::ModuleNotAvailable { .. } | RouteError::Exhausted { .. } => Verdict::Retry,
    }
}

/// The operation must have a contract and `params` must satisfy it.
fn check_request(operation: &str, params: &Value) -> Result<(), RouteError> {
    let contracts = soulspot_contracts::contracts().map_err(RouteError::InvalidRequest)?;
    contracts
        .capability(operation)
        .map_err(|_| RouteError::UnknownOperation(operation.to_owned()))?;
    contracts
        .validate_request(operation, params)
        .map_err(RouteError::InvalidRequest)
}

/// How a pass over the candidates ended.
enum Attempt {
    /// Stop: retrying cannot help.
    Final(RouteError),
    /// Every candidate failed; `is_transient` decides whether another round is worth it.
    Retryable(RequestError),
}

fn record(operation: &str, module: &str, outcome: &Result<Bytes, RequestError>, started: Instant) {
    let label = match outcome {
        Ok(_) => "ok",
        Err(error) if error.class() == ErrorClass::Client => "rejected",
        Err(RequestError::NoResponders { .. }) => "no_responders",
        Err(RequestError::Timeout { .. }) => "timeout",
        Err(_) => "failed",
    };
    metrics::counter!(
        "soulspot_route_requests_total",
        "operation" => operation.to_owned(),
        "module" => module.to_owned(),
        "outcome" => label
    )
    .increment(1);
    metrics::histogram!("soulspot_route_duration_seconds", "operation" => operation.to_owned())
        .record(started.elapsed().as_secs_f64());
}
