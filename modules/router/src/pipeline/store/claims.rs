//! Which job fetches each track of a playlist: one claim per (playlist, track) in the
//! playlists bucket, created only when absent and replaced only over the revision read, so
//! that two syncs at once — or a sync after one cut off part-way — queue each track once.

use std::time::Duration;

use async_nats::jetstream::kv::{CreateErrorKind, Operation, UpdateErrorKind};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::{JobStore, StoreError, store_error};
use crate::pipeline::job::JobState;

/// A claim younger than this whose job is not stored yet is taken to be in the middle of
/// its submission by another sync, not left by a crash.
const SUBMISSION_GRACE: Duration = Duration::from_secs(60);

/// What a sync is to do about one track.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This sync claimed the track for job `job_id`: it submits that job.
    New(String),
    /// Job `job_id` is fetching (or fetched) the track already.
    Existing(String),
}

fn claim_key(playlist_id: &str, track_key: &str) -> String {
    let digest = |text: &str| -> String {
        Sha256::digest(text.as_bytes())
            .iter()
            .take(16)
            .map(|byte| format!("{byte:02x}"))
            .collect()
    };
    format!("claim.{}.{}", digest(playlist_id), digest(track_key))
}

impl JobStore {
    /// The job that claimed `track_key` of `playlist_id`, if one did.
    pub async fn claimed_job(
        &self,
        playlist_id: &str,
        track_key: &str,
    ) -> Result<Option<String>, StoreError> {
        let entry = self
            .playlists
            .entry(claim_key(playlist_id, track_key))
            .await
            .map_err(store_error)?;
        Ok(entry
            .filter(|entry| entry.operation == Operation::Put)
            .map(|entry| String::from_utf8_lossy(&entry.value).into_owned()))
    }

    /// Claims `track_key` of `playlist_id` for a new job unless a job holds it that had not
    /// failed when this sync began (`since`); a failed one is replaced, so it is tried again.
    pub async fn claim_track(
        &self,
        playlist_id: &str,
        track_key: &str,
        since: OffsetDateTime,
    ) -> Result<Claim, StoreError> {
        let key = claim_key(playlist_id, track_key);
        loop {
            let new_id = uuid::Uuid::now_v7().to_string();
            let entry = self.playlists.entry(&key).await.map_err(store_error)?;
            let Some(entry) = entry.filter(|entry| entry.operation == Operation::Put) else {
                match self.playlists.create(&key, new_id.clone().into()).await {
                    Ok(_) => return Ok(Claim::New(new_id)),
                    Err(error) if error.kind() == CreateErrorKind::AlreadyExists => continue,
                    Err(error) => return Err(store_error(error)),
                }
            };
            let job_id = String::from_utf8_lossy(&entry.value).into_owned();
            let replaceable = match self.load(&job_id).await? {
                Some(job) => job.state == JobState::Failed && job.updated_at < since,
                None => OffsetDateTime::now_utc() - entry.created > SUBMISSION_GRACE,
            };
            if !replaceable {
                return Ok(Claim::Existing(job_id));
            }
            match self
                .playlists
                .update(&key, new_id.clone().into(), entry.revision)
                .await
            {
                Ok(_) => return Ok(Claim::New(new_id)),
                Err(error) if error.kind() == UpdateErrorKind::WrongLastRevision => continue,
                Err(error) => return Err(store_error(error)),
            }
        }
    }
}
