//! What can go wrong, and the exit code each failure gives (listed in `--help`).

use std::process::ExitCode;

use crate::config::ConfigError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("job {job_id} failed at step `{step}`: {reason}")]
    JobFailed {
        job_id: String,
        step: String,
        reason: String,
    },
    #[error("{failed} of {total} tracks of the playlist did not reach the library")]
    PlaylistIncomplete { failed: usize, total: usize },
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Usage(String),
    #[error("cannot reach the router at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("the router refused the API key ({code}): {message}")]
    Refused { code: String, message: String },
    #[error("the router answered {status} `{code}`: {message}")]
    Api {
        status: u16,
        code: String,
        message: String,
    },
    #[error("the router's answer is not understood: {0}")]
    Reply(String),
    #[error("interrupted; {0} go on in the router (`soulspot jobs` lists them)")]
    Interrupted(String),
}

impl CliError {
    /// The process exit code for this failure.
    pub fn exit_code(&self) -> ExitCode {
        let code: u8 = match self {
            CliError::JobFailed { .. } | CliError::PlaylistIncomplete { .. } => 1,
            CliError::Config(_) | CliError::Usage(_) => 2,
            CliError::Unreachable { .. } => 3,
            CliError::Refused { .. } => 4,
            CliError::Api { .. } | CliError::Reply(_) => 5,
            CliError::Interrupted(_) => 130,
        };
        ExitCode::from(code)
    }

    /// Whether the router answered with this status.
    pub fn is_status(&self, wanted: u16) -> bool {
        matches!(self, CliError::Api { status, .. } if *status == wanted)
    }
}
