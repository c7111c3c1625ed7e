//! The Cover Art Archive: a release's front cover at 500 px (`/release/{mbid}/front-500`
//! answers 307 to the image, which the HTTP client follows; 404 means no cover).

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use soulspot_runtime::outbound;

use crate::tags::CoverImage;

#[derive(Debug, thiserror::Error)]
pub enum CoverArtError {
    #[error("cover art archive gave no answer within {0:?}")]
    Timeout(Duration),
    #[error("cover art archive unreachable: {0}")]
    Transport(#[source] reqwest::Error),
    #[error("cover art archive answered {0}")]
    Status(u16),
    #[error("cover art archive sent {0:?} instead of an image")]
    NotAnImage(String),
}

#[derive(Debug, Clone)]
pub struct CoverArtClient {
    http: reqwest::Client,
    base_url: String,
    timeout: Duration,
}

impl CoverArtClient {
    /// `http` carries the User-Agent and the request timeout, which is `timeout`.
    pub fn new(http: reqwest::Client, base_url: &str, timeout: Duration) -> Self {
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            timeout,
        }
    }

    /// The front cover of release `release_id`, or `None` when it has none.
    pub async fn front_cover(&self, release_id: &str) -> Result<Option<CoverImage>, CoverArtError> {
        let url = format!("{}/release/{release_id}/front-500", self.base_url);
        let response = outbound::send("coverart", self.http.get(&url))
            .await
            .map_err(|error| self.error(error))?;
        let status = response.status();
        metrics::counter!("soulspot_coverart_requests_total", "status" => status.as_u16().to_string())
            .increment(1);
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(CoverArtError::Status(status.as_u16()));
        }
        let mime_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        if !mime_type.starts_with("image/") {
            return Err(CoverArtError::NotAnImage(mime_type));
        }
        let data = response.bytes().await.map_err(|error| self.error(error))?;
        Ok(Some(CoverImage {
            data: data.to_vec(),
            mime_type,
        }))
    }

    fn error(&self, error: reqwest::Error) -> CoverArtError {
        if error.is_timeout() {
            CoverArtError::Timeout(self.timeout)
        } else {
            CoverArtError::Transport(error)
        }
    }
}
