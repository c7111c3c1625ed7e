//! The orchestrated pipeline with test-defined modules: the full flow, skipped and failing
//! steps, download retries, bad requests, and a router killed with jobs in flight.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::fakes::{self, Counters, Downloads};
use crate::helpers::{TestApp, spawn_app};

const FINISH: Duration = Duration::from_secs(30);

async fn full_stack(
    app: &TestApp,
    downloads: Downloads,
    counters: &Arc<Counters>,
) -> Vec<soulspot_runtime::RunningModule> {
    vec![
        fakes::start_search(app).await,
        fakes::start_downloader(app, downloads, counters.clone()).await,
        fakes::start_metadata(app).await,
        fakes::start_library(app, counters.clone()).await,
        fakes::start_notifications(app, counters.clone()).await,
    ]
}

/// A downloader and a metadata module: a job downloads, then fails at the import step.
async fn all_but_the_library(
    app: &TestApp,
    counters: &Arc<Counters>,
) -> [soulspot_runtime::RunningModule; 2] {
    let downloads = Downloads::Succeed {
        delay: Duration::ZERO,
    };
    [
        fakes::start_downloader(app, downloads, counters.clone()).await,
        fakes::start_metadata(app).await,
    ]
}

fn step<'a>(job: &'a Value, name: &str) -> &'a Value {
    job["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|step| step["name"] == name)
        .unwrap_or(&Value::Null)
}

#[tokio::test]
async fn a_query_goes_through_every_step_to_pipeline_completed() {
    let app = spawn_app().await;
    let counters = Arc::new(Counters::default());
    let _modules = full_stack(
        &app,
        Downloads::Succeed {
            delay: Duration::ZERO,
        },
        &counters,
    )
    .await;

    let job_id = app
        .post_download(json!({"query": "massive attack teardrop"}))
        .await;
    let job = app.wait_for_job(&job_id, FINISH).await;

    assert_eq!(job["state"], "completed", "{job}");
    for name in ["search", "download", "enrich", "import", "notify"] {
        assert_eq!(step(&job, name)["status"], "succeeded", "{name}: {job}");
        assert!(step(&job, name)["finished_at"].is_string());
    }
    assert_eq!(
        step(&job, "import")["result"]["path"],
        format!("/music/Massive Attack/Mezzanine/{job_id}.flac")
    );
    let (_, events) = app.get("/api/events?type=pipeline.completed").await;
    assert_eq!(events[0]["data"]["job_id"], job_id.as_str());
    assert_eq!(events[0]["correlation_id"], job_id.as_str());
    let (_, for_source) = app
        .get("/api/events?type=download.completed.for_source")
        .await;
    assert_eq!(for_source[0]["data"]["source"], "api");
    assert_eq!(counters.notifications.of(&job_id), 1);
}

#[tokio::test]
async fn without_a_metadata_module_the_track_is_imported_unenriched_and_the_step_skipped() {
    let app = spawn_app().await;
    let counters = Arc::new(Counters::default());
    let _modules = [
        fakes::start_downloader(
            &app,
            Downloads::Succeed {
                delay: Duration::ZERO,
            },
            counters.clone(),
        )
        .await,
        fakes::start_library(&app, counters.clone()).await,
        fakes::start_notifications(&app, counters.clone()).await,
    ];

    let job_id = app
        .post_download(json!({"track": {"title": "Teardrop", "artist": "Massive Attack"}}))
        .await;
    let job = app.wait_for_job(&job_id, FINISH).await;

    assert_eq!(job["state"], "completed", "{job}");
    assert_eq!(step(&job, "enrich")["status"], "skipped");
    assert_eq!(
        step(&job, "import")["result"]["path"],
        format!("/music/Massive Attack/Unknown Album/{job_id}.flac")
    );
    let (_, events) = app.get("/api/events?type=pipeline.completed").await;
    assert_eq!(events[0]["data"]["skipped_steps"], json!(["enrich"]));
}

#[tokio::test]
async fn without_a_library_module_the_job_fails_at_the_required_import_step() {
    let app = spawn_app().await;
    let counters = Arc::new(Counters::default());
    let _modules = all_but_the_library(&app, &counters).await;

    let job_id = app
        .post_download(json!({"track": {"title": "Teardrop", "artist": "Massive Attack"}}))
        .await;
    let job = app.wait_for_job(&job_id, FINISH).await;

    assert_eq!(job["state"], "failed", "{job}");
    assert_eq!(job["failure"]["step"], "import");
    assert!(
        job["failure"]["reason"]
            .as_str()
            .unwrap()
            .contains("import.track"),
        "{job}"
    );
    assert_eq!(
        step(&job, "import")["attempts"],
        1,
        "one routed call, whose tries follow the step's policy"
    );
    let (_, events) = app.get("/api/events?type=pipeline.failed").await;
    assert_eq!(events[0]["data"]["failed_step"], "import");
}

#[tokio::test]
async fn without_a_downloader_the_job_fails_with_its_download_step_marked_failed() {
    let app = spawn_app().await;
    let job_id = app
        .post_download(json!({"track": {"title": "Teardrop", "artist": "Massive Attack"}}))
        .await;
    let job = app.wait_for_job(&job_id, FINISH).await;

    assert_eq!(job["failure"]["step"], "download", "{job}");
    let download = step(&job, "download");
    assert_eq!(download["status"], "failed", "{job}");
    assert_eq!(download["error"], job["failure"]["reason"]);
}

#[tokio::test]
async fn a_retried_job_runs_again_from_its_failed_step_and_completes() {
    let app = spawn_app().await;
    let counters = Arc::new(Counters::default());
    let _modules = all_but_the_library(&app, &counters).await;
    let job_id = app
        .post_download(json!({"track": {"title": "Teardrop", "artist": "Massive Attack"}}))
        .await;
    let failed = app.wait_for_job(&job_id, FINISH).await;
    assert_eq!(failed["failure"]["step"], "import", "{failed}");
    let retry = format!("/api/jobs/{job_id}/retry");

    let _library = fakes::start_library(&app, counters.clone()).await;
    let (status, queued) = app.post(&retry, String::new()).await;

    assert_eq!(status, 202, "{queued}");
    assert_eq!(queued["state"], "queued");
    assert_eq!(queued["retries"], 1);
    assert_eq!(step(&queued, "import")["status"], "pending");
    let job = app.wait_for_job(&job_id, FINISH).await;
    assert_eq!(job["state"], "completed", "{job}");
    assert_eq!(job["failure"], Value::Null);
    assert_eq!(step(&job, "import")["attempts"], 2);
    assert_eq!(counters.downloads.of(&job_id), 1, "the download is kept");
    let (_, completed) = app.get("/api/events?type=pipeline.completed").await;
    assert_eq!(completed[0]["data"]["job_id"], job_id.as_str());

    let (status, body) = app.post(&retry, String::new()).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (409, &json!("not_failed"))
    );
    let (status, _) = app.post("/api/jobs/no-such-job/retry", String::new()).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_failing_required_step_is_tried_its_retries_plus_one_times_and_no_more() {
    let app = spawn_app().await;
    let counters = Arc::new(Counters::default());
    let _modules = [
        fakes::start_downloader(
            &app,
            Downloads::Succeed {
                delay: Duration::ZERO,
            },
            counters.clone(),
        )
        .await,
        fakes::start_broken_library(&app, counters.clone()).await,
    ];

    let job_id = app
        .post_download(json!({"track": {"title": "Teardrop", "artist": "Massive Attack"}}))
        .await;
    let job = app.wait_for_job(&job_id, FINISH).await;

    assert_eq!(job["state"], "failed", "{job}");
    assert!(
        job["failure"]["reason"]
            .as_str()
            .unwrap()
            .contains("library database is locked"),
        "{job}"
    );
    assert_eq!(
        counters.import_calls.total(),
        4,
        "retries: 3 in pipeline.yaml; the router's own rounds do not multiply them"
    );
}

#[tokio::test]
async fn a_download_that_fails_once_is_retried_and_completes() {
    let app = spawn_app().await;
    let counters = Arc::new(Counters::default());
    let _modules = full_stack(&app, Downloads::FailTimes(1), &counters).await;

    let job_id = app
        .post_download(json!({"track": {"title": "Teardrop", "artist": "Massive Attack"}}))
        .await;
    let job = app.wait_for_job(&job_id, FINISH).await;

    assert_eq!(job["state"], "completed", "{job}");
    assert_eq!(step(&job, "download")["attempts"], 2);
    assert_eq!(counters.downloads.of(&job_id), 2);
}

#[tokio::test]
async fn a_download_that_always_fails_ends_in_pipeline_failed() {
    let app = spawn_app().await;
    let counters = Arc::new(Counters::default());
    let _modules = full_stack(&app, Downloads::AlwaysFail, &counters).await;

    let job_id = app
        .post_download(json!({"track": {"title": "Teardrop", "artist": "Massive Attack"}}))
        .await;
    let job = app.wait_for_job(&job_id, FINISH).await;

    assert_eq!(job["state"], "failed", "{job}");
    assert_eq!(job["failure"]["step"], "download");
    assert_eq!(
        counters.downloads.of(&job_id),
        3,
        "download_retry.max_attempts"
    );
    assert_eq!(counters.imports.jobs(), 0);
}

#[tokio::test]
async fn a_query_nothing_matches_fails_at_the_search_step() {
    let app = spawn_app().await;
    let counters = Arc::new(Counters::default());
    let _modules = full_stack(
        &app,
        Downloads::Succeed {
            delay: Duration::ZERO,
        },
        &counters,
    )
    .await;

    let job_id = app.post_download(json!({"query": "nothing matches"})).await;
    let job = app.wait_for_job(&job_id, FINISH).await;

    assert_eq!(job["state"], "failed");
    assert_eq!(job["failure"]["step"], "search");
}

#[tokio::test]
async fn bad_download_requests_are_refused_and_create_no_job() {
    let app = spawn_app().await;
    let cases: [(&str, u16, &str); 7] = [
        ("{\"query\": ", 400, "bad_json"),
        (r#"{"query": "x", "colour": "red"}"#, 400, "invalid_request"),
        (r#"{"query": "   "}"#, 400, "invalid_request"),
        (r#"{}"#, 400, "invalid_request"),
        (
            r#"{"query": "x", "track": {"title": "a", "artist": "b"}}"#,
            400,
            "invalid_request",
        ),
        (r#"{"track": {"title": "a"}}"#, 400, "invalid_request"),
        (
            r#"{"track": {"title": "a", "artist": "b", "year": 1998}}"#,
            400,
            "invalid_request",
        ),
    ];
    for (body, status, code) in cases {
        let (got, reply) = app.post("/api/downloads", body.to_owned()).await;
        assert_eq!(got, status, "{body}: {reply}");
        assert_eq!(reply["error"]["code"], code, "{body}: {reply}");
    }
    let huge = format!(r#"{{"query": "{}"}}"#, "x".repeat(50_000));
    assert_eq!(app.post("/api/downloads", huge).await.0, 413);
    let (_, jobs) = app.get("/api/jobs").await;
    assert_eq!(jobs["jobs"], json!([]));
}

#[tokio::test]
async fn jobs_are_listed_by_state_and_unknown_jobs_are_404() {
    let app = spawn_app().await;
    let counters = Arc::new(Counters::default());
    let _modules = full_stack(
        &app,
        Downloads::Succeed {
            delay: Duration::ZERO,
        },
        &counters,
    )
    .await;
    let first = app.post_download(json!({"query": "teardrop"})).await;
    let failing = app.post_download(json!({"query": "nothing matches"})).await;
    app.wait_for_job(&first, FINISH).await;
    app.wait_for_job(&failing, FINISH).await;

    let (_, completed) = app.get("/api/jobs?state=completed").await;
    let ids: Vec<&str> = completed["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|job| job["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![first.as_str()]);
    let (_, page) = app.get("/api/jobs?limit=1").await;
    assert_eq!(page["jobs"].as_array().unwrap().len(), 1);
    assert_eq!(page["next_after"], first.as_str());
    assert_eq!(app.get("/api/jobs/no-such-job").await.0, 404);
    assert_eq!(app.get("/api/jobs?state=dancing").await.0, 400);
    // Ids the job store cannot hold as keys are unknown jobs, not a store failure.
    for id in ["E0VkxaBbeiY.", ".job", "a..b"] {
        assert_eq!(app.get(&format!("/api/jobs/{id}")).await.0, 404, "{id}");
        assert_eq!(
            app.get(&format!("/api/playlists/{id}")).await.0,
            404,
            "{id}"
        );
    }
}

#[tokio::test]
async fn a_fifty_track_playlist_syncs_completely_and_a_second_sync_enqueues_nothing() {
    let app = spawn_app().await;
    let counters = Arc::new(Counters::default());
    let _modules = full_stack(
        &app,
        Downloads::Succeed {
            delay: Duration::ZERO,
        },
        &counters,
    )
    .await;

    let (status, first) = app
        .post("/api/playlists/sync", r#"{"playlist": "fifty"}"#.to_owned())
        .await;
    assert_eq!(status, 202, "{first}");
    assert_eq!(first["total"], fakes::PLAYLIST_SIZE);
    let jobs = first["enqueued"].as_array().unwrap().clone();
    assert_eq!(jobs.len(), fakes::PLAYLIST_SIZE);
    let (_, resync_while_running) = app
        .post("/api/playlists/sync", r#"{"playlist": "fifty"}"#.to_owned())
        .await;
    assert_eq!(
        resync_while_running["enqueued"],
        json!([]),
        "jobs in flight are not queued twice"
    );
    for job in &jobs {
        let job = app.wait_for_job(job.as_str().unwrap(), FINISH).await;
        assert_eq!(job["state"], "completed", "{job}");
    }
    let (_, progress) = app.get("/api/playlists/fifty").await;
    assert_eq!(progress["states"]["completed"], fakes::PLAYLIST_SIZE);

    let (_, second) = app
        .post("/api/playlists/sync", r#"{"playlist": "fifty"}"#.to_owned())
        .await;

    assert_eq!(second["enqueued"], json!([]));
    assert_eq!(second["in_library"], fakes::PLAYLIST_SIZE);
    assert_eq!(counters.imports.jobs(), fakes::PLAYLIST_SIZE);
    let (_, for_source) = app
        .get("/api/events?type=download.completed.for_source&limit=1")
        .await;
    assert_eq!(for_source[0]["data"]["source"], "spotify");
    assert_eq!(for_source[0]["data"]["source_ref"], "fifty");
}

#[tokio::test]
async fn syncing_needs_a_playlist_and_an_unknown_playlist_has_no_progress() {
    let app = spawn_app().await;
    assert_eq!(
        app.post("/api/playlists/sync", r#"{"playlist": " "}"#.to_owned())
            .await
            .0,
        400
    );
    assert_eq!(
        app.post("/api/playlists/sync", r#"{"list": "x"}"#.to_owned())
            .await
            .0,
        400
    );
    assert_eq!(
        app.post("/api/playlists/sync", r#"{"playlist": "x"}"#.to_owned())
            .await
            .0,
        503
    );
    assert_eq!(app.get("/api/playlists/never").await.0, 404);
}

#[tokio::test]
async fn the_event_stream_follows_one_job_until_it_completes() {
    let app = spawn_app().await;
    let counters = Arc::new(Counters::default());
    let slow = Downloads::Succeed {
        delay: Duration::from_millis(500),
    };
    let _modules = full_stack(&app, slow, &counters).await;
    let job_id = app
        .post_download(json!({"track": {"title": "Teardrop", "artist": "Massive Attack"}}))
        .await;
    let other_job = app
        .post_download(json!({"track": {"title": "Angel", "artist": "Massive Attack"}}))
        .await;
    let url = format!("http://{}/api/events/stream?job={job_id}", app.address);
    let mut stream = app.http.get(url).send().await.unwrap();

    let mut received = String::new();
    while !received.contains("pipeline.completed") {
        let chunk = tokio::time::timeout(FINISH, stream.chunk())
            .await
            .expect("stream stalled")
            .unwrap()
            .expect("stream ended");
        received.push_str(&String::from_utf8_lossy(&chunk));
    }

    assert!(received.contains("event: job"), "{received}");
    assert!(received.contains("event: event"), "{received}");
    assert!(received.contains(&job_id));
    assert!(
        !received.contains(&other_job),
        "only the requested job: {received}"
    );
}
