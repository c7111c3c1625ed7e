//! Request/reply over NATS with a deadline, mapping every failure to a typed error.
//!
//! A service reports errors through the NATS micro headers `Nats-Service-Error` and
//! `Nats-Service-Error-Code`, plus [`RETRY_AFTER_MS_HEADER`] when it is busy. Every failure
//! has an [`ErrorKind`]; whose fault it is and whether it is worth retrying follow from that
//! kind alone.

use std::time::Duration;

use async_nats::service::{NATS_SERVICE_ERROR, NATS_SERVICE_ERROR_CODE};
use async_nats::{Client, HeaderMap, Request, RequestErrorKind};
use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;
use soulspot_contracts::ErrorKind;
use soulspot_contracts::error::{RETRY_AFTER_MS_HEADER, read_retry_after_header};

use crate::context::{MessageContext, TIMEOUT_HEADER};

#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("no responders on {subject}")]
    NoResponders { subject: String },
    #[error("no reply on {subject} within {after:?}")]
    Timeout { subject: String, after: Duration },
    /// The service answered with an error; `code` is the one it chose, its kind follows.
    #[error("{subject} replied with error {code}: {message}")]
    Service {
        subject: String,
        code: u16,
        message: String,
        /// How long a busy service asked to be left alone.
        retry_after: Option<Duration>,
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
    /// What kind of failure this is: nobody listening is `Unavailable`, no reply in time a
    /// `Timeout`, a service error the kind of its code.
    pub fn kind(&self) -> ErrorKind {
        match self {
            RequestError::NoResponders { .. } | RequestError::Transport { .. } => {
                ErrorKind::Unavailable
            }
            RequestError::Timeout { .. } => ErrorKind::Timeout,
            RequestError::Service { code, .. } => ErrorKind::from_code(*code),
            // The request the caller handed over cannot be sent to anyone.
            RequestError::Encode { .. } => ErrorKind::BadInput,
            RequestError::Decode { .. } => ErrorKind::Internal,
        }
    }

    /// The wait a busy service asked for, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            RequestError::Service { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// Sends `payload` to `subject` and waits at most `deadline` for the reply's bytes (less when
/// `context` is a request whose own caller stops waiting sooner). The wait travels with the
/// request in [`TIMEOUT_HEADER`], so the callee knows when its answer stops mattering.
pub async fn request_bytes(
    client: &Client,
    subject: &str,
    payload: Bytes,
    context: &MessageContext,
    deadline: Duration,
) -> Result<Bytes, RequestError> {
    let deadline = context.timeout_for(deadline);
    let mut headers = context.headers();
    let millis = u64::try_from(deadline.as_millis()).unwrap_or(u64::MAX);
    headers.insert(TIMEOUT_HEADER, millis.to_string().as_str());
    let request = Request::new()
        .payload(payload)
        .headers(headers)
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
    match reply
        .headers
        .as_ref()
        .and_then(|headers| service_error(subject, headers))
    {
        Some(error) => Err(error),
        None => Ok(reply.payload),
    }
}

/// The error a reply's headers report, if they report one.
fn service_error(subject: &str, headers: &HeaderMap) -> Option<RequestError> {
    let code = headers.get(NATS_SERVICE_ERROR_CODE)?;
    let header = |name: &str| headers.get(name).map(|value| value.as_str().to_owned());
    Some(RequestError::Service {
        subject: subject.to_owned(),
        code: code.as_str().trim().parse().unwrap_or(500),
        message: header(NATS_SERVICE_ERROR).unwrap_or_default(),
        retry_after: header(RETRY_AFTER_MS_HEADER)
            .as_deref()
            .and_then(read_retry_after_header),
    })
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

    fn replied(code: u16) -> RequestError {
        RequestError::Service {
            subject: "s".into(),
            code,
            message: "m".into(),
            retry_after: None,
        }
    }

    fn json_error() -> serde_json::Error {
        serde_json::from_str::<u8>("not json").unwrap_err()
    }

    #[test]
    fn every_failure_has_its_kind() {
        let subject = || "s".to_owned();
        let cases = [
            (
                RequestError::NoResponders { subject: subject() },
                ErrorKind::Unavailable,
            ),
            (
                RequestError::Timeout {
                    subject: subject(),
                    after: Duration::from_secs(1),
                },
                ErrorKind::Timeout,
            ),
            (
                RequestError::Transport {
                    subject: subject(),
                    message: "connection closed".into(),
                },
                ErrorKind::Unavailable,
            ),
            (
                RequestError::Encode {
                    subject: subject(),
                    source: json_error(),
                },
                ErrorKind::BadInput,
            ),
            (
                RequestError::Decode {
                    subject: subject(),
                    source: json_error(),
                },
                ErrorKind::Internal,
            ),
            (replied(400), ErrorKind::BadInput),
            (replied(404), ErrorKind::NotFound),
            (replied(409), ErrorKind::Conflict),
            (replied(413), ErrorKind::BadInput),
            (replied(422), ErrorKind::BadInput),
            (replied(429), ErrorKind::Busy),
            (replied(500), ErrorKind::Internal),
            (replied(503), ErrorKind::Unavailable),
            (replied(504), ErrorKind::Timeout),
        ];
        for (error, kind) in cases {
            assert_eq!(error.kind(), kind, "{error}");
        }
    }

    #[test]
    fn a_busy_reply_is_neither_the_callers_fault_nor_final() {
        let busy = replied(429);
        assert!(!busy.kind().is_callers_fault());
        assert!(busy.kind().is_transient());
        assert!(replied(422).kind().is_callers_fault());
        assert!(!replied(500).kind().is_transient());
    }

    #[test]
    fn a_busy_reply_carries_its_retry_after() {
        let mut headers = HeaderMap::new();
        headers.insert(NATS_SERVICE_ERROR_CODE, "429");
        headers.insert(NATS_SERVICE_ERROR, "too many searches");
        headers.insert(RETRY_AFTER_MS_HEADER, "1500");
        let error = service_error_of(&headers);
        assert_eq!(error.kind(), ErrorKind::Busy);
        assert_eq!(error.retry_after(), Some(Duration::from_millis(1500)));
        assert!(error.to_string().contains("too many searches"));
    }

    #[test]
    fn a_reply_without_an_error_code_is_no_error() {
        let mut headers = HeaderMap::new();
        headers.insert(NATS_SERVICE_ERROR, "stray");
        assert!(service_error("s", &headers).is_none());
    }

    fn service_error_of(headers: &HeaderMap) -> RequestError {
        service_error("s", headers).unwrap()
    }
}
