//! The structured warning for a capability that no active module serves: which modules offered
//! it and what holds each back, what fails meanwhile and what to do about it. The router logs it
//! once per outage (`capability unavailable`); the status report shows it while it lasts.

use serde::Serialize;
use soulspot_contracts::operations;

use super::{Provider, Registry, State, candidates_in};

/// A capability nobody can serve now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CapabilityWarning {
    pub operation: String,
    /// Modules that offered it since the router started, with their status now; empty when
    /// no module ever did.
    pub providers: Vec<Provider>,
    /// What fails until a provider is active.
    pub impact: String,
    /// What an operator can do about it.
    pub action: String,
}

impl Registry {
    /// Modules that offered `operation` since the router started, whatever their status now.
    pub fn providers(&self, operation: &str) -> Vec<Provider> {
        providers_in(&self.read(), operation)
    }

    /// The warning for `operation`, whether or not it has a provider now.
    pub fn warning(&self, operation: &str) -> CapabilityWarning {
        warning_in(&self.read(), operation)
    }
}

/// A warning for every routable operation without a usable provider, in pipeline order.
pub(super) fn missing_capabilities(state: &State) -> Vec<CapabilityWarning> {
    operations::ALL
        .iter()
        .filter(|operation| candidates_in(state, operation).is_empty())
        .map(|operation| warning_in(state, operation))
        .collect()
}

fn warning_in(state: &State, operation: &str) -> CapabilityWarning {
    let providers = providers_in(state, operation);
    let action = if providers.is_empty() {
        format!("start a module that offers {operation}")
    } else {
        let modules: Vec<&str> = providers.iter().map(|p| p.module.as_str()).collect();
        format!(
            "start {} or another module that offers {operation}",
            modules.join(",")
        )
    };
    CapabilityWarning {
        operation: operation.to_owned(),
        providers,
        impact: format!("requests for {operation} fail until a provider is active"),
        action,
    }
}

fn providers_in(state: &State, operation: &str) -> Vec<Provider> {
    let routable = |module: &String| {
        state
            .modules
            .get(module)
            .is_some_and(|entry| entry.status.is_routable())
    };
    state
        .modules
        .iter()
        .filter_map(|(name, entry)| {
            let endpoint = entry.endpoints.iter().find(|e| e.operation == operation)?;
            Some(Provider {
                module: name.clone(),
                status: entry.status,
                waiting_for: endpoint
                    .required_modules
                    .iter()
                    .filter(|required| !routable(required))
                    .cloned()
                    .collect(),
            })
        })
        .collect()
}
