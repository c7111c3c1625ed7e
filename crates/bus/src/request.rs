//! Request/reply over NATS with a deadline, mapping every failure to a typed error.
//!
//! A service reports errors through the NATS micro headers `Nats-Service-Error` and
//! `Nats-Service-Error-Code`; codes below 500 are the caller's fault (4xx class), the rest
//! the service's (5xx class).

use std::time::Duration;

use async_nats::service::{NATS_SERVICE_ERROR, NATS_SERVICE_ERROR_CODE};
use async_nats::{Client, Request, RequestErrorKind};
use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::context::MessageContext;

/// Who is at fault for a failed request, which decides whether to try elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Bad input (4xx): trying another provider would fail the same way.
    Client,
    /// The provider failed (5xx) or could not be reached: another may succeed.
    Server,
}

#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("no responders on {subject}")]
    NoResponders { subject: String },
    #[error("no reply on {subject} within {after:?}")]
    Timeout { subject: String, after: Duration },
    #[error("{subject} replied with error {code}: {message}")]
    Service {
        subject: String,
        code: u16,
        message: String,
    },
    #[error("request to {subject} could not be encoded: {source}")]
    Encode {
        subject: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("reply from {subject} is not the expected json: {source}")]
    Decode {
        subject: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("request to {subject} failed: {message}")]
    Transport { subject: String, message: String },
}

impl RequestError {
    pub fn class(&self) -> ErrorClass {
        match self {
            RequestError::Service { code, .. } if *code < 500 => ErrorClass::Client,
            RequestError::Encode { .. } => ErrorClass::Client,
            _ => ErrorClass::Server,
        }
    }

    /// Worth retrying after a pause: the provider was absent, slow or temporarily failing.
    pub fn is_transient(&self) -> bool {
        match self {
            RequestError::NoResponders { .. }
            | RequestError::Timeout { .. }
            | RequestError::Transport { .. } => true,
            RequestError::Service { code, .. } => *code == 503 || *code == 429,
            RequestError::Encode { .. } | RequestError::Decode { .. } => false,
        }
    }
}

/// Sends `payload` to `subject` and waits at most `deadline` for the reply's bytes.
pub async fn request_bytes(
    client: &Client,
    subject: &str,
    payload: Bytes,
    context: &MessageContext,
    deadline: Duration,
) -> Result<Bytes, RequestError> {
    let request = Request::new()
        .payload(payload)
        .headers(context.headers())
        .timeout(Some(deadline));
    let reply = client
        .send_request(subject.to_owned(), request)
        .await
        .map_err(|error| match error.kind() {
            RequestErrorKind::NoResponders => RequestError::NoResponders {
                subject: subject.to_owned(),
            },
            RequestErrorKind::TimedOut => RequestError::Timeout {
                subject: subject.to_owned(),
                after: deadline,
            },
            _ => RequestError::Transport {
                subject: subject.to_owned(),
                message: error.to_string(),
            },
        })?;
    if let Some(code) = reply
        .headers
        .as_ref()
        .and_then(|headers| headers.get(NATS_SERVICE_ERROR_CODE))
    {
        let message = reply
            .headers
            .as_ref()
            .and_then(|headers| headers.get(NATS_SERVICE_ERROR))
            .map(|value| value.as_str().to_owned())
            .unwrap_or_default();
        return Err(RequestError::Service {
            subject: subject.to_owned(),
            code: code.as_str().parse().unwrap_or(500),
            message,
        });
    }
    Ok(reply.payload)
}

/// Typed request/reply: JSON in, JSON out.
pub async fn request_json<Req, Rep>(
    client: &Client,
    subject: &str,
    request: &Req,
    context: &MessageContext,
    deadline: Duration,
) -> Result<Rep, RequestError>
where
    Req: Serialize + ?Sized,
    Rep: DeserializeOwned,
{
    let payload = serde_json::to_vec(request).map_err(|source| RequestError::Encode {
        subject: subject.to_owned(),
        source,
    })?;
    let reply = request_bytes(client, subject, payload.into(), context, deadline).await?;
    serde_json::from_slice(&reply).map_err(|source| RequestError::Decode {
        subject: subject.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service_error(code: u16) -> RequestError {
        RequestError::Service {
            subject: "s".into(),
            code,
            message: "m".into(),
        }
    }

    #[test]
    fn classifies_service_errors_by_code() {
        assert_eq!(service_error(400).class(), ErrorClass::Client);
        assert_eq!(service_error(422).class(), ErrorClass::Client);
        assert_eq!(service_error(500).class(), ErrorClass::Server);
        let no_responders = RequestError::NoResponders {
            subject: "s".into(),
        };
        assert_eq!(no_responders.class(), ErrorClass::Server);
    }

    #[test]
    fn only_unavailability_is_transient() {
        assert!(service_error(503).is_transient());
        assert!(!service_error(500).is_transient());
        assert!(!service_error(400).is_transient());
    }
}
