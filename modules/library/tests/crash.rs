//! The real `soulspot-library` binary aborted at each point of an import (the test-only
//! fault setting), then started again: the retried import succeeds, and the index and the
//! files agree — no file the index does not name, no row without its file, and a replaced
//! copy never lost before its replacement is indexed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use soulspot_bus::testing::NatsServer;
use soulspot_bus::{MessageContext, RequestError, request_json};
use soulspot_contracts::operations::modules;
use soulspot_contracts::payloads::{ImportStatus, ImportTrackReply, ImportTrackRequest};
use soulspot_library::settings::LibrarySection;
use soulspot_library::{DuplicatePolicy, Library};
use soulspot_sandbox::audio::{AudioTags, Tone, encode_flac};
use tempfile::TempDir;
use tokio::process::{Child, Command};

#[path = "common/files.rs"]
mod files;

const WAIT: Duration = Duration::from_secs(20);

struct Setup {
    _dir: TempDir,
    root: PathBuf,
    downloads: PathBuf,
    nats: NatsServer,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().canonicalize().unwrap();
    let downloads = base.join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    Setup {
        root: base.join("music"),
        downloads,
        _dir: dir,
        nats: NatsServer::start_with_accounts().unwrap(),
    }
}

impl Setup {
    fn section(&self) -> LibrarySection {
        LibrarySection {
            root: self.root.clone(),
            downloads_dir: self.downloads.clone(),
            duplicate_policy: DuplicatePolicy::ReplaceIfBetter,
            ..LibrarySection::default()
        }
    }

    /// A real FLAC file of `millis` in the downloads; a longer one is a better copy.
    fn download(&self, name: &str, millis: u64) -> (PathBuf, Vec<u8>) {
        let bytes = encode_flac(
            &Tone::for_seed(name),
            Duration::from_millis(millis),
            &AudioTags::default(),
        );
        let path = self.downloads.join(name);
        std::fs::write(&path, &bytes).unwrap();
        (path, bytes)
    }

    /// Starts the binary (aborting at `crash_at`, if given) and waits until it answers.
    async fn start(&self, crash_at: Option<&str>) -> Child {
        let mut command = Command::new(env!("CARGO_BIN_EXE_soulspot-library"));
        command
            .envs(self.nats.env_for(modules::LIBRARY))
            .env("SOULSPOT_LIBRARY__LIBRARY__ROOT", &self.root)
            .env("SOULSPOT_LIBRARY__LIBRARY__DOWNLOADS_DIR", &self.downloads)
            .env(
                "SOULSPOT_LIBRARY__LIBRARY__DUPLICATE_POLICY",
                "replace_if_better",
            )
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        if let Some(point) = crash_at {
            command.env("SOULSPOT_LIBRARY__FAULT__CRASH_AT", point);
        }
        let child = command.spawn().unwrap();
        let client = self.client().await;
        let ready = async {
            while request_json::<_, Value>(
                &client,
                "soulspot.library.health",
                &json!({}),
                &MessageContext::default(),
                Duration::from_millis(500),
            )
            .await
            .is_err()
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        tokio::time::timeout(WAIT, ready)
            .await
            .expect("the library did not start");
        child
    }

    async fn client(&self) -> async_nats::Client {
        soulspot_bus::connect(&self.nats.settings_for(modules::ROUTER), "crash-test")
            .await
            .unwrap()
    }

    async fn import(&self, request: &Value) -> Result<ImportTrackReply, RequestError> {
        self.import_within(request, Duration::from_secs(10)).await
    }

    /// An import whose process is about to abort: it never answers.
    async fn import_crashing(&self, request: &Value) {
        let outcome = self.import_within(request, Duration::from_secs(2)).await;
        assert!(outcome.is_err(), "the import answered: {outcome:?}");
    }

    async fn import_within(
        &self,
        request: &Value,
        timeout: Duration,
    ) -> Result<ImportTrackReply, RequestError> {
        request_json(
            &self.client().await,
            "soulspot.library.import.track",
            request,
            &MessageContext::default(),
            timeout,
        )
        .await
    }

    /// Every file under the root, relative to it, the index folder excluded.
    fn library_files(&self) -> Vec<String> {
        files::library_files(&self.root)
    }
}

fn request(job_id: &str, source: &Path) -> Value {
    json!({
        "job_id": job_id,
        "file": {
            "file_id": format!("file-{job_id}"),
            "path": source.to_str().unwrap(),
            "size": std::fs::metadata(source).unwrap().len(),
            "format": "flac",
        },
        "track": {"title": "Title", "artist": "Artist"},
    })
}

/// Imports under `crash_at` (the process aborts), then starts the binary again; returns the
/// restarted process.
async fn crash_and_restart(setup: &Setup, crash_at: &str, request: &Value) -> Child {
    let mut crashing = setup.start(Some(crash_at)).await;
    setup.import_crashing(request).await;
    let exit = tokio::time::timeout(WAIT, crashing.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(
        !exit.success(),
        "{crash_at}: the process should have aborted"
    );
    setup.start(None).await
}

/// Imports under `crash_at` (the process aborts), restarts, retries the same import.
async fn crash_and_retry(setup: &Setup, crash_at: &str, request: &Value) -> ImportTrackReply {
    let mut restarted = crash_and_restart(setup, crash_at, request).await;
    let reply = setup.import(request).await.unwrap();
    // Killed and reaped, so its lock on the root is gone before the test opens the index.
    restarted.kill().await.unwrap();
    reply
}

#[tokio::test]
async fn a_new_track_is_filed_once_whatever_point_the_import_crashed_at() {
    for crash_at in ["after_journal", "after_move", "after_commit"] {
        let setup = setup();
        let (source, bytes) = setup.download("new.flac", 200);

        let reply = crash_and_retry(&setup, crash_at, &request("job-1", &source)).await;

        assert!(
            matches!(
                reply.status,
                ImportStatus::Imported | ImportStatus::AlreadyImported
            ),
            "{crash_at}: {:?}",
            reply.status
        );
        assert_eq!(
            setup.library_files(),
            ["Artist/Unknown Album/Title.flac"],
            "{crash_at}"
        );
        assert_eq!(std::fs::read(&reply.path).unwrap(), bytes, "{crash_at}");
        assert!(!source.exists(), "{crash_at}: the download was moved");
        let library = Library::open(setup.section()).unwrap();
        assert_eq!(library.stats().unwrap().tracks, 1, "{crash_at}");
        let found = library.search("title", 10).unwrap();
        assert_eq!(found.len(), 1, "{crash_at}");
    }
}

#[tokio::test]
async fn a_replaced_copy_survives_until_its_replacement_is_indexed() {
    for crash_at in [
        "after_journal",
        "after_set_aside",
        "after_move",
        "after_commit",
    ] {
        let setup = setup();
        let (held_source, held_bytes) = setup.download("held.flac", 100);
        let held_request: ImportTrackRequest =
            serde_json::from_value(request("job-1", &held_source)).unwrap();
        let held = Library::open(setup.section())
            .unwrap()
            .import(&held_request)
            .unwrap();
        let (better, better_bytes) = setup.download("better.flac", 400);
        let retry = request("job-2", &better);

        let mut restarted = crash_and_restart(&setup, crash_at, &retry).await;
        let files = setup.library_files();
        assert_eq!(
            files,
            ["Artist/Unknown Album/Title.flac"],
            "{crash_at}: after restart"
        );
        let on_disk = std::fs::read(&held.path).unwrap();
        assert!(
            on_disk == held_bytes || on_disk == better_bytes,
            "{crash_at}"
        );

        let reply = setup.import(&retry).await.unwrap();
        restarted.kill().await.unwrap();

        assert!(
            matches!(
                reply.status,
                ImportStatus::Replaced | ImportStatus::AlreadyImported
            ),
            "{crash_at}: {:?}",
            reply.status
        );
        assert_eq!(reply.path, held.path, "{crash_at}");
        assert_eq!(
            std::fs::read(&reply.path).unwrap(),
            better_bytes,
            "{crash_at}"
        );
        assert_eq!(
            setup.library_files(),
            ["Artist/Unknown Album/Title.flac"],
            "{crash_at}"
        );
        let library = Library::open(setup.section()).unwrap();
        let stats = library.stats().unwrap();
        assert_eq!(stats.tracks, 1, "{crash_at}");
        assert_eq!(stats.total_bytes, better_bytes.len() as u64, "{crash_at}");
    }
}
