//! Test support: a real `nats-server` per test, a recording bus for unit tests, and the
//! benches' statistics.
//!
//! Integration tests never replace NATS with a fake; `RecordingBus` exists only for asserting
//! what a unit under test published.

pub mod bench;
mod standalone;

pub use standalone::{StandaloneReport, run_standalone};

use std::io;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use soulspot_contracts::EventEnvelope;
use tempfile::TempDir;

use crate::context::MessageContext;
use crate::events::{EventPublisher, PublishError};

/// Where the project installs its own server (`make tools`).
const PROJECT_NATS_SERVER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../.tools/venv/bin/nats-server"
);

/// A `nats-server` with JetStream on a free loopback port and its own store directory,
/// killed when dropped.
pub struct NatsServer {
    child: Option<Child>,
    port: u16,
    store: TempDir,
}

impl std::fmt::Debug for NatsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsServer")
            .field("port", &self.port)
            .finish()
    }
}

impl NatsServer {
    /// Starts a server and waits until it accepts connections.
    pub fn start() -> io::Result<Self> {
        let port = free_port()?;
        let store = tempfile::tempdir()?;
        let mut server = Self {
            child: None,
            port,
            store,
        };
        server.spawn()?;
        Ok(server)
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Kills the server at once (as a crash would), keeping its store.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port with the same store.
    pub fn restart(&mut self) -> io::Result<()> {
        self.kill();
        self.spawn()
    }

    fn spawn(&mut self) -> io::Result<()> {
        let config = self.store.path().join("nats.conf");
        std::fs::write(
            &config,
            format!(
                "listen: 127.0.0.1:{port}\njetstream {{\n  store_dir: {store:?}\n}}\n",
                port = self.port,
                store = self.store.path().join("jetstream"),
            ),
        )?;
        let child = Command::new(server_binary())
            .arg("-c")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|error| {
                io::Error::new(
                    error.kind(),
                    format!("cannot start nats-server (run `make tools`): {error}"),
                )
            })?;
        self.child = Some(child);
        wait_until_listening(self.port, Duration::from_secs(10))
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `SOULSPOT_NATS_SERVER`, else the project's own install, else `nats-server` on PATH.
fn server_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("SOULSPOT_NATS_SERVER") {
        return PathBuf::from(path);
    }
    let project = PathBuf::from(PROJECT_NATS_SERVER);
    if project.exists() {
        return project;
    }
    PathBuf::from("nats-server")
}

fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn wait_until_listening(port: u16, limit: Duration) -> io::Result<()> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Err(io::Error::new(
        io::ErrorKind::TimedOut,
        format!("nats-server did not listen on port {port} within {limit:?}"),
    ))
}

/// Records published events after validating them as the real bus does (the plan's
/// TestEventBus). For "what was published" assertions in unit tests only.
#[derive(Debug, Clone, Default)]
pub struct RecordingBus {
    published: Arc<Mutex<Vec<EventEnvelope>>>,
}

impl RecordingBus {
    pub fn published(&self) -> Vec<EventEnvelope> {
        self.published
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn of_type(&self, event_type: &str) -> Vec<EventEnvelope> {
        self.published()
            .into_iter()
            .filter(|event| event.event_type == event_type)
            .collect()
    }
}

impl EventPublisher for RecordingBus {
    async fn publish(
        &self,
        event: EventEnvelope,
        _context: &MessageContext,
    ) -> Result<(), PublishError> {
        soulspot_contracts::contracts()?.validate_event(
            &event.event_type,
            &event.schema_version,
            &event.data,
        )?;
        self.published
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(event);
        Ok(())
    }
}
