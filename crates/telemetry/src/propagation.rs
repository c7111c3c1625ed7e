//! Between `tracing` spans and the [`TraceContext`] messages carry: the context a message
//! sent now hands on, and the remote parent (or link) a received one gives its span.

use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::TraceContext;

/// The context of the current span when spans are recorded (so the receiver's span becomes
/// its child); `None` when there is no current span or no OpenTelemetry layer.
pub fn current_trace() -> Option<TraceContext> {
    let context = tracing::Span::current().context();
    let span = context.span();
    let span_context = span.span_context();
    if !span_context.is_valid() {
        return None;
    }
    Some(TraceContext {
        trace_id: u128::from_be_bytes(span_context.trace_id().to_bytes()),
        span_id: u64::from_be_bytes(span_context.span_id().to_bytes()),
        sampled: span_context.is_sampled(),
    })
}

/// Makes `span` (not yet entered) a child of the remote span `parent`, so work received
/// from another service continues the sender's trace.
pub fn continue_trace(span: &tracing::Span, parent: &TraceContext) {
    let remote = opentelemetry::Context::new().with_remote_span_context(span_context(parent));
    // Fails only when spans are not recorded, and then there is no parent to set.
    let _ = span.set_parent(remote);
}

/// Links `span` to the span `earlier`: related work, such as an earlier run of the same job.
pub fn link_trace(span: &tracing::Span, earlier: &TraceContext) {
    span.add_link(span_context(earlier));
}

fn span_context(trace: &TraceContext) -> SpanContext {
    let flags = if trace.sampled {
        TraceFlags::SAMPLED
    } else {
        TraceFlags::default()
    };
    SpanContext::new(
        TraceId::from_bytes(trace.trace_id.to_be_bytes()),
        SpanId::from_bytes(trace.span_id.to_be_bytes()),
        flags,
        true,
        TraceState::default(),
    )
}

#[cfg(test)]
mod tests {
    use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    /// A subscriber recording spans into the exporter, and the provider that must outlive
    /// them (dropping it shuts the export down).
    fn recording() -> (
        InMemorySpanExporter,
        SdkTracerProvider,
        impl tracing::Subscriber + Send + Sync,
    ) {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exporter.clone())
            .build();
        let subscriber = tracing_subscriber::registry().with(crate::otel::layer(&provider));
        (exporter, provider, subscriber)
    }

    #[test]
    fn without_recorded_spans_there_is_no_current_trace() {
        let span = tracing::info_span!("unrecorded");
        assert_eq!(span.in_scope(current_trace), None);
    }

    #[test]
    fn a_span_continuing_a_remote_parent_is_its_child_and_hands_on_its_own_id() {
        let (exporter, _provider, subscriber) = recording();
        let remote =
            TraceContext::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();

        let handed_on = tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("handler");
            continue_trace(&span, &remote);
            span.in_scope(current_trace)
        })
        .unwrap();

        assert_eq!(handed_on.trace_id, remote.trace_id);
        assert_ne!(handed_on.span_id, remote.span_id);
        let spans = exporter.get_finished_spans().unwrap();
        assert_eq!(spans.len(), 1);
        assert_eq!(
            u64::from_be_bytes(spans[0].parent_span_id.to_bytes()),
            remote.span_id
        );
        assert_eq!(
            u64::from_be_bytes(spans[0].span_context.span_id().to_bytes()),
            handed_on.span_id
        );
    }
}
