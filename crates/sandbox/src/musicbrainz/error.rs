//! MusicBrainz's error bodies: `{"error": "...", "help": "..."}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

const HELP: &str = "For usage, please see: https://musicbrainz.org/development/mmd";

/// Failures of the emulated web service.
#[derive(Debug, thiserror::Error)]
pub(crate) enum MusicBrainzError {
    #[error("a meaningful User-Agent header is required")]
    MissingUserAgent,
    #[error(
        "Your requests are exceeding the allowable rate limit. Please see http://wiki.musicbrainz.org/XMLWebService for more information."
    )]
    RateLimited,
    #[error("{0}")]
    BadRequest(String),
    #[error("Not Found")]
    NotFound,
    #[error("the sandbox answers JSON only: add fmt=json")]
    JsonOnly,
}

impl IntoResponse for MusicBrainzError {
    fn into_response(self) -> Response {
        tracing::debug!(error = %self, "musicbrainz request refused");
        let status = match self {
            Self::MissingUserAgent | Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::RateLimited => StatusCode::SERVICE_UNAVAILABLE,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::JsonOnly => StatusCode::NOT_ACCEPTABLE,
        };
        (
            status,
            Json(json!({ "error": self.to_string(), "help": HELP })),
        )
            .into_response()
    }
}
