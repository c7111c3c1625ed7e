//! `GET /api/search?q=&limit=`: the `search.track` route, best provider first.

use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use serde_json::{Value, json};
use soulspot_bus::MessageContext;
use soulspot_contracts::operations::SEARCH_TRACK;

use super::jobs::validate_query;
use super::{ApiError, ApiState};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SearchQuery {
    q: String,
    limit: Option<u32>,
}

pub(super) async fn search(
    State(state): State<ApiState>,
    query: Result<Query<SearchQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let query = super::query_params(query)?;
    let text = validate_query(&query.q)?;
    let params = json!({"query": text, "limit": query.limit.unwrap_or(10).clamp(1, 50)});
    let reply = state
        .router
        .route(SEARCH_TRACK, &params, &MessageContext::new_root(None))
        .await?;
    Ok(Json(reply))
}
