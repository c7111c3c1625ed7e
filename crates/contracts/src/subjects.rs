//! Builders for every NATS subject and stream name SoulSpot uses.

/// The JetStream stream that stores every event.
pub const EVENTS_STREAM: &str = "SOULSPOT_EVENTS";
/// Every event subject: `soulspot.events.<source_module>.<event_type>`.
pub const EVENTS_WILDCARD: &str = "soulspot.events.>";
/// Announcement a module instance publishes when it starts.
pub const MODULE_UP: &str = "soulspot.module.up";
/// Announcement a module instance publishes when it stops gracefully.
pub const MODULE_DOWN: &str = "soulspot.module.down";

/// Header carrying the correlation id (the job id, for pipeline work).
pub const CORRELATION_HEADER: &str = "soulspot-correlation-id";
/// W3C trace context header.
pub const TRACEPARENT_HEADER: &str = "traceparent";

/// `soulspot.<module>.<operation>`: the endpoint of one capability.
pub fn capability(module: &str, operation: &str) -> String {
    format!("soulspot.{module}.{operation}")
}

/// `soulspot.<module>.health`.
pub fn health(module: &str) -> String {
    capability(module, crate::operations::HEALTH)
}

/// `soulspot.events.<source_module>.<event_type>`.
pub fn event(source_module: &str, event_type: &str) -> String {
    format!("soulspot.events.{source_module}.{event_type}")
}

/// Every source's events of one type: `soulspot.events.*.<event_type>`.
pub fn events_of_type(event_type: &str) -> String {
    format!("soulspot.events.*.{event_type}")
}

/// Where a consumer sends the events it could not accept.
pub fn dead_letter(consumer: &str) -> String {
    format!("soulspot.dlq.{consumer}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_subjects_of_the_design() {
        assert_eq!(
            capability("soulseek", "download.track"),
            "soulspot.soulseek.download.track"
        );
        assert_eq!(health("library"), "soulspot.library.health");
        assert_eq!(
            event("soulseek", "download.completed"),
            "soulspot.events.soulseek.download.completed"
        );
        assert_eq!(
            events_of_type("pipeline.failed"),
            "soulspot.events.*.pipeline.failed"
        );
        assert_eq!(dead_letter("spotify"), "soulspot.dlq.spotify");
    }
}
