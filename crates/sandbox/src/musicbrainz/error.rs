//! The web service's refusals; [`super::format::Format`] renders them in the format the
//! request asked for.

use axum::http::StatusCode;

/// Where the web service points clients for help.
pub(super) const HELP: &str = "For usage, please see: https://musicbrainz.org/development/mmd";

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
}

impl MusicBrainzError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MissingUserAgent | Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::RateLimited => StatusCode::SERVICE_UNAVAILABLE,
            Self::NotFound => StatusCode::NOT_FOUND,
        }
    }
}
