//! Playlist sync: fetch a playlist's tracks, skip those the library already holds or that a
//! job is already fetching, and queue a job for each of the rest.

mod contains;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;
use soulspot_bus::MessageContext;
use soulspot_contracts::TrackRef;
use soulspot_contracts::operations::PLAYLIST_TRACKS;
use time::OffsetDateTime;

use super::job::JobRequest;
use super::store::Claim;
use super::{Pipeline, StoreError};
use crate::route::RouteError;

/// What the router remembers of one playlist: each track and the job fetching it, if any.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaylistRecord {
    pub playlist_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub tracks: Vec<PlaylistEntry>,
    #[serde(with = "time::serde::rfc3339")]
    pub synced_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaylistEntry {
    pub track: TrackRef,
    /// Already in the library when last synced.
    pub in_library: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
}

/// The answer to one sync request.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SyncReport {
    pub playlist_id: String,
    pub name: Option<String>,
    pub total: usize,
    pub in_library: usize,
    pub already_queued: usize,
    pub enqueued: Vec<String>,
}

/// A playlist as last synced, with the state of each track's job.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlaylistProgress {
    pub playlist_id: String,
    pub name: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub synced_at: OffsetDateTime,
    pub total: usize,
    /// How many tracks are in each state.
    #[schema(value_type = BTreeMap<String, usize>)]
    pub states: BTreeMap<&'static str, usize>,
    pub tracks: Vec<TrackProgress>,
}

/// One track of a synced playlist.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrackProgress {
    pub track: TrackRef,
    /// The job fetching it, if one was queued.
    pub job_id: Option<String>,
    /// The job's state, `in_library` when no job was needed, `unknown` when its job is gone.
    #[schema(value_type = String, example = "completed")]
    pub state: &'static str,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Route(#[from] RouteError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("playlist reply not understood: {0}")]
    Reply(String),
}

/// How a track is recognised across syncs: its Spotify id, else artist and title.
fn track_key(track: &TrackRef) -> String {
    match &track.spotify_id {
        Some(id) => format!("spotify:{id}"),
        None => format!(
            "{}\u{1f}{}",
            track.artist.to_lowercase(),
            track.title.to_lowercase()
        ),
    }
}

impl Pipeline {
    /// Fetches the playlist, asks the library which tracks it holds (in batches that fit the
    /// module's request limit), and queues a job for each other track unless one is claimed
    /// already: each (playlist, track) is claimed once, so concurrent or interrupted syncs
    /// queue each track once.
    pub async fn sync_playlist(&self, playlist: &str) -> Result<SyncReport, SyncError> {
        let began = OffsetDateTime::now_utc();
        let context = MessageContext::new_root(None);
        let reply = self
            .router
            .route(PLAYLIST_TRACKS, &json!({"playlist": playlist}), &context)
            .await?;
        let playlist_id = reply["playlist_id"].as_str().unwrap_or(playlist).to_owned();
        let name = reply["name"].as_str().map(str::to_owned);
        let tracks: Vec<TrackRef> = serde_json::from_value(reply["tracks"].clone())
            .map_err(|error| SyncError::Reply(error.to_string()))?;
        let present = self.library_holds(&tracks, &context).await?;

        let mut entries = Vec::with_capacity(tracks.len());
        let mut report = SyncReport {
            playlist_id: playlist_id.clone(),
            name: name.clone(),
            total: tracks.len(),
            in_library: 0,
            already_queued: 0,
            enqueued: Vec::new(),
        };
        for (track, in_library) in tracks.into_iter().zip(present) {
            let mut job_id = None;
            if in_library {
                report.in_library += 1;
                // The job that fetched it, if one did, stays on the record.
                job_id = self
                    .store
                    .claimed_job(&playlist_id, &track_key(&track))
                    .await?;
            } else {
                let claim = self
                    .store
                    .claim_track(&playlist_id, &track_key(&track), began)
                    .await?;
                match claim {
                    Claim::Existing(existing) => {
                        report.already_queued += 1;
                        job_id = Some(existing);
                    }
                    Claim::New(claimed) => {
                        let request = JobRequest {
                            track: Some(track.clone()),
                            query: None,
                            source: "spotify".to_owned(),
                            source_ref: Some(playlist_id.clone()),
                        };
                        let job = self.submit_as(claimed, request).await?;
                        report.enqueued.push(job.id.clone());
                        job_id = Some(job.id);
                    }
                }
            }
            entries.push(PlaylistEntry {
                track,
                in_library,
                job_id,
            });
        }
        let record = PlaylistRecord {
            playlist_id,
            name,
            tracks: entries,
            synced_at: OffsetDateTime::now_utc(),
        };
        self.store.save_playlist(&record).await?;
        tracing::info!(
            playlist_id = %report.playlist_id,
            total = report.total,
            in_library = report.in_library,
            already_queued = report.already_queued,
            enqueued = report.enqueued.len(),
            "playlist synced"
        );
        Ok(report)
    }

    /// The playlist's record with the current state of each of its jobs.
    pub async fn playlist_progress(
        &self,
        playlist_id: &str,
    ) -> Result<Option<PlaylistProgress>, StoreError> {
        let Some(record) = self.store.load_playlist(playlist_id).await? else {
            return Ok(None);
        };
        let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
        let mut tracks = Vec::with_capacity(record.tracks.len());
        for entry in &record.tracks {
            let state = match &entry.job_id {
                Some(job_id) => self
                    .store
                    .load(job_id)
                    .await?
                    .map_or("unknown", |job| job.state.as_str()),
                None if entry.in_library => "in_library",
                None => "unknown",
            };
            *counts.entry(state).or_insert(0) += 1;
            tracks.push(TrackProgress {
                track: entry.track.clone(),
                job_id: entry.job_id.clone(),
                state,
            });
        }
        Ok(Some(PlaylistProgress {
            total: record.tracks.len(),
            playlist_id: record.playlist_id,
            name: record.name,
            synced_at: record.synced_at,
            states: counts,
            tracks,
        }))
    }
}
