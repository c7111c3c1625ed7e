//! What the router knows of the modules: their instances, capabilities and status, built
//! from `$SRV.INFO` replies, health reports and up/down announcements.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::{PoisonError, RwLock};
use std::time::Duration;

use async_nats::service::Info;
use serde::Serialize;
use soulspot_contracts::{HealthCheck, HealthReport, ModuleStatus, subjects};
use tokio::sync::{Notify, watch};

pub use status::{ModuleView, ProviderView, StatusReport};
pub use warning::CapabilityWarning;

mod endpoint;
mod status;
mod warning;

pub use endpoint::Endpoint;
use endpoint::Offered;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Instance {
    pub id: String,
    pub version: String,
}

#[derive(Debug, Clone, Default)]
struct ModuleEntry {
    status: ModuleStatus,
    instances: BTreeMap<String, Instance>,
    endpoints: Vec<Endpoint>,
    checks: Vec<HealthCheck>,
}

/// A provider the router may try for an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub module: String,
    pub subject: String,
    pub priority: u32,
}

/// A module that offers an operation, and what keeps it from serving it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Provider {
    pub module: String,
    pub status: ModuleStatus,
    /// Required modules that are not active.
    pub waiting_for: Vec<String>,
}

/// The result of one poll: who answered `$SRV.INFO` and what each module's health said.
#[derive(Debug, Default)]
pub struct Observation {
    pub infos: Vec<Info>,
    /// `None`: the module did not answer its health endpoint.
    pub health: BTreeMap<String, Option<HealthReport>>,
}

#[derive(Debug, Default)]
struct State {
    modules: BTreeMap<String, ModuleEntry>,
    /// Operations for which the "no provider" warning was logged and not yet cleared.
    warned: HashSet<String>,
    /// (module, subject) pairs offered outside the module's own prefix, warned about once.
    untrusted: HashSet<(String, String)>,
}

/// The shared registry; cheap to read on every routed request.
#[derive(Debug)]
pub struct Registry {
    state: RwLock<State>,
    /// Counts the polls applied; waiters learn of fresh observations through it.
    polls: watch::Sender<u64>,
    /// Asks the monitor for a poll now, ahead of its interval.
    poll_wanted: Notify,
    /// Counts the changes that may have altered the status report (every poll, every
    /// instance gone): live streams compare the report after each.
    changes: watch::Sender<u64>,
}

impl Default for Registry {
    fn default() -> Self {
        Self {
            state: RwLock::default(),
            polls: watch::channel(0).0,
            poll_wanted: Notify::new(),
            changes: watch::channel(0).0,
        }
    }
}

impl Registry {
    /// Resolves once the registry reflects at least one poll: before that, every capability
    /// looks missing.
    pub async fn first_poll(&self) {
        let mut polls = self.polls.subscribe();
        let _ = polls.wait_for(|applied| *applied > 0).await;
    }

    /// Asks for a poll now and waits (at most `limit`) until one is applied: what is known
    /// may be a poll behind, e.g. just after a module or NATS restarted.
    pub async fn refresh(&self, limit: Duration) {
        let mut polls = self.polls.subscribe();
        let seen = *polls.borrow_and_update();
        self.poll_wanted.notify_one();
        let _ = tokio::time::timeout(limit, polls.wait_for(|applied| *applied > seen)).await;
    }

    /// Ticks whenever the status report may have changed.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    fn changed(&self) {
        self.changes
            .send_modify(|changes| *changes = changes.wrapping_add(1));
    }

    /// Resolves when someone wants a poll ahead of the interval.
    pub(crate) async fn poll_requested(&self) {
        self.poll_wanted.notified().await;
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Replaces what is known with one poll's observation. A module that answered neither
    /// `$SRV.INFO` nor its health endpoint becomes `inactive`.
    ///
    /// An endpoint outside its module's own `soulspot.<module>.` prefix is ignored (another
    /// module's subject is not this module's to offer), with one warning per (module, subject).
    pub fn apply(&self, observation: Observation) {
        let mut seen: BTreeMap<String, ModuleEntry> = BTreeMap::new();
        let mut untrusted = Vec::new();
        for info in &observation.infos {
            let entry = seen.entry(info.name.clone()).or_default();
            entry.instances.insert(
                info.id.clone(),
                Instance {
                    id: info.id.clone(),
                    version: info.version.clone(),
                },
            );
            for offered in info.endpoints.iter() {
                match Endpoint::from_info(&info.name, offered) {
                    Offered::Capability(endpoint) if !entry.endpoints.contains(&endpoint) => {
                        entry.endpoints.push(endpoint);
                    }
                    Offered::Untrusted { operation } => {
                        untrusted.push((info.name.clone(), offered.subject.clone(), operation));
                    }
                    Offered::Capability(_) | Offered::NotACapability => {}
                }
            }
        }
        let mut state = self.write();
        for (module, subject, operation) in untrusted {
            if state.untrusted.insert((module.clone(), subject.clone())) {
                tracing::warn!(
                    module = %module,
                    %subject,
                    %operation,
                    expected_prefix = %subjects::capability(&module, ""),
                    "ignoring an endpoint outside the module's own subjects"
                );
            }
        }
        for (name, entry) in state.modules.iter_mut() {
            if !seen.contains_key(name) {
                log_transition(name, entry.status, ModuleStatus::Inactive);
                entry.status = ModuleStatus::Inactive;
                entry.instances.clear();
            }
        }
        for (name, mut entry) in seen {
            let report = observation.health.get(&name).cloned().flatten();
            entry.status = match &report {
                Some(report) => report.status,
                None => ModuleStatus::Degraded,
            };
            entry.checks = report.map(|report| report.checks).unwrap_or_else(|| {
                vec![HealthCheck {
                    name: "health endpoint".to_owned(),
                    ok: false,
                    detail: Some(format!("no answer on {}", subjects::health(&name))),
                }]
            });
            let old = state.modules.get(&name);
            log_failing_checks(&name, old.map_or(&[], |old| &old.checks), &entry.checks);
            let previous = old.map_or(ModuleStatus::Unknown, |old| old.status);
            log_transition(&name, previous, entry.status);
            state.modules.insert(name, entry);
        }
        let available: Vec<String> = state
            .warned
            .iter()
            .filter(|operation| !candidates_in(&state, operation).is_empty())
            .cloned()
            .collect();
        for operation in available {
            state.warned.remove(&operation);
        }
        drop(state);
        self.polls.send_modify(|applied| *applied += 1);
        self.changed();
    }

    /// An instance said it stopped: forget it, and mark the module inactive if it was the last.
    pub fn remove_instance(&self, module: &str, instance_id: &str) {
        let mut state = self.write();
        if let Some(entry) = state.modules.get_mut(module) {
            entry.instances.remove(instance_id);
            if entry.instances.is_empty() {
                log_transition(module, entry.status, ModuleStatus::Inactive);
                entry.status = ModuleStatus::Inactive;
            }
        }
        drop(state);
        self.changed();
    }

    /// A request found nobody listening: the module is gone until a poll says otherwise.
    pub fn mark_unreachable(&self, module: &str) {
        if let Some(entry) = self.write().modules.get_mut(module) {
            log_transition(module, entry.status, ModuleStatus::Inactive);
            entry.status = ModuleStatus::Inactive;
        }
        self.changed();
    }

    /// Providers of `operation` that may be tried now, best first.
    pub fn candidates(&self, operation: &str) -> Vec<Candidate> {
        candidates_in(&self.read(), operation)
    }

    /// `true` the first time an operation is found without a provider, and again only after
    /// a provider has come back in between.
    pub fn should_warn_missing(&self, operation: &str) -> bool {
        self.write().warned.insert(operation.to_owned())
    }

    /// Clears the warning once a provider answers again.
    pub fn provider_answered(&self, operation: &str) {
        self.write().warned.remove(operation);
    }
}

fn candidates_in(state: &State, operation: &str) -> Vec<Candidate> {
    let routable = |module: &str| {
        state
            .modules
            .get(module)
            .is_some_and(|entry| entry.status.is_routable())
    };
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut offered: BTreeSet<&str> = BTreeSet::new();
    for (name, entry) in &state.modules {
        if !entry.status.is_routable() || offered.contains(name.as_str()) {
            continue;
        }
        let usable = entry.endpoints.iter().find(|endpoint| {
            endpoint.operation == operation
                && endpoint
                    .required_modules
                    .iter()
                    .all(|required| routable(required))
        });
        if let Some(endpoint) = usable {
            offered.insert(name);
            candidates.push(Candidate {
                module: name.clone(),
                subject: endpoint.subject.clone(),
                priority: endpoint.priority,
            });
        }
    }
    candidates.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.module.cmp(&b.module)));
    candidates
}

fn log_transition(module: &str, from: ModuleStatus, to: ModuleStatus) {
    if from == to {
        return;
    }
    if to.is_routable() {
        tracing::info!(
            module,
            from = from.as_str(),
            to = to.as_str(),
            "module status changed"
        );
    } else {
        tracing::warn!(
            module,
            from = from.as_str(),
            to = to.as_str(),
            "module status changed"
        );
    }
}

/// A check's detail is for operators only (the API shows a fixed phrase): it is logged once
/// each time a check starts failing or fails differently.
fn log_failing_checks(module: &str, before: &[HealthCheck], now: &[HealthCheck]) {
    for check in now.iter().filter(|check| !check.ok) {
        if !before.contains(check) {
            tracing::warn!(
                module,
                check = %check.name,
                detail = check.detail.as_deref().unwrap_or_default(),
                "health check failing"
            );
        }
    }
}

#[cfg(test)]
mod tests;
