//! The HTTP clients against wiremock (every edge case) and the sandbox (its etiquette rules).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod coverart;
mod enricher;
mod helpers;
mod musicbrainz;
