//! The tracing subscriber: JSON or pretty lines, filtered by `RUST_LOG` or the settings.

use std::io::Write;

use serde::{Deserialize, Serialize};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One JSON object per line, for collectors.
    #[default]
    Json,
    /// Human-readable, for a terminal.
    Pretty,
}

/// The `[telemetry]` section of every module's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TelemetrySettings {
    pub format: LogFormat,
    /// An `EnvFilter` directive; `RUST_LOG` wins when set.
    pub filter: String,
}

impl Default for TelemetrySettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Json,
            filter: "info".to_owned(),
        }
    }
}

/// Kept alive by `main` for the life of the process. Dropping it, as `main` returns, flushes
/// the log writer (stdout), so the last lines before exit are not lost in its buffer.
#[must_use = "the logs are flushed when the guard is dropped, so keep it until main returns"]
#[derive(Debug)]
pub struct TelemetryGuard {
    service: String,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        tracing::debug!(service = %self.service, "telemetry stopping");
        if let Err(error) = std::io::stdout().lock().flush() {
            // The log writer itself failed: stderr is the only place left to say so.
            eprintln!("{}: logs not flushed at exit: {error}", self.service);
        }
    }
}

/// Installs the global subscriber for `service`. A second call (as in tests that start
/// several services in one process) keeps the first subscriber and is not an error.
pub fn init(service: &str, settings: &TelemetrySettings) -> TelemetryGuard {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(FmtSpan::NONE)
        .with_target(true);
    let installed = match settings.format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
    if installed.is_ok() {
        tracing::debug!(service, "telemetry initialised");
    }
    TelemetryGuard {
        service: service.to_owned(),
    }
}
