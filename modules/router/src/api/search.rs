//! `GET /api/search?q=&limit=`: the `search.track` route, best provider first.

use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use serde_json::json;
use soulspot_bus::MessageContext;
use soulspot_contracts::operations::SEARCH_TRACK;
use soulspot_contracts::payloads::SearchTrackReply;

use super::doc::RouteFailures;
use super::jobs::validate_query;
use super::{ApiError, ApiState, ErrorBody};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct SearchQuery {
    /// Free text, 1 to 500 characters.
    #[param(min_length = 1, max_length = 500, pattern = r"\S")]
    q: String,
    /// Results wanted, clamped to 1..=50; 10 when absent. Any `u32` is accepted, so the
    /// document says so (utoipa's `int32` format would tell clients 2^31 is too many).
    #[param(value_type = Option<u64>, minimum = 0, maximum = 4_294_967_295_u64)]
    limit: Option<u32>,
}

/// Searches through the best live `search.track` provider.
#[utoipa::path(
    get,
    path = "/api/search",
    tag = "search",
    params(SearchQuery),
    responses(
        (status = 200, description = "The tracks found, best match first", body = SearchTrackReply),
        (status = 400, description = "`invalid_request` or `rejected_by_module`", body = ErrorBody),
        RouteFailures,
    ),
)]
pub(super) async fn search(
    State(state): State<ApiState>,
    query: Result<Query<SearchQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<SearchTrackReply>, ApiError> {
    let query = super::query_params(query)?;
    let text = validate_query(&query.q)?;
    let params = json!({"query": text, "limit": query.limit.unwrap_or(10).clamp(1, 50)});
    let reply = state
        .router
        .route(SEARCH_TRACK, &params, &MessageContext::new_root(None))
        .await?;
    // Typed, so the answer has the shape the document promises whatever a provider sends.
    serde_json::from_value(reply)
        .map(Json)
        .map_err(|error| ApiError::Upstream(format!("search reply not understood: {error}")))
}
