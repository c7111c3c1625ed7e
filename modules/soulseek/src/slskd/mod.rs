//! The slskd REST API: a typed client, its JSON shapes, and the transfer state flags.

mod client;
mod model;
mod state;

pub use client::{SlskdClient, SlskdError};
pub use model::{
    Application, EnqueueFile, EnqueueResult, Search, SearchRequest, SearchResponse, ServerState,
    SharedFile, Transfer,
};
pub use state::TransferState;
