//! The process-wide Prometheus recorder behind every `metrics::counter!` and `histogram!`.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// Renders the current metrics in the Prometheus text format.
#[derive(Clone)]
pub struct MetricsHandle(Option<PrometheusHandle>);

impl std::fmt::Debug for MetricsHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsHandle")
            .field("installed", &self.0.is_some())
            .finish()
    }
}

impl MetricsHandle {
    pub fn render(&self) -> String {
        self.0
            .as_ref()
            .map(PrometheusHandle::render)
            .unwrap_or_default()
    }
}

static HANDLE: OnceLock<MetricsHandle> = OnceLock::new();

/// Installs the recorder on first call and returns a handle to it afterwards.
///
/// If another recorder was installed first (a host embedding SoulSpot), `render` is empty
/// rather than failing the service.
pub fn metrics_handle() -> MetricsHandle {
    HANDLE
        .get_or_init(|| {
            let handle = PrometheusBuilder::new()
                .set_buckets(&[
                    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                    0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
                ])
                .ok()
                .and_then(|builder| builder.install_recorder().ok());
            MetricsHandle(handle)
        })
        .clone()
}
