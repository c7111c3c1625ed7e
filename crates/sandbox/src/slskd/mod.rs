//! slskd emulator (`/health`, `/api/v0/...`): application state, searches over the
//! catalog's peers, and downloads that really write audio files.

mod application;
mod error;
mod paths;
mod search;
mod search_store;
mod transfer_store;
mod transfer_worker;
mod transfers;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};

use crate::lenient::{PathRules, Routes};
use crate::state::Shared;
use error::SlskdError;
use search_store::SearchStore;
use transfer_store::TransferStore;

/// slskd emulator state.
#[derive(Debug)]
pub(crate) struct SlskdState {
    shared: Arc<Shared>,
    searches: Mutex<SearchStore>,
    transfers: Mutex<TransferStore>,
    search_post_busy: AtomicBool,
    enqueue_busy: AtomicBool,
}

impl SlskdState {
    fn searches(&self) -> MutexGuard<'_, SearchStore> {
        self.searches.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn transfers(&self) -> MutexGuard<'_, TransferStore> {
        self.transfers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Marks an operation in flight; a second one meanwhile is refused with 429, as slskd does.
struct BusyGuard<'a>(&'a AtomicBool);

impl<'a> BusyGuard<'a> {
    fn acquire(flag: &'a AtomicBool) -> Result<Self, SlskdError> {
        flag.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .map(|_| Self(flag))
            .map_err(|_| SlskdError::TooManyRequests)
    }
}

impl Drop for BusyGuard<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// All slskd routes; everything under `/api/v0` needs the API key. Paths match as
/// ASP.NET Core matches them: in any case, with or without a trailing slash.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let state = Arc::new(SlskdState {
        shared,
        searches: Mutex::new(SearchStore::default()),
        transfers: Mutex::new(TransferStore::default()),
        search_post_busy: AtomicBool::new(false),
        enqueue_busy: AtomicBool::new(false),
    });
    let api = Routes::new()
        .route("/application", get(application::application))
        .route("/searches", post(search::create).get(search::list))
        .route(
            "/searches/{id}",
            get(search::get_one).delete(search::remove),
        )
        .route("/searches/{id}/responses", get(search::responses))
        .route("/transfers/downloads", get(transfers::list_all))
        .route(
            "/transfers/downloads/{username}",
            post(transfers::enqueue).get(transfers::list_user),
        )
        .route(
            "/transfers/downloads/{username}/{id}",
            get(transfers::get_one).delete(transfers::cancel),
        )
        .map_router(|api| {
            api.layer(axum::middleware::from_fn_with_state(
                Arc::clone(&state),
                require_api_key,
            ))
        });
    Routes::new()
        .route("/health", get(application::health))
        .nest("/api/v0", api)
        .with_state(state)
        .into_router(PathRules::ASP_NET)
}

async fn require_api_key(
    State(state): State<Arc<SlskdState>>,
    request: Request,
    next: Next,
) -> Result<Response, SlskdError> {
    let presented = request
        .headers()
        .get("x-api-key")
        .and_then(|value| value.to_str().ok());
    if presented != Some(state.shared.config.slskd_api_key.as_str()) {
        return Err(SlskdError::Unauthorized);
    }
    Ok(next.run(request).await)
}
