//! Connecting to NATS: as the service's own user, with its own inbox prefix; retried at
//! start-up, then reconnected automatically for ever.

use std::path::{Path, PathBuf};
use std::time::Duration;

use async_nats::{Client, ConnectOptions, Event, ServerAddr};
use serde::{Deserialize, Serialize};
use soulspot_common::{RetryPolicy, Secret, redact_userinfo};

use crate::jetstream_write::Durability;

/// The `[nats]` section of every module's settings (`SOULSPOT__NATS__URL` sets the url for all;
/// credentials are per service: `SOULSPOT_<MODULE>__NATS__PASSWORD`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NatsSettings {
    /// One server, or several separated by commas (`nats://a:4222,nats://b:4222`): the
    /// client connects to any of them and fails over to the others.
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
    /// Copies of every stream and KV bucket SoulSpot creates (1 on a single server, 3 on a
    /// three-node JetStream cluster; at most 5).
    pub replicas: usize,
    /// How a JetStream write that met no stream leader (an election, a node restarting) is
    /// tried again with the same message id (`[nats.write_retry]`).
    pub write_retry: RetryPolicy,
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
            replicas: 1,
            // 13 to 16 s of pauses in all: a JetStream leader election after a node's crash
            // took up to 9.5 s on a loaded two-core test machine.
            write_retry: RetryPolicy {
                base_ms: 250,
                factor: 2,
                max_delay_ms: 2_500,
                max_attempts: 10,
                jitter_percent: 20,
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

    /// How the streams and buckets this service creates are replicated and written.
    pub fn durability(&self) -> Durability {
        Durability {
            replicas: self.replicas,
            write_retry: self.write_retry,
        }
    }

    /// The servers of `url`, one per comma-separated element.
    pub fn server_addrs(&self) -> Result<Vec<ServerAddr>, ConnectError> {
        server_addrs(&self.url)
    }
}

/// Parses a comma-separated list of server URLs (blanks around each are ignored).
pub fn server_addrs(urls: &str) -> Result<Vec<ServerAddr>, ConnectError> {
    let invalid = |reason: String| ConnectError::InvalidUrl {
        url: redact_userinfo(urls),
        reason,
    };
    let addrs = urls
        .split(',')
        .map(str::trim)
        .map(|url| {
            if url.is_empty() {
                return Err(invalid("an element of the list is empty".to_owned()));
            }
            url.parse::<ServerAddr>()
                .map_err(|error| invalid(redact_userinfo(&error.to_string())))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(addrs)
}

/// Where a service's replies arrive: `_INBOX_<user>`, so that the server can let each user
/// subscribe to its own replies only.
pub fn inbox_prefix(user: &str) -> String {
    format!("_INBOX_{user}")
}

/// NATS could not be reached or its credentials could not be read at start-up.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// `url` has its passwords redacted.
    #[error("invalid nats url {url}: {reason}")]
    InvalidUrl { url: String, reason: String },
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
    let servers = settings.server_addrs()?;
    let url = redact_userinfo(&settings.url);
    let mut backoff = settings.connect_retry.backoff();
    loop {
        let attempt = backoff.start();
        let options = options(service, user, password.as_ref());
        let error = match options.connect(servers.as_slice()).await {
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

/// How often the client pings its server. A connection that stops answering (a network cut
/// off, a container moved to another address) is given up after two unanswered pings and a
/// reconnect to any server of the list follows; the library's default waits a minute a ping.
const PING_INTERVAL: Duration = Duration::from_secs(5);

fn options(client_name: &str, user: &str, password: Option<&Secret>) -> ConnectOptions {
    let name = client_name.to_owned();
    let options = ConnectOptions::new()
        .name(client_name)
        .custom_inbox_prefix(inbox_prefix(user))
        .connection_timeout(Duration::from_secs(2))
        .ping_interval(PING_INTERVAL)
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
