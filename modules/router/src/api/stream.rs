//! `GET /api/events/stream?job=&type=`: server-sent events of events as they are published,
//! of job updates, and of the modules status report whenever it changes; optionally only
//! those of one job (or one event type), which leaves the status out. At most `[api] max_streams` are open
//! at once; a stream whose client falls `[api] stream_buffer` messages behind ends with a
//! final `dropped` message, and every stream ends with `closed` when the router stops.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::{Stream, StreamExt};
use serde::Deserialize;
use serde_json::Value;

use hub::UpdateKind;

use super::{ApiError, ApiState, ErrorBody};

mod hub;

pub use hub::StreamHub;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct StreamQuery {
    /// Only this job's updates and events.
    #[param(pattern = r"^[A-Za-z0-9_=-]+(\.[A-Za-z0-9_=-]+)*$", max_length = 128)]
    job: Option<String>,
    /// Only events of this type (and no job updates).
    #[serde(rename = "type")]
    event_type: Option<String>,
}

/// Server-sent events: `event` messages carry an event envelope, `job` messages a job,
/// `status` messages the modules status report each time it changes.
#[utoipa::path(
    get,
    path = "/api/events/stream",
    tag = "events",
    params(StreamQuery),
    responses(
        (status = 200, description = "A stream; `event:` is `event` (data: an event envelope), `job` (data: a job) or `status` (data: the modules status report, each time it changes; only on streams without `job` or `type`); it ends with `dropped` when the client reads too slowly, or `closed` when the router stops", content_type = "text/event-stream", body = String),
        (status = 400, description = "`invalid_request`: a parameter is malformed", body = ErrorBody),
        (status = 404, description = "`not_found`: `job` cannot name a job", body = ErrorBody),
        (status = 503, description = "`too_many_streams`: `[api] max_streams` streams are open", body = ErrorBody),
    ),
)]
pub(super) async fn stream(
    State(state): State<ApiState>,
    query: Result<Query<StreamQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let query = super::query_params(query)?;
    if let Some(job) = &query.job {
        super::store_key(job)?;
    }
    let Some(slot) = state.streams.slot() else {
        return Err(ApiError::TooManyStreams);
    };
    let select = move |update: &hub::Update| {
        matches(
            &update.body,
            update.kind,
            query.job.as_deref(),
            query.event_type.as_deref(),
        )
        .then(|| {
            Event::default()
                .event(update.kind.as_str())
                .data(update.body.to_string())
        })
    };
    let events = state.streams.open(slot, select).map(Ok);
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// Whether a message belongs to the requested job and type.
fn matches(body: &Value, kind: UpdateKind, job: Option<&str>, event_type: Option<&str>) -> bool {
    let job_of = match kind {
        UpdateKind::Event => body["correlation_id"]
            .as_str()
            .or_else(|| body["data"]["job_id"].as_str()),
        UpdateKind::Job => body["id"].as_str(),
        UpdateKind::Status => None,
    };
    let job_ok = job.is_none_or(|job| job_of == Some(job));
    let type_ok =
        event_type.is_none_or(|wanted| kind == UpdateKind::Event && body["event_type"] == wanted);
    job_ok && type_ok
}
