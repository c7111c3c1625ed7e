//! What can go wrong talking to Spotify, and how each failure looks to a caller.

use std::time::Duration;

use soulspot_contracts::ErrorKind;
use soulspot_runtime::ServiceError;

/// A failed call to the Spotify accounts service or Web API.
#[derive(Debug, thiserror::Error)]
pub enum SpotifyError {
    /// The accounts service refused the app's client id or secret (e.g. `invalid_client`).
    #[error("spotify refused the client credentials: {code} ({description})")]
    Credentials { code: String, description: String },
    /// The Web API refused a freshly issued token.
    #[error("spotify rejected the access token on {endpoint} even after a refresh")]
    Unauthorized { endpoint: &'static str },
    /// A 404: the playlist (or other resource) does not exist or is not visible to the app.
    #[error("spotify has no such resource ({endpoint} answered 404)")]
    NotFound { endpoint: &'static str },
    /// Spotify kept answering 429, or asked for a wait the call could not afford.
    #[error("spotify rate limit on {endpoint}: {reason}")]
    RateLimited {
        endpoint: &'static str,
        /// The wait Spotify asked for, when it named one.
        retry_after: Option<Duration>,
        reason: &'static str,
    },
    #[error("spotify answered {status} on {endpoint}")]
    Status { endpoint: &'static str, status: u16 },
    #[error("no answer from spotify on {endpoint} within {after:?}")]
    Timeout {
        endpoint: &'static str,
        after: Duration,
    },
    #[error("spotify unreachable on {endpoint}: {source}")]
    Transport {
        endpoint: &'static str,
        #[source]
        source: reqwest::Error,
    },
    #[error("spotify sent unexpected json on {endpoint}: {source}")]
    Malformed {
        endpoint: &'static str,
        #[source]
        source: serde_json::Error,
    },
    /// A paging link points away from the configured API: it is not followed with our token.
    #[error("spotify paging link leaves the api: {0}")]
    ForeignLink(String),
    #[error("spotify http client could not be built: {0}")]
    Client(#[source] reqwest::Error),
}

impl SpotifyError {
    /// What kind of failure this is for a caller. Only "no such playlist" is the caller's
    /// fault; everything else is Spotify's or ours, so the router may fall back.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::NotFound { .. } => ErrorKind::NotFound,
            Self::RateLimited { .. } => ErrorKind::Busy,
            Self::Timeout { .. } => ErrorKind::Timeout,
            Self::Credentials { .. } | Self::Unauthorized { .. } | Self::Transport { .. } => {
                ErrorKind::Unavailable
            }
            Self::Status { status, .. } => ErrorKind::of_upstream_status(*status),
            Self::Malformed { .. } | Self::ForeignLink(_) | Self::Client(_) => ErrorKind::Internal,
        }
    }

    /// The error for a caller: its kind, and Spotify's wait when it is rate limited.
    pub fn to_service_error(&self) -> ServiceError {
        match self {
            Self::RateLimited { retry_after, .. } => ServiceError::busy(self, *retry_after),
            _ => ServiceError::new(self.kind(), self),
        }
    }

    /// A short label for metrics.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Credentials { .. } => "credentials",
            Self::Unauthorized { .. } => "unauthorized",
            Self::NotFound { .. } => "not_found",
            Self::RateLimited { .. } => "rate_limited",
            Self::Status { .. } => "status",
            Self::Timeout { .. } => "timeout",
            Self::Transport { .. } => "transport",
            Self::Malformed { .. } => "malformed",
            Self::ForeignLink(_) => "foreign_link",
            Self::Client(_) => "client",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_missing_resource_is_the_callers_fault() {
        let missing = SpotifyError::NotFound {
            endpoint: "playlist",
        };
        assert_eq!(missing.kind(), ErrorKind::NotFound);
        assert_eq!(missing.to_service_error().code(), 404);
        let credentials = SpotifyError::Credentials {
            code: "invalid_client".into(),
            description: "Invalid client".into(),
        };
        assert_eq!(credentials.to_service_error().code(), 503);
        let slow = SpotifyError::Timeout {
            endpoint: "search",
            after: Duration::from_secs(1),
        };
        assert_eq!(slow.to_service_error().code(), 504);
        let broken = SpotifyError::Status {
            endpoint: "search",
            status: 500,
        };
        assert_eq!(broken.kind(), ErrorKind::Unavailable);
        assert!(!broken.kind().is_callers_fault());
    }

    #[test]
    fn a_rate_limit_is_busy_and_passes_on_spotifys_wait() {
        let limited = SpotifyError::RateLimited {
            endpoint: "search",
            retry_after: Some(Duration::from_secs(10)),
            reason: "attempts exhausted",
        };
        let error = limited.to_service_error();
        assert_eq!((error.kind(), error.code()), (ErrorKind::Busy, 429));
        assert_eq!(error.retry_after(), Some(Duration::from_secs(10)));
    }
}
