//! `GET /api/events?type=&limit=`: the most recent events from the store.

use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use soulspot_contracts::EventEnvelope;

use super::{ApiError, ApiState, ErrorBody};

const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 1_000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct EventsQuery {
    /// Only events of this type (one of `contracts/events/`); empty means all.
    #[serde(rename = "type")]
    event_type: Option<String>,
    /// How many, newest last; 50 when absent.
    #[param(maximum = 1000)]
    limit: Option<usize>,
}

/// The most recent events, oldest first.
#[utoipa::path(
    get,
    path = "/api/events",
    tag = "events",
    params(EventsQuery),
    responses(
        (status = 200, description = "The events, oldest first", body = Vec<EventEnvelope>),
        (status = 400, description = "`invalid_request`: a parameter is malformed or `limit` is too large", body = ErrorBody),
        (status = 404, description = "`not_found`: no contract defines this event type", body = ErrorBody),
        (status = 503, description = "`event_store_unavailable`", body = ErrorBody),
    ),
)]
pub(super) async fn recent_events(
    State(state): State<ApiState>,
    query: Result<Query<EventsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<EventEnvelope>>, ApiError> {
    let query = super::query_params(query)?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if limit > MAX_LIMIT {
        return Err(ApiError::InvalidRequest(format!(
            "limit must be at most {MAX_LIMIT}"
        )));
    }
    let event_type = query.event_type.filter(|event_type| !event_type.is_empty());
    if let Some(event_type) = &event_type {
        let known = soulspot_contracts::contracts()
            .map(|contracts| contracts.event(event_type).is_ok())
            .unwrap_or(false);
        if !known {
            return Err(ApiError::NotFound(format!(
                "unknown event type `{event_type}`"
            )));
        }
    }
    let events = state
        .events
        .recent_events(event_type.as_deref(), limit)
        .await
        .map_err(|error| ApiError::EventStore(error.to_string()))?;
    Ok(Json(events))
}
