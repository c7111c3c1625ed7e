//! Connecting to NATS: retried at start-up, then reconnected automatically for ever.

use std::time::Duration;

use async_nats::{Client, ConnectOptions, Event};
use serde::{Deserialize, Serialize};
use soulspot_common::RetryPolicy;

/// The `[nats]` section of every module's settings (`SOULSPOT__NATS__URL` sets the url for all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NatsSettings {
    pub url: String,
    /// How start-up retries an unreachable NATS (`[nats.connect_retry]`); 0 attempts retries
    /// for ever.
    pub connect_retry: RetryPolicy,
}

impl Default for NatsSettings {
    fn default() -> Self {
        Self {
            url: "nats://127.0.0.1:4222".to_owned(),
            connect_retry: RetryPolicy {
                base_ms: 100,
                factor: 2,
                max_delay_ms: 5_000,
                max_attempts: 30,
                jitter_percent: 0,
            },
        }
    }
}

/// NATS could not be reached at start-up.
#[derive(Debug, thiserror::Error)]
#[error("failed to connect to nats at {url} after {attempts} attempts: {last_error}")]
pub struct ConnectError {
    pub url: String,
    pub attempts: u32,
    pub last_error: String,
}

/// Connects as `client_name`, retrying as `settings.connect_retry` says. Once connected, the
/// client reconnects on its own after any outage and logs each change of connection state.
pub async fn connect(settings: &NatsSettings, client_name: &str) -> Result<Client, ConnectError> {
    let mut backoff = settings.connect_retry.backoff();
    loop {
        let attempt = backoff.start();
        let error = match options(client_name).connect(settings.url.as_str()).await {
            Ok(client) => {
                tracing::info!(url = %settings.url, client = client_name, attempt, "connected to nats");
                return Ok(client);
            }
            Err(error) => error.to_string(),
        };
        tracing::warn!(url = %settings.url, attempt, %error, "nats not reachable yet");
        match backoff.next_pause(None) {
            Some(pause) => tokio::time::sleep(pause).await,
            None => {
                return Err(ConnectError {
                    url: settings.url.clone(),
                    attempts: attempt,
                    last_error: error,
                });
            }
        }
    }
}

fn options(client_name: &str) -> ConnectOptions {
    let name = client_name.to_owned();
    ConnectOptions::new()
        .name(client_name)
        .connection_timeout(Duration::from_secs(2))
        .max_reconnects(None)
        .event_callback(move |event| {
            let name = name.clone();
            async move {
                match event {
                    Event::Connected => tracing::info!(client = %name, "nats connection restored"),
                    Event::Disconnected => {
                        tracing::warn!(client = %name, "nats connection lost, reconnecting")
                    }
                    other => tracing::debug!(client = %name, event = %other, "nats client event"),
                }
            }
        })
}
