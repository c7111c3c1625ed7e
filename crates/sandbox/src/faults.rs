//! Faults tests can inject while the sandbox runs, on top of those the catalog declares.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::Deserialize;
use tokio::sync::watch;

/// How a peer spoils a download.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferFault {
    /// The peer refuses: `"Completed, Rejected"`.
    Rejected,
    /// The request sits in the remote queue, then `"Completed, TimedOut"`.
    TimedOut,
    /// The connection drops mid-transfer: `"Completed, Errored"`.
    Errored,
    /// The transfer starts and then makes no progress, ever.
    Stalled,
    /// The first attempt errors; later attempts of the same file succeed.
    FailOnce,
    /// The transfer starts and then creeps on a few bytes at a time, forever: never
    /// stalled, never finished.
    Trickle,
}

/// Runtime fault switches, shared by all emulators.
#[derive(Debug, Default)]
pub struct Faults {
    state: Mutex<FaultState>,
    /// `true` while every transfer is held where it is.
    transfers_held: watch::Sender<bool>,
}

#[derive(Debug, Default)]
struct FaultState {
    every_transfer: Option<TransferFault>,
    by_filename: HashMap<String, TransferFault>,
    offline_peers: HashMap<String, bool>,
    spotify_throttle: Option<SpotifyThrottle>,
    slskd_logged_out: bool,
}

#[derive(Debug, Clone, Copy)]
struct SpotifyThrottle {
    remaining: u32,
    retry_after_secs: u64,
}

impl Faults {
    fn lock(&self) -> MutexGuard<'_, FaultState> {
        // A poisoned lock only means a panicking test thread; the switches stay usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies `fault` to every new transfer (overrides per-file faults); `None` clears.
    pub fn set_every_transfer(&self, fault: Option<TransferFault>) {
        self.lock().every_transfer = fault;
    }

    /// Applies `fault` to new transfers of this remote filename (any peer); `None` clears.
    pub fn set_file_fault(&self, filename: &str, fault: Option<TransferFault>) {
        let mut state = self.lock();
        match fault {
            Some(fault) => state.by_filename.insert(filename.to_owned(), fault),
            None => state.by_filename.remove(filename),
        };
    }

    /// Marks a peer offline (enqueue answers 500) or back online, overriding the catalog.
    pub fn set_peer_offline(&self, username: &str, offline: bool) {
        self.lock()
            .offline_peers
            .insert(username.to_owned(), offline);
    }

    /// Makes the next `requests` Spotify Web API calls answer 429 with `Retry-After`.
    pub fn throttle_spotify(&self, requests: u32, retry_after_secs: u64) {
        self.lock().spotify_throttle = Some(SpotifyThrottle {
            remaining: requests,
            retry_after_secs,
        });
    }

    /// Holds every transfer where it is (`true`) or lets them move on (`false`): while held,
    /// no transfer takes its next step (leaving the queue, sending bytes, completing), so a
    /// test can observe what happens before a download can finish.
    pub fn hold_transfers(&self, held: bool) {
        self.transfers_held.send_replace(held);
    }

    /// Returns once transfers are not held.
    pub(crate) async fn transfers_released(&self) {
        let mut held = self.transfers_held.subscribe();
        // The sender lives as long as `self`, so the wait cannot fail.
        let _released = held.wait_for(|held| !*held).await;
    }

    /// Makes slskd report that it lost its Soulseek server connection (or regained it).
    pub fn set_slskd_disconnected(&self, disconnected: bool) {
        self.lock().slskd_logged_out = disconnected;
    }

    pub(crate) fn transfer_fault(
        &self,
        filename: &str,
        catalog_fault: Option<TransferFault>,
    ) -> Option<TransferFault> {
        let state = self.lock();
        state
            .every_transfer
            .or_else(|| state.by_filename.get(filename).copied())
            .or(catalog_fault)
    }

    pub(crate) fn peer_offline(&self, username: &str, catalog_offline: bool) -> bool {
        self.lock()
            .offline_peers
            .get(username)
            .copied()
            .unwrap_or(catalog_offline)
    }

    /// Consumes one throttled request; returns the `Retry-After` seconds if throttled.
    pub(crate) fn take_spotify_throttle(&self) -> Option<u64> {
        let mut state = self.lock();
        let throttle = state.spotify_throttle.as_mut()?;
        if throttle.remaining == 0 {
            state.spotify_throttle = None;
            return None;
        }
        throttle.remaining -= 1;
        Some(throttle.retry_after_secs)
    }

    pub(crate) fn slskd_disconnected(&self) -> bool {
        self.lock().slskd_logged_out
    }
}
