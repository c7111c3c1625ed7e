//! `soulspot-probe [http://host:port/path] [timeout_ms]`: the health check of every image.
//! Without a URL it probes `$SOULSPOT_PROBE_URL`, which each image sets next to its bind address
//! (a `HEALTHCHECK` in exec form cannot expand variables itself). Exits 0 when the URL answers
//! 2xx within the timeout, 1 otherwise (the reason on stderr), 2 on bad usage.

use std::process::ExitCode;
use std::time::Duration;

/// The variable naming the URL when none is given.
const URL_VARIABLE: &str = "SOULSPOT_PROBE_URL";

/// Docker's own default health-check timeout is 30 s; an answer this late means trouble anyway.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);

const USAGE: &str = "usage: soulspot-probe [http://host:port/path] [timeout_ms] (the url defaults to $SOULSPOT_PROBE_URL)";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (url, timeout, None) = (args.next(), args.next(), args.next()) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let Some(url) = url.or_else(|| std::env::var(URL_VARIABLE).ok()) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let timeout = match timeout.map(|text| text.parse::<u64>()) {
        None => DEFAULT_TIMEOUT,
        Some(Ok(millis)) if millis > 0 => Duration::from_millis(millis),
        Some(_) => {
            eprintln!("soulspot-probe: the timeout must be a positive number of milliseconds");
            return ExitCode::from(2);
        }
    };
    match soulspot_probe::probe(&url, timeout) {
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("soulspot-probe: {url}: {error}");
            ExitCode::FAILURE
        }
    }
}
