//! MusicBrainz web service v2: queries, the JSON it answers, and a polite client
//! (1 request/s, User-Agent, retries on 503, cached look-ups).

mod client;
pub mod model;
pub mod query;

pub use client::{MusicBrainzClient, MusicBrainzError, user_agent};
pub use model::{Recording, Release};
