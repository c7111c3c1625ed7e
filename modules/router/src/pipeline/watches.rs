//! Watched playlists: synced once when watched, then again every interval, so that tracks
//! added on Spotify arrive by themselves. A re-sync is the ordinary playlist sync, which
//! claims each (playlist, track) once: only the new tracks get jobs.
//!
//! Every router looks for due watches every `[pipeline] watch_check_ms`; it claims the due
//! ones by moving their next sync on in one write over the revision it read
//! ([`JobStore::change_watches`]), so with several routers each due watch is synced by one.
//! A router that dies mid-sync leaves the watch to its next interval.

use std::sync::Weak;
use std::time::Duration;

use time::OffsetDateTime;

use super::store::Watch;
use super::{Pipeline, StoreError, SyncError};

/// The longest interval a watch may have: a year.
pub const MAX_INTERVAL_SECONDS: u64 = 366 * 24 * 3600;

#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Whether a watch was new or an existing one was changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watched {
    Created,
    Updated,
}

fn after(now: OffsetDateTime, seconds: u64) -> OffsetDateTime {
    now + Duration::from_secs(seconds)
}

impl Pipeline {
    /// Syncs `playlist` now, then watches it every `interval_seconds`. A playlist watched
    /// already keeps its watch, with the new interval.
    pub async fn watch_playlist(
        &self,
        playlist: &str,
        interval_seconds: u64,
    ) -> Result<(Watch, Watched), WatchError> {
        let shortest = self.watch_min_interval_seconds;
        if !(shortest..=MAX_INTERVAL_SECONDS).contains(&interval_seconds) {
            return Err(WatchError::Invalid(format!(
                "`interval_seconds` must be between {shortest} and {MAX_INTERVAL_SECONDS}"
            )));
        }
        let began = OffsetDateTime::now_utc();
        let report = self.sync_playlist(playlist).await?;
        let fresh = Watch {
            id: uuid::Uuid::now_v7().to_string(),
            playlist: playlist.to_owned(),
            playlist_id: report.playlist_id.clone(),
            name: report.name.clone(),
            interval_seconds,
            created_at: began,
            next_sync_at: after(began, interval_seconds),
            last_synced_at: Some(began),
            last_enqueued: Some(report.enqueued.len()),
            last_error: None,
        };
        let outcome = self
            .store
            .change_watches(|watches| {
                match watches
                    .iter_mut()
                    .find(|watch| watch.playlist_id == fresh.playlist_id)
                {
                    Some(existing) => {
                        existing.interval_seconds = interval_seconds;
                        existing.next_sync_at = fresh.next_sync_at;
                        existing.last_synced_at = fresh.last_synced_at;
                        existing.last_enqueued = fresh.last_enqueued;
                        existing.last_error = None;
                        (existing.clone(), Watched::Updated)
                    }
                    None => {
                        watches.push(fresh.clone());
                        (fresh.clone(), Watched::Created)
                    }
                }
            })
            .await?;
        tracing::info!(
            watch_id = %outcome.0.id,
            playlist_id = %outcome.0.playlist_id,
            interval_seconds,
            "playlist watched"
        );
        Ok(outcome)
    }

    pub async fn watches(&self) -> Result<Vec<Watch>, StoreError> {
        self.store.watches().await
    }

    /// Stops watch `id`; `false` when there is none.
    pub async fn unwatch(&self, id: &str) -> Result<bool, StoreError> {
        self.store
            .change_watches(|watches| {
                let before = watches.len();
                watches.retain(|watch| watch.id != id);
                watches.len() < before
            })
            .await
    }

    /// Claims the due watches and syncs each, recording how each sync went.
    async fn sync_due_watches(&self) -> Result<(), StoreError> {
        let due = self
            .store
            .claim_due_watches(OffsetDateTime::now_utc())
            .await?;
        for watch in due {
            let outcome = self.sync_playlist(&watch.playlist).await;
            let (enqueued, error) = match &outcome {
                Ok(report) => {
                    tracing::info!(watch_id = %watch.id, playlist_id = %watch.playlist_id, enqueued = report.enqueued.len(), "watched playlist synced");
                    (Some(report.enqueued.len()), None)
                }
                Err(error) => {
                    tracing::warn!(watch_id = %watch.id, playlist_id = %watch.playlist_id, %error, "watched playlist not synced, tried again next interval");
                    (None, Some(error.to_string()))
                }
            };
            self.store
                .change_watches(|watches| {
                    if let Some(stored) = watches.iter_mut().find(|stored| stored.id == watch.id) {
                        stored.last_enqueued = enqueued;
                        stored.last_error = error.clone();
                    }
                })
                .await?;
        }
        Ok(())
    }
}

/// Looks for due watches every `every` while the pipeline lives.
pub(super) async fn run_scheduler(pipeline: Weak<Pipeline>, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Some(pipeline) = pipeline.upgrade() else {
            return;
        };
        if let Err(error) = pipeline.sync_due_watches().await {
            tracing::warn!(%error, "watched playlists not checked, trying again");
        }
    }
}
