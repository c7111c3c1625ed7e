//! What this module has seen of each Soulseek peer: failures, stalls, successes and the speed
//! its transfers really reached. Claims in search responses cost a peer nothing; this record
//! is what ranking trusts instead.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use tokio::time::Instant;

use crate::settings::PeerSettings;

/// Peers remembered at most; past this many the least recently seen is forgotten.
const MAX_REMEMBERED_PEERS: usize = 10_000;

/// One peer's observed history.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PeerRecord {
    /// Failures since the last success.
    pub failures: u32,
    /// Transfers abandoned for making no or too little progress, in all.
    pub stalls: u32,
    pub successes: u32,
    /// Average speed of its last successful transfer, bytes per second.
    pub observed_speed: Option<u64>,
    /// Not tried at all until then.
    pub ignored_until: Option<Instant>,
    last_seen: Option<Instant>,
}

/// How a peer stands for ranking.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PeerStanding {
    /// Not tried at all for now.
    pub ignored: bool,
    /// Tried after every peer in good standing.
    pub downranked: bool,
    /// Speed it reached before, when known.
    pub observed_speed: Option<u64>,
}

/// How an attempt at a peer ended, as the record counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Succeeded {
        bytes_per_sec: u64,
    },
    /// No progress, too slow, or past the deadline.
    Stalled,
    Failed,
}

/// Every peer's record, shared by all downloads of the module.
#[derive(Debug)]
pub struct PeerRecords {
    settings: PeerSettings,
    records: Mutex<HashMap<String, PeerRecord>>,
}

impl PeerRecords {
    pub fn new(settings: PeerSettings) -> Self {
        Self {
            settings,
            records: Mutex::new(HashMap::new()),
        }
    }

    /// Records how an attempt at `username` ended, at `now`.
    pub fn record(&self, username: &str, outcome: Outcome, now: Instant) {
        let mut records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        if records.len() >= MAX_REMEMBERED_PEERS && !records.contains_key(username) {
            forget_least_recent(&mut records);
        }
        let record = records.entry(username.to_owned()).or_default();
        record.last_seen = Some(now);
        match outcome {
            Outcome::Succeeded { bytes_per_sec } => {
                record.failures = 0;
                record.successes += 1;
                record.observed_speed = Some(bytes_per_sec);
                record.ignored_until = None;
                return;
            }
            Outcome::Stalled => {
                record.stalls += 1;
                record.failures += 1;
            }
            Outcome::Failed => record.failures += 1,
        }
        if record.failures >= self.settings.fails_to_ignore {
            let until = now + self.settings.ignore_for();
            tracing::info!(username, failures = record.failures, ignore_for = ?self.settings.ignore_for(), "peer ignored");
            metrics::counter!("soulseek_peers_ignored_total").increment(1);
            record.ignored_until = Some(until);
        }
    }

    /// How `username` stands for ranking at `now`.
    pub fn standing(&self, username: &str, now: Instant) -> PeerStanding {
        self.get(username)
            .map(|record| PeerStanding {
                ignored: record.ignored_until.is_some_and(|until| now < until),
                downranked: record.failures >= self.settings.fails_to_downrank,
                observed_speed: record.observed_speed,
            })
            .unwrap_or_default()
    }

    /// A copy of `username`'s record, if it has one.
    pub fn get(&self, username: &str) -> Option<PeerRecord> {
        self.records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(username)
            .cloned()
    }
}

fn forget_least_recent(records: &mut HashMap<String, PeerRecord>) {
    let oldest = records
        .iter()
        .min_by_key(|(_, record)| record.last_seen)
        .map(|(username, _)| username.clone());
    if let Some(username) = oldest {
        records.remove(&username);
    }
}

#[cfg(test)]
mod tests;
