//! Telemetry shared by every SoulSpot binary: structured logs, Prometheus metrics,
//! OpenTelemetry traces exported over OTLP, and the W3C trace context that follows a job
//! across services in NATS headers and JetStream messages.
//!
//! Every span that starts a service's share of the work (an HTTP request, a job, a routed
//! call, a handled request, a consumed or published event) carries the `soulspot.service`
//! attribute, so that services sharing one process (the in-process test stack) stay apart.

pub mod logging;
pub mod metrics_export;
pub mod otel;
pub mod propagation;
#[cfg(feature = "testing")]
pub mod testing;
pub mod trace_context;

pub use logging::{LogFormat, TelemetryGuard, TelemetrySettings, init};
pub use metrics_export::{MetricsHandle, metrics_handle};
pub use propagation::{continue_trace, current_trace, link_trace};
pub use trace_context::TraceContext;
