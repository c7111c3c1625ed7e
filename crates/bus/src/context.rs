//! The context a message carries in its headers: correlation id, W3C trace context, and for
//! a request the time its caller still waits for the answer.

use std::time::{Duration, Instant};

use async_nats::HeaderMap;
use soulspot_contracts::subjects::{CORRELATION_HEADER, TRACEPARENT_HEADER};
use soulspot_telemetry::TraceContext;

/// Header of a request: how many milliseconds its caller waits for the reply, counted from
/// when it was sent. A budget rather than a point in time (as gRPC's `grpc-timeout` is), so
/// that caller and callee need no agreement on the wall clock.
pub const TIMEOUT_HEADER: &str = "soulspot-timeout-ms";

/// Who a message belongs to, restored on receipt and handed on with every message sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageContext {
    pub correlation_id: Option<String>,
    pub trace: Option<TraceContext>,
    /// For a received request: the moment its caller stops waiting for the reply. Work the
    /// caller can no longer learn about (a file rewritten after it gave up) must not start
    /// after it. Never sent on by `inject`: each request states its own timeout.
    pub deadline: Option<Instant>,
}

impl MessageContext {
    /// A context for new work, with the given correlation id: in the current span's trace
    /// when spans are recorded (an HTTP request's), else in a fresh trace.
    pub fn new_root(correlation_id: Option<String>) -> Self {
        Self {
            correlation_id,
            trace: Some(soulspot_telemetry::current_trace().unwrap_or_else(TraceContext::new_root)),
            deadline: None,
        }
    }

    /// Reads the context from received headers; missing or malformed parts stay `None`.
    pub fn from_headers(headers: Option<&HeaderMap>) -> Self {
        let value = |name: &str| {
            headers
                .and_then(|headers| headers.get(name))
                .map(|value| value.as_str().to_owned())
        };
        let received = Instant::now();
        Self {
            correlation_id: value(CORRELATION_HEADER).filter(|id| !id.is_empty()),
            trace: value(TRACEPARENT_HEADER).and_then(|header| TraceContext::parse(&header)),
            deadline: value(TIMEOUT_HEADER)
                .and_then(|millis| millis.trim().parse().ok())
                .and_then(|millis| received.checked_add(Duration::from_millis(millis))),
        }
    }

    /// How long the caller still waits; `None` when it set no deadline.
    pub fn remaining(&self) -> Option<Duration> {
        self.deadline
            .map(|deadline| deadline.saturating_duration_since(Instant::now()))
    }

    /// Whether the caller has stopped waiting.
    pub fn deadline_passed(&self) -> bool {
        self.remaining()
            .is_some_and(|remaining| remaining.is_zero())
    }

    /// The timeout of a request made on behalf of this context: `timeout`, cut to what is
    /// left of our own caller's wait, since an answer after that reaches nobody.
    pub fn timeout_for(&self, timeout: Duration) -> Duration {
        self.remaining()
            .map_or(timeout, |remaining| remaining.min(timeout))
    }

    /// Writes the context into outgoing headers, so that every hop of one job shares one
    /// trace id. The callee's parent is the current span when spans are recorded and it is
    /// in this context's trace (or the context has none); else the span this context came
    /// from, which is recorded by its sender.
    pub fn inject(&self, headers: &mut HeaderMap) {
        if let Some(correlation_id) = &self.correlation_id {
            headers.insert(CORRELATION_HEADER, correlation_id.as_str());
        }
        let current = soulspot_telemetry::current_trace();
        let trace = match (current, self.trace) {
            (Some(current), Some(ours)) if current.trace_id != ours.trace_id => ours,
            (Some(current), _) => current,
            (None, Some(ours)) => ours,
            (None, None) => TraceContext::new_root(),
        };
        headers.insert(TRACEPARENT_HEADER, trace.to_string().as_str());
    }

    /// Makes `span` (not yet entered) continue the sender's trace: a child of the span that
    /// sent this message. Nothing when the message carried no trace context.
    pub fn continue_in(&self, span: &tracing::Span) {
        if let Some(parent) = &self.trace {
            soulspot_telemetry::continue_trace(span, parent);
        }
    }

    /// Headers carrying just this context.
    pub fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        self.inject(&mut headers);
        headers
    }

    /// The trace id as log fields show it, or empty when there is none.
    pub fn trace_id(&self) -> String {
        self.trace
            .map(|trace| trace.trace_id_hex())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survives_a_trip_through_headers() {
        let sent = MessageContext::new_root(Some("job-7".into()));
        let received = MessageContext::from_headers(Some(&sent.headers()));
        assert_eq!(received.correlation_id.as_deref(), Some("job-7"));
        assert_eq!(received.trace_id(), sent.trace_id());
    }

    #[test]
    fn a_request_timeout_becomes_a_deadline_on_receipt() {
        let mut headers = MessageContext::default().headers();
        assert!(
            MessageContext::from_headers(Some(&headers))
                .deadline
                .is_none()
        );
        headers.insert(TIMEOUT_HEADER, "60000");
        let received = MessageContext::from_headers(Some(&headers));
        let remaining = received.remaining().unwrap();
        assert!(remaining > Duration::from_secs(59) && remaining <= Duration::from_secs(60));
        assert!(!received.deadline_passed());
        assert_eq!(
            received.timeout_for(Duration::from_secs(5)),
            Duration::from_secs(5)
        );
        assert!(received.timeout_for(Duration::from_secs(90)) <= Duration::from_secs(60));
        assert!(received.headers().get(TIMEOUT_HEADER).is_none());
    }

    #[test]
    fn a_passed_deadline_is_passed() {
        let context = MessageContext {
            deadline: Some(Instant::now()),
            ..MessageContext::default()
        };
        assert!(context.deadline_passed());
        assert_eq!(context.timeout_for(Duration::from_secs(1)), Duration::ZERO);
    }

    #[test]
    fn a_message_without_headers_has_an_empty_context() {
        assert_eq!(
            MessageContext::from_headers(None),
            MessageContext::default()
        );
    }
}
