//! The command line as clap reads it: global connection flags and one subcommand.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0  done: the track is in the library, the playlist is complete, the listing is printed
  1  a job failed (the failed step and its reason are printed), or a playlist track did
  2  the command line or the configuration is wrong
  3  the router cannot be reached
  4  the router refused the API key
  5  the router refused the request or failed to answer it (e.g. no such job)
  130  interrupted (Ctrl-C) while following: the jobs go on in the router

Connection: --url, else SOULSPOT_URL, else `url` in the config file, else
http://127.0.0.1:8080; the same for --api-key, SOULSPOT_API_KEY and `api_key`. The config
file is --config, else $XDG_CONFIG_HOME/soulspot/cli.toml (~/.config/soulspot/cli.toml).";

/// Downloads tracks and playlists into the SoulSpot library through the router, and follows
/// them live.
#[derive(Debug, Parser)]
#[command(name = "soulspot", version, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(flatten)]
    pub connection: ConnectionFlags,
    /// Print machine-readable JSON on stdout (the final job, the job list, the status)
    /// and no progress.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// Where the router is and how to get in; each falls back to the environment, then the
/// config file.
#[derive(Debug, Clone, Default, Args)]
pub struct ConnectionFlags {
    /// The router's base URL [env: SOULSPOT_URL] [default: http://127.0.0.1:8080]
    #[arg(long, global = true, value_name = "URL")]
    pub url: Option<String>,
    /// The router's API key [env: SOULSPOT_API_KEY]
    #[arg(long, global = true, value_name = "KEY")]
    pub api_key: Option<String>,
    /// The config file (TOML with `url` and `api_key`)
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Download one track and follow it until it is in the library; prints its path.
    Get(GetArgs),
    /// Download every track of a Spotify playlist the library lacks, and follow them.
    Sync(SyncArgs),
    /// The modules, their status and their capabilities.
    Status,
    /// The jobs, oldest first.
    Jobs(JobsArgs),
    /// Run a failed job again and follow it.
    Retry(RetryArgs),
}

#[derive(Debug, Args)]
pub struct GetArgs {
    /// What to look for, e.g. "aurora lane glass harbour" (words are joined by spaces).
    #[arg(required_unless_present = "spotify", conflicts_with = "spotify")]
    pub query: Vec<String>,
    /// A Spotify track: https://open.spotify.com/track/<id>, spotify:track:<id> or the id.
    #[arg(long, value_name = "URL")]
    pub spotify: Option<String>,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// A Spotify playlist id, spotify:playlist:<id> or https://open.spotify.com/playlist/<id>.
    pub playlist: String,
}

#[derive(Debug, Args)]
pub struct JobsArgs {
    /// Only jobs in this state.
    #[arg(long, value_enum)]
    pub state: Option<JobStateArg>,
    /// At most this many jobs.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

#[derive(Debug, Args)]
pub struct RetryArgs {
    /// The failed job's id.
    pub job: String,
}

/// The states a job can be listed by, as the router names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum JobStateArg {
    Queued,
    Resolving,
    Downloading,
    Processing,
    Completed,
    Failed,
}

impl JobStateArg {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStateArg::Queued => "queued",
            JobStateArg::Resolving => "resolving",
            JobStateArg::Downloading => "downloading",
            JobStateArg::Processing => "processing",
            JobStateArg::Completed => "completed",
            JobStateArg::Failed => "failed",
        }
    }
}
