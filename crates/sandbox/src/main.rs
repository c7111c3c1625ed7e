//! `soulspot-sandbox`: runs every emulator, prints their base URLs as one JSON line, and
//! serves until SIGTERM or Ctrl-C. Settings come from `SOULSPOT_SANDBOX__*` variables.

use anyhow::Context;
use soulspot_sandbox::{Sandbox, SandboxConfig};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let env = std::env::vars().collect();
    let config = SandboxConfig::from_env(&env).context("failed to load sandbox settings")?;
    let sandbox = Sandbox::start(config)
        .await
        .context("failed to start sandbox")?;
    let urls = serde_json::to_string(sandbox.urls()).context("failed to encode urls")?;
    println!("{urls}");
    sandbox.run_until_stopped(shutdown_signal()).await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let sigterm = async {
        match terminate.as_mut() {
            Some(stream) => stream.recv().await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = sigterm => {},
    }
}
