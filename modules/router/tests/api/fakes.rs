//! Test-defined modules for the pipeline: each offers the real capability contract over a
//! real nats-server, counts its calls, and behaves as a test asks.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use soulspot_bus::{Durability, EventBus, EventPublisher, EventStoreSettings, MessageContext};
use soulspot_runtime::{CallContext, Capability, ModuleBuilder, RunningModule, ServiceError};
use tokio::sync::watch;

use crate::helpers::TestApp;

/// How the fake downloader ends each download.
#[derive(Clone)]
pub enum Downloads {
    /// Completes after `delay`.
    Succeed { delay: Duration },
    /// Fails with `can_retry` this many times, then completes.
    FailTimes(usize),
    /// Fails every time (retryable).
    AlwaysFail,
    /// Completes once the test sends `true`.
    WhenOpened(watch::Receiver<bool>),
}

/// Counts per job id.
#[derive(Clone, Default)]
pub struct Tally(Arc<Mutex<HashMap<String, usize>>>);

impl Tally {
    fn add(&self, job_id: &str) -> usize {
        let mut counts = self.0.lock().unwrap();
        let count = counts.entry(job_id.to_owned()).or_insert(0);
        *count += 1;
        *count
    }

    /// Counts `job_id` unless it is counted already, in one step; whether it was new.
    fn add_if_new(&self, job_id: &str) -> bool {
        let mut counts = self.0.lock().unwrap();
        if counts.contains_key(job_id) {
            return false;
        }
        counts.insert(job_id.to_owned(), 1);
        true
    }

    pub fn of(&self, job_id: &str) -> usize {
        self.0.lock().unwrap().get(job_id).copied().unwrap_or(0)
    }

    pub fn jobs(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    /// Counts of all jobs together.
    pub fn total(&self) -> usize {
        self.0.lock().unwrap().values().sum()
    }
}

#[derive(Default)]
pub struct Counters {
    pub downloads: Tally,
    /// Every `import.track` call, per job id.
    pub import_calls: Tally,
    /// Effective imports: calls that filed a track, per job id (jobs without one count under
    /// [`NO_JOB_ID`]). Like the real library, the fake is idempotent by job id: a call for a job
    /// id it has filed answers `already_imported` and files nothing; a call without a job id
    /// always files.
    pub imports: Tally,
    /// Every `notify.track_ready` call, per job id.
    pub notifications: Tally,
    /// `artist/title` of every imported track, for `library.contains`.
    pub library: Mutex<std::collections::HashSet<String>>,
}

fn library_key(track: &Value) -> String {
    format!(
        "{}/{}",
        track["artist"].as_str().unwrap_or_default(),
        track["title"].as_str().unwrap_or_default()
    )
    .to_lowercase()
}

/// Where [`Counters`] count the calls that carry no job id.
pub const NO_JOB_ID: &str = "(no job id)";

pub async fn start_search(app: &TestApp) -> RunningModule {
    let capability = Capability::new(
        "search.track",
        10,
        |_: CallContext, request: Value| async move {
            let query = request["query"].as_str().unwrap_or_default().to_owned();
            if query == "nothing matches" {
                return Ok::<_, ServiceError>(json!({"tracks": []}));
            }
            Ok(
                json!({"tracks": [{"title": "Teardrop", "artist": "Massive Attack", "album": "Mezzanine", "spotify_id": "sp1"}]}),
            )
        },
    );
    let playlist = Capability::new(
        "playlist.tracks",
        10,
        |_: CallContext, request: Value| async move {
            let tracks: Vec<Value> = (0..PLAYLIST_SIZE)
            .map(|n| json!({"title": format!("Song {n}"), "artist": "Playlist Artist", "spotify_id": format!("sp{n}")}))
            .collect();
            Ok::<_, ServiceError>(
                json!({"playlist_id": request["playlist"], "name": "Fifty", "tracks": tracks}),
            )
        },
    );
    let module = ModuleBuilder::new("spotify", "0.1.0")
        .capability(capability)
        .capability(playlist)
        .start(app.nats_client().await)
        .await
        .unwrap();
    app.wait_for_status("spotify", "active", Duration::from_secs(10))
        .await;
    module
}

pub const PLAYLIST_SIZE: usize = 50;

pub async fn start_downloader(
    app: &TestApp,
    behaviour: Downloads,
    counters: Arc<Counters>,
) -> RunningModule {
    let bus = EventBus::new(
        app.nats_client().await,
        "soulseek",
        &EventStoreSettings::default(),
        Durability::default(),
    )
    .await
    .unwrap();
    let capability = Capability::new(
        "download.track",
        10,
        move |_: CallContext, request: Value| {
            let (bus, counters) = (bus.clone(), counters.clone());
            let behaviour = behaviour.clone();
            async move {
                let job_id = request["job_id"].as_str().unwrap_or_default().to_owned();
                let attempt = counters.downloads.add(&job_id);
                let download_id = uuid::Uuid::now_v7().to_string();
                let track = request["track"].clone();
                tokio::spawn(finish_download(
                    bus,
                    behaviour,
                    attempt,
                    job_id,
                    download_id.clone(),
                    track,
                ));
                Ok::<_, ServiceError>(json!({"download_id": download_id}))
            }
        },
    );
    start(app, "soulseek", capability).await
}

async fn finish_download(
    bus: EventBus,
    behaviour: Downloads,
    attempt: usize,
    job_id: String,
    download_id: String,
    track: Value,
) {
    let fails = match behaviour {
        Downloads::Succeed { delay } => {
            tokio::time::sleep(delay).await;
            false
        }
        Downloads::FailTimes(times) => attempt <= times,
        Downloads::AlwaysFail => true,
        Downloads::WhenOpened(mut gate) => {
            let _ = gate.wait_for(|open| *open).await;
            false
        }
    };
    let event = if fails {
        bus.event("download.failed", json!({"download_id": download_id, "job_id": job_id, "track": track, "error": "peer rejected the transfer", "can_retry": true}))
    } else {
        let file = json!({"file_id": download_id, "path": format!("/downloads/{job_id}.flac"), "size": 1000, "format": "flac"});
        bus.event(
            "download.completed",
            json!({"download_id": download_id, "job_id": job_id, "track": track, "file": file}),
        )
    };
    bus.publish(
        event.unwrap().with_correlation_id(job_id),
        &MessageContext::default(),
    )
    .await
    .unwrap();
}

pub async fn start_metadata(app: &TestApp) -> RunningModule {
    let capability = Capability::new(
        "enrich.metadata",
        10,
        |_: CallContext, request: Value| async move {
            let track = &request["track"];
            Ok::<_, ServiceError>(
                json!({"tags_written": true, "metadata": {"title": track["title"], "artist": track["artist"], "album": "Mezzanine", "date": "1998"}}),
            )
        },
    );
    start(app, "metadata", capability).await
}

pub async fn start_library(app: &TestApp, counters: Arc<Counters>) -> RunningModule {
    let contains_counters = counters.clone();
    let contains = Capability::new(
        "library.contains",
        10,
        move |_: CallContext, request: Value| {
            let counters = contains_counters.clone();
            async move {
                let library = counters.library.lock().unwrap();
                let present: Vec<bool> = request["tracks"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|track| library.contains(&library_key(track)))
                    .collect();
                Ok::<_, ServiceError>(json!({"present": present}))
            }
        },
    );
    let capability = Capability::new("import.track", 10, move |_: CallContext, request: Value| {
        let counters = counters.clone();
        async move {
            let job_id = request["job_id"].as_str().map(str::to_owned);
            counters
                .import_calls
                .add(job_id.as_deref().unwrap_or(NO_JOB_ID));
            let files = match &job_id {
                Some(job_id) => counters.imports.add_if_new(job_id),
                None => {
                    counters.imports.add(NO_JOB_ID);
                    true
                }
            };
            if files {
                counters
                    .library
                    .lock()
                    .unwrap()
                    .insert(library_key(&request["track"]));
            }
            let job_id = job_id.unwrap_or_default();
            let album = request["metadata"]["album"]
                .as_str()
                .unwrap_or("Unknown Album")
                .to_owned();
            let path = format!("/music/Massive Attack/{album}/{job_id}.flac");
            let status = if files {
                "imported"
            } else {
                "already_imported"
            };
            Ok::<_, ServiceError>(json!({"status": status, "path": path}))
        }
    });
    let module = ModuleBuilder::new("library", "0.1.0")
        .capability(capability)
        .capability(contains)
        .start(app.nats_client().await)
        .await
        .unwrap();
    app.wait_for_status("library", "active", Duration::from_secs(10))
        .await;
    module
}

/// A library whose import always answers 503 (transient), counting every call.
pub async fn start_broken_library(app: &TestApp, counters: Arc<Counters>) -> RunningModule {
    let capability = Capability::new("import.track", 10, move |_: CallContext, request: Value| {
        let counters = counters.clone();
        async move {
            let job_id = request["job_id"].as_str().unwrap_or(NO_JOB_ID);
            counters.import_calls.add(job_id);
            Err::<Value, _>(ServiceError::unavailable("library database is locked"))
        }
    });
    start(app, "library", capability).await
}

pub async fn start_notifications(app: &TestApp, counters: Arc<Counters>) -> RunningModule {
    let capability = Capability::new(
        "notify.track_ready",
        10,
        move |_: CallContext, request: Value| {
            let counters = counters.clone();
            async move {
                let job_id = request["job_id"].as_str().unwrap_or_default();
                counters.notifications.add(job_id);
                Ok::<_, ServiceError>(
                    json!({"channels": [{"channel": "webhook", "ok": true, "attempts": 1}]}),
                )
            }
        },
    );
    start(app, "notifications", capability).await
}

async fn start(app: &TestApp, module: &str, capability: Capability) -> RunningModule {
    let module = ModuleBuilder::new(module, "0.1.0")
        .capability(capability)
        .start(app.nats_client().await)
        .await
        .unwrap();
    app.wait_for_status(module.name(), "active", Duration::from_secs(10))
        .await;
    module
}
