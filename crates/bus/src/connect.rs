//! Connecting to NATS: retried at start-up, then reconnected automatically for ever.

use std::time::Duration;

use async_nats::{Client, ConnectOptions, Event};
use serde::{Deserialize, Serialize};

/// The `[nats]` section of every module's settings (`SOULSPOT__NATS__URL` sets the url for all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NatsSettings {
    pub url: String,
    /// How many times start-up tries to connect before giving up.
    pub connect_attempts: u32,
    /// The first wait between attempts; doubled each time, capped at 5 s.
    pub connect_backoff_ms: u64,
}

impl Default for NatsSettings {
    fn default() -> Self {
        Self {
            url: "nats://127.0.0.1:4222".to_owned(),
            connect_attempts: 30,
            connect_backoff_ms: 100,
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

/// Connects as `client_name`, retrying with exponential backoff. Once connected, the client
/// reconnects on its own after any outage and logs each change of connection state.
pub async fn connect(settings: &NatsSettings, client_name: &str) -> Result<Client, ConnectError> {
    let attempts = settings.connect_attempts.max(1);
    let mut backoff = Duration::from_millis(settings.connect_backoff_ms.max(1));
    let mut last_error = String::new();
    for attempt in 1..=attempts {
        match options(client_name).connect(settings.url.as_str()).await {
            Ok(client) => {
                tracing::info!(url = %settings.url, client = client_name, attempt, "connected to nats");
                return Ok(client);
            }
            Err(error) => {
                last_error = error.to_string();
                tracing::warn!(url = %settings.url, attempt, error = %last_error, "nats not reachable yet");
            }
        }
        if attempt < attempts {
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    }
    Err(ConnectError {
        url: settings.url.clone(),
        attempts,
        last_error,
    })
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
