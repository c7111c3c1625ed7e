//! The one gate in front of every `/api/*` route, the fallback included: a request from
//! another site is refused (403), then one without the API key (401), before any handler
//! runs (a POST body that is not JSON is refused by [`super::JsonBody`]). No CORS headers are
//! ever added, so browsers keep other sites from reading any answer.

use axum::extract::{Query, Request, State};
use axum::http::header::{HOST, ORIGIN};
use axum::http::uri::{Authority, PathAndQuery, Scheme};
use axum::http::{HeaderMap, Uri};
use axum::middleware::Next;
use axum::response::Response;
use serde::Deserialize;

use super::{ApiError, ApiState};

const KEY_HEADER: &str = "x-api-key";
/// The query parameter *arr clients use, and the only way a browser's `EventSource` can
/// send a key.
const KEY_PARAMETER: &str = "apikey";

pub(super) async fn guard(
    State(state): State<ApiState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if is_cross_origin(request.headers(), &state.settings.allowed_origins) {
        return Err(ApiError::CrossOrigin);
    }
    let given = request
        .headers()
        .get(KEY_HEADER)
        .map(|value| value.as_bytes().to_vec())
        .or_else(|| key_parameter(request.uri()).map(String::into_bytes))
        .unwrap_or_default();
    let expected = state.settings.api_key.expose().as_bytes();
    // An empty expected key would match an empty given one: it means no key was resolved.
    if expected.is_empty() || !same_bytes(&given, expected) {
        return Err(ApiError::Unauthorized);
    }
    // Handlers refuse unknown query parameters, and nothing after this gate needs the key.
    if let Some(uri) = without_key_parameter(request.uri()) {
        *request.uri_mut() = uri;
    }
    Ok(next.run(request).await)
}

/// A browser names the page's site in `Origin` on every POST and on cross-origin requests; a
/// request whose origin is not the site serving the API (or is `null`: sandboxed frames, local
/// files) comes from a page the user visited, not from the user — unless it is one of the
/// configured `allowed` sites (the public name of a reverse proxy that rewrites `Host`).
fn is_cross_origin(headers: &HeaderMap, allowed: &[String]) -> bool {
    let Some(origin) = headers.get(ORIGIN) else {
        return false;
    };
    let origin = origin.to_str().ok();
    if origin.is_some_and(|origin| allowed.iter().any(|site| site.eq_ignore_ascii_case(origin))) {
        return false;
    }
    let origin = origin.and_then(|text| text.parse::<Uri>().ok());
    let host = headers
        .get(HOST)
        .and_then(|host| host.to_str().ok())
        .and_then(|host| host.parse::<Authority>().ok());
    match (origin, host) {
        (Some(origin), Some(host)) => !same_site(&origin, &host),
        _ => true,
    }
}

/// Same host and the same port, a missing port reading as the scheme's default.
fn same_site(origin: &Uri, host: &Authority) -> bool {
    let (Some(scheme), Some(authority)) = (origin.scheme(), origin.authority()) else {
        return false;
    };
    let default_port = if *scheme == Scheme::HTTPS { 443 } else { 80 };
    authority.host().eq_ignore_ascii_case(host.host())
        && authority.port_u16().unwrap_or(default_port) == host.port_u16().unwrap_or(default_port)
}

#[derive(Deserialize)]
struct KeyParameter {
    apikey: Option<String>,
}

fn key_parameter(uri: &Uri) -> Option<String> {
    Query::<KeyParameter>::try_from_uri(uri)
        .ok()
        .and_then(|Query(parameter)| parameter.apikey)
}

/// The URI without its `apikey` parameter; `None` when it has none.
fn without_key_parameter(uri: &Uri) -> Option<Uri> {
    let query = uri.query()?;
    let is_key = |pair: &&str| pair.split('=').next() == Some(KEY_PARAMETER);
    if !query.split('&').any(|pair| is_key(&pair)) {
        return None;
    }
    let kept: Vec<&str> = query.split('&').filter(|pair| !is_key(pair)).collect();
    let path_and_query = if kept.is_empty() {
        uri.path().to_owned()
    } else {
        format!("{}?{}", uri.path(), kept.join("&"))
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(path_and_query.parse::<PathAndQuery>().ok()?);
    Uri::from_parts(parts).ok()
}

/// Compares without stopping at the first difference, so timing does not reveal the key.
fn same_bytes(given: &[u8], expected: &[u8]) -> bool {
    let differences = given
        .iter()
        .zip(expected)
        .fold(0_u8, |acc, (a, b)| acc | (a ^ b));
    given.len() == expected.len() && differences == 0
}

#[cfg(test)]
mod tests;
