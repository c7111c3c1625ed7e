//! The event envelope: metadata every event carries around its schema-validated `data`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::payloads::EventPayload;
use crate::schema::SchemaViolation;
use crate::version::SchemaVersion;

/// One event, as stored in `SOULSPOT_EVENTS` and delivered to consumers.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventEnvelope {
    /// UUIDv7: unique, and ordered by creation time. Also the JetStream dedup id.
    pub event_id: Uuid,
    pub event_type: String,
    /// `MAJOR.MINOR.PATCH` of the event's contract.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "1.0.0"))]
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
    /// The event's payload, as its contract (`contracts/events/<event_type>.yaml`) describes.
    pub data: Value,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
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

    /// A new event carrying `payload`, of the payload's event type at its contract's current
    /// version, occurring now. The data is checked against the schema when it is published.
    pub fn of<E: EventPayload>(
        source_module: impl Into<String>,
        payload: &E,
    ) -> Result<Self, SchemaViolation> {
        let version = crate::schema::contracts()?.event_version(E::EVENT_TYPE)?;
        let data = serde_json::to_value(payload).map_err(|error| SchemaViolation::Invalid {
            name: E::EVENT_TYPE.to_owned(),
            details: format!("not encodable: {error}"),
        })?;
        Ok(Self::new(E::EVENT_TYPE, version, source_module, data))
    }

    /// The event's `data` as its typed payload; `Err` when the event is of another type or
    /// its data does not fit the payload.
    pub fn payload<E: EventPayload>(&self) -> Result<E, SchemaViolation> {
        if self.event_type != E::EVENT_TYPE {
            return Err(SchemaViolation::Invalid {
                name: E::EVENT_TYPE.to_owned(),
                details: format!("the event is a `{}`", self.event_type),
            });
        }
        E::deserialize(&self.data).map_err(|error| SchemaViolation::Invalid {
            name: E::EVENT_TYPE.to_owned(),
            details: error.to_string(),
        })
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
    fn a_typed_payload_names_its_event_and_reads_back() {
        let failed = crate::payloads::DownloadFailed {
            download_id: "d-1".to_owned(),
            job_id: None,
            track: crate::TrackRef {
                title: "Teardrop".to_owned(),
                artist: "Massive Attack".to_owned(),
                ..crate::TrackRef::default()
            },
            error: "no candidate".to_owned(),
            can_retry: true,
        };
        let event = EventEnvelope::of("soulseek", &failed).unwrap();
        assert_eq!(event.event_type, "download.failed");
        assert_eq!(
            event.schema_version,
            crate::contracts()
                .unwrap()
                .event_version("download.failed")
                .unwrap()
        );
        assert_eq!(
            event.payload::<crate::payloads::DownloadFailed>().unwrap(),
            failed
        );
        assert!(
            event
                .payload::<crate::payloads::DownloadCompleted>()
                .is_err()
        );
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
