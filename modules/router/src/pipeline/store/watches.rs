//! Watched playlists in the playlists bucket: the whole list under one key, `watch.list`
//! (beside the playlists' `claim.` keys and records), changed only over the revision read.
//!
//! One key because watches are few and every change must see all of them at once: a router
//! claims the due watches by moving their next sync on in the same write, so when several
//! routers look at once, only the one whose write lands syncs them; the others read the list
//! again and find nothing due.

use std::time::Duration;

use async_nats::jetstream::kv::{CreateErrorKind, Operation, UpdateErrorKind};
use serde::{Deserialize, Serialize};
use soulspot_bus::jetstream_write::kv;
use time::OffsetDateTime;

use super::{JobStore, StoreError, store_error};

/// The key of the list; no playlist id or claim key takes this form.
const WATCHES_KEY: &str = "watch.list";

/// A playlist re-synced on a schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Watch {
    pub id: String,
    /// The playlist as the request gave it (an id or URL).
    pub playlist: String,
    /// The playlist's id, as its first sync reported it.
    pub playlist_id: String,
    pub name: Option<String>,
    pub interval_seconds: u64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// When it is next due; a router that claims it moves this on before syncing.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub next_sync_at: OffsetDateTime,
    /// When its last sync began.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_synced_at: Option<OffsetDateTime>,
    /// Jobs the last sync queued (the tracks new since the one before).
    #[serde(default)]
    pub last_enqueued: Option<usize>,
    /// Why the last sync failed, if it did.
    #[serde(default)]
    pub last_error: Option<String>,
}

impl JobStore {
    /// Every watch, oldest first.
    pub async fn watches(&self) -> Result<Vec<Watch>, StoreError> {
        Ok(self.read_watches().await?.0)
    }

    /// Applies `change` to the list and stores the result over the revision read; when
    /// another router wrote in between, reads again and applies `change` to that. Nothing is
    /// written when `change` leaves the list as it was.
    pub async fn change_watches<T>(
        &self,
        mut change: impl FnMut(&mut Vec<Watch>) -> T,
    ) -> Result<T, StoreError> {
        loop {
            let (before, revision) = self.read_watches().await?;
            let mut after = before.clone();
            let outcome = change(&mut after);
            if after == before {
                return Ok(outcome);
            }
            let body = serde_json::to_vec(&after).map_err(store_error)?;
            let written = match revision {
                Some(revision) => kv::update(
                    &self.playlists,
                    WATCHES_KEY,
                    body.into(),
                    revision,
                    &self.write_retry,
                )
                .await
                .map(drop)
                .map_err(|error| match error.kind() {
                    UpdateErrorKind::WrongLastRevision => None,
                    _ => Some(store_error(error)),
                }),
                None => kv::create(&self.playlists, WATCHES_KEY, body.into(), &self.write_retry)
                    .await
                    .map(drop)
                    .map_err(|error| match error.kind() {
                        CreateErrorKind::AlreadyExists => None,
                        _ => Some(store_error(error)),
                    }),
            };
            match written {
                Ok(()) => return Ok(outcome),
                // Another router changed the list since it was read: apply to its version.
                Err(None) => continue,
                Err(Some(error)) => return Err(error),
            }
        }
    }

    /// Claims the watches due at `now`: moves each one's next sync an interval on and notes
    /// the sync as begun, in one write, and returns them for the caller to sync. Of routers
    /// claiming at once, each due watch goes to one.
    pub async fn claim_due_watches(&self, now: OffsetDateTime) -> Result<Vec<Watch>, StoreError> {
        self.change_watches(|watches| {
            let mut due = Vec::new();
            for watch in watches.iter_mut().filter(|watch| watch.next_sync_at <= now) {
                watch.next_sync_at = now + Duration::from_secs(watch.interval_seconds);
                watch.last_synced_at = Some(now);
                due.push(watch.clone());
            }
            due
        })
        .await
    }

    /// The list and the revision it was read at (`None` when never written).
    async fn read_watches(&self) -> Result<(Vec<Watch>, Option<u64>), StoreError> {
        let entry = self
            .playlists
            .entry(WATCHES_KEY)
            .await
            .map_err(store_error)?;
        match entry {
            Some(entry) if entry.operation == Operation::Put => {
                let watches = serde_json::from_slice(&entry.value).map_err(store_error)?;
                Ok((watches, Some(entry.revision)))
            }
            // A deleted key is written over its revision like any other.
            Some(entry) => Ok((Vec::new(), Some(entry.revision))),
            None => Ok((Vec::new(), None)),
        }
    }
}
