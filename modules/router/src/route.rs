//! `route(operation, params)`: try the live providers of an operation, best first, falling
//! back on absence, timeouts and provider failures, and repeating the round after a pause
//! while some failure may pass by itself. These rounds are the one retry loop of a routed
//! call, under its [`CallPolicy`]. A failure whose kind is the caller's fault is returned at
//! once, without trying anyone else.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::Client;
use bytes::Bytes;
use serde_json::Value;
use soulspot_bus::{MessageContext, RequestError, request_bytes};
use soulspot_common::RetryPolicy;
use tracing::Instrument;

use crate::registry::{Candidate, Registry};
use crate::settings::RoutingSettings;

mod error;

pub use error::RouteError;
use error::{exhausted, rejected};

/// How one routed call is made: the deadline of each try of each provider, and the rounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallPolicy {
    /// Deadline of one try of one provider.
    pub timeout: Duration,
    /// Rounds over the providers, and the pauses between them.
    pub retry: RetryPolicy,
}

/// Routes operations over NATS using what the registry knows.
#[derive(Debug, Clone)]
pub struct Router {
    client: Client,
    registry: Arc<Registry>,
    settings: RoutingSettings,
}

/// A provider's reply, and who sent it.
struct Answer {
    module: String,
    reply: Bytes,
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

    /// The call policy of the routing settings: `[router] request_timeout_ms` per try and
    /// `[router.retry]` for the rounds.
    pub fn default_call(&self) -> CallPolicy {
        CallPolicy {
            timeout: self.settings.request_timeout(),
            retry: self.settings.retry,
        }
    }

    /// Validates `params` against the operation's contract and routes it under the routing
    /// settings' call policy.
    pub async fn route(
        &self,
        operation: &str,
        params: &Value,
        context: &MessageContext,
    ) -> Result<Value, RouteError> {
        self.route_with(operation, params, context, &self.default_call())
            .await
    }

    /// Validates `params` against the operation's contract and routes it under `call`.
    pub async fn route_with(
        &self,
        operation: &str,
        params: &Value,
        context: &MessageContext,
        call: &CallPolicy,
    ) -> Result<Value, RouteError> {
        check_request(operation, params)?;
        let payload = Bytes::from(params.to_string());
        let answer = self
            .route_validated(operation, payload, context, call)
            .await?;
        serde_json::from_slice(&answer.reply).map_err(|source| RouteError::BadReply {
            module: answer.module,
            source,
        })
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
        let answer = self
            .route_validated(operation, body, context, &self.default_call())
            .await?;
        Ok(answer.reply)
    }

    /// Routes an already validated payload.
    async fn route_validated(
        &self,
        operation: &str,
        payload: Bytes,
        context: &MessageContext,
        call: &CallPolicy,
    ) -> Result<Answer, RouteError> {
        let span = tracing::info_span!(
            "route",
            otel.name = %format!("route {operation}"),
            soulspot.service = "router",
            operation,
            correlation_id = context.correlation_id.as_deref().unwrap_or(""),
            trace_id = %context.trace_id(),
        );
        self.try_rounds(operation, payload, context, call)
            .instrument(span)
            .await
    }

    async fn try_rounds(
        &self,
        operation: &str,
        payload: Bytes,
        context: &MessageContext,
        call: &CallPolicy,
    ) -> Result<Answer, RouteError> {
        let mut backoff = call.retry.backoff();
        let mut last_failure = None;
        loop {
            let round = backoff.start();
            let mut candidates = self.registry.candidates(operation);
            if candidates.is_empty() {
                // What is known may be a poll behind (a module or NATS just restarted):
                // look again before concluding nobody offers it.
                self.registry.refresh(call.timeout).await;
                candidates = self.registry.candidates(operation);
            }
            if candidates.is_empty() {
                // Nobody offers it now; a module restarting is back within the policy's
                // pauses, so this round counts as a transient failure.
                if let Some(pause) = backoff.next_pause(None) {
                    tracing::info!(round, ?pause, "no provider, looking again");
                    tokio::time::sleep(pause).await;
                    continue;
                }
                return Err(match last_failure {
                    Some(last) => exhausted(operation, last),
                    None => self.not_available(operation),
                });
            }
            let failures = match self
                .try_candidates(
                    operation,
                    &candidates,
                    &payload,
                    context,
                    call.timeout,
                    round,
                )
                .await
            {
                Ok(answer) => return Ok(answer),
                Err(Round::Final(error)) => return Err(error),
                Err(Round::Failed(failures)) => failures,
            };
            let longest_pause = Duration::from_millis(call.retry.max_delay_ms);
            let pause = match failures.retry_after {
                _ if !failures.any_transient => None,
                // The providers asked for a longer rest than the policy pauses between
                // rounds: the caller hears it now rather than after the wait.
                Some(wait) if wait > longest_pause => None,
                hint => backoff.next_pause(hint),
            };
            let Some(pause) = pause else {
                return Err(exhausted(operation, failures.last));
            };
            tracing::info!(round, ?pause, "no provider succeeded, retrying");
            last_failure = Some(failures.last);
            tokio::time::sleep(pause).await;
        }
    }

    /// One pass over the candidates, best first.
    async fn try_candidates(
        &self,
        operation: &str,
        candidates: &[Candidate],
        payload: &Bytes,
        context: &MessageContext,
        deadline: Duration,
        round: u32,
    ) -> Result<Answer, Round> {
        let mut failures = Vec::new();
        for candidate in candidates {
            let started = Instant::now();
            let span = tracing::info_span!(
                "call",
                otel.name = %format!("call {operation}"),
                otel.kind = "client",
                soulspot.service = "router",
                operation,
                module = %candidate.module,
                attempt = round,
                outcome = tracing::field::Empty,
            );
            let outcome = request_bytes(
                &self.client,
                &candidate.subject,
                payload.clone(),
                context,
                deadline,
            )
            .instrument(span.clone())
            .await;
            let label = record(operation, &candidate.module, &outcome, started);
            span.record("outcome", label);
            let error = match outcome {
                Ok(reply) => {
                    self.registry.provider_answered(operation);
                    return Ok(Answer {
                        module: candidate.module.clone(),
                        reply,
                    });
                }
                Err(error) => error,
            };
            if error.kind().is_callers_fault() {
                return Err(Round::Final(rejected(&candidate.module, error)));
            }
            if matches!(error, RequestError::NoResponders { .. }) {
                self.registry.mark_unreachable(&candidate.module);
            }
            tracing::warn!(module = %candidate.module, kind = %error.kind(), %error, "provider failed, falling back");
            failures.push(error);
        }
        match RoundFailures::of(failures) {
            Some(failures) => Err(Round::Failed(failures)),
            None => Err(Round::Final(self.not_available(operation))),
        }
    }

    /// `ModuleNotAvailable`, with one structured warning until the capability comes back:
    /// which modules offered the operation, and what holds each back.
    pub(crate) fn not_available(&self, operation: &str) -> RouteError {
        metrics::counter!("soulspot_route_unavailable_total", "operation" => operation.to_owned())
            .increment(1);
        if self.registry.should_warn_missing(operation) {
            let warning = self.registry.warning(operation);
            let join = |part: fn(&crate::registry::Provider) -> String| {
                warning
                    .providers
                    .iter()
                    .map(part)
                    .collect::<Vec<_>>()
                    .join(",")
            };
            tracing::warn!(
                module = %join(|provider| provider.module.clone()),
                operation,
                status = %join(|provider| provider.status.as_str().to_owned()),
                waiting_for = %join(|provider| provider.waiting_for.join("+")),
                impact = %warning.impact,
                action = %warning.action,
                "capability unavailable"
            );
        }
        RouteError::ModuleNotAvailable {
            operation: operation.to_owned(),
        }
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
enum Round {
    /// Stop: retrying cannot help.
    Final(RouteError),
    /// Every candidate failed.
    Failed(RoundFailures),
}

/// What a round in which every candidate failed says about the next one.
struct RoundFailures {
    last: RequestError,
    /// Some provider may succeed if asked again later.
    any_transient: bool,
    /// When every provider asked to be left alone for a while: the shortest such wait.
    retry_after: Option<Duration>,
}

impl RoundFailures {
    fn of(mut failures: Vec<RequestError>) -> Option<Self> {
        let any_transient = failures.iter().any(|error| error.kind().is_transient());
        let retry_after = failures
            .iter()
            .map(RequestError::retry_after)
            .collect::<Option<Vec<_>>>()
            .and_then(|waits| waits.into_iter().min());
        let last = failures.pop()?;
        Some(Self {
            last,
            any_transient,
            retry_after,
        })
    }
}

/// Counts and times one call; returns its outcome's label.
fn record(
    operation: &str,
    module: &str,
    outcome: &Result<Bytes, RequestError>,
    started: Instant,
) -> &'static str {
    let label = match outcome {
        Ok(_) => "ok",
        Err(error) if error.kind().is_callers_fault() => "rejected",
        Err(RequestError::NoResponders { .. }) => "no_responders",
        Err(error) => error.kind().as_str(),
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
    label
}
