//! `contracts-check [--base REF]`: fails when `contracts/` changed since the merge base of HEAD
//! and REF in a way its version bumps do not allow. Exit 0: pass, 1: problems, 2: cannot check.

use std::process::ExitCode;

use soulspot_contracts_check::{Outcome, check};

const USAGE: &str = "usage: contracts-check [--base REF]";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let base = match (args.next().as_deref(), args.next(), args.next()) {
        (None, _, _) => None,
        (Some("--base"), Some(base), None) => Some(base),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let outcome = match std::env::current_dir()
        .map_err(|error| error.to_string())
        .and_then(|folder| check(&folder, base.as_deref()).map_err(|error| error.to_string()))
    {
        Ok(outcome) => outcome,
        Err(error) => {
            eprintln!("contracts-check: {error}");
            return ExitCode::from(2);
        }
    };
    match &outcome {
        Outcome::NoEarlierCommit => println!("no earlier commit to compare contracts/ with: pass"),
        Outcome::Compared { baseline, report } => {
            let short = baseline.commit.get(..12).unwrap_or(&baseline.commit);
            println!("comparing contracts/ with {short} ({})", baseline.chosen_as);
            print!("{report}");
        }
    }
    if outcome.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
