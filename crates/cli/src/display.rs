//! How a followed job is shown on stderr: a bar per step and one for the download's bytes
//! on a terminal, a line per change otherwise, nothing with `--json`.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{HumanBytes, MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::follow::Watcher;
use crate::job::Job;

/// The operation whose bytes the download bar shows.
const DOWNLOAD_OPERATION: &str = "download.track";

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Bars,
    Lines,
    Quiet,
}

impl Mode {
    /// Bars on a terminal, lines otherwise, nothing when the output is for a program.
    pub fn detect(json: bool) -> Self {
        if json {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            Mode::Bars
        } else {
            Mode::Lines
        }
    }
}

/// Shows one job's steps as they run.
pub struct JobDisplay {
    mode: Mode,
    bars: Option<MultiProgress>,
    /// Step name → its bar.
    step_bars: HashMap<String, ProgressBar>,
    /// Step name → the status last shown.
    shown: HashMap<String, String>,
    state: String,
    /// The bytes bar of the download.
    download_bar: Option<ProgressBar>,
    /// The last quarter of the download reported as a line.
    download_quarter: Option<u64>,
}

impl JobDisplay {
    pub fn new(mode: Mode) -> Self {
        let bars = (mode == Mode::Bars)
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Self {
            mode,
            bars,
            step_bars: HashMap::new(),
            shown: HashMap::new(),
            state: String::new(),
            download_bar: None,
            download_quarter: None,
        }
    }

    /// Ends every bar (leaving the last picture on the terminal).
    pub fn finish(&mut self) {
        for bar in self.step_bars.values() {
            if !bar.is_finished() {
                bar.abandon();
            }
        }
        if let Some(bar) = &self.download_bar {
            bar.abandon();
        }
    }

    fn step_bar(&mut self, name: &str) -> Option<ProgressBar> {
        let bars = self.bars.as_ref()?;
        let bar = self.step_bars.entry(name.to_owned()).or_insert_with(|| {
            let bar = bars.add(ProgressBar::new_spinner());
            if let Ok(style) = ProgressStyle::with_template("{spinner} {prefix:<10} {wide_msg}") {
                bar.set_style(style);
            }
            bar.set_prefix(name.to_owned());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Some(bar.clone())
    }

    fn show_step(&mut self, name: &str, status: &str, error: Option<&str>) {
        let detail = match (status, error) {
            (_, Some(error)) => format!("{status}: {error}"),
            _ => status.to_owned(),
        };
        match self.mode {
            Mode::Quiet => {}
            Mode::Lines => eprintln!("{name}: {detail}"),
            Mode::Bars => {
                let Some(bar) = self.step_bar(name) else {
                    return;
                };
                let mark = match status {
                    "succeeded" => "✓",
                    "failed" => "✗",
                    "skipped" => "–",
                    _ => "",
                };
                if mark.is_empty() {
                    bar.set_message(detail);
                } else {
                    bar.finish_with_message(format!("{mark} {detail}"));
                }
            }
        }
    }
}

impl Watcher for JobDisplay {
    fn job(&mut self, job: &Job) {
        if job.view.state != self.state {
            self.state.clone_from(&job.view.state);
            if self.mode == Mode::Lines {
                eprintln!("job {}: {}", job.id(), job.view.state);
            }
        }
        for step in &job.view.steps {
            if self.shown.get(&step.name) == Some(&step.status) {
                continue;
            }
            self.shown.insert(step.name.clone(), step.status.clone());
            self.show_step(&step.name, &step.status, step.error.as_deref());
            // Progress is published every few seconds at most: the last event seldom says 100%.
            if step.operation == DOWNLOAD_OPERATION
                && step.status == "succeeded"
                && let Some(bar) = &self.download_bar
            {
                bar.set_position(bar.length().unwrap_or(0));
                bar.finish();
            }
        }
    }

    fn download(&mut self, _job_id: &str, bytes: u64, size: u64) {
        match self.mode {
            Mode::Quiet => {}
            Mode::Lines => {
                // A line a quarter, not one per event.
                let quarter = (bytes.saturating_mul(4)).checked_div(size).unwrap_or(0);
                if self.download_quarter != Some(quarter) {
                    self.download_quarter = Some(quarter);
                    eprintln!("download: {} of {}", HumanBytes(bytes), HumanBytes(size));
                }
            }
            Mode::Bars => {
                let Some(bars) = &self.bars else { return };
                let bar = self.download_bar.get_or_insert_with(|| {
                    let bar = bars.add(ProgressBar::new(size));
                    let template =
                        "  {prefix:<10} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}";
                    if let Ok(style) = ProgressStyle::with_template(template) {
                        bar.set_style(style.progress_chars("=> "));
                    }
                    bar.set_prefix("bytes");
                    bar
                });
                bar.set_length(size);
                bar.set_position(bytes);
            }
        }
    }
}
