//! The tracing subscriber: JSON or pretty lines, filtered by `RUST_LOG` or the settings, and
//! spans exported over OTLP when an endpoint is configured.

use std::io::Write;

use opentelemetry_sdk::trace::SdkTracerProvider;
use serde::{Deserialize, Serialize};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::{SubscriberInitExt, TryInitError};

use crate::otel;

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
    /// Base URL of an OTLP/HTTP receiver (`http://collector:4318`); spans go to
    /// `<url>/v1/traces`. Empty: `OTEL_EXPORTER_OTLP_ENDPOINT` when set, else no export.
    pub otlp_endpoint: String,
}

impl Default for TelemetrySettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Json,
            filter: "info".to_owned(),
            otlp_endpoint: String::new(),
        }
    }
}

/// Kept alive by `main` for the life of the process. Dropping it, as `main` returns, sends
/// the spans still waiting in the exporter's batch and flushes the log writer (stdout), so
/// neither the last spans nor the last lines before exit are lost.
#[must_use = "spans and logs are flushed when the guard is dropped, so keep it until main returns"]
#[derive(Debug)]
pub struct TelemetryGuard {
    service: String,
    provider: Option<SdkTracerProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        tracing::debug!(service = %self.service, "telemetry stopping");
        if let Some(provider) = self.provider.take()
            && let Err(error) = provider.shutdown()
        {
            eprintln!("{}: spans not flushed at exit: {error}", self.service);
        }
        if let Err(error) = std::io::stdout().lock().flush() {
            // The log writer itself failed: stderr is the only place left to say so.
            eprintln!("{}: logs not flushed at exit: {error}", self.service);
        }
    }
}

/// Installs the global subscriber for `service`, exporting spans when an OTLP endpoint is
/// configured (`settings.otlp_endpoint`, else the `OTEL_EXPORTER_OTLP_ENDPOINT` variable).
/// A second call (as in tests that start several services in one process) keeps the first
/// subscriber and is not an error.
pub fn init(service: &str, settings: &TelemetrySettings) -> TelemetryGuard {
    let from_env = std::env::var(otel::ENDPOINT_VARIABLE).ok();
    let provider = otel::traces_url(settings, from_env.as_deref()).and_then(|url| {
        otel::exporting_provider(service, &url)
            .inspect_err(|error| eprintln!("{service}: spans not exported: {error}"))
            .ok()
    });
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let installed = install(filter, Some(settings.format), provider.as_ref());
    if installed.is_ok() {
        tracing::debug!(service, "telemetry initialised");
    }
    TelemetryGuard {
        service: service.to_owned(),
        // A provider whose layer was not installed has nothing to flush.
        provider: provider.filter(|_| installed.is_ok()),
    }
}

/// The global subscriber: the filter, a log layer in `format` (none when `None`), and the
/// OpenTelemetry layer over `provider` when there is one.
pub(crate) fn install(
    filter: EnvFilter,
    format: Option<LogFormat>,
    provider: Option<&SdkTracerProvider>,
) -> Result<(), TryInitError> {
    let json = (format == Some(LogFormat::Json)).then(|| {
        tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_span_events(FmtSpan::NONE)
            .with_target(true)
    });
    let pretty = (format == Some(LogFormat::Pretty)).then(|| {
        tracing_subscriber::fmt::layer()
            .compact()
            .with_span_events(FmtSpan::NONE)
            .with_target(true)
    });
    let spans = provider.map(otel::layer);
    tracing_subscriber::registry()
        .with(filter)
        .with(json)
        .with(pretty)
        .with(spans)
        .try_init()
}
