//! Request logging for every emulator, one structured line per request.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

/// Logs method, path and status of each request at debug level.
pub(crate) async fn log_request(
    State(service): State<&'static str>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    tracing::debug!(service, %method, path, status = response.status().as_u16(), "request served");
    response
}
