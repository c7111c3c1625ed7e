//! `soulspot get` and `soulspot retry`: one job, followed until it ends.

use crate::api::Api;
use crate::args::{GetArgs, RetryArgs};
use crate::display::{JobDisplay, Mode};
use crate::error::CliError;
use crate::follow::{Followed, follow};

/// Queues the download and follows it.
pub async fn run(api: &Api, args: &GetArgs, json: bool) -> Result<(), CliError> {
    let query = match &args.spotify {
        Some(link) => spotify_track(link)?,
        None => args.query.join(" "),
    };
    if query.trim().is_empty() {
        return Err(CliError::Usage("say what to look for".to_owned()));
    }
    let job_id = api.submit_query(&query).await?;
    follow_job(api, &job_id, json).await
}

/// Queues the failed job again and follows it.
pub async fn retry(api: &Api, args: &RetryArgs, json: bool) -> Result<(), CliError> {
    let job = api.retry(&args.job).await?;
    follow_job(api, job.id(), json).await
}

/// Follows one job; prints its library path (or with `--json` the job) on stdout.
async fn follow_job(api: &Api, job_id: &str, json: bool) -> Result<(), CliError> {
    let mode = Mode::detect(json);
    if mode != Mode::Quiet {
        eprintln!("job {job_id}");
    }
    let mut display = JobDisplay::new(mode);
    let ids = [job_id.to_owned()];
    let finished = tokio::select! {
        finished = follow(api, Followed::jobs(&ids), &mut display) => Some(finished),
        _ = tokio::signal::ctrl_c() => None,
    };
    display.finish();
    let finished = finished.ok_or_else(|| CliError::Interrupted(format!("job {job_id} will")))?;
    let job = finished?
        .pop()
        .ok_or_else(|| CliError::Reply(format!("job {job_id} was not reported")))?;
    if json {
        println!("{}", job.raw);
    }
    let path = job.outcome()?;
    if !json {
        println!("{path}");
    }
    Ok(())
}

/// A Spotify track link (`https://open.spotify.com[/intl-xx]/track/<id>[?si=…]`,
/// `spotify:track:<id>` or the bare 22-character id) as the query `spotify:track:<id>`, which
/// the spotify module's search resolves to that very track.
pub fn spotify_track(link: &str) -> Result<String, CliError> {
    let link = link.trim();
    let id = if let Some(id) = link.strip_prefix("spotify:track:") {
        id
    } else if let Some(rest) = link
        .strip_prefix("https://")
        .or_else(|| link.strip_prefix("http://"))
    {
        let path = rest
            .strip_prefix("open.spotify.com/")
            .unwrap_or("")
            .split(['?', '#'])
            .next()
            .unwrap_or("");
        let mut segments = path.split('/').filter(|segment| !segment.is_empty());
        let first = segments.next().unwrap_or("");
        let kind = if first.starts_with("intl-") {
            segments.next().unwrap_or("")
        } else {
            first
        };
        match (kind, segments.next(), segments.next()) {
            ("track", Some(id), None) => id,
            _ => "",
        }
    } else {
        link
    };
    let valid = id.len() == 22 && id.chars().all(|c| c.is_ascii_alphanumeric());
    if valid {
        Ok(format!("spotify:track:{id}"))
    } else {
        Err(CliError::Usage(format!(
            "`{link}` is not a Spotify track: expected https://open.spotify.com/track/<id>, \
             spotify:track:<id> or the 22-character id"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "WDAD8c1xS4i78ePMqpycRa";

    #[test]
    fn every_form_of_a_track_link_names_the_track() {
        for link in [
            ID.to_owned(),
            format!("spotify:track:{ID}"),
            format!("https://open.spotify.com/track/{ID}"),
            format!("https://open.spotify.com/intl-de/track/{ID}?si=abc#x"),
        ] {
            assert_eq!(
                spotify_track(&link).unwrap(),
                format!("spotify:track:{ID}"),
                "{link}"
            );
        }
    }

    #[test]
    fn playlists_and_other_sites_are_not_tracks() {
        for link in [
            format!("https://open.spotify.com/playlist/{ID}"),
            format!("https://example.com/track/{ID}"),
            format!("https://open.spotify.com/track/{ID}/extra"),
            "glass harbour".to_owned(),
        ] {
            assert!(spotify_track(&link).is_err(), "{link}");
        }
    }
}
