//! The dashboard at `/`: an HTML shell, its stylesheet and its script, embedded in the binary
//! and served without the API key, since they hold no data. The script asks for the key once,
//! keeps it in the browser and reads everything through the `/api` routes and the live stream.
//!
//! Every answer carries a strict Content-Security-Policy: only this origin's script, styles
//! and connections, no inline script, no framing.

use axum::Router as Routes;
use axum::http::HeaderValue;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

const PAGE: &str = include_str!("../assets/index.html");
const STYLES: &str = include_str!("../assets/app.css");
const SCRIPT: &str = include_str!("../assets/app.js");

const POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
                      img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

/// `/`, `/ui/app.css` and `/ui/app.js`, open to anyone.
pub fn routes() -> Routes {
    Routes::new()
        .route(
            "/",
            get(|| async { asset("text/html; charset=utf-8", PAGE) }),
        )
        .route(
            "/ui/app.css",
            get(|| async { asset("text/css; charset=utf-8", STYLES) }),
        )
        .route(
            "/ui/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }),
        )
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (CONTENT_TYPE, content_type),
        (CONTENT_SECURITY_POLICY, POLICY),
        (X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (REFERRER_POLICY, "no-referrer"),
        (X_FRAME_OPTIONS, "DENY"),
        // The assets change with the binary: a browser asks again after an upgrade.
        (CACHE_CONTROL, "no-cache"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}
