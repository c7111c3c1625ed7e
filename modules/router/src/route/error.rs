//! How a routed call fails, and the kind of each failure.

use soulspot_bus::RequestError;
use soulspot_contracts::{ErrorKind, SchemaViolation};

#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    #[error("unknown operation `{0}`")]
    UnknownOperation(String),
    #[error("invalid request: {0}")]
    InvalidRequest(SchemaViolation),
    #[error("no active module offers `{operation}`")]
    ModuleNotAvailable { operation: String },
    /// The provider refused the request as the caller's fault; no other was tried.
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
    /// A provider answered, but its reply is not JSON: that module is broken.
    #[error("{module} sent a reply that is not json: {source}")]
    BadReply {
        module: String,
        #[source]
        source: serde_json::Error,
    },
}

impl RouteError {
    /// What kind of failure ended the call.
    pub fn kind(&self) -> ErrorKind {
        match self {
            RouteError::UnknownOperation(_) => ErrorKind::NotFound,
            RouteError::InvalidRequest(_) => ErrorKind::BadInput,
            RouteError::ModuleNotAvailable { .. } => ErrorKind::Unavailable,
            RouteError::Rejected { code, .. } => ErrorKind::from_code(*code),
            RouteError::Exhausted { last, .. } => last.kind(),
            RouteError::BadReply { .. } => ErrorKind::Internal,
        }
    }
}

pub(super) fn exhausted(operation: &str, last: RequestError) -> RouteError {
    RouteError::Exhausted {
        operation: operation.to_owned(),
        last,
    }
}

/// The provider's refusal as the caller's: its code and message when it replied with them.
pub(super) fn rejected(module: &str, error: RequestError) -> RouteError {
    let (code, message) = match error {
        RequestError::Service { code, message, .. } => (code, message),
        other => (other.kind().code(), other.to_string()),
    };
    RouteError::Rejected {
        module: module.to_owned(),
        code,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(code: u16) -> RequestError {
        RequestError::Service {
            subject: "soulspot.alpha.search.track".into(),
            code,
            message: "m".into(),
            retry_after: None,
        }
    }

    #[test]
    fn a_route_fails_with_the_kind_of_its_last_failure() {
        assert_eq!(
            exhausted("search.track", service(429)).kind(),
            ErrorKind::Busy
        );
        assert_eq!(rejected("alpha", service(422)).kind(), ErrorKind::BadInput);
        let bad_reply = RouteError::BadReply {
            module: "alpha".into(),
            source: serde_json::from_str::<u8>("<html>").unwrap_err(),
        };
        assert_eq!(bad_reply.kind(), ErrorKind::Internal);
        let missing = RouteError::ModuleNotAvailable {
            operation: "search.track".into(),
        };
        assert!(missing.kind().is_transient());
    }

    #[test]
    fn a_refusal_keeps_the_code_and_message_the_provider_chose() {
        let RouteError::Rejected { code, message, .. } = rejected("alpha", service(413)) else {
            panic!("not a rejection");
        };
        assert_eq!((code, message.as_str()), (413, "m"));
    }
}
