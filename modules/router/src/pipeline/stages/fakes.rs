//! Fakes for the stage tests: a router answering from a script and counting calls, a journal
//! in memory with revisions (compare-and-set like the KV bucket), and a recording event bus.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Value, json};
use soulspot_bus::MessageContext;
use soulspot_bus::testing::RecordingBus;
use soulspot_common::RetryPolicy;
use soulspot_contracts::{FileRef, TrackRef};
use tokio::sync::watch;

use super::{Journal, Run};
use crate::pipeline::job::{Job, JobRequest};
use crate::pipeline::routing::Route;
use crate::pipeline::settings::PipelineSettings;
use crate::pipeline::spec::PipelineSpec;
use crate::pipeline::store::{DownloadOutcome, StoreError};
use crate::route::{CallPolicy, RouteError};

/// One scripted reply; errors are made afresh on each use.
enum Reply {
    Ok(Value),
    Err(fn(&str) -> RouteError),
}

/// Answers each operation from its script: replies are used in turn and the last one
/// repeats; an operation without a script, or marked absent, has no provider.
#[derive(Default)]
pub struct FakeRouter {
    script: Mutex<HashMap<String, VecDeque<Reply>>>,
    absent: Mutex<HashSet<String>>,
    calls: Mutex<Vec<(String, Value, CallPolicy)>>,
}

impl FakeRouter {
    pub fn answer(&self, operation: &str, reply: Value) {
        self.push(operation, Reply::Ok(reply));
    }

    pub fn fail(&self, operation: &str, error: fn(&str) -> RouteError) {
        self.push(operation, Reply::Err(error));
    }

    pub fn remove(&self, operation: &str) {
        self.absent.lock().unwrap().insert(operation.to_owned());
    }

    fn push(&self, operation: &str, reply: Reply) {
        self.script
            .lock()
            .unwrap()
            .entry(operation.to_owned())
            .or_default()
            .push_back(reply);
    }

    pub fn calls(&self, operation: &str) -> usize {
        self.calls_of(operation).len()
    }

    /// The parameters and policy of every call of `operation`, in order.
    pub fn calls_of(&self, operation: &str) -> Vec<(Value, CallPolicy)> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|(called, ..)| called == operation)
            .map(|(_, params, call)| (params.clone(), *call))
            .collect()
    }
}

impl Route for FakeRouter {
    async fn route(
        &self,
        operation: &str,
        params: &Value,
        _context: &MessageContext,
        call: &CallPolicy,
    ) -> Result<Value, RouteError> {
        self.calls
            .lock()
            .unwrap()
            .push((operation.to_owned(), params.clone(), *call));
        let not_available = || RouteError::ModuleNotAvailable {
            operation: operation.to_owned(),
        };
        if self.absent.lock().unwrap().contains(operation) {
            return Err(not_available());
        }
        let mut script = self.script.lock().unwrap();
        let Some(replies) = script.get_mut(operation) else {
            return Err(not_available());
        };
        let reply = if replies.len() > 1 {
            replies.pop_front()
        } else {
            replies.front().map(|reply| match reply {
                Reply::Ok(value) => Reply::Ok(value.clone()),
                Reply::Err(error) => Reply::Err(*error),
            })
        };
        match reply {
            Some(Reply::Ok(value)) => Ok(value),
            Some(Reply::Err(error)) => Err(error(operation)),
            None => Err(not_available()),
        }
    }

    async fn offers(&self, operation: &str, _limit: Duration) -> bool {
        !self.absent.lock().unwrap().contains(operation)
            && self.script.lock().unwrap().contains_key(operation)
    }
}

/// Jobs in memory, each with the revision a save must name, and download outcomes that
/// tests hand out.
pub struct MemoryJournal {
    jobs: Mutex<HashMap<String, (Job, u64)>>,
    saves: Mutex<Vec<Job>>,
    outcomes: watch::Sender<HashMap<String, DownloadOutcome>>,
    waiting: watch::Sender<usize>,
}

impl Default for MemoryJournal {
    fn default() -> Self {
        Self {
            jobs: Mutex::default(),
            saves: Mutex::default(),
            outcomes: watch::channel(HashMap::new()).0,
            waiting: watch::channel(0).0,
        }
    }
}

impl MemoryJournal {
    pub fn insert(&self, job: Job) -> String {
        let id = job.id.clone();
        self.jobs.lock().unwrap().insert(id.clone(), (job, 1));
        id
    }

    pub fn stored(&self, job_id: &str) -> Job {
        self.jobs.lock().unwrap()[job_id].0.clone()
    }

    /// Every job as it was saved, oldest first.
    pub fn saves(&self) -> Vec<Job> {
        self.saves.lock().unwrap().clone()
    }

    pub fn complete_download(&self, download_id: &str) {
        let file = FileRef {
            file_id: format!("file-{download_id}"),
            path: format!("/downloads/{download_id}.flac"),
            size: 1_000,
            format: "flac".to_owned(),
            checksum: None,
        };
        self.record(DownloadOutcome::Completed {
            download_id: download_id.to_owned(),
            file,
        });
    }

    pub fn fail_download(&self, download_id: &str, can_retry: bool) {
        self.record(DownloadOutcome::Failed {
            download_id: download_id.to_owned(),
            error: "peer went away".to_owned(),
            can_retry,
        });
    }

    fn record(&self, outcome: DownloadOutcome) {
        self.outcomes.send_modify(|outcomes| {
            outcomes.insert(outcome.download_id().to_owned(), outcome);
        });
    }

    /// Resolves once `count` waits for a download outcome have begun.
    pub async fn waiting_for_download(&self, count: usize) {
        let mut waiting = self.waiting.subscribe();
        let _ = waiting.wait_for(|started| *started >= count).await;
    }
}

impl Journal for MemoryJournal {
    async fn load(&self, job_id: &str) -> Result<Option<Job>, StoreError> {
        Ok(self
            .jobs
            .lock()
            .unwrap()
            .get(job_id)
            .map(|(job, revision)| {
                let mut job = job.clone();
                job.revision = *revision;
                job
            }))
    }

    async fn save(&self, job: &mut Job) -> Result<(), StoreError> {
        let mut jobs = self.jobs.lock().unwrap();
        let current = jobs.get(&job.id).map_or(0, |(_, revision)| *revision);
        if current != job.revision {
            return Err(StoreError::Conflict {
                job_id: job.id.clone(),
            });
        }
        job.revision = current + 1;
        jobs.insert(job.id.clone(), (job.clone(), job.revision));
        self.saves.lock().unwrap().push(job.clone());
        Ok(())
    }

    async fn wait_for_download(
        &self,
        _job_id: &str,
        download_id: &str,
        limit: Duration,
    ) -> Result<Option<DownloadOutcome>, StoreError> {
        let mut outcomes = self.outcomes.subscribe();
        self.waiting.send_modify(|started| *started += 1);
        let arrived = outcomes.wait_for(|outcomes| outcomes.contains_key(download_id));
        Ok(tokio::time::timeout(limit, arrived)
            .await
            .ok()
            .and_then(Result::ok)
            .and_then(|outcomes| outcomes.get(download_id).cloned()))
    }
}

/// The shipped pipeline with fakes all round and short pauses.
pub struct Fixture {
    pub router: FakeRouter,
    pub journal: MemoryJournal,
    pub events: RecordingBus,
    pub spec: PipelineSpec,
    pub settings: PipelineSettings,
}

impl Fixture {
    pub fn new() -> Self {
        Self::with_spec(PipelineSpec::load("").unwrap())
    }

    pub fn with_spec(spec: PipelineSpec) -> Self {
        let quick = RetryPolicy {
            base_ms: 1,
            factor: 2,
            max_delay_ms: 4,
            max_attempts: 3,
            jitter_percent: 0,
        };
        let settings = PipelineSettings {
            download_timeout_ms: 10_000,
            request_retry: quick.with_max_attempts(5),
            download_retry: quick,
            step_retry: quick,
            ..PipelineSettings::default()
        };
        Self {
            router: FakeRouter::default(),
            journal: MemoryJournal::default(),
            events: RecordingBus::default(),
            spec,
            settings,
        }
    }

    pub fn run(&self) -> Run<'_, FakeRouter, MemoryJournal, RecordingBus> {
        Run {
            router: &self.router,
            journal: &self.journal,
            events: &self.events,
            spec: &self.spec,
            settings: &self.settings,
            context: MessageContext::new_root(None),
        }
    }

    /// Every step of the shipped pipeline answers.
    pub fn answer_steps(&self) {
        self.router.answer(
            "enrich.metadata",
            json!({"tags_written": true, "metadata": {"album": "Mezzanine"}}),
        );
        self.router.answer(
            "import.track",
            json!({"status": "imported", "path": "/music/Massive Attack/Mezzanine/Teardrop.flac"}),
        );
        self.router.answer(
            "notify.track_ready",
            json!({"channels": [{"channel": "hook", "ok": true, "attempts": 1}]}),
        );
    }
}

pub fn teardrop() -> TrackRef {
    TrackRef {
        title: "Teardrop".to_owned(),
        artist: "Massive Attack".to_owned(),
        ..TrackRef::default()
    }
}

/// A stored job for a known track; returns its id.
pub fn track_job(journal: &MemoryJournal) -> String {
    journal.insert(Job::new(
        "job-1".to_owned(),
        JobRequest {
            track: Some(teardrop()),
            query: None,
            source: "api".to_owned(),
            source_ref: None,
        },
    ))
}

/// A stored job for a query; returns its id.
pub fn query_job(journal: &MemoryJournal, query: &str) -> String {
    journal.insert(Job::new(
        "job-1".to_owned(),
        JobRequest {
            track: None,
            query: Some(query.to_owned()),
            source: "api".to_owned(),
            source_ref: None,
        },
    ))
}
