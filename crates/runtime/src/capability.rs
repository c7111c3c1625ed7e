//! A capability: one operation a module offers, its routing metadata and its handler.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use soulspot_bus::MessageContext;
use soulspot_contracts::ErrorKind;

/// A failed request as the caller sees it: its kind, the code sent in the NATS micro error
/// headers, a message, and for a busy module how long to leave it alone. The code is the
/// kind's own unless the handler chose a more precise one (413, 422, ...); the kind then
/// follows from the code, so caller and callee agree on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    kind: ErrorKind,
    code: u16,
    message: String,
    retry_after: Option<Duration>,
}

impl ServiceError {
    /// An error of `kind`, with the kind's code.
    pub fn new(kind: ErrorKind, message: impl fmt::Display) -> Self {
        Self {
            kind,
            code: kind.code(),
            message: message.to_string(),
            retry_after: None,
        }
    }

    /// An error with a code more precise than its kind's own (e.g. 403 or 422); the kind is
    /// the code's.
    pub fn with_code(code: u16, message: impl fmt::Display) -> Self {
        Self {
            code,
            ..Self::new(ErrorKind::from_code(code), message)
        }
    }

    pub fn bad_request(message: impl fmt::Display) -> Self {
        Self::new(ErrorKind::BadInput, message)
    }

    pub fn not_found(message: impl fmt::Display) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    pub fn payload_too_large(message: impl fmt::Display) -> Self {
        Self::with_code(413, message)
    }

    /// At capacity or rate limited: worth retrying later, or elsewhere; `retry_after` travels
    /// to the caller.
    pub fn busy(message: impl fmt::Display, retry_after: Option<Duration>) -> Self {
        Self {
            retry_after,
            ..Self::new(ErrorKind::Busy, message)
        }
    }

    /// A dependency is down: worth retrying later, or elsewhere.
    pub fn unavailable(message: impl fmt::Display) -> Self {
        Self::new(ErrorKind::Unavailable, message)
    }

    pub fn internal(message: impl fmt::Display) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The code sent in `Nats-Service-Error-Code`.
    pub fn code(&self) -> u16 {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// How long a busy module asks to be left alone.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.message)
    }
}

impl std::error::Error for ServiceError {}

/// What a handler knows about the request besides its body. `message.deadline` is when the
/// caller stops waiting (from the request's timeout header): a handler whose work changes
/// something the caller relies on checks it before making the change.
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
                let request: Req =
                    soulspot_contracts::numbers::from_contract_value(body).map_err(|error| {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_built_from_a_kind_carries_the_kinds_code() {
        let error = ServiceError::not_found("no such playlist");
        assert_eq!((error.kind(), error.code()), (ErrorKind::NotFound, 404));
        let busy = ServiceError::busy("too many searches", Some(Duration::from_secs(2)));
        assert_eq!((busy.kind(), busy.code()), (ErrorKind::Busy, 429));
        assert_eq!(busy.retry_after(), Some(Duration::from_secs(2)));
    }

    #[test]
    fn a_precise_code_is_kept_and_its_kind_follows_from_it() {
        let refused = ServiceError::with_code(422, "checksum mismatch");
        assert_eq!((refused.kind(), refused.code()), (ErrorKind::BadInput, 422));
        let large = ServiceError::payload_too_large("too big");
        assert_eq!((large.kind(), large.code()), (ErrorKind::BadInput, 413));
    }
}
