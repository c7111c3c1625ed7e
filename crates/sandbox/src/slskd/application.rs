//! `GET /health` and `GET /api/v0/application`.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::SlskdState;

/// The version the emulator claims to be.
const VERSION: &str = "0.26.0";

/// ASP.NET-style health check: plain `Healthy`.
pub(super) async fn health() -> &'static str {
    "Healthy"
}

/// Application state, including the Soulseek server connection.
pub(super) async fn application(State(state): State<Arc<SlskdState>>) -> Json<Value> {
    let disconnected = state.shared.faults.slskd_disconnected();
    let server_state = if disconnected {
        "Disconnected"
    } else {
        "Connected, LoggedIn"
    };
    Json(json!({
        "version": {
            "full": format!("{VERSION}.0"),
            "current": VERSION,
            "isCanary": false,
            "isDevelopment": false,
        },
        "pendingReconnect": false,
        "pendingRestart": false,
        "server": {
            "address": "vps.slsknet.org:2271",
            "state": server_state,
            "isConnected": !disconnected,
            "isLoggedIn": !disconnected,
            "isTransitioning": false,
        },
        "shares": { "ready": true, "scanning": false, "faulted": false, "directories": 0, "files": 0 },
        "rooms": [],
    }))
}
