//! How a capability becomes an endpoint of the module's micro service: its name, the
//! routing metadata it is discovered with, the semaphore bounding its concurrent requests,
//! and the server's confirmation that every endpoint is subscribed.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use async_nats::Client;
use bytes::Bytes;
use futures::StreamExt;
use soulspot_contracts::operations::metadata_keys;
use tokio::sync::Semaphore;

use crate::capability::Capability;
use crate::module::StartError;

/// How long `start` waits for the server to confirm the module's subscriptions.
const SERVER_CONFIRMATION_TIMEOUT: Duration = Duration::from_secs(10);

/// The NATS micro endpoint name of `operation` (`search.track` → `search_track`), also the
/// key of its concurrency limit in the settings.
pub(crate) fn endpoint_name(operation: &str) -> String {
    operation.replace('.', "_")
}

pub(crate) fn endpoint_metadata(
    capability: &Capability,
    contracts: &soulspot_contracts::Contracts,
) -> HashMap<String, String> {
    let schema_version = contracts
        .capability(&capability.operation)
        .map(|contract| contract.version.to_string())
        .unwrap_or_default();
    HashMap::from([
        (
            metadata_keys::OPERATION.to_owned(),
            capability.operation.clone(),
        ),
        (
            metadata_keys::PRIORITY.to_owned(),
            capability.priority.to_string(),
        ),
        (
            metadata_keys::REQUIRED_MODULES.to_owned(),
            capability.required_modules.join(","),
        ),
        (metadata_keys::SCHEMA_VERSION.to_owned(), schema_version),
    ])
}

/// The semaphore bounding each capability's requests, by endpoint name: `overrides` for
/// the endpoints it names, `default` for the others. A limit naming no capability is
/// refused rather than silently ignored.
pub(crate) fn concurrency_limits(
    capabilities: &[Capability],
    default: usize,
    overrides: &BTreeMap<String, usize>,
) -> Result<HashMap<String, Arc<Semaphore>>, StartError> {
    let limits: HashMap<String, Arc<Semaphore>> = capabilities
        .iter()
        .map(|capability| {
            let endpoint = endpoint_name(&capability.operation);
            let limit = overrides
                .get(&endpoint)
                .copied()
                .unwrap_or(default)
                .clamp(1, Semaphore::MAX_PERMITS);
            (endpoint, Arc::new(Semaphore::new(limit)))
        })
        .collect();
    match overrides
        .keys()
        .find(|endpoint| !limits.contains_key(*endpoint))
    {
        Some(unknown) => Err(StartError::UnknownLimit(unknown.clone())),
        None => Ok(limits),
    }
}

/// Returns once the server has taken every subscription `client` sent so far: a message to
/// an inbox of the client's own comes back only after them. (`flush` only writes to the
/// socket; without this a caller on another connection could find no responders yet.)
pub(crate) async fn confirmed_by_server(client: &Client) -> Result<(), StartError> {
    let unconfirmed =
        |reason: String| StartError::Register(format!("subscriptions unconfirmed: {reason}"));
    let inbox = client.new_inbox();
    let mut echo = client
        .subscribe(inbox.clone())
        .await
        .map_err(|error| unconfirmed(error.to_string()))?;
    client
        .publish(inbox, Bytes::new())
        .await
        .map_err(|error| unconfirmed(error.to_string()))?;
    match tokio::time::timeout(SERVER_CONFIRMATION_TIMEOUT, echo.next()).await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(unconfirmed("connection closed".to_owned())),
        Err(_) => Err(unconfirmed(format!(
            "no echo within {SERVER_CONFIRMATION_TIMEOUT:?}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::capability::{CallContext, ServiceError};

    fn capability(operation: &str) -> Capability {
        Capability::new(operation, 1, |_: CallContext, _: Value| async {
            Ok::<_, ServiceError>(json!({}))
        })
    }

    #[test]
    fn an_override_applies_to_its_endpoint_and_the_default_to_the_others() {
        let capabilities = [capability("search.track"), capability("download.track")];
        let overrides = BTreeMap::from([("download_track".to_owned(), 2)]);

        let limits = concurrency_limits(&capabilities, 64, &overrides).unwrap();

        assert_eq!(limits["search_track"].available_permits(), 64);
        assert_eq!(limits["download_track"].available_permits(), 2);
    }

    #[test]
    fn a_zero_limit_still_lets_one_request_run() {
        let limits = concurrency_limits(&[capability("search.track")], 0, &BTreeMap::new());

        assert_eq!(limits.unwrap()["search_track"].available_permits(), 1);
    }

    #[test]
    fn an_override_for_an_unknown_endpoint_is_refused() {
        let overrides = BTreeMap::from([("search.track".to_owned(), 2)]);

        let error = concurrency_limits(&[capability("search.track")], 64, &overrides);

        assert!(matches!(error, Err(StartError::UnknownLimit(name)) if name == "search.track"));
    }
}
