//! Three real `nats-server`s as one JetStream cluster, on free loopback ports, each with its
//! own `server_name`, route listener and store, all running the shipped accounts with one set
//! of passwords: the cluster a deployment runs, with any node killed and restarted at will.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::server::{ClusterMember, NatsServer, free_port, new_passwords};
use soulspot_common::RetryPolicy;

use crate::NatsSettings;

const NODES: usize = 3;
const CLUSTER_NAME: &str = "soulspot";
/// Long enough for a first meta-leader election on a loaded machine.
const READY_LIMIT: Duration = Duration::from_secs(60);

/// A three-node JetStream cluster, killed when dropped.
pub struct NatsCluster {
    nodes: Vec<NatsServer>,
}

impl std::fmt::Debug for NatsCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsCluster")
            .field("nodes", &self.nodes)
            .finish()
    }
}

/// How often a cluster is started afresh when it does not come up.
const START_RETRY: RetryPolicy = RetryPolicy {
    base_ms: 100,
    factor: 2,
    max_delay_ms: 1_000,
    max_attempts: 3,
    jitter_percent: 50,
};

impl NatsCluster {
    /// Starts three servers with the shipped accounts as cluster `soulspot` (nodes `n1`..`n3`,
    /// each routing to the others) and waits until JetStream is ready on every one.
    pub fn start_with_accounts() -> io::Result<Self> {
        // Free ports are picked before the servers bind them, so a test running beside this
        // one may take one in between: a cluster that does not come up starts again on others.
        let mut backoff = START_RETRY.backoff();
        loop {
            backoff.start();
            match Self::start_once() {
                Ok(cluster) => return Ok(cluster),
                Err(error) => match backoff.next_pause(None) {
                    Some(pause) => std::thread::sleep(pause),
                    None => return Err(error),
                },
            }
        }
    }

    fn start_once() -> io::Result<Self> {
        let passwords = new_passwords();
        let route_ports = (0..NODES)
            .map(|_| free_port())
            .collect::<io::Result<Vec<_>>>()?;
        let mut nodes = Vec::with_capacity(NODES);
        for (index, route_port) in route_ports.iter().enumerate() {
            let member = ClusterMember {
                cluster_name: CLUSTER_NAME.to_owned(),
                server_name: format!("n{}", index + 1),
                route_port: *route_port,
                peer_route_ports: route_ports
                    .iter()
                    .filter(|port| *port != route_port)
                    .copied()
                    .collect(),
                monitor_port: free_port()?,
            };
            nodes.push(NatsServer::prepare(
                free_port()?,
                Some(passwords.clone()),
                Some(member),
            )?);
        }
        for node in &mut nodes {
            node.spawn()?;
        }
        let cluster = Self { nodes };
        cluster.wait_until_ready()?;
        Ok(cluster)
    }

    /// Every node's url, comma-separated, as `nats.url` takes them.
    pub fn url(&self) -> String {
        self.nodes
            .iter()
            .map(NatsServer::url)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// How `service` connects to the cluster: every node's url, its user and password, and
    /// one replica per node.
    pub fn settings_for(&self, service: &str) -> NatsSettings {
        let mut settings = self.nodes[0].settings_for(service);
        settings.url = self.url();
        settings.replicas = NODES;
        settings
    }

    /// The environment a module binary needs on the cluster: the url list, the replicas and
    /// the module's password.
    pub fn env_for(&self, module: &str) -> Vec<(String, String)> {
        let mut env = self.nodes[0].env_for(module);
        for (name, value) in &mut env {
            if name == "SOULSPOT__NATS__URL" {
                *value = self.url();
            }
        }
        env.push(("SOULSPOT__NATS__REPLICAS".to_owned(), NODES.to_string()));
        env
    }

    pub fn nodes(&self) -> &[NatsServer] {
        &self.nodes
    }

    /// The index of the node called `server_name` (as stream info names a leader).
    pub fn node_named(&self, server_name: &str) -> Option<usize> {
        self.nodes
            .iter()
            .position(|node| node.server_name() == Some(server_name))
    }

    /// Kills node `index` at once, as a crash would; its store is kept.
    pub fn kill(&mut self, index: usize) {
        if let Some(node) = self.nodes.get_mut(index) {
            node.kill();
        }
    }

    /// Starts node `index` again with its store and waits until JetStream is ready on every
    /// running node.
    pub fn restart(&mut self, index: usize) -> io::Result<()> {
        let node = self
            .nodes
            .get_mut(index)
            .ok_or_else(|| io::Error::other(format!("no node {index}")))?;
        node.restart()?;
        self.wait_until_ready()
    }

    /// Waits until every running node's `/healthz` answers 200: it has a meta leader and its
    /// streams are current.
    pub fn wait_until_ready(&self) -> io::Result<()> {
        let started = Instant::now();
        for node in self.nodes.iter().filter(|node| node.is_running()) {
            let Some(member) = node.member() else {
                continue;
            };
            while !healthy(member.monitor_port) {
                if started.elapsed() > READY_LIMIT {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!(
                            "jetstream not ready on {} within {READY_LIMIT:?}; its log:\n{}",
                            member.server_name,
                            node.log()
                        ),
                    ));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Ok(())
    }
}

/// Whether the monitoring endpoint on `port` answers `/healthz` with 200.
fn healthy(port: u16) -> bool {
    let answer = || -> io::Result<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_secs(2)))?;
        stream.write_all(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        Ok(response)
    };
    answer().is_ok_and(|response| {
        response
            .lines()
            .next()
            .is_some_and(|status| status.contains(" 200 "))
    })
}
