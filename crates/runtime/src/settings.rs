//! Layered settings: defaults in code → optional `config/<module>.toml` →
//! `SOULSPOT_<MODULE>__SECTION__KEY` environment variables (`SOULSPOT__NATS__URL` and other
//! `SOULSPOT__…` variables apply to every module).
//!
//! The loader takes the environment as a map, so tests never touch the process environment,
//! and checks what deserialisation cannot through each settings type's [`Validate`].

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Duration;

use config::{Config, Environment, File, FileFormat};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use soulspot_bus::{EventStoreSettings, NatsSettings};
use soulspot_telemetry::TelemetrySettings;

/// Settings every module has, flattened into its own settings struct.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct ServiceSettings {
    pub nats: NatsSettings,
    pub telemetry: TelemetrySettings,
    pub http: HttpSettings,
    pub limits: LimitSettings,
    pub events: EventStoreSettings,
}

/// The module's own HTTP listener (`/healthz`, `/readyz`, `/metrics`; the router's API too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpSettings {
    /// `host:port`; port 0 picks a free one, logged at start.
    pub bind: String,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:0".to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LimitSettings {
    /// Larger requests to a capability are refused with a 413-class error.
    pub max_request_bytes: usize,
    /// Requests one capability handles at once; past it the module answers busy (429) at
    /// once, and the caller retries later or elsewhere.
    pub max_concurrent_requests: usize,
    /// `max_concurrent_requests` for single operations, keyed by endpoint name (the
    /// operation with `_` for `.`: `[limits.operation_concurrency] download_track = 8`).
    pub operation_concurrency: BTreeMap<String, usize>,
    /// How long a stopping module waits for requests in flight.
    pub shutdown_grace_ms: u64,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            max_request_bytes: 256 * 1024,
            max_concurrent_requests: 64,
            operation_concurrency: BTreeMap::new(),
            shutdown_grace_ms: 10_000,
        }
    }
}

impl LimitSettings {
    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_millis(self.shutdown_grace_ms)
    }
}

impl Validate for ServiceSettings {
    fn validate(&self) -> Result<(), SettingsError> {
        validate_nats(&self.nats)?;
        let limits = &self.limits;
        if limits.max_concurrent_requests == 0 {
            return Err(SettingsError::invalid(
                "limits.max_concurrent_requests",
                "must be at least 1",
            ));
        }
        if let Some((operation, _)) = limits
            .operation_concurrency
            .iter()
            .find(|(_, limit)| **limit == 0)
        {
            return Err(SettingsError::invalid(
                format!("limits.operation_concurrency.{operation}"),
                "must be at least 1",
            ));
        }
        if limits.max_request_bytes == 0 {
            return Err(SettingsError::invalid(
                "limits.max_request_bytes",
                "must be at least 1",
            ));
        }
        let otlp_endpoint = self.telemetry.otlp_endpoint.trim();
        if !otlp_endpoint.is_empty()
            && !otlp_endpoint.starts_with("http://")
            && !otlp_endpoint.starts_with("https://")
        {
            return Err(SettingsError::invalid(
                "telemetry.otlp_endpoint",
                "must be an http:// or https:// URL (an OTLP/HTTP receiver), or empty",
            ));
        }
        Ok(())
    }
}

/// One source of the password, and a user name NATS accepts.
fn validate_nats(nats: &NatsSettings) -> Result<(), SettingsError> {
    if nats.password.is_some() && nats.password_file.is_some() {
        return Err(SettingsError::invalid(
            "nats.password_file",
            "set either nats.password or nats.password_file, not both",
        ));
    }
    let user_is_invalid = |user: &String| {
        user.is_empty()
            || user
                .chars()
                .any(|c| c.is_whitespace() || matches!(c, '.' | '*' | '>'))
    };
    // The user names the inbox prefix `_INBOX_<user>`, which must be one subject token.
    if nats.user.as_ref().is_some_and(user_is_invalid) {
        return Err(SettingsError::invalid(
            "nats.user",
            "must be a non-empty name without spaces, `.`, `*` or `>`",
        ));
    }
    if let Err(error) = nats.server_addrs() {
        return Err(SettingsError::invalid("nats.url", error.to_string()));
    }
    // JetStream keeps at most five copies of a stream.
    if !(1..=5).contains(&nats.replicas) {
        return Err(SettingsError::invalid(
            "nats.replicas",
            "must be between 1 and 5",
        ));
    }
    // A write retried for ever would hold its caller (a job, a delivery) for ever.
    if nats.write_retry.max_attempts == 0 {
        return Err(SettingsError::invalid(
            "nats.write_retry.max_attempts",
            "must be at least 1",
        ));
    }
    Ok(())
}

/// Where settings come from, besides the defaults in code.
#[derive(Debug, Clone, Default)]
pub struct SettingsSources {
    /// Folder holding `<module>.toml`; a missing file is fine.
    pub config_dir: PathBuf,
    pub env: HashMap<String, String>,
}

impl SettingsSources {
    /// The process environment, and `$SOULSPOT_CONFIG_DIR` or `./config` for files.
    pub fn from_process() -> Self {
        let env: HashMap<String, String> = std::env::vars().collect();
        let config_dir = env
            .get("SOULSPOT_CONFIG_DIR")
            .map_or_else(|| PathBuf::from("config"), PathBuf::from);
        Self { config_dir, env }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("invalid settings for {module}: {source}")]
    Load {
        module: String,
        #[source]
        source: Box<config::ConfigError>,
    },
    #[error(
        "unknown setting `{key}` for {module} (check the spelling in config/{module}.toml or the environment)"
    )]
    UnknownKey { module: String, key: String },
    /// A value that loads but cannot work, named by its dotted key (`slskd.api_key`,
    /// `channels[1].topic`).
    #[error("invalid setting `{key}`: {reason}")]
    Invalid { key: String, reason: String },
}

impl SettingsError {
    pub fn invalid(key: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid {
            key: key.into(),
            reason: reason.into(),
        }
    }
}

/// What a settings type checks once loaded, beyond what deserialisation can: ranges, URLs,
/// required values. [`load`] calls it; every module's settings implement it.
pub trait Validate {
    /// `Err(SettingsError::Invalid)` names the first key that cannot work.
    fn validate(&self) -> Result<(), SettingsError> {
        Ok(())
    }
}

/// Loads `T` for `module` from its defaults, file and environment, refusing unknown keys
/// and values `T::validate` rejects.
pub fn load<T>(module: &str, sources: &SettingsSources) -> Result<T, SettingsError>
where
    T: Serialize + DeserializeOwned + Default + Validate,
{
    let load_error = |source| SettingsError::Load {
        module: module.to_owned(),
        source: Box::new(source),
    };
    let defaults = T::default();
    let module_prefix = format!("SOULSPOT_{}", module.to_uppercase());
    let merged = Config::builder()
        .add_source(Config::try_from(&defaults).map_err(load_error)?)
        .add_source(
            File::from(sources.config_dir.join(format!("{module}.toml")))
                .format(FileFormat::Toml)
                .required(false),
        )
        .add_source(env_source("SOULSPOT", &sources.env))
        .add_source(env_source(&module_prefix, &sources.env))
        .build()
        .map_err(load_error)?;
    let defaults_tree = serde_json::to_value(&defaults).unwrap_or(Value::Null);
    let merged_tree: Value = merged.clone().try_deserialize().map_err(load_error)?;
    if let Some(key) = first_unknown_key(&defaults_tree, &merged_tree, "") {
        return Err(SettingsError::UnknownKey {
            module: module.to_owned(),
            key,
        });
    }
    let settings: T = merged.try_deserialize().map_err(load_error)?;
    settings.validate()?;
    Ok(settings)
}

/// Variables `<PREFIX>__SECTION__KEY`, as `section.key`.
fn env_source(prefix: &str, env: &HashMap<String, String>) -> Environment {
    let marker = format!("{prefix}__");
    let matching = env
        .iter()
        .filter(|(name, _)| name.starts_with(&marker))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    Environment::with_prefix(prefix)
        .prefix_separator("__")
        .separator("__")
        .try_parsing(true)
        .source(Some(matching))
}

/// The first key in `given` that the settings struct does not have. Inside maps and lists
/// (empty in the defaults) any key is allowed.
fn first_unknown_key(defaults: &Value, given: &Value, path: &str) -> Option<String> {
    let (Value::Object(known), Value::Object(given)) = (defaults, given) else {
        return None;
    };
    if known.is_empty() {
        return None;
    }
    given.iter().find_map(|(key, value)| {
        let dotted = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        match known.get(key) {
            None => Some(dotted),
            Some(default) => first_unknown_key(default, value, &dotted),
        }
    })
}

#[cfg(test)]
mod tests;
