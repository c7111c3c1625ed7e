//! Small mechanisms that every SoulSpot crate shares and that need neither NATS nor HTTP:
//! how to back off and retry, how to read `Retry-After`, how to fold text for matching, and
//! how to tell that a path stays inside a folder, how to keep secrets out of logs. Each exists
//! once, here.

pub mod paths;
pub mod redact;
pub mod retry;
pub mod retry_after;
pub mod secret;
pub mod text;

pub use redact::redact_userinfo;
pub use retry::{Backoff, RetryPolicy, Verdict};
pub use retry_after::parse_retry_after;
pub use secret::Secret;
