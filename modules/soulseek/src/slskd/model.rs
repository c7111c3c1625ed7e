//! slskd's JSON shapes, as far as this module reads them. slskd omits null fields, so every
//! attribute a peer may not report is optional.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `GET /api/v0/application`: the daemon and its Soulseek server connection.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    pub server: ServerState,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerState {
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub is_connected: bool,
    #[serde(default)]
    pub is_logged_in: bool,
}

/// `POST /api/v0/searches` body.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchRequest {
    pub id: Uuid,
    pub search_text: String,
    /// Milliseconds, handed to the network library as is.
    pub search_timeout: u64,
}

/// The `Search` object (without its responses).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Search {
    pub id: Uuid,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub is_complete: bool,
    #[serde(default)]
    pub response_count: u64,
}

/// One peer's answer to a search.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SearchResponse {
    pub username: String,
    #[serde(default)]
    pub files: Vec<SharedFile>,
    #[serde(default)]
    pub has_free_upload_slot: bool,
    #[serde(default)]
    pub queue_length: u64,
    #[serde(default)]
    pub upload_speed: u64,
}

/// A file a peer shares.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct SharedFile {
    /// The peer's full path, backslash separated.
    pub filename: String,
    #[serde(default)]
    pub size: u64,
    /// Often empty: the filename's suffix is then the format.
    #[serde(default)]
    pub extension: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bit_rate: Option<u32>,
    /// Seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u32>,
    #[serde(default)]
    pub is_locked: bool,
}

/// One element of the enqueue body.
#[derive(Debug, Clone, Serialize)]
pub struct EnqueueFile<'a> {
    pub filename: &'a str,
    pub size: u64,
}

/// `POST /api/v0/transfers/downloads/{username}` → 201.
#[derive(Debug, Clone, Deserialize)]
pub struct EnqueueResult {
    #[serde(default)]
    pub enqueued: Vec<Transfer>,
    #[serde(default)]
    pub failed: Vec<serde_json::Value>,
}

/// One download as slskd tracks it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Transfer {
    pub id: Uuid,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub filename: String,
    #[serde(default)]
    pub size: u64,
    pub state: String,
    #[serde(default)]
    pub bytes_transferred: u64,
    #[serde(default)]
    pub place_in_queue: Option<u64>,
    #[serde(default)]
    pub exception: Option<String>,
}
