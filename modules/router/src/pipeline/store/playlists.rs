//! The playlists bucket: each synced playlist's record, and which job fetches each of its
//! tracks — one claim per (playlist, track), created only when absent and replaced only over
//! the revision read, so that two syncs at once, or a sync after one cut off part-way, queue
//! each track once.
//!
//! A record is stored as a head under the playlist id and its tracks in parts of
//! `RECORD_PART_TRACKS` under `<id>.part.<n>`, so that a playlist of any size fits NATS's
//! message size limit.

use std::time::Duration;

use async_nats::jetstream::kv::{CreateErrorKind, Operation, UpdateErrorKind};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use serde::{Deserialize, Serialize};

use soulspot_bus::jetstream_write::kv;

use super::{JobStore, StoreError, store_error};
use crate::pipeline::PlaylistRecord;
use crate::pipeline::job::JobState;
use crate::pipeline::playlists::PlaylistEntry;

/// Tracks per stored part of a playlist record (a few hundred bytes each).
const RECORD_PART_TRACKS: usize = 500;

/// The stored head of a record: the record with its tracks in `parts` parts (none in a
/// record stored whole, as records were before parts).
#[derive(Serialize, Deserialize)]
struct RecordHead {
    #[serde(flatten)]
    record: PlaylistRecord,
    #[serde(default)]
    parts: usize,
}

fn part_key(playlist_id: &str, part: usize) -> String {
    format!("{playlist_id}.part.{part}")
}

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
    /// Stores the record's tracks part by part, then its head.
    pub async fn save_playlist(&self, record: &PlaylistRecord) -> Result<(), StoreError> {
        let parts: Vec<&[PlaylistEntry]> = record.tracks.chunks(RECORD_PART_TRACKS).collect();
        for (number, part) in parts.iter().enumerate() {
            let body = serde_json::to_vec(part).map_err(store_error)?;
            kv::put(
                &self.playlists,
                &part_key(&record.playlist_id, number),
                body.into(),
                &self.write_retry,
            )
            .await
            .map_err(store_error)?;
        }
        let head = RecordHead {
            record: PlaylistRecord {
                tracks: Vec::new(),
                ..record.clone()
            },
            parts: parts.len(),
        };
        let body = serde_json::to_vec(&head).map_err(store_error)?;
        kv::put(
            &self.playlists,
            &record.playlist_id,
            body.into(),
            &self.write_retry,
        )
        .await
        .map_err(store_error)?;
        Ok(())
    }

    pub async fn load_playlist(
        &self,
        playlist_id: &str,
    ) -> Result<Option<PlaylistRecord>, StoreError> {
        let Some(body) = self.playlists.get(playlist_id).await.map_err(store_error)? else {
            return Ok(None);
        };
        let head: RecordHead = serde_json::from_slice(&body).map_err(store_error)?;
        let mut record = head.record;
        for number in 0..head.parts {
            let key = part_key(playlist_id, number);
            let Some(body) = self.playlists.get(&key).await.map_err(store_error)? else {
                return Err(StoreError::Unavailable(format!(
                    "playlist part {key} is missing"
                )));
            };
            let part: Vec<PlaylistEntry> = serde_json::from_slice(&body).map_err(store_error)?;
            record.tracks.extend(part);
        }
        Ok(Some(record))
    }

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
                match kv::create(
                    &self.playlists,
                    &key,
                    new_id.clone().into(),
                    &self.write_retry,
                )
                .await
                {
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
            match kv::update(
                &self.playlists,
                &key,
                new_id.clone().into(),
                entry.revision,
                &self.write_retry,
            )
            .await
            {
                Ok(_) => return Ok(Claim::New(new_id)),
                Err(error) if error.kind() == UpdateErrorKind::WrongLastRevision => continue,
                Err(error) => return Err(store_error(error)),
            }
        }
    }
}
