//! `POST /api/downloads`, `GET /api/jobs`, `GET /api/jobs/{id}`: jobs over HTTP.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use soulspot_contracts::TrackRef;

use super::{ApiError, ApiState, parse_json_body};
use crate::pipeline::{Job, JobRequest, JobState};

const MAX_QUERY_CHARS: usize = 500;
const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: usize = 500;

/// The body of `POST /api/downloads`: exactly one of `track` or `query`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DownloadRequest {
    track: Option<Value>,
    query: Option<String>,
}

pub(super) async fn create_download(
    State(state): State<ApiState>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let request: DownloadRequest = parse_json_body(body, state.settings.max_body_bytes)?;
    let job_request = match (request.track, request.query) {
        (Some(track), None) => JobRequest {
            track: Some(parse_track(track)?),
            query: None,
            source: "api".to_owned(),
            source_ref: None,
        },
        (None, Some(query)) => JobRequest {
            track: None,
            query: Some(validate_query(&query)?),
            source: "api".to_owned(),
            source_ref: None,
        },
        _ => {
            return Err(ApiError::InvalidRequest(
                "give exactly one of `track` or `query`".to_owned(),
            ));
        }
    };
    let job = state
        .pipeline
        .submit(job_request)
        .await
        .map_err(ApiError::jobs)?;
    let body = json!({"job_id": job.id, "state": job.state, "links": {"job": format!("/api/jobs/{}", job.id)}});
    Ok((StatusCode::ACCEPTED, Json(body)))
}

/// A track is checked against the same contract `download.track` enforces.
fn parse_track(track: Value) -> Result<TrackRef, ApiError> {
    let contracts = soulspot_contracts::contracts()
        .map_err(|error| ApiError::InvalidRequest(error.to_string()))?;
    contracts
        .validate_request(
            soulspot_contracts::operations::DOWNLOAD_TRACK,
            &json!({"track": track}),
        )
        .map_err(|violation| ApiError::InvalidRequest(violation.to_string()))?;
    serde_json::from_value(track)
        .map_err(|error| ApiError::InvalidRequest(format!("invalid track: {error}")))
}

pub(super) fn validate_query(query: &str) -> Result<String, ApiError> {
    let query = query.trim();
    if query.is_empty() {
        return Err(ApiError::InvalidRequest(
            "`query` must not be empty".to_owned(),
        ));
    }
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::InvalidRequest(format!(
            "`query` must be at most {MAX_QUERY_CHARS} characters"
        )));
    }
    Ok(query.to_owned())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct JobsQuery {
    state: Option<JobState>,
    after: Option<String>,
    limit: Option<usize>,
}

pub(super) async fn list_jobs(
    State(state): State<ApiState>,
    query: Result<Query<JobsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let query = super::query_params(query)?;
    let limit = query.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    let jobs = state
        .pipeline
        .jobs(query.state, query.after.as_deref(), limit)
        .await
        .map_err(ApiError::jobs)?;
    let next = (jobs.len() == limit)
        .then(|| jobs.last().map(|job| job.id.clone()))
        .flatten();
    Ok(Json(json!({"jobs": jobs, "next_after": next})))
}

pub(super) async fn get_job(
    State(state): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Json<Job>, ApiError> {
    state
        .pipeline
        .job(super::store_key(&id)?)
        .await
        .map_err(ApiError::jobs)?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no job `{id}`")))
}
