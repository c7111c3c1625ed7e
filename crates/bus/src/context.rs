//! The context a message carries in its headers: correlation id and W3C trace context.

use async_nats::HeaderMap;
use soulspot_contracts::subjects::{CORRELATION_HEADER, TRACEPARENT_HEADER};
use soulspot_telemetry::TraceContext;

/// Who a message belongs to, restored on receipt and handed on with every message sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageContext {
    pub correlation_id: Option<String>,
    pub trace: Option<TraceContext>,
}

impl MessageContext {
    /// A context for new work: a fresh trace and the given correlation id.
    pub fn new_root(correlation_id: Option<String>) -> Self {
        Self {
            correlation_id,
            trace: Some(TraceContext::new_root()),
        }
    }

    /// Reads the context from received headers; missing or malformed parts stay `None`.
    pub fn from_headers(headers: Option<&HeaderMap>) -> Self {
        let value = |name: &str| {
            headers
                .and_then(|headers| headers.get(name))
                .map(|value| value.as_str().to_owned())
        };
        Self {
            correlation_id: value(CORRELATION_HEADER).filter(|id| !id.is_empty()),
            trace: value(TRACEPARENT_HEADER).and_then(|header| TraceContext::parse(&header)),
        }
    }

    /// Writes the context into outgoing headers. The callee sees a child span of our trace,
    /// so every hop of one job shares one trace id.
    pub fn inject(&self, headers: &mut HeaderMap) {
        if let Some(correlation_id) = &self.correlation_id {
            headers.insert(CORRELATION_HEADER, correlation_id.as_str());
        }
        let trace = self
            .trace
            .map_or_else(TraceContext::new_root, |trace| trace.child());
        headers.insert(TRACEPARENT_HEADER, trace.to_string().as_str());
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
    fn a_message_without_headers_has_an_empty_context() {
        assert_eq!(
            MessageContext::from_headers(None),
            MessageContext::default()
        );
    }
}
