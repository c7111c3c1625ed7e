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
