//! Search endpoints: create (429 while another POST is in flight), read, list, delete.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use uuid::Uuid;

use super::search_store::{SearchJson, SearchRequest, SearchResponse, find_answers};
use super::{BusyGuard, SlskdError, SlskdState};
use crate::lenient::{AspNetJson, QueryValues};

/// `POST /api/v0/searches`.
pub(super) async fn create(
    State(state): State<Arc<SlskdState>>,
    AspNetJson(request): AspNetJson<SearchRequest>,
) -> Result<Json<SearchJson>, SlskdError> {
    let _in_flight = BusyGuard::acquire(&state.search_post_busy)?;
    let text = request
        .search_text
        .clone()
        .filter(|text| !text.trim().is_empty())
        .ok_or_else(|| SlskdError::BadRequest("SearchText is required".to_owned()))?;
    let id = request.id.unwrap_or_else(Uuid::new_v4);
    if state.searches().contains(id) {
        return Err(SlskdError::Conflict(format!(
            "a search with id {id} already exists"
        )));
    }
    tokio::time::sleep(state.shared.config.timing.search_post_delay).await;
    state.shared.observed.record_search(&text);
    let token = state.searches().next_token();
    let answers = find_answers(&state.shared, &text, &request, token);
    let view = state
        .searches()
        .start(&state.shared, id, &text, &request, answers);
    tracing::info!(search_id = %id, text, "search started");
    Ok(Json(view))
}

/// `GET /api/v0/searches`.
pub(super) async fn list(State(state): State<Arc<SlskdState>>) -> Json<Vec<SearchJson>> {
    Json(state.searches().list())
}

/// `GET /api/v0/searches/{id}?includeResponses=`.
pub(super) async fn get_one(
    State(state): State<Arc<SlskdState>>,
    Path(id): Path<Uuid>,
    query: QueryValues,
) -> Result<Json<SearchJson>, SlskdError> {
    let include = query.bool("includeResponses")?.unwrap_or(false);
    state
        .searches()
        .view(id, include)
        .map(Json)
        .ok_or(SlskdError::NotFound)
}

/// `GET /api/v0/searches/{id}/responses`.
pub(super) async fn responses(
    State(state): State<Arc<SlskdState>>,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<SearchResponse>>, SlskdError> {
    let view = state
        .searches()
        .view(id, true)
        .ok_or(SlskdError::NotFound)?;
    Ok(Json(view.responses))
}

/// `DELETE /api/v0/searches/{id}` → 204.
pub(super) async fn remove(
    State(state): State<Arc<SlskdState>>,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, SlskdError> {
    if state.searches().remove(id) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(SlskdError::NotFound)
    }
}
