//! `soulspot sync`: a playlist's missing tracks queued, then followed with an overall bar and
//! a line per track as each one ends.

use std::collections::{BTreeMap, HashSet};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::api::Api;
use crate::args::SyncArgs;
use crate::display::Mode;
use crate::error::CliError;
use crate::follow::{Followed, Watcher, follow};
use crate::job::{Job, is_terminal};

pub async fn run(api: &Api, args: &SyncArgs, json: bool) -> Result<(), CliError> {
    let report = api.sync_playlist(&args.playlist).await?;
    let playlist_id = report["playlist_id"]
        .as_str()
        .ok_or_else(|| CliError::Reply(format!("no playlist id in {report}")))?;
    let progress = api.playlist(playlist_id).await?;
    let tracks = progress["tracks"].as_array().cloned().unwrap_or_default();
    let mut display = PlaylistDisplay::new(Mode::detect(json), tracks.len());
    if display.mode != Mode::Quiet {
        let name = progress["name"].as_str().unwrap_or(playlist_id);
        eprintln!(
            "{name}: {} tracks, {} queued now",
            tracks.len(),
            report["enqueued"].as_array().map_or(0, Vec::len)
        );
    }
    let mut waiting = Vec::new();
    let mut seen = HashSet::new();
    for track in &tracks {
        let what = Job::describe(track);
        let job_id = track["job_id"].as_str();
        match (track["state"].as_str().unwrap_or("unknown"), job_id) {
            ("in_library", _) => display.track_line(&what, Ok("already in the library")),
            (state, Some(id)) if state != "unknown" => {
                if !seen.insert(id.to_owned()) {
                    continue;
                }
                display.names.insert(id.to_owned(), what);
                if is_terminal(state) {
                    display.job(&api.job(id).await?);
                } else {
                    waiting.push(id.to_owned());
                }
            }
            _ => display.track_line(&what, Err("its job is gone".to_owned())),
        }
    }
    let followed = Followed {
        ids: &waiting,
        playlist: Some(playlist_id),
    };
    let followed = tokio::select! {
        followed = follow(api, followed, &mut display) => Some(followed),
        _ = tokio::signal::ctrl_c() => None,
    };
    display.finish();
    followed.ok_or_else(|| CliError::Interrupted("the playlist's jobs".to_owned()))??;
    if json {
        println!("{}", api.playlist(playlist_id).await?);
    }
    match display.failed {
        0 => Ok(()),
        failed => Err(CliError::PlaylistIncomplete {
            failed,
            total: tracks.len(),
        }),
    }
}

/// The overall bar (on a terminal) and a line per finished track on stdout.
struct PlaylistDisplay {
    mode: Mode,
    total: usize,
    done: usize,
    failed: usize,
    bar: Option<ProgressBar>,
    /// Job id → the track it fetches, for its line.
    names: BTreeMap<String, String>,
}

impl PlaylistDisplay {
    fn new(mode: Mode, total: usize) -> Self {
        let bar = (mode == Mode::Bars).then(|| {
            let bar = ProgressBar::with_draw_target(
                Some(u64::try_from(total).unwrap_or(u64::MAX)),
                ProgressDrawTarget::stderr(),
            );
            let template = "[{bar:40}] {pos}/{len} tracks {wide_msg}";
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        Self {
            mode,
            total,
            done: 0,
            failed: 0,
            bar,
            names: BTreeMap::new(),
        }
    }

    /// One track ended: `Ok(detail)` in the library, `Err(reason)` not.
    fn track_line(&mut self, what: &str, outcome: Result<&str, String>) {
        self.done += 1;
        let line = match outcome {
            Ok(detail) => format!("✓ {what}  {detail}"),
            Err(reason) => {
                self.failed += 1;
                format!("✗ {what}  {reason}")
            }
        };
        match (&self.bar, self.mode) {
            (_, Mode::Quiet) => {}
            (Some(bar), _) => {
                bar.suspend(|| println!("{line}"));
                bar.set_position(u64::try_from(self.done).unwrap_or(u64::MAX));
            }
            (None, _) => println!("[{}/{}] {line}", self.done, self.total),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.abandon();
        }
    }
}

impl Watcher for PlaylistDisplay {
    fn job(&mut self, job: &Job) {
        if !job.is_finished() {
            return;
        }
        let what = self
            .names
            .get(job.id())
            .cloned()
            .unwrap_or_else(|| Job::describe(&job.raw));
        match job.outcome() {
            Ok(path) => self.track_line(&what, Ok(&path)),
            Err(_) => {
                let (step, reason) = job.failure();
                self.track_line(&what, Err(format!("failed at {step}: {reason}")));
            }
        }
    }

    fn download(&mut self, _job_id: &str, _bytes: u64, _size: u64) {}
}

impl std::fmt::Debug for PlaylistDisplay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlaylistDisplay")
            .field("done", &self.done)
            .field("total", &self.total)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_failed_job_counts_against_the_playlist_and_a_completed_one_does_not() {
        let mut display = PlaylistDisplay::new(Mode::Quiet, 2);
        let completed = Job::from_value(json!({"id": "a", "state": "completed", "steps": [
            {"name": "import", "operation": "import.track", "status": "succeeded",
             "result": {"path": "/music/x.flac"}}]}))
        .unwrap();
        let failed = Job::from_value(json!({"id": "b", "state": "failed",
            "failure": {"step": "download", "reason": "no source"}}))
        .unwrap();
        let running = Job::from_value(json!({"id": "c", "state": "downloading"})).unwrap();

        display.job(&completed);
        display.job(&running);
        display.job(&failed);

        assert_eq!((display.done, display.failed), (2, 1));
    }
}
