//! The event envelope: metadata every event carries around its schema-validated `data`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::version::SchemaVersion;

/// One event, as stored in `SOULSPOT_EVENTS` and delivered to consumers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventEnvelope {
    /// UUIDv7: unique, and ordered by creation time. Also the JetStream dedup id.
    pub event_id: Uuid,
    pub event_type: String,
    pub schema_version: SchemaVersion,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    pub source_module: String,
    /// Ties every event of one piece of work together (the job id in the pipeline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// The event that caused this one, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub causation_id: Option<Uuid>,
    pub data: Value,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub metadata: Map<String, Value>,
}

impl EventEnvelope {
    /// A new event of `event_type` at the current schema version, occurring now.
    pub fn new(
        event_type: impl Into<String>,
        schema_version: SchemaVersion,
        source_module: impl Into<String>,
        data: Value,
    ) -> Self {
        Self {
            event_id: Uuid::now_v7(),
            event_type: event_type.into(),
            schema_version,
            occurred_at: OffsetDateTime::now_utc(),
            source_module: source_module.into(),
            correlation_id: None,
            causation_id: None,
            data,
            metadata: Map::new(),
        }
    }

    pub fn with_correlation_id(mut self, correlation_id: impl Into<String>) -> Self {
        self.correlation_id = Some(correlation_id.into());
        self
    }

    /// Marks this event as caused by `cause`, inheriting its correlation id.
    pub fn caused_by(mut self, cause: &EventEnvelope) -> Self {
        self.causation_id = Some(cause.event_id);
        if self.correlation_id.is_none() {
            self.correlation_id.clone_from(&cause.correlation_id);
        }
        self
    }

    /// The NATS subject this event is published on.
    pub fn subject(&self) -> String {
        crate::subjects::event(&self.source_module, &self.event_type)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_through_json_with_rfc3339_time() {
        let version = "1.0.0".parse().unwrap();
        let event = EventEnvelope::new("download.started", version, "soulseek", json!({"a": 1}))
            .with_correlation_id("job-1");
        let text = serde_json::to_string(&event).unwrap();
        assert!(text.contains("\"schema_version\":\"1.0.0\""));
        let back: EventEnvelope = serde_json::from_str(&text).unwrap();
        assert_eq!(back, event);
        assert_eq!(back.event_id.get_version_num(), 7);
    }

    #[test]
    fn inherits_correlation_from_its_cause() {
        let version = "1.0.0".parse().unwrap();
        let cause = EventEnvelope::new("a", version, "x", json!({})).with_correlation_id("job-9");
        let effect = EventEnvelope::new("b", version, "y", json!({})).caused_by(&cause);
        assert_eq!(effect.correlation_id.as_deref(), Some("job-9"));
        assert_eq!(effect.causation_id, Some(cause.event_id));
    }
}
