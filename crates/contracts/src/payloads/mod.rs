//! Typed request, reply and event payloads, one struct per message of `contracts/`.
//!
//! Producers build these instead of JSON maps and consumers read them instead of indexing
//! into `serde_json::Value`; `tests/payloads.rs` checks every struct against its schema and
//! example, so the two cannot drift apart. Optional fields are `Option`s left out when `None`;
//! a struct denies unknown fields only where its schema has `additionalProperties: false`.

mod download;
mod enrich;
mod library;
mod module;
mod notify;
mod pipeline;
mod playlist;
mod search;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use download::{
    DownloadCompleted, DownloadCompletedForSource, DownloadFailed, DownloadProgress,
    DownloadStarted, DownloadTrackReply, DownloadTrackRequest,
};
pub use enrich::{EnrichMetadataReply, EnrichMetadataRequest, TrackMetadata};
pub use library::{
    ImportMetadata, ImportStatus, ImportTrackReply, ImportTrackRequest, LibraryContainsReply,
    LibraryContainsRequest, LibraryStatsReply, LibraryStatsRequest, PlaylistWriteReply,
    PlaylistWriteRequest,
};
pub use module::HealthRequest;
pub use notify::{ChannelResult, NotifyTrackReadyReply, NotifyTrackReadyRequest};
pub use pipeline::{PipelineCompleted, PipelineFailed};
pub use playlist::{PlaylistTracksReply, PlaylistTracksRequest};
pub use search::{SearchTrackReply, SearchTrackRequest};

/// The `data` of one event type: the struct names the contract it follows, so an event is
/// built from the payload alone (`EventEnvelope::of`).
pub trait EventPayload: Serialize + DeserializeOwned {
    /// The contract's `name`: `contracts/events/<EVENT_TYPE>.yaml`.
    const EVENT_TYPE: &'static str;
}

/// The request of one capability, tied to the operation it is sent to and the reply it gets.
pub trait CapabilityRequest: Serialize + DeserializeOwned {
    /// The contract's `name`: `contracts/capabilities/<OPERATION>.yaml`, also the tail of the
    /// endpoint's subject.
    const OPERATION: &'static str;
    /// What the capability answers.
    type Reply: Serialize + DeserializeOwned;
}
