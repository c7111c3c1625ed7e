//! Every module's `health` capability and the `module.announcement` event
//! (contracts/capabilities/health.yaml, contracts/events/module.announcement.yaml); their
//! reply and data are `HealthReport` and `ModuleAnnouncement` of `crate::module`.

use serde::{Deserialize, Serialize};

use super::{CapabilityRequest, EventPayload};
use crate::module::{HealthReport, ModuleAnnouncement};
use crate::operations::HEALTH;

/// The request of `health`: empty, and any field is ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct HealthRequest {}

impl CapabilityRequest for HealthRequest {
    const OPERATION: &'static str = HEALTH;
    type Reply = HealthReport;
}

/// Sent on plain NATS (`soulspot.module.up` / `.down`), not stored with the other events.
impl EventPayload for ModuleAnnouncement {
    const EVENT_TYPE: &'static str = "module.announcement";
}
