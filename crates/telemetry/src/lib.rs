//! Telemetry shared by every SoulSpot binary: structured logs, Prometheus metrics, and the
//! W3C trace context that follows a job across services over NATS headers.

pub mod logging;
pub mod metrics_export;
pub mod trace_context;

pub use logging::{LogFormat, TelemetryGuard, TelemetrySettings, init};
pub use metrics_export::{MetricsHandle, metrics_handle};
pub use trace_context::TraceContext;
