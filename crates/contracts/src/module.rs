//! Module status, health reports and the up/down announcements.

use serde::{Deserialize, Serialize};

/// What the router knows of a module's ability to serve.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ModuleStatus {
    /// Answering and every health check passes.
    Active,
    /// Answering, but some check fails: it serves what it can.
    Degraded,
    /// Not answering, or reports it cannot serve.
    Inactive,
    /// Never heard from.
    #[default]
    Unknown,
}

impl ModuleStatus {
    /// Whether the router may send work to a module in this state.
    ///
    /// A degraded module still answers; it reports which feature is impaired and
    /// its endpoints return a 5xx-class error for work it cannot do, which triggers fallback.
    pub fn is_routable(self) -> bool {
        matches!(self, ModuleStatus::Active | ModuleStatus::Degraded)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ModuleStatus::Active => "active",
            ModuleStatus::Degraded => "degraded",
            ModuleStatus::Inactive => "inactive",
            ModuleStatus::Unknown => "unknown",
        }
    }
}

/// One named check inside a health report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheck {
    pub name: String,
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The reply of `soulspot.<module>.health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthReport {
    pub status: ModuleStatus,
    #[serde(default)]
    pub checks: Vec<HealthCheck>,
}

impl HealthReport {
    /// `active` when every check passes, `degraded` otherwise: a module that can answer
    /// is never `inactive` by its own account.
    pub fn from_checks(checks: Vec<HealthCheck>) -> Self {
        let status = if checks.iter().all(|check| check.ok) {
            ModuleStatus::Active
        } else {
            ModuleStatus::Degraded
        };
        Self { status, checks }
    }
}

/// Published on `soulspot.module.up` and `soulspot.module.down`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleAnnouncement {
    pub module: String,
    pub instance_id: String,
    pub version: String,
    #[serde(default)]
    pub capabilities: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_check_degrades_the_module() {
        let ok = HealthCheck {
            name: "nats".into(),
            ok: true,
            detail: None,
        };
        let failing = HealthCheck {
            name: "slskd".into(),
            ok: false,
            detail: Some("connection refused".into()),
        };
        assert_eq!(
            HealthReport::from_checks(vec![ok.clone()]).status,
            ModuleStatus::Active
        );
        assert_eq!(
            HealthReport::from_checks(vec![ok, failing]).status,
            ModuleStatus::Degraded
        );
    }
}
