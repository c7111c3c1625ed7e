//! Following jobs until they end: the live stream first, the job record as the truth. The
//! job is read right after the stream opens (so nothing between the two is missed), again
//! every [`REREAD`] while streaming, and whenever the stream ends (`dropped`, `closed`, a
//! broken connection); then the stream is opened again. Without a stream (the router allows
//! only so many) the job is polled.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::Value;
use soulspot_common::RetryPolicy;

use crate::api::Api;
use crate::error::CliError;
use crate::job::Job;
use crate::sse::EventStream;

/// While streaming, the job is also read this often: a message lost on the way cannot leave
/// the command waiting forever.
const REREAD: Duration = Duration::from_secs(10);
/// Without a stream, the job is read this often.
const POLL: Duration = Duration::from_secs(1);
/// After a stream ended, before the next one is opened.
const REOPEN: Duration = Duration::from_millis(250);

/// How long the router may stay unreachable (or failing) before following gives up:
/// about half a minute of tries.
fn patience() -> RetryPolicy {
    RetryPolicy {
        base_ms: 250,
        factor: 2,
        max_delay_ms: 4_000,
        max_attempts: 10,
        jitter_percent: 20,
    }
}

/// What a follower is told as the jobs move on.
pub trait Watcher {
    /// A job's record, whenever it changed (or was read again).
    fn job(&mut self, job: &Job);
    /// A running download of job `job_id` got this far.
    fn download(&mut self, job_id: &str, bytes: u64, size: u64);
}

/// What is followed: jobs by id, and the playlist they belong to, if any (its progress is
/// read instead of each job, then only the jobs it shows ended).
#[derive(Debug, Clone, Copy)]
pub struct Followed<'a> {
    pub ids: &'a [String],
    pub playlist: Option<&'a str>,
}

impl<'a> Followed<'a> {
    pub fn jobs(ids: &'a [String]) -> Self {
        Self {
            ids,
            playlist: None,
        }
    }
}

/// Follows the jobs until each is completed or failed; returns them in the order they
/// finished.
pub async fn follow(
    api: &Api,
    followed: Followed<'_>,
    watcher: &mut dyn Watcher,
) -> Result<Vec<Job>, CliError> {
    let ids = followed.ids;
    let mut waiting: HashSet<String> = ids.iter().cloned().collect();
    let mut finished = Vec::new();
    // One job: a stream of that job only; several: every update, sorted out here.
    let filter = match ids {
        [only] => Some(only.as_str()),
        _ => None,
    };
    let mut failures = patience().backoff();
    while !waiting.is_empty() {
        let stream = match api.open_stream(filter).await {
            Ok(response) => Some(EventStream::new(response)),
            Err(error @ (CliError::Refused { .. } | CliError::Api { status: 404, .. })) => {
                return Err(error);
            }
            Err(_) => None,
        };
        match reread(api, followed.playlist, &mut waiting, &mut finished, watcher).await {
            Ok(()) => failures = patience().backoff(),
            Err(error) if is_transient(&error) => {
                failures.start();
                let pause = failures.next_pause(None).ok_or(error)?;
                tokio::time::sleep(pause).await;
                continue;
            }
            Err(error) => return Err(error),
        }
        if waiting.is_empty() {
            break;
        }
        match stream {
            Some(stream) => {
                watch(api, followed, stream, &mut waiting, &mut finished, watcher).await?;
                tokio::time::sleep(REOPEN).await;
            }
            None => tokio::time::sleep(POLL).await,
        }
    }
    Ok(finished)
}

/// Reads the stream until it ends or every job finished.
async fn watch(
    api: &Api,
    followed: Followed<'_>,
    mut stream: EventStream,
    waiting: &mut HashSet<String>,
    finished: &mut Vec<Job>,
    watcher: &mut dyn Watcher,
) -> Result<(), CliError> {
    let mut reread_timer = tokio::time::interval(REREAD);
    reread_timer.reset();
    while !waiting.is_empty() {
        tokio::select! {
            message = stream.next() => {
                let Some(message) = message else { return Ok(()) };
                match message.event.as_str() {
                    "job" => {
                        let Ok(raw) = serde_json::from_str::<Value>(&message.data) else {
                            continue;
                        };
                        if let Ok(job) = Job::from_value(raw) {
                            settle(job, waiting, finished, watcher);
                        }
                    }
                    "event" => progress(&message.data, waiting, watcher),
                    // `dropped`, `closed`: the stream is over.
                    "dropped" | "closed" => return Ok(()),
                    _ => {}
                }
            }
            _ = reread_timer.tick() => {
                // A failed read here is left to the next round of the caller.
                if reread(api, followed.playlist, waiting, finished, watcher).await.is_err() {
                    return Ok(());
                }
            }
        }
    }
    Ok(())
}

/// Reads every job still waited for; of a playlist, only those its progress shows ended.
async fn reread(
    api: &Api,
    playlist: Option<&str>,
    waiting: &mut HashSet<String>,
    finished: &mut Vec<Job>,
    watcher: &mut dyn Watcher,
) -> Result<(), CliError> {
    let mut ids: Vec<String> = match playlist {
        Some(playlist) => ended_jobs(&api.playlist(playlist).await?),
        None => waiting.iter().cloned().collect(),
    };
    ids.retain(|id| waiting.contains(id));
    ids.sort();
    for id in ids {
        let job = api.job(&id).await?;
        settle(job, waiting, finished, watcher);
    }
    Ok(())
}

/// The jobs a playlist's progress shows completed or failed, or gone (`unknown`: reading
/// it then says so, rather than waiting for ever).
fn ended_jobs(progress: &Value) -> Vec<String> {
    let ended = |state: &str| crate::job::is_terminal(state) || state == "unknown";
    progress["tracks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|track| track["state"].as_str().is_some_and(ended))
        .filter_map(|track| Some(track["job_id"].as_str()?.to_owned()))
        .collect()
}

/// Shows `job`, and moves it to `finished` when it ended.
fn settle(
    job: Job,
    waiting: &mut HashSet<String>,
    finished: &mut Vec<Job>,
    watcher: &mut dyn Watcher,
) {
    if !waiting.contains(job.id()) {
        return;
    }
    watcher.job(&job);
    if job.is_finished() {
        waiting.remove(job.id());
        finished.push(job);
    }
}

/// A `download.progress` event of a job waited for.
fn progress(data: &str, waiting: &HashSet<String>, watcher: &mut dyn Watcher) {
    let Ok(event) = serde_json::from_str::<Value>(data) else {
        return;
    };
    if event["event_type"] != "download.progress" {
        return;
    }
    let data = &event["data"];
    let job_id = data["job_id"]
        .as_str()
        .or_else(|| event["correlation_id"].as_str());
    let (Some(job_id), Some(bytes), Some(size)) = (
        job_id,
        data["bytes_transferred"].as_u64(),
        data["size"].as_u64(),
    ) else {
        return;
    };
    if waiting.contains(job_id) {
        watcher.download(job_id, bytes, size);
    }
}

/// Worth trying again: the router is unreachable or failed for now.
fn is_transient(error: &CliError) -> bool {
    match error {
        CliError::Unreachable { .. } => true,
        CliError::Api { status, .. } => *status >= 500,
        _ => false,
    }
}
