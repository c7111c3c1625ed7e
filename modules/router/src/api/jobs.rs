//! `POST /api/downloads`, `GET /api/jobs`, `GET /api/jobs/{id}`,
//! `POST /api/jobs/{id}/retry`: jobs over HTTP.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use soulspot_contracts::TrackRef;

use super::{ApiError, ApiState, ErrorBody, JsonBody};
use crate::pipeline::{Job, JobRequest, JobState, RetryError};

const MAX_QUERY_CHARS: usize = 500;
const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: usize = 500;

/// The body of `POST /api/downloads`: exactly one of `track` or `query`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct DownloadRequest {
    /// The track, in the strict shape of `download.track`'s contract (the document shows
    /// the contract's own schema here).
    #[schema(value_type = Option<Object>)]
    track: Option<Value>,
    /// Free text to resolve into a track, 1 to 500 characters.
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    query: Option<String>,
}

/// The answer to `POST /api/downloads`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct DownloadAccepted {
    job_id: String,
    state: JobState,
    links: JobLinks,
}

/// Where to follow a job.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct JobLinks {
    /// `/api/jobs/{id}`.
    job: String,
}

/// Queues a job that downloads a track into the library.
#[utoipa::path(
    post,
    path = "/api/downloads",
    tag = "jobs",
    request_body(content = DownloadRequest, description = "Exactly one of `track` or `query`"),
    responses(
        (status = 202, description = "The job is queued", body = DownloadAccepted),
        (status = 503, description = "`job_store_unavailable`", body = ErrorBody),
    ),
)]
pub(super) async fn create_download(
    State(state): State<ApiState>,
    body: JsonBody,
) -> Result<(StatusCode, Json<DownloadAccepted>), ApiError> {
    let request: DownloadRequest = body.parse()?;
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
    let body = DownloadAccepted {
        links: JobLinks {
            job: format!("/api/jobs/{}", job.id),
        },
        job_id: job.id,
        state: job.state,
    };
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
    soulspot_contracts::numbers::from_contract_value(track)
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

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct JobsQuery {
    /// Only jobs in this state.
    state: Option<JobState>,
    /// The `next_after` of the previous page.
    after: Option<String>,
    /// Page size, clamped to 1..=500; 50 when absent.
    limit: Option<usize>,
}

/// One page of jobs.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct JobPage {
    jobs: Vec<Job>,
    /// Pass as `after` for the next page; `null` on the last one.
    next_after: Option<String>,
}

/// Jobs, oldest first, a page at a time.
#[utoipa::path(
    get,
    path = "/api/jobs",
    tag = "jobs",
    params(JobsQuery),
    responses(
        (status = 200, description = "One page of jobs", body = JobPage),
        (status = 400, description = "`invalid_request`: a parameter is malformed", body = ErrorBody),
        (status = 503, description = "`job_store_unavailable`", body = ErrorBody),
    ),
)]
pub(super) async fn list_jobs(
    State(state): State<ApiState>,
    query: Result<Query<JobsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<JobPage>, ApiError> {
    let query = super::query_params(query)?;
    let limit = query.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    if let Some(after) = &query.after
        && super::store_key(after).is_err()
    {
        return Err(ApiError::InvalidRequest(format!(
            "`after` cannot name a job: `{after}`"
        )));
    }
    let jobs = state
        .pipeline
        .jobs(query.state, query.after.as_deref(), limit)
        .await
        .map_err(ApiError::jobs)?;
    let next = (jobs.len() == limit)
        .then(|| jobs.last().map(|job| job.id.clone()))
        .flatten();
    Ok(Json(JobPage {
        jobs,
        next_after: next,
    }))
}

/// One job with every step taken.
#[utoipa::path(
    get,
    path = "/api/jobs/{id}",
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id", pattern = r"^[A-Za-z0-9_=-]+(\.[A-Za-z0-9_=-]+)*$", max_length = 128)),
    responses(
        (status = 200, description = "The job", body = Job),
        (status = 404, description = "`not_found`: no such job", body = ErrorBody),
        (status = 503, description = "`job_store_unavailable`", body = ErrorBody),
    ),
)]
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

/// Runs a failed job again, from the step that failed; what succeeded is kept.
#[utoipa::path(
    post,
    path = "/api/jobs/{id}/retry",
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id", pattern = r"^[A-Za-z0-9_=-]+(\.[A-Za-z0-9_=-]+)*$", max_length = 128)),
    responses(
        (status = 202, description = "The job is queued again; `retries` counts the retries", body = Job),
        (status = 404, description = "`not_found`: no such job", body = ErrorBody),
        (status = 409, description = "`not_failed`: the job has not failed (it is running, completed, or already retried)", body = ErrorBody),
        (status = 503, description = "`job_store_unavailable`", body = ErrorBody),
    ),
)]
pub(super) async fn retry_job(
    State(state): State<ApiState>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Job>), ApiError> {
    match state.pipeline.retry(super::store_key(&id)?).await {
        Ok(Some(job)) => Ok((StatusCode::ACCEPTED, Json(job))),
        Ok(None) => Err(ApiError::NotFound(format!("no job `{id}`"))),
        Err(error @ RetryError::NotFailed(_)) => Err(ApiError::NotFailed(error.to_string())),
        Err(RetryError::Store(error)) => Err(ApiError::jobs(error)),
    }
}
