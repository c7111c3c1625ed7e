//! Spans exported over OTLP/HTTP (protobuf): where to, under which service name, and the
//! layer that turns `tracing` spans into OpenTelemetry spans.
//!
//! The SDK's batch processor exports from a thread of its own, outside any Tokio runtime, so
//! the exporter uses a blocking HTTP client (which runs its own reactor) rather than an async
//! one that would find no reactor there.

use opentelemetry::KeyValue;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{ExporterBuildError, Protocol, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use tracing::Subscriber;
use tracing_opentelemetry::OpenTelemetryLayer;
use tracing_subscriber::registry::LookupSpan;

use crate::TelemetrySettings;

/// The standard variable naming the OTLP receiver, honoured when the settings name none.
pub const ENDPOINT_VARIABLE: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";

/// The name spans are created under (the OpenTelemetry instrumentation scope).
const SCOPE: &str = "soulspot";

/// Where spans are sent: the configured base URL, else the variable's (`from_env`), with
/// the traces path the OTLP/HTTP specification appends to a base URL; `None` when neither
/// is set, and nothing is exported.
pub fn traces_url(settings: &TelemetrySettings, from_env: Option<&str>) -> Option<String> {
    let configured = settings.otlp_endpoint.trim();
    let base = if configured.is_empty() {
        from_env.map(str::trim).filter(|url| !url.is_empty())?
    } else {
        configured
    };
    Some(format!("{}/v1/traces", base.trim_end_matches('/')))
}

/// The resource every span of `service` carries: `service.name` and `service.version`.
pub fn resource(service: &str) -> Resource {
    Resource::builder_empty()
        .with_attributes([
            KeyValue::new("service.name", service.to_owned()),
            KeyValue::new("service.version", env!("CARGO_PKG_VERSION")),
        ])
        .build()
}

/// A provider that batches the spans of `service` and posts them to `traces_url`.
pub fn exporting_provider(
    service: &str,
    traces_url: &str,
) -> Result<SdkTracerProvider, ExporterBuildError> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(traces_url)
        .build()?;
    Ok(SdkTracerProvider::builder()
        .with_resource(resource(service))
        .with_batch_exporter(exporter)
        .build())
}

/// The subscriber layer that records `tracing` spans as OpenTelemetry spans of `provider`.
pub(crate) fn layer<S>(provider: &SdkTracerProvider) -> OpenTelemetryLayer<S, SdkTracer>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    tracing_opentelemetry::layer().with_tracer(provider.tracer(SCOPE))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_endpoint(endpoint: &str) -> TelemetrySettings {
        TelemetrySettings {
            otlp_endpoint: endpoint.to_owned(),
            ..TelemetrySettings::default()
        }
    }

    #[test]
    fn nothing_is_exported_without_an_endpoint() {
        assert_eq!(traces_url(&TelemetrySettings::default(), None), None);
        assert_eq!(traces_url(&TelemetrySettings::default(), Some(" ")), None);
    }

    #[test]
    fn the_setting_wins_over_the_standard_variable() {
        assert_eq!(
            traces_url(
                &with_endpoint("http://collector:4318/"),
                Some("http://other:4318")
            ),
            Some("http://collector:4318/v1/traces".to_owned())
        );
        assert_eq!(
            traces_url(&TelemetrySettings::default(), Some("http://other:4318")),
            Some("http://other:4318/v1/traces".to_owned())
        );
    }
}
