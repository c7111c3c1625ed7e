//! Why a download, or one attempt of it, failed.

use std::path::PathBuf;
use std::time::Duration;

use soulspot_contracts::ErrorKind;

use crate::paths::UnsafePath;
use crate::peers::Outcome;
use crate::slskd::SlskdError;

/// Why one candidate did not give the file.
#[derive(Debug, thiserror::Error)]
pub enum AttemptError {
    #[error(transparent)]
    UnsafePath(UnsafePath),
    #[error("enqueue at {username} failed: {source}")]
    Enqueue {
        username: String,
        #[source]
        source: SlskdError,
    },
    #[error("slskd did not enqueue the file: {reason}")]
    NotEnqueued { reason: String },
    #[error("transfer ended {state}{}", exception.as_deref().map(|e| format!(" ({e})")).unwrap_or_default())]
    TransferFailed {
        state: String,
        exception: Option<String>,
    },
    #[error("transfer made no progress for {after:?} and was cancelled")]
    Stalled { after: Duration },
    #[error(
        "transfer averaged {bytes_per_sec} B/s over {window:?}, below the minimum of {minimum} B/s, and was cancelled"
    )]
    TooSlow {
        bytes_per_sec: u64,
        window: Duration,
        minimum: u64,
    },
    #[error("transfer was not finished {after:?} after it was enqueued and was cancelled")]
    DeadlineExceeded { after: Duration },
    #[error("transfer disappeared from slskd")]
    Vanished,
    #[error("watching the transfer failed: {0}")]
    Watch(#[source] SlskdError),
    #[error("finished file not found at {}", path.display())]
    FileMissing { path: PathBuf },
    #[error("finished file at {} has {actual} bytes, expected {expected}", path.display())]
    SizeMismatch {
        path: PathBuf,
        actual: u64,
        expected: u64,
    },
    #[error("finished file at {} is unreadable: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl AttemptError {
    /// What kind of failure this is. A peer too slow, stalled or past the deadline is a
    /// timeout: worth trying again, at another peer.
    pub fn kind(&self) -> ErrorKind {
        match self {
            AttemptError::UnsafePath(_) => ErrorKind::BadInput,
            AttemptError::Enqueue { source, .. } | AttemptError::Watch(source) => source.kind(),
            AttemptError::Stalled { .. }
            | AttemptError::TooSlow { .. }
            | AttemptError::DeadlineExceeded { .. } => ErrorKind::Timeout,
            AttemptError::NotEnqueued { .. }
            | AttemptError::TransferFailed { .. }
            | AttemptError::Vanished
            | AttemptError::FileMissing { .. }
            | AttemptError::SizeMismatch { .. } => ErrorKind::Unavailable,
            AttemptError::Unreadable { .. } => ErrorKind::Internal,
        }
    }

    /// How the peer's record counts this failure; `None` when the peer is not to blame
    /// (slskd itself failed, or the file could not be read here).
    pub fn peer_outcome(&self) -> Option<Outcome> {
        match self {
            AttemptError::Stalled { .. }
            | AttemptError::TooSlow { .. }
            | AttemptError::DeadlineExceeded { .. } => Some(Outcome::Stalled),
            AttemptError::UnsafePath(_)
            | AttemptError::NotEnqueued { .. }
            | AttemptError::TransferFailed { .. }
            | AttemptError::FileMissing { .. }
            | AttemptError::SizeMismatch { .. } => Some(Outcome::Failed),
            AttemptError::Enqueue { source, .. } => match source {
                // A user who is offline or refuses answers 500 (or another status).
                SlskdError::Status { .. } | SlskdError::NotFound { .. } => Some(Outcome::Failed),
                _ => None,
            },
            AttemptError::Watch(_) | AttemptError::Vanished | AttemptError::Unreadable { .. } => {
                None
            }
        }
    }

    /// A refusal by slskd itself (a bad api key) that no other candidate can get past.
    pub fn slskd_refusal(&self) -> Option<SlskdError> {
        match self {
            AttemptError::Enqueue {
                source: SlskdError::Unauthorized { status },
                ..
            }
            | AttemptError::Watch(SlskdError::Unauthorized { status }) => {
                Some(SlskdError::Unauthorized { status: *status })
            }
            _ => None,
        }
    }
}

/// Why a download gave up; the message goes into `download.failed`.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("search failed: {0}")]
    Search(#[source] SlskdError),
    #[error("no acceptable file among {responses} search responses{}", ignored_note(*ignored))]
    NoCandidates { responses: usize, ignored: usize },
    #[error("{attempts} attempts failed; the last: {last}")]
    Exhausted { attempts: u32, last: AttemptError },
    #[error("slskd refused the download: {source}")]
    Refused {
        attempts: u32,
        #[source]
        source: SlskdError,
    },
}

fn ignored_note(ignored: usize) -> String {
    match ignored {
        0 => String::new(),
        n => format!(" ({n} from peers ignored after repeated failures)"),
    }
}

impl DownloadError {
    /// What kind of failure this is, by its cause (the last attempt's, when all failed).
    pub fn kind(&self) -> ErrorKind {
        match self {
            DownloadError::Search(source) | DownloadError::Refused { source, .. } => source.kind(),
            DownloadError::NoCandidates { .. } => ErrorKind::NotFound,
            DownloadError::Exhausted { last, .. } => last.kind(),
        }
    }

    /// Candidates tried before giving up.
    pub fn attempts(&self) -> u32 {
        match self {
            DownloadError::Search(_) | DownloadError::NoCandidates { .. } => 0,
            DownloadError::Exhausted { attempts, .. } | DownloadError::Refused { attempts, .. } => {
                *attempts
            }
        }
    }

    /// Whether trying again later may succeed: peers come and go, but a wrong api key or a
    /// broken slskd answer needs someone to fix it.
    pub fn can_retry(&self) -> bool {
        match self {
            DownloadError::Search(source) | DownloadError::Refused { source, .. } => {
                source.kind().is_transient()
            }
            DownloadError::NoCandidates { .. } | DownloadError::Exhausted { .. } => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_api_key_is_not_worth_retrying_but_missing_peers_are() {
        let refused = DownloadError::Search(SlskdError::Unauthorized { status: 401 });
        assert!(!refused.can_retry());
        let down = DownloadError::Search(SlskdError::Unreachable {
            url: "http://slskd".to_owned(),
            message: "connection refused".to_owned(),
        });
        assert!(down.can_retry());
        assert!(
            DownloadError::NoCandidates {
                responses: 3,
                ignored: 0
            }
            .can_retry()
        );
    }

    #[test]
    fn a_peer_too_slow_or_too_late_is_a_timeout_counted_as_a_stall() {
        let slow = AttemptError::TooSlow {
            bytes_per_sec: 160,
            window: Duration::from_secs(60),
            minimum: 16_384,
        };
        let late = AttemptError::DeadlineExceeded {
            after: Duration::from_secs(1_800),
        };
        for error in [&slow, &late] {
            assert_eq!(error.kind(), ErrorKind::Timeout);
            assert!(error.kind().is_transient());
            assert_eq!(error.peer_outcome(), Some(Outcome::Stalled));
        }
        assert!(slow.to_string().contains("160 B/s"), "{slow}");
        let exhausted = DownloadError::Exhausted {
            attempts: 1,
            last: late,
        };
        assert_eq!(exhausted.kind(), ErrorKind::Timeout);
        assert!(exhausted.can_retry());
    }

    #[test]
    fn a_failed_transfer_names_its_state_and_reason() {
        let error = AttemptError::TransferFailed {
            state: "Rejected".to_owned(),
            exception: Some("Too many files".to_owned()),
        };
        assert_eq!(
            error.to_string(),
            "transfer ended Rejected (Too many files)"
        );
        let exhausted = DownloadError::Exhausted {
            attempts: 3,
            last: error,
        };
        assert_eq!(exhausted.attempts(), 3);
        assert!(exhausted.to_string().contains("3 attempts failed"));
    }
}
