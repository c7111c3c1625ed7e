//! Playlist sync: fetch a playlist's tracks, skip those the library already holds or that a
//! job is already fetching, and queue a job for each of the rest; then have the playlist's
//! M3U8 file in the library rewritten (`files`).

mod contains;
mod files;

pub use files::PlaylistFiles;

use std::collections::BTreeMap;

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::json;
use soulspot_bus::MessageContext;
use soulspot_contracts::TrackRef;
use soulspot_contracts::operations::PLAYLIST_TRACKS;
use time::OffsetDateTime;

use super::job::JobRequest;
use super::store::Claim;
use super::{Pipeline, StoreError};
use crate::route::{CallPolicy, RouteError};

/// Tracks of a sync claimed and submitted at once.
const TRACKS_IN_FLIGHT: usize = 16;

/// How one track of a sync was settled.
enum Claimed {
    InLibrary,
    Existing,
    New(String),
}

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
        // A long playlist comes in many pages: its fetch has a deadline of its own.
        let call = CallPolicy {
            timeout: self.playlist_timeout,
            ..self.router.default_call()
        };
        let reply = self
            .router
            .route_with(
                PLAYLIST_TRACKS,
                &json!({"playlist": playlist}),
                &context,
                &call,
            )
            .await?;
        let playlist_id = reply["playlist_id"].as_str().unwrap_or(playlist).to_owned();
        let name = reply["name"].as_str().map(str::to_owned);
        let tracks: Vec<TrackRef> = serde_json::from_value(reply["tracks"].clone())
            .map_err(|error| SyncError::Reply(error.to_string()))?;
        let present = self.library_holds(&tracks, &context).await?;

        let mut report = SyncReport {
            playlist_id: playlist_id.clone(),
            name: name.clone(),
            total: tracks.len(),
            in_library: 0,
            already_queued: 0,
            enqueued: Vec::new(),
        };
        let settled = futures::stream::iter(tracks.into_iter().zip(present))
            .map(|(track, in_library)| self.settle_track(&playlist_id, track, in_library, began))
            .buffered(TRACKS_IN_FLIGHT);
        let settled: Vec<Result<(PlaylistEntry, Claimed), SyncError>> = settled.collect().await;
        let mut entries = Vec::with_capacity(settled.len());
        for settled in settled {
            let (entry, claimed) = settled?;
            match claimed {
                Claimed::InLibrary => report.in_library += 1,
                Claimed::Existing => report.already_queued += 1,
                Claimed::New(job_id) => report.enqueued.push(job_id),
            }
            entries.push(entry);
        }
        let record = PlaylistRecord {
            playlist_id,
            name,
            tracks: entries,
            synced_at: OffsetDateTime::now_utc(),
        };
        self.store.save_playlist(&record).await?;
        self.playlist_files.refresh(&record.playlist_id);
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

    /// One track of a sync: in the library (with the job that fetched it, if one did),
    /// claimed by a job already, or claimed now and its job submitted.
    async fn settle_track(
        &self,
        playlist_id: &str,
        track: TrackRef,
        in_library: bool,
        began: OffsetDateTime,
    ) -> Result<(PlaylistEntry, Claimed), SyncError> {
        let key = track_key(&track);
        let (job_id, claimed) = if in_library {
            let job_id = self.store.claimed_job(playlist_id, &key).await?;
            (job_id, Claimed::InLibrary)
        } else {
            match self.store.claim_track(playlist_id, &key, began).await? {
                Claim::Existing(job_id) => (Some(job_id), Claimed::Existing),
                Claim::New(job_id) => {
                    let request = JobRequest {
                        track: Some(track.clone()),
                        query: None,
                        source: "spotify".to_owned(),
                        source_ref: Some(playlist_id.to_owned()),
                    };
                    let job = self.submit_as(job_id, request).await?;
                    (Some(job.id.clone()), Claimed::New(job.id))
                }
            }
        };
        let entry = PlaylistEntry {
            track,
            in_library,
            job_id,
        };
        Ok((entry, claimed))
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
