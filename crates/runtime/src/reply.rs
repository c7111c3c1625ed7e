//! The reply to one request: a success's body, or an error in the NATS micro service error
//! headers. This is the one place error text enters a header.

use async_nats::HeaderMap;
use async_nats::service::Request;
use bytes::Bytes;
use soulspot_contracts::error::{RETRY_AFTER_MS_HEADER, header_safe, retry_after_header};

use crate::capability::ServiceError;

/// Logs a failed request at the level its kind deserves.
pub(crate) fn log_failure(error: &ServiceError) {
    let (kind, code, message) = (error.kind(), error.code(), error.message());
    if kind.is_callers_fault() {
        tracing::info!(%kind, code, error = %message, "request refused");
    } else if kind.is_transient() {
        tracing::warn!(%kind, code, error = %message, "request failed");
    } else {
        tracing::error!(%kind, code, error = %message, "request failed");
    }
}

/// Sends the reply. An error travels in the service error headers: its code, its text made
/// header-safe (a line break or a control character would make the reply unsendable and
/// leave the caller waiting out its deadline), and a busy module's retry-after.
pub(crate) async fn respond(request: &Request, outcome: Result<Bytes, ServiceError>) {
    let mut headers = HeaderMap::new();
    let reply = outcome.map_err(|error| {
        if let Some(wait) = error.retry_after() {
            headers.insert(RETRY_AFTER_MS_HEADER, retry_after_header(wait).as_str());
        }
        async_nats::service::error::Error {
            status: header_safe(error.message()),
            code: usize::from(error.code()),
        }
    });
    if let Err(error) = request.respond_with_headers(reply, headers).await {
        tracing::warn!(%error, "reply not sent");
    }
}
