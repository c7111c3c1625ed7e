//! Small mechanisms that every SoulSpot crate shares and that need neither NATS nor HTTP:
//! how to back off and retry, how to read `Retry-After`, how to fold text for matching, and
//! how to tell that a path stays inside a folder. Each exists once, here.

pub mod paths;
pub mod retry;
pub mod retry_after;
pub mod text;

pub use retry::{Backoff, RetryPolicy, Verdict};
pub use retry_after::parse_retry_after;
