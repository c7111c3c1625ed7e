//! `soulspot`: reads the command line, runs the command, exits with its code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = soulspot::Cli::parse();
    let environment = std::env::vars_os()
        .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
        .collect();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("soulspot: cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(soulspot::run(cli, &environment)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("soulspot: {error}");
            error.exit_code()
        }
    }
}
