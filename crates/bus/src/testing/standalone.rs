//! Runs a module's real binary against a nats-server and checks what a user would: it starts
//! alone, reports which peers and capabilities are missing, answers its health endpoint, and
//! stops cleanly on SIGTERM — on its own NATS credentials when the server runs the accounts.

use std::io;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use serde_json::json;
use soulspot_contracts::HealthReport;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

use soulspot_contracts::operations::modules;

use super::NatsServer;
use crate::context::MessageContext;
use crate::request_json;

const WAIT: Duration = Duration::from_secs(20);

/// What a standalone start showed.
#[derive(Debug)]
pub struct StandaloneReport {
    /// The log lines of the start-up report (`peer module …`, `capability …`).
    pub startup_report: Vec<String>,
    pub health: HealthReport,
    pub exit: ExitStatus,
    /// What the server refused (publish or subscribe) while the module ran.
    pub permission_violations: Vec<String>,
}

/// Starts `binary` as module `module` with `env` (plus its NATS url and credentials), waits
/// for its start-up report, asks its health endpoint (as the router would), then sends SIGTERM
/// and waits for it to exit.
pub async fn run_standalone(
    binary: &str,
    module: &str,
    nats: &NatsServer,
    env: &[(&str, String)],
) -> io::Result<StandaloneReport> {
    let mut child = Command::new(binary)
        .envs(env.iter().map(|(key, value)| (*key, value.as_str())))
        .envs(nats.env_for(module))
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut lines = follow_output(&mut child);
    let startup_report = wait_for_startup_report(&mut lines).await?;
    let client = crate::connect(&nats.settings_for(modules::ROUTER), "standalone-check")
        .await
        .map_err(io::Error::other)?;
    let health = request_json(
        &client,
        &soulspot_contracts::subjects::health(module),
        &json!({}),
        &MessageContext::default(),
        WAIT,
    )
    .await
    .map_err(io::Error::other)?;
    let exit = terminate(&mut child).await?;
    Ok(StandaloneReport {
        startup_report,
        health,
        exit,
        permission_violations: nats.permission_violations(),
    })
}

/// Every line the process writes, on either stream.
fn follow_output(child: &mut Child) -> mpsc::UnboundedReceiver<String> {
    let (sender, receiver) = mpsc::unbounded_channel();
    if let Some(stdout) = child.stdout.take() {
        let sender = sender.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let _ = sender.send(line);
            }
        });
    }
    if let Some(stderr) = child.stderr.take() {
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let _ = sender.send(line);
            }
        });
    }
    receiver
}

/// Collects the start-up report: it ends with the line for the last operation of the contracts.
async fn wait_for_startup_report(
    lines: &mut mpsc::UnboundedReceiver<String>,
) -> io::Result<Vec<String>> {
    let last_operation = soulspot_contracts::operations::ALL
        .iter()
        .copied()
        .max()
        .unwrap_or_default();
    let mut report = Vec::new();
    let mut everything = Vec::new();
    let collecting = async {
        while let Some(line) = lines.recv().await {
            everything.push(line.clone());
            let is_report = line.contains("peer module") || line.contains("capability");
            if is_report {
                report.push(line.clone());
            }
            if is_report && line.contains(&format!("\"operation\":\"{last_operation}\"")) {
                return true;
            }
        }
        false
    };
    match tokio::time::timeout(WAIT, collecting).await {
        Ok(true) => Ok(report),
        _ => Err(io::Error::other(format!(
            "no start-up report within {WAIT:?}; output:\n{}",
            everything.join("\n")
        ))),
    }
}

/// SIGTERM, then the exit status (killed if it does not stop within the wait).
async fn terminate(child: &mut Child) -> io::Result<ExitStatus> {
    let pid = child
        .id()
        .ok_or_else(|| io::Error::other("process already gone"))?;
    Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status()
        .await?;
    match tokio::time::timeout(WAIT, child.wait()).await {
        Ok(status) => status,
        Err(_) => {
            child.kill().await?;
            Err(io::Error::other("process ignored SIGTERM"))
        }
    }
}
