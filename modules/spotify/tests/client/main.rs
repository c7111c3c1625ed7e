//! The Spotify client against wiremock: tokens, retries, rate limits, failures, paging.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod helpers;
mod playlists;
mod resilience;
mod tokens;
mod tracks;
