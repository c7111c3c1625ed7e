//! Connecting to NATS: as the service's own user, with its own inbox prefix; retried at
//! start-up, then reconnected automatically for ever.

use std::path::{Path, PathBuf};
use std::time::Duration;

use async_nats::{Client, ConnectOptions, Event};
use serde::{Deserialize, Serialize};
use soulspot_common::{RetryPolicy, Secret, redact_userinfo};

/// The `[nats]` section of every module's settings (`SOULSPOT__NATS__URL` sets the url for all;
/// credentials are per service: `SOULSPOT_<MODULE>__NATS__PASSWORD`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NatsSettings {
    pub url: String,
    /// The NATS user; the service's name when unset.
    pub user: Option<String>,
    /// The user's password; without it (nor `password_file`) the client connects anonymously,
    /// which only a server without accounts accepts.
    pub password: Option<Secret>,
    /// A file holding the password (read at connect; a trailing newline is ignored).
    pub password_file: Option<PathBuf>,
    /// How start-up retries an unreachable NATS (`[nats.connect_retry]`); 0 attempts retries
    /// for ever.
    pub connect_retry: RetryPolicy,
}

impl Default for NatsSettings {
    fn default() -> Self {
        Self {
            url: "nats://127.0.0.1:4222".to_owned(),
            user: None,
            password: None,
            password_file: None,
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

impl NatsSettings {
    /// The user this client connects as: the configured one, else the service's name.
    pub fn user_or<'a>(&'a self, service: &'a str) -> &'a str {
        self.user.as_deref().unwrap_or(service)
    }

    /// The password from `password`, else from `password_file`; `None` when neither is set.
    pub fn resolve_password(&self) -> Result<Option<Secret>, ConnectError> {
        if let Some(password) = &self.password {
            return Ok(Some(password.clone()));
        }
        let Some(path) = &self.password_file else {
            return Ok(None);
        };
        read_password_file(path).map(Some)
    }
}

/// Where a service's replies arrive: `_INBOX_<user>`, so that the server can let each user
/// subscribe to its own replies only.
pub fn inbox_prefix(user: &str) -> String {
    format!("_INBOX_{user}")
}

/// NATS could not be reached or its credentials could not be read at start-up.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// `url` has its password redacted.
    #[error("failed to connect to nats at {url} after {attempts} attempts: {last_error}")]
    Unreachable {
        url: String,
        attempts: u32,
        last_error: String,
    },
    #[error("failed to read the nats password file {path}")]
    PasswordFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Connects as `service` (the user unless `settings.user` names another), retrying as
/// `settings.connect_retry` says. Once connected, the client reconnects on its own after any
/// outage and logs each change of connection state.
pub async fn connect(settings: &NatsSettings, service: &str) -> Result<Client, ConnectError> {
    let user = settings.user_or(service);
    let password = settings.resolve_password()?;
    let url = redact_userinfo(&settings.url);
    let mut backoff = settings.connect_retry.backoff();
    loop {
        let attempt = backoff.start();
        let options = options(service, user, password.as_ref());
        let error = match options.connect(settings.url.as_str()).await {
            Ok(client) => {
                tracing::info!(%url, client = service, user, attempt, "connected to nats");
                return Ok(client);
            }
            Err(error) => redact_userinfo(&error.to_string()),
        };
        tracing::warn!(%url, user, attempt, %error, "nats not reachable yet");
        match backoff.next_pause(None) {
            Some(pause) => tokio::time::sleep(pause).await,
            None => {
                return Err(ConnectError::Unreachable {
                    url,
                    attempts: attempt,
                    last_error: error,
                });
            }
        }
    }
}

fn read_password_file(path: &Path) -> Result<Secret, ConnectError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConnectError::PasswordFile {
        path: path.to_owned(),
        source,
    })?;
    Ok(Secret::new(text.trim_end_matches(['\n', '\r'])))
}

fn options(client_name: &str, user: &str, password: Option<&Secret>) -> ConnectOptions {
    let name = client_name.to_owned();
    let options = ConnectOptions::new()
        .name(client_name)
        .custom_inbox_prefix(inbox_prefix(user))
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
                    // A permissions violation arrives here: the server refused a publish or
                    // a subscription this user has no right to.
                    Event::ServerError(error) => {
                        tracing::warn!(client = %name, %error, "nats server reported an error")
                    }
                    other => tracing::debug!(client = %name, event = %other, "nats client event"),
                }
            }
        });
    match password {
        Some(password) => options.user_and_password(user.to_owned(), password.expose().to_owned()),
        None => options,
    }
}

#[cfg(test)]
mod tests;
