//! One HTTP exchange with Spotify: sent with the per-request deadline, read whole, timed
//! and counted, with transport failures mapped to `SpotifyError`.

use soulspot_runtime::outbound::{self, Redirects};
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::{RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use crate::error::SpotifyError;

/// The User-Agent of every request.
const USER_AGENT: &str = concat!("soulspot-spotify/", env!("CARGO_PKG_VERSION"));

/// The shared HTTP client and the deadline of each request.
#[derive(Debug, Clone)]
pub(crate) struct Http {
    client: reqwest::Client,
    request_timeout: Duration,
}

/// A response read to its end.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json<T: DeserializeOwned>(&self, endpoint: &'static str) -> Result<T, SpotifyError> {
        serde_json::from_slice(&self.body)
            .map_err(|source| SpotifyError::Malformed { endpoint, source })
    }
}

impl Http {
    pub fn new(request_timeout: Duration) -> Result<Self, SpotifyError> {
        let client = soulspot_runtime::outbound::client_builder(USER_AGENT, Redirects::SameOrigin)
            .timeout(request_timeout)
            .build()
            .map_err(SpotifyError::Client)?;
        Ok(Self {
            client,
            request_timeout,
        })
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sends `request` and reads the whole body; any status is a `Reply`.
    pub async fn send(
        &self,
        endpoint: &'static str,
        request: RequestBuilder,
    ) -> Result<Reply, SpotifyError> {
        let started = Instant::now();
        let outcome = self.exchange(endpoint, request).await;
        let status = match &outcome {
            Ok(reply) => reply.status.as_str().to_owned(),
            Err(error) => error.label().to_owned(),
        };
        metrics::counter!("soulspot_spotify_http_requests_total", "endpoint" => endpoint, "status" => status)
            .increment(1);
        metrics::histogram!("soulspot_spotify_http_request_duration_seconds", "endpoint" => endpoint)
            .record(started.elapsed().as_secs_f64());
        outcome
    }

    async fn exchange(
        &self,
        endpoint: &'static str,
        request: RequestBuilder,
    ) -> Result<Reply, SpotifyError> {
        let response = outbound::send("spotify", request)
            .await
            .map_err(|source| self.failure(endpoint, source))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|source| self.failure(endpoint, source))?;
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    fn failure(&self, endpoint: &'static str, source: reqwest::Error) -> SpotifyError {
        if source.is_timeout() {
            SpotifyError::Timeout {
                endpoint,
                after: self.request_timeout,
            }
        } else {
            SpotifyError::Transport { endpoint, source }
        }
    }
}
