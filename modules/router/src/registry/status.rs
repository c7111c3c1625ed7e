//! The registry as `GET /api/modules/status` shows it: modules, instances, capabilities, a
//! warning per capability nobody serves, and the public form of each health check (see [`PublicCheck`] for why not the detail).

use std::collections::BTreeMap;

use serde::Serialize;
use soulspot_contracts::ModuleStatus;
use soulspot_runtime::health::PublicCheck;

use super::warning::{CapabilityWarning, missing_capabilities};
use super::{Endpoint, Instance, Registry};

impl Registry {
    /// What the status endpoint serves; never a check's detail.
    pub fn snapshot(&self) -> StatusReport {
        let state = self.read();
        let modules = state
            .modules
            .iter()
            .map(|(name, entry)| {
                let module = ModuleView {
                    name: name.clone(),
                    status: entry.status,
                    instances: entry.instances.values().cloned().collect(),
                    capabilities: entry.endpoints.clone(),
                    checks: entry.checks.iter().map(PublicCheck::from).collect(),
                };
                (name.clone(), module)
            })
            .collect::<BTreeMap<_, _>>();
        let mut capabilities: BTreeMap<String, Vec<ProviderView>> = BTreeMap::new();
        for (name, entry) in &state.modules {
            for endpoint in &entry.endpoints {
                capabilities
                    .entry(endpoint.operation.clone())
                    .or_default()
                    .push(ProviderView {
                        module: name.clone(),
                        priority: endpoint.priority,
                        status: entry.status,
                    });
            }
        }
        for providers in capabilities.values_mut() {
            providers.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.module.cmp(&b.module)));
        }
        let (active, inactive): (Vec<_>, Vec<_>) = modules
            .values()
            .partition(|module| module.status.is_routable());
        StatusReport {
            warnings: missing_capabilities(&state),
            active: active.iter().map(|module| module.name.clone()).collect(),
            inactive: inactive.iter().map(|module| module.name.clone()).collect(),
            modules: modules.into_values().collect(),
            capabilities,
        }
    }
}

/// `GET /api/modules/status`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatusReport {
    pub modules: Vec<ModuleView>,
    /// Operation → providers, best first.
    pub capabilities: BTreeMap<String, Vec<ProviderView>>,
    pub active: Vec<String>,
    pub inactive: Vec<String>,
    /// One per routable operation no active module can serve now, in pipeline order.
    pub warnings: Vec<CapabilityWarning>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ModuleView {
    pub name: String,
    pub status: ModuleStatus,
    pub instances: Vec<Instance>,
    pub capabilities: Vec<Endpoint>,
    pub checks: Vec<PublicCheck>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProviderView {
    pub module: String,
    pub priority: u32,
    pub status: ModuleStatus,
}
