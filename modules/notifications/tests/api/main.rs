//! Black-box tests of the notifications module: channels against wiremock, settings from
//! files, and `notify.track_ready` called through a real nats-server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod capability;
mod channels;
mod delivery_log;
mod failures;
mod helpers;
mod settings;
