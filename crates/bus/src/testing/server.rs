//! A real `nats-server` per test, on a free loopback port with its own store: either open (for
//! tests that run fake modules under arbitrary names) or with the shipped accounts of
//! `deploy/nats/nats.conf`, every service on its own freshly generated password.

use std::collections::BTreeMap;
use std::io;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use soulspot_common::Secret;
use soulspot_contracts::operations::modules;
use tempfile::TempDir;

use crate::NatsSettings;

/// Where the project installs its own server (`make tools`).
const PROJECT_NATS_SERVER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../.tools/venv/bin/nats-server"
);
/// The server configuration the project ships.
const SHIPPED_CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/nats/nats.conf");

/// A `nats-server` with JetStream on a free loopback port and its own store directory,
/// killed when dropped. Its log is kept in the store directory ([`NatsServer::log`]).
pub struct NatsServer {
    child: Option<Child>,
    port: u16,
    store: TempDir,
    /// Each service's password, when the server runs the shipped accounts.
    passwords: Option<BTreeMap<&'static str, Secret>>,
    /// Its place in a JetStream cluster, when it has one.
    member: Option<ClusterMember>,
}

/// A server's place in a JetStream cluster: its name, its route listener and its peers'.
#[derive(Debug, Clone)]
pub(super) struct ClusterMember {
    pub cluster_name: String,
    pub server_name: String,
    pub route_port: u16,
    pub peer_route_ports: Vec<u16>,
    /// Where its monitoring endpoint (`/healthz`) listens.
    pub monitor_port: u16,
}

impl std::fmt::Debug for NatsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsServer")
            .field("port", &self.port)
            .field("accounts", &self.passwords.is_some())
            .finish()
    }
}

impl NatsServer {
    /// Starts an open server (no users: any client may do anything) and waits until it
    /// accepts connections.
    pub fn start() -> io::Result<Self> {
        Self::start_as(None)
    }

    /// Starts a server with the shipped `deploy/nats/nats.conf` (its accounts, users and
    /// permissions), a new password per service, and waits until it accepts connections.
    pub fn start_with_accounts() -> io::Result<Self> {
        Self::start_as(Some(new_passwords()))
    }

    fn start_as(passwords: Option<BTreeMap<&'static str, Secret>>) -> io::Result<Self> {
        let mut server = Self::prepare(free_port()?, passwords, None)?;
        server.spawn()?;
        Ok(server)
    }

    /// A server not started yet: a cluster starts its members together.
    pub(super) fn prepare(
        port: u16,
        passwords: Option<BTreeMap<&'static str, Secret>>,
        member: Option<ClusterMember>,
    ) -> io::Result<Self> {
        Ok(Self {
            child: None,
            port,
            store: tempfile::tempdir()?,
            passwords,
            member,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its `server_name` in a cluster.
    pub fn server_name(&self) -> Option<&str> {
        self.member
            .as_ref()
            .map(|member| member.server_name.as_str())
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// How `service` connects: the url, and with accounts its user and password (a service
    /// without a user in the accounts gets none, and the server refuses it).
    pub fn settings_for(&self, service: &str) -> NatsSettings {
        let mut settings = NatsSettings {
            url: self.url(),
            ..NatsSettings::default()
        };
        if let Some(passwords) = &self.passwords {
            settings.user = Some(service.to_owned());
            settings.password = passwords.get(service).cloned();
        }
        settings
    }

    /// The environment a module binary needs to connect as `module`
    /// (`SOULSPOT__NATS__URL`, and with accounts `SOULSPOT_<MODULE>__NATS__PASSWORD`).
    pub fn env_for(&self, module: &str) -> Vec<(String, String)> {
        let settings = self.settings_for(module);
        let mut env = vec![("SOULSPOT__NATS__URL".to_owned(), settings.url)];
        if let Some(password) = settings.password {
            env.push((
                format!("SOULSPOT_{}__NATS__PASSWORD", module.to_uppercase()),
                password.expose().to_owned(),
            ));
        }
        env
    }

    /// Everything the server logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// The lines where the server refused a publish or a subscription for lack of permission.
    pub fn permission_violations(&self) -> Vec<String> {
        self.log()
            .lines()
            .filter(|line| line.contains("Violation"))
            .map(str::to_owned)
            .collect()
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

    /// Whether its process runs (it was not killed, or was restarted since).
    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    pub(super) fn member(&self) -> Option<&ClusterMember> {
        self.member.as_ref()
    }

    fn log_path(&self) -> PathBuf {
        self.store.path().join("nats.log")
    }

    pub(super) fn spawn(&mut self) -> io::Result<()> {
        let mut command = Command::new(server_binary());
        let monitor_port = self.member.as_ref().map_or(0, |member| member.monitor_port);
        match &self.passwords {
            Some(passwords) => {
                // The shipped file as `make nats` runs it: port and store on the command line.
                command
                    .arg("-c")
                    .arg(SHIPPED_CONFIG)
                    .arg("--http_port")
                    .arg(monitor_port.to_string());
                for (service, password) in passwords {
                    command.env(password_variable(service), password.expose());
                }
            }
            None => {
                command.arg("-c").arg(write_open_config(self.store.path())?);
            }
        }
        if let Some(member) = &self.member {
            command.args(member.arguments());
        }
        let child = command
            .args(["-a", "127.0.0.1", "-p", &self.port.to_string()])
            .arg("-sd")
            .arg(self.store.path().join("jetstream"))
            .arg("-l")
            .arg(self.log_path())
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
        wait_until_listening(self.port, Duration::from_secs(10)).map_err(|error| {
            let log = self.log();
            let tail: Vec<&str> = log.lines().rev().take(5).collect();
            io::Error::new(
                error.kind(),
                format!("{error}; its log ends: {}", tail.join(" | ")),
            )
        })
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.kill();
    }
}

impl ClusterMember {
    /// `server_name` and the `cluster { name, listen, routes }` block, as command-line flags
    /// over the shipped configuration.
    fn arguments(&self) -> Vec<String> {
        let routes: Vec<String> = self
            .peer_route_ports
            .iter()
            .map(|port| format!("nats://127.0.0.1:{port}"))
            .collect();
        vec![
            "--server_name".to_owned(),
            self.server_name.clone(),
            "--cluster_name".to_owned(),
            self.cluster_name.clone(),
            "--cluster".to_owned(),
            format!("nats://127.0.0.1:{}", self.route_port),
            "--routes".to_owned(),
            routes.join(","),
        ]
    }
}

/// A fresh password for every service of the shipped accounts.
pub(super) fn new_passwords() -> BTreeMap<&'static str, Secret> {
    modules::ALL
        .into_iter()
        .map(|service| {
            (
                service,
                Secret::new(uuid::Uuid::new_v4().simple().to_string()),
            )
        })
        .collect()
}

/// The variable of `deploy/nats/nats.conf` that holds `service`'s password.
fn password_variable(service: &str) -> String {
    format!("SOULSPOT_NATS_PASSWORD_{}", service.to_uppercase())
}

/// A configuration with JetStream and no users.
fn write_open_config(folder: &Path) -> io::Result<PathBuf> {
    let config = folder.join("nats.conf");
    std::fs::write(&config, "jetstream {}\n")?;
    Ok(config)
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

pub(super) fn free_port() -> io::Result<u16> {
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
