//! Spans kept in memory, for tests that check what a flow traced: the exporter behind the
//! process's subscriber, the spans of one trace, the service each belongs to, and the trace
//! as a tree to print.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::OnceLock;

use opentelemetry::trace::{SpanId, TraceId};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};

use crate::otel::resource;

pub use opentelemetry::trace::TraceId as SpanTraceId;
pub use opentelemetry_sdk::trace::{InMemorySpanExporter as SpanRecorder, SpanData as Span};

/// The attribute naming the service a span's work belongs to.
pub const SERVICE_ATTRIBUTE: &str = "soulspot.service";

/// Installs the process's subscriber with spans kept in memory (and no log lines), on the
/// first call; later calls return the same exporter. `None` when another subscriber was
/// installed first, so spans cannot be recorded.
pub fn record_spans() -> Option<InMemorySpanExporter> {
    static RECORDING: OnceLock<Option<(InMemorySpanExporter, SdkTracerProvider)>> = OnceLock::new();
    RECORDING
        .get_or_init(|| {
            let exporter = InMemorySpanExporter::default();
            let provider = SdkTracerProvider::builder()
                .with_resource(resource("soulspot-test"))
                .with_simple_exporter(exporter.clone())
                .build();
            // Every span the services make is at info: `RUST_LOG` does not hide them here.
            let filter = tracing_subscriber::EnvFilter::new("info");
            crate::logging::install(filter, None, Some(&provider)).ok()?;
            Some((exporter, provider))
        })
        .as_ref()
        .map(|(exporter, _)| exporter.clone())
}

/// The finished spans of one trace.
#[derive(Debug)]
pub struct Trace {
    pub spans: Vec<SpanData>,
}

impl Trace {
    /// The spans of `trace_id` among `spans`.
    pub fn of(spans: &[SpanData], trace_id: TraceId) -> Self {
        let spans = spans
            .iter()
            .filter(|span| span.span_context.trace_id() == trace_id)
            .cloned()
            .collect();
        Self { spans }
    }

    fn by_id(&self) -> HashMap<SpanId, &SpanData> {
        self.spans
            .iter()
            .map(|span| (span.span_context.span_id(), span))
            .collect()
    }

    /// Spans whose parent is not among them: the root, and any span whose parent was lost.
    pub fn orphans(&self) -> Vec<&SpanData> {
        let by_id = self.by_id();
        self.spans
            .iter()
            .filter(|span| !by_id.contains_key(&span.parent_span_id))
            .collect()
    }

    /// The service of `span`: its own `soulspot.service`, else its nearest ancestor's.
    pub fn service_of(&self, span: &SpanData) -> Option<String> {
        let by_id = self.by_id();
        let mut current = Some(span);
        while let Some(span) = current {
            if let Some(service) = attribute(span, SERVICE_ATTRIBUTE) {
                return Some(service);
            }
            current = by_id.get(&span.parent_span_id).copied();
        }
        None
    }

    /// The trace as an indented tree, children in the order they started: one line per span
    /// with its service, name and duration.
    pub fn render(&self) -> String {
        let mut children: HashMap<SpanId, Vec<&SpanData>> = HashMap::new();
        for span in &self.spans {
            children.entry(span.parent_span_id).or_default().push(span);
        }
        for siblings in children.values_mut() {
            siblings.sort_by_key(|span| span.start_time);
        }
        let mut out = String::new();
        let mut roots = self.orphans();
        roots.sort_by_key(|span| span.start_time);
        for root in roots {
            self.render_span(root, 0, &children, &mut out);
        }
        out
    }

    fn render_span(
        &self,
        span: &SpanData,
        depth: usize,
        children: &HashMap<SpanId, Vec<&SpanData>>,
        out: &mut String,
    ) {
        let duration = span
            .end_time
            .duration_since(span.start_time)
            .unwrap_or_default();
        let service = self.service_of(span).unwrap_or_else(|| "?".to_owned());
        let _ = writeln!(
            out,
            "{:indent$}{service:<14} {:<28} {:>9.1} ms",
            "",
            span.name,
            duration.as_secs_f64() * 1000.0,
            indent = depth * 2,
        );
        for child in children
            .get(&span.span_context.span_id())
            .into_iter()
            .flatten()
        {
            self.render_span(child, depth + 1, children, out);
        }
    }
}

/// The string value of attribute `key` of `span`.
pub fn attribute(span: &SpanData, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|pair| pair.key.as_str() == key)
        .map(|pair| pair.value.as_str().into_owned())
}
