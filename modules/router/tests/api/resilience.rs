//! Nothing is lost: the router binary killed with SIGKILL while jobs are in flight, and the
//! NATS server restarted mid-run.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::fakes::{self, Counters, Downloads};
use soulspot_bus::testing::NatsServer;

use crate::helpers::{TEST_API_KEY, TestApp, app_at, keyed_client, spawn_app};

const JOBS: usize = 20;
const FINISH: Duration = Duration::from_secs(60);

/// The real router binary, as a separate process on a fixed port.
struct RouterProcess {
    child: Child,
}

impl RouterProcess {
    fn spawn(nats_url: &str, bind: &str) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_soulspot-router"))
            .env("SOULSPOT__NATS__URL", nats_url)
            .env("SOULSPOT_ROUTER__HTTP__BIND", bind)
            .env("SOULSPOT_ROUTER__API__API_KEY", TEST_API_KEY)
            .env("SOULSPOT_ROUTER__ROUTER__HEALTH_INTERVAL_MS", "500")
            .env("SOULSPOT_ROUTER__PIPELINE__ACK_WAIT_MS", "2000")
            .env("SOULSPOT_ROUTER__PIPELINE__DOWNLOAD_TIMEOUT_MS", "20000")
            .env("SOULSPOT_ROUTER__PIPELINE__REQUEST_RETRY__BASE_MS", "50")
            .env("SOULSPOT_ROUTER__PIPELINE__DOWNLOAD_RETRY__BASE_MS", "50")
            .env("SOULSPOT_ROUTER__PIPELINE__STEP_RETRY__BASE_MS", "50")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Self { child }
    }

    /// SIGKILL: no announcement, no flush, no acknowledgement of anything in flight.
    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for RouterProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_address() -> String {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("127.0.0.1:{port}")
}

async fn wait_until_ready(http: &reqwest::Client, bind: &str) {
    for _ in 0..400 {
        if let Ok(response) = http.get(format!("http://{bind}/readyz")).send().await
            && response.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("router at {bind} never became ready");
}

async fn submit_jobs(http: &reqwest::Client, bind: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for n in 0..JOBS {
        let body = json!({"track": {"title": format!("Song {n}"), "artist": "Massive Attack"}});
        let reply: serde_json::Value = http
            .post(format!("http://{bind}/api/downloads"))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(reply["job_id"].as_str().unwrap().to_owned());
    }
    ids
}

async fn wait_for_all(app: &TestApp, ids: &[String]) {
    for id in ids {
        let job = app.wait_for_job(id, FINISH).await;
        assert_eq!(job["state"], "completed", "{job}");
    }
}

#[tokio::test]
async fn jobs_in_flight_when_the_router_is_killed_all_complete_after_restart_exactly_once() {
    let nats = NatsServer::start().unwrap();
    let bind = free_address();
    let http = keyed_client(TEST_API_KEY);
    let mut router = RouterProcess::spawn(&nats.url(), &bind);
    wait_until_ready(&http, &bind).await;
    let app = app_at(nats, bind.parse().unwrap());
    let counters = Arc::new(Counters::default());
    let slow = Downloads::Succeed {
        delay: Duration::from_millis(1500),
    };
    let _modules = [
        fakes::start_downloader(&app, slow, counters.clone()).await,
        fakes::start_metadata(&app).await,
        fakes::start_library(&app, counters.clone()).await,
        fakes::start_notifications(&app, counters.clone()).await,
    ];
    let ids = submit_jobs(&http, &bind).await;
    let in_flight = std::time::Instant::now();
    while counters.downloads.jobs() < JOBS / 2 {
        assert!(in_flight.elapsed() < FINISH, "downloads never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    router.kill();
    let _restarted = RouterProcess::spawn(&app.nats.url(), &bind);
    wait_until_ready(&http, &bind).await;
    wait_for_all(&app, &ids).await;

    // A job redelivered after the kill may call `import.track` again (the first run's
    // call can have been answered after the router died). A duplicate is prevented by the
    // library, not by the router: import is idempotent by job id, so a repeated call with the
    // job's id answers `already_imported` and files nothing. The fake behaves the same and
    // counts every call apart from every track actually filed; a repeat that lost or changed
    // the job id would file the track again and show here as an extra effective import.
    let calls = counters.import_calls.total();
    assert_eq!(
        counters.imports.total(),
        JOBS,
        "effective imports, from {calls} import calls"
    );
    assert_eq!(counters.import_calls.of(fakes::NO_JOB_ID), 0);
    for id in &ids {
        assert_eq!(counters.imports.of(id), 1, "job {id} filed once");
        assert!(counters.import_calls.of(id) >= 1, "job {id} import called");
        assert_eq!(counters.notifications.of(id), 1, "job {id} notified once");
    }
    assert_eq!(counters.notifications.total(), JOBS, "notification calls");
}

#[tokio::test]
async fn jobs_complete_when_nats_restarts_mid_run() {
    let mut app = spawn_app().await;
    let counters = Arc::new(Counters::default());
    let slow = Downloads::Succeed {
        delay: Duration::from_millis(1000),
    };
    let _modules = [
        fakes::start_downloader(&app, slow, counters.clone()).await,
        fakes::start_library(&app, counters.clone()).await,
        fakes::start_notifications(&app, counters.clone()).await,
    ];
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(
            app.post_download(json!({"track": {"title": format!("Song {n}"), "artist": "A"}}))
                .await,
        );
    }

    app.nats.restart().unwrap();
    for n in 5..8 {
        ids.push(
            app.post_download(json!({"track": {"title": format!("Song {n}"), "artist": "A"}}))
                .await,
        );
    }

    wait_for_all(&app, &ids).await;
    assert_eq!(counters.imports.jobs(), ids.len());
}
