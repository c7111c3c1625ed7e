//! `GET /api/events/stream?job=&type=`: server-sent events of events as they are published,
//! and of job updates, optionally only those of one job.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::{Stream, StreamExt};
use serde::Deserialize;
use serde_json::Value;
use soulspot_contracts::subjects::EVENTS_WILDCARD;

use super::{ApiError, ApiState, ErrorBody};
use crate::pipeline::{JOB_UPDATES_WILDCARD, job_updates_subject};

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

/// Server-sent events: `event` messages carry an event envelope, `job` messages a job.
#[utoipa::path(
    get,
    path = "/api/events/stream",
    tag = "events",
    params(StreamQuery),
    responses(
        (status = 200, description = "An endless stream; `event:` is `event` (data: an event envelope) or `job` (data: a job)", content_type = "text/event-stream", body = String),
        (status = 400, description = "`invalid_request`: a parameter is malformed", body = ErrorBody),
        (status = 404, description = "`not_found`: `job` cannot name a job", body = ErrorBody),
        (status = 503, description = "`event_store_unavailable`", body = ErrorBody),
    ),
)]
pub(super) async fn stream(
    State(state): State<ApiState>,
    query: Result<Query<StreamQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let query = super::query_params(query)?;
    let client = state.events.client().clone();
    let subscribe_error =
        |error: async_nats::SubscribeError| ApiError::EventStore(error.to_string());
    let events = client
        .subscribe(EVENTS_WILDCARD)
        .await
        .map_err(subscribe_error)?;
    // One job's updates have a subject of their own; events carry the job only inside.
    let updates_subject = match &query.job {
        Some(job) => job_updates_subject(super::store_key(job)?),
        None => JOB_UPDATES_WILDCARD.to_owned(),
    };
    let updates = client
        .subscribe(updates_subject)
        .await
        .map_err(subscribe_error)?;
    let messages = futures::stream::select(events, updates).filter_map(move |message| {
        let kind = if message.subject.starts_with("soulspot.events.") {
            "event"
        } else {
            "job"
        };
        let body: Option<Value> = serde_json::from_slice(&message.payload).ok();
        let selected = body.filter(|body| {
            matches(
                body,
                kind,
                query.job.as_deref(),
                query.event_type.as_deref(),
            )
        });
        futures::future::ready(
            selected.map(|body| Ok(Event::default().event(kind).data(body.to_string()))),
        )
    });
    Ok(Sse::new(messages).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// Whether a message belongs to the requested job and type.
fn matches(body: &Value, kind: &str, job: Option<&str>, event_type: Option<&str>) -> bool {
    let job_of = if kind == "event" {
        body["correlation_id"]
            .as_str()
            .or_else(|| body["data"]["job_id"].as_str())
    } else {
        body["id"].as_str()
    };
    let job_ok = job.is_none_or(|job| job_of == Some(job));
    let type_ok = event_type.is_none_or(|wanted| kind == "event" && body["event_type"] == wanted);
    job_ok && type_ok
}
