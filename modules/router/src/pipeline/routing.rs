//! What the pipeline needs of the router, as a trait: the stages of a job are tested against a
//! fake without NATS, and run against [`Router`] in the service.

use std::future::Future;
use std::time::Duration;

use serde_json::Value;
use soulspot_bus::MessageContext;

use crate::route::{CallPolicy, RouteError, Router};

/// Routes one operation to its providers.
pub trait Route: Send + Sync {
    /// One call of `operation`, retried inside as `call` says.
    fn route(
        &self,
        operation: &str,
        params: &Value,
        context: &MessageContext,
        call: &CallPolicy,
    ) -> impl Future<Output = Result<Value, RouteError>> + Send;

    /// Whether a live module offers `operation`, looking again (for at most `limit`) when
    /// none seemed to: what is known may be a poll behind.
    fn offers(&self, operation: &str, limit: Duration) -> impl Future<Output = bool> + Send;
}

impl Route for Router {
    async fn route(
        &self,
        operation: &str,
        params: &Value,
        context: &MessageContext,
        call: &CallPolicy,
    ) -> Result<Value, RouteError> {
        self.route_with(operation, params, context, call).await
    }

    async fn offers(&self, operation: &str, limit: Duration) -> bool {
        let registry = self.registry();
        if !registry.candidates(operation).is_empty() {
            return true;
        }
        registry.refresh(limit).await;
        if registry.candidates(operation).is_empty() {
            // Warns, once per outage, with the modules that used to offer it and their status.
            self.not_available(operation);
            return false;
        }
        true
    }
}
