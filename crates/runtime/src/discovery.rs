//! Discovery of live module instances through the NATS micro `$SRV.INFO` verb, and the
//! start-up report a module logs when it runs standalone: which peers are there.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use async_nats::Client;
use async_nats::service::Info;
use futures::StreamExt;
use soulspot_contracts::operations::metadata_keys;

/// Every service instance that answers `$SRV.INFO` within `window`.
///
/// Each instance answers once, so replies are gathered until the window closes.
pub async fn discover(client: &Client, window: Duration) -> Result<Vec<Info>, async_nats::Error> {
    let inbox = client.new_inbox();
    let mut replies = client.subscribe(inbox.clone()).await?;
    client
        .publish_with_reply("$SRV.INFO", inbox, "".into())
        .await?;
    client.flush().await?;
    let mut infos = Vec::new();
    let deadline = tokio::time::Instant::now() + window;
    while let Ok(Some(message)) = tokio::time::timeout_at(deadline, replies.next()).await {
        match serde_json::from_slice::<Info>(&message.payload) {
            Ok(info) => infos.push(info),
            Err(error) => tracing::debug!(%error, "ignoring a malformed $SRV.INFO reply"),
        }
    }
    Ok(infos)
}

/// What a module found around it when it started.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StartupReport {
    /// Modules with at least one live instance (including this one).
    pub present: BTreeSet<String>,
    /// Modules this one's capabilities require that are not running.
    pub missing: BTreeSet<String>,
    /// Every known operation and the modules that offer it (empty: nobody does).
    pub capabilities: BTreeMap<String, BTreeSet<String>>,
}

/// Looks around and logs what is present and what is missing, one structured line each.
pub async fn startup_report(
    client: &Client,
    module: &str,
    required_modules: &[String],
    window: Duration,
) -> StartupReport {
    let infos = match discover(client, window).await {
        Ok(infos) => infos,
        Err(error) => {
            tracing::warn!(%error, "peer discovery failed");
            Vec::new()
        }
    };
    let report = summarise(&infos, required_modules);
    for peer in &report.present {
        tracing::info!(module, peer = %peer, "peer module present");
    }
    for peer in &report.missing {
        tracing::warn!(
            module,
            peer = %peer,
            impact = "capabilities that require it are not routed to this module",
            action = "start the missing module",
            "required peer module missing"
        );
    }
    for (operation, providers) in &report.capabilities {
        if providers.is_empty() {
            tracing::info!(module, operation = %operation, "capability not offered by any running module");
        } else {
            tracing::info!(module, operation = %operation, providers = ?providers, "capability available");
        }
    }
    report
}

fn summarise(infos: &[Info], required_modules: &[String]) -> StartupReport {
    let present: BTreeSet<String> = infos.iter().map(|info| info.name.clone()).collect();
    let missing = required_modules
        .iter()
        .filter(|module| !present.contains(*module))
        .cloned()
        .collect();
    let mut capabilities: BTreeMap<String, BTreeSet<String>> = soulspot_contracts::operations::ALL
        .iter()
        .map(|operation| ((*operation).to_owned(), BTreeSet::new()))
        .collect();
    for info in infos {
        for endpoint in &info.endpoints {
            if let Some(operation) = endpoint.metadata.get(metadata_keys::OPERATION) {
                capabilities
                    .entry(operation.clone())
                    .or_default()
                    .insert(info.name.clone());
            }
        }
    }
    StartupReport {
        present,
        missing,
        capabilities,
    }
}
