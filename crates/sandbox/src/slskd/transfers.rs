//! Download endpoints: enqueue (201, or 500 for an offline user), list, get, cancel.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tokio::sync::watch;
use uuid::Uuid;

use super::transfer_store::{TransferJson, TransferRecord, UserTransfers};
use super::transfer_worker::{self, TransferPlan};
use super::{BusyGuard, SlskdError, SlskdState, paths};
use crate::catalog::Peer;
use crate::lenient::{AspNetJson, QueryValues};

/// One element of the enqueue body.
#[derive(Debug, Deserialize)]
pub(super) struct EnqueueFile {
    filename: String,
    size: Option<u64>,
}

/// A file that could not be enqueued.
#[derive(Debug, Serialize)]
pub(super) struct FailedFile {
    filename: String,
    size: Option<u64>,
    message: String,
}

#[derive(Debug, Serialize)]
pub(super) struct EnqueueResult {
    enqueued: Vec<TransferJson>,
    failed: Vec<FailedFile>,
}

/// `POST /api/v0/transfers/downloads/{username}`.
pub(super) async fn enqueue(
    State(state): State<Arc<SlskdState>>,
    Path(username): Path<String>,
    AspNetJson(files): AspNetJson<Vec<EnqueueFile>>,
) -> Result<(StatusCode, Json<EnqueueResult>), SlskdError> {
    let _in_flight = BusyGuard::acquire(&state.enqueue_busy)?;
    if files.is_empty() {
        return Err(SlskdError::BadRequest(
            "at least one file is required".to_owned(),
        ));
    }
    let shared = &state.shared;
    let peer = shared
        .catalog()
        .peer(&username)
        .filter(|peer| !shared.faults.peer_offline(&peer.username, peer.offline))
        .ok_or_else(|| SlskdError::UserOffline(username.clone()))?;
    let mut result = EnqueueResult {
        enqueued: Vec::new(),
        failed: Vec::new(),
    };
    for file in files {
        if state.transfers().is_active(&username, &file.filename) {
            result.failed.push(FailedFile {
                filename: file.filename,
                size: file.size,
                message: "a transfer of this file is already in progress".to_owned(),
            });
            continue;
        }
        result.enqueued.push(start_transfer(&state, peer, file));
    }
    Ok((StatusCode::CREATED, Json(result)))
}

fn start_transfer(state: &Arc<SlskdState>, peer: &Peer, file: EnqueueFile) -> TransferJson {
    let shared = &state.shared;
    let shared_file = peer
        .files
        .iter()
        .find(|shared| shared.filename == file.filename);
    let audio = shared_file.map(|shared_file| shared.audio_request(shared_file));
    let size = shared_file.map_or(file.size.unwrap_or(0), |shared_file| {
        shared.file_size(shared_file)
    });
    let catalog_fault = shared_file.and_then(|shared_file| shared_file.fault);
    let id = Uuid::new_v4();
    let (cancel, cancelled) = watch::channel(false);
    let mut transfers = state.transfers();
    let attempt = transfers.next_attempt(&peer.username, &file.filename);
    let record = TransferRecord {
        id,
        username: peer.username.clone(),
        filename: file.filename.clone(),
        size,
        state: "Requested",
        requested_at: OffsetDateTime::now_utc(),
        enqueued_at: None,
        started_at: None,
        ended_at: None,
        bytes_transferred: 0,
        place_in_queue: None,
        exception: None,
        attempts: attempt,
        cancel,
    };
    let view = record.json();
    transfers.insert(record);
    drop(transfers);
    let plan = TransferPlan {
        id,
        audio,
        locked: shared_file.is_some_and(|shared_file| shared_file.locked),
        fault: shared.faults.transfer_fault(&file.filename, catalog_fault),
        attempt,
        queue_length: peer.queue_length,
        size,
        destination: paths::destination(&shared.config.downloads_dir, &file.filename),
    };
    tracing::info!(transfer_id = %id, username = %peer.username, filename = %file.filename, attempt, "download enqueued");
    tokio::spawn(transfer_worker::run(Arc::clone(state), plan, cancelled));
    view
}

/// `GET /api/v0/transfers/downloads`.
pub(super) async fn list_all(State(state): State<Arc<SlskdState>>) -> Json<Vec<UserTransfers>> {
    Json(state.transfers().grouped(None))
}

/// `GET /api/v0/transfers/downloads/{username}`.
pub(super) async fn list_user(
    State(state): State<Arc<SlskdState>>,
    Path(username): Path<String>,
) -> Result<Json<UserTransfers>, SlskdError> {
    state
        .transfers()
        .grouped(Some(&username))
        .into_iter()
        .next()
        .map(Json)
        .ok_or(SlskdError::NotFound)
}

/// `GET /api/v0/transfers/downloads/{username}/{id}`.
pub(super) async fn get_one(
    State(state): State<Arc<SlskdState>>,
    Path((username, id)): Path<(String, Uuid)>,
) -> Result<Json<TransferJson>, SlskdError> {
    state
        .transfers()
        .get(&username, id)
        .map(|record| Json(record.json()))
        .ok_or(SlskdError::NotFound)
}

/// `DELETE /api/v0/transfers/downloads/{username}/{id}?remove=` → 204: cancels an
/// unfinished transfer and, with `remove=true`, forgets it.
pub(super) async fn cancel(
    State(state): State<Arc<SlskdState>>,
    Path((username, id)): Path<(String, Uuid)>,
    query: QueryValues,
) -> Result<StatusCode, SlskdError> {
    let remove = query.bool("remove")?.unwrap_or(false);
    let mut transfers = state.transfers();
    if transfers.get(&username, id).is_none() {
        return Err(SlskdError::NotFound);
    }
    transfers.update(id, |record| {
        if !record.is_complete() {
            record.finish(
                "Completed, Cancelled",
                Some("Transfer cancelled".to_owned()),
            );
        }
        let _ = record.cancel.send(true);
    });
    if remove {
        transfers.remove(id);
    }
    tracing::info!(transfer_id = %id, username, "download cancelled");
    Ok(StatusCode::NO_CONTENT)
}
