//! A capability: one operation a module offers, its routing metadata and its handler.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use soulspot_bus::MessageContext;

/// A failed request as the caller sees it: a status code and a message, sent back in the
/// NATS micro error headers. Codes below 500 mean the request itself was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    pub code: u16,
    pub message: String,
}

impl ServiceError {
    pub fn new(code: u16, message: impl fmt::Display) -> Self {
        Self {
            code,
            message: message.to_string(),
        }
    }

    pub fn bad_request(message: impl fmt::Display) -> Self {
        Self::new(400, message)
    }

    pub fn not_found(message: impl fmt::Display) -> Self {
        Self::new(404, message)
    }

    pub fn payload_too_large(message: impl fmt::Display) -> Self {
        Self::new(413, message)
    }

    pub fn internal(message: impl fmt::Display) -> Self {
        Self::new(500, message)
    }

    /// A dependency is down: worth retrying later, or elsewhere.
    pub fn unavailable(message: impl fmt::Display) -> Self {
        Self::new(503, message)
    }

    pub fn is_client_error(&self) -> bool {
        self.code < 500
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.message)
    }
}

impl std::error::Error for ServiceError {}

/// What a handler knows about the request besides its body.
#[derive(Debug, Clone)]
pub struct CallContext {
    pub operation: String,
    pub message: MessageContext,
}

pub(crate) type Handler = Arc<
    dyn Fn(CallContext, Value) -> BoxFuture<'static, Result<Value, ServiceError>> + Send + Sync,
>;

/// One operation offered on `soulspot.<module>.<operation>`.
#[derive(Clone)]
pub struct Capability {
    pub(crate) operation: String,
    pub(crate) priority: u32,
    pub(crate) required_modules: Vec<String>,
    pub(crate) handler: Handler,
}

impl fmt::Debug for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Capability")
            .field("operation", &self.operation)
            .field("priority", &self.priority)
            .field("required_modules", &self.required_modules)
            .finish()
    }
}

impl Capability {
    /// A capability whose handler takes the typed request and returns the typed reply.
    /// The request has already been checked against the operation's contract.
    pub fn new<Req, Rep, F, Fut>(operation: &str, priority: u32, handler: F) -> Self
    where
        Req: DeserializeOwned + Send + 'static,
        Rep: Serialize + 'static,
        F: Fn(CallContext, Req) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Rep, ServiceError>> + Send + 'static,
    {
        let handler = Arc::new(handler);
        let erased: Handler = Arc::new(move |context, body| {
            let handler = handler.clone();
            async move {
                let request: Req = serde_json::from_value(body).map_err(|error| {
                    ServiceError::bad_request(format!("invalid request: {error}"))
                })?;
                let reply = handler(context, request).await?;
                serde_json::to_value(reply).map_err(|error| {
                    ServiceError::internal(format!("reply not encodable: {error}"))
                })
            }
            .boxed()
        });
        Self {
            operation: operation.to_owned(),
            priority,
            required_modules: Vec::new(),
            handler: erased,
        }
    }

    /// Modules that must be active for this capability to be routed here.
    pub fn requires(mut self, modules: &[&str]) -> Self {
        self.required_modules = modules.iter().map(|module| (*module).to_owned()).collect();
        self
    }

    pub fn operation(&self) -> &str {
        &self.operation
    }
}
