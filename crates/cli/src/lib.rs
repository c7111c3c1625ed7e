//! The SoulSpot command line: talks to the router's HTTP API, follows jobs over its live
//! stream, and shows them with progress bars on a terminal, as lines otherwise, or as JSON.

mod api;
mod args;
mod commands;
mod config;
mod display;
mod error;
mod follow;
mod job;
mod sse;

use std::collections::HashMap;

pub use args::{Cli, Command};
pub use error::CliError;

/// Runs one command line; `environment` is the process environment (passed in so that
/// tests need not change it).
pub async fn run(cli: Cli, environment: &HashMap<String, String>) -> Result<(), CliError> {
    let connection = config::resolve(&cli.connection, environment)?;
    let api = api::Api::new(&connection)?;
    let json = cli.json;
    match cli.command {
        Command::Get(args) => commands::get::run(&api, &args, json).await,
        Command::Sync(args) => commands::sync::run(&api, &args, json).await,
        Command::Status => commands::listing::status(&api, json).await,
        Command::Jobs(args) => commands::listing::jobs(&api, &args, json).await,
        Command::Retry(args) => commands::get::retry(&api, &args, json).await,
    }
}
