//! What the API is asked and how it answers, as metrics and a span: every request, refused
//! ones included, counted by route, method and status, and timed by route; each request is
//! the span that starts the trace of whatever it sets off (a job, routed calls), continuing
//! the caller's trace when it sent a W3C `traceparent` header.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use soulspot_contracts::subjects::TRACEPARENT_HEADER;
use soulspot_telemetry::TraceContext;
use tracing::Instrument;

/// Counts and times one request (`soulspot_router_http_requests_total`,
/// `soulspot_router_http_request_duration_seconds`). Labels stay few whatever clients send:
/// the route is the table's pattern (or `unmatched`), the method one of the standard ones (or
/// `other`).
pub(super) async fn observe(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = method_label(request.method());
    let span = tracing::info_span!(
        "http",
        otel.name = %format!("{method} {route}"),
        otel.kind = "server",
        soulspot.service = "router",
        http.request.method = method,
        http.route = %route,
        http.response.status_code = tracing::field::Empty,
    );
    if let Some(caller) = request
        .headers()
        .get(TRACEPARENT_HEADER)
        .and_then(|value| value.to_str().ok())
        .and_then(TraceContext::parse)
    {
        soulspot_telemetry::continue_trace(&span, &caller);
    }
    let started = Instant::now();
    let response = next.run(request).instrument(span.clone()).await;
    span.record("http.response.status_code", response.status().as_u16());
    let status = response.status().as_str().to_owned();
    metrics::histogram!("soulspot_router_http_request_duration_seconds", "route" => route.clone())
        .record(started.elapsed().as_secs_f64());
    metrics::counter!(
        "soulspot_router_http_requests_total",
        "route" => route,
        "method" => method,
        "status" => status
    )
    .increment(1);
    response
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        _ => "other",
    }
}
