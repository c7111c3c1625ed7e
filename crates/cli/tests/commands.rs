//! The built `soulspot` binary against the whole stack in process: tracks reach the library,
//! failures name their step, listings and status read back, keys and addresses are checked.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use serde_json::Value;
use soulspot_e2e::{Module, Stack, StackOptions};

/// No command of these tests takes longer (a generous bound, not a timing assertion).
const COMMAND_LIMIT: Duration = Duration::from_secs(120);

async fn stack() -> Stack {
    let options = StackOptions {
        fast: true,
        ..StackOptions::default()
    };
    Stack::start(options).await.unwrap()
}

/// Runs `soulspot` with `args` and only `environment` (no config file is found: `HOME` and
/// `XDG_CONFIG_HOME` point at an empty folder unless given).
async fn soulspot_with_env(args: &[&str], environment: &[(&str, &str)]) -> Output {
    let home = tempfile::tempdir().unwrap();
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_soulspot"));
    command
        .args(args)
        .env_clear()
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .envs(environment.iter().copied())
        .kill_on_drop(true);
    tokio::time::timeout(COMMAND_LIMIT, command.output())
        .await
        .unwrap_or_else(|_| panic!("soulspot {args:?} did not end"))
        .unwrap()
}

/// Runs `soulspot` against `stack` with the URL and key given as flags.
async fn soulspot(stack: &Stack, args: &[&str]) -> Output {
    let url = stack.url("");
    let mut all = vec!["--url", url.as_str(), "--api-key", stack.api_key.expose()];
    all.extend_from_slice(args);
    soulspot_with_env(&all, &[]).await
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}\n{}", stdout(output), stderr(output)))
}

fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        stdout(output),
        stderr(output)
    );
}

fn is_inside(path: &Path, root: &Path) -> bool {
    path.canonicalize()
        .unwrap()
        .starts_with(root.canonicalize().unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn get_prints_the_library_path_of_the_file_and_jobs_lists_it_as_completed() {
    let stack = stack().await;

    let output = soulspot(&stack, &["get", "Aurora Lane", "Glass Harbour"]).await;

    assert_exit(&output, 0);
    let path = PathBuf::from(stdout(&output).trim());
    assert!(path.is_file(), "{}", path.display());
    assert!(
        is_inside(&path, &stack.library_root()),
        "{}",
        path.display()
    );
    assert!(
        path.ends_with("01 - Glass Harbour.flac"),
        "{}",
        path.display()
    );
    // Not a terminal: a line per step as it moved on.
    let progress = stderr(&output);
    for step in ["search", "download", "import"] {
        assert!(
            progress.contains(&format!("{step}: succeeded")),
            "{progress}"
        );
    }

    let completed = soulspot(&stack, &["jobs", "--state", "completed", "--json"]).await;
    let failed = soulspot(&stack, &["jobs", "--state", "failed", "--json"]).await;

    assert_exit(&completed, 0);
    let jobs = json(&completed);
    let jobs = jobs.as_array().unwrap();
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0]["state"], "completed");
    assert_eq!(jobs[0]["request"]["query"], "Aurora Lane Glass Harbour");
    assert_eq!(json(&failed), Value::Array(Vec::new()));
}

#[tokio::test(flavor = "multi_thread")]
async fn get_with_a_spotify_track_link_fetches_that_very_track() {
    let stack = stack().await;
    // "Paper Satellites" by Aurora Lane in the sandbox's catalog.
    let link = "https://open.spotify.com/track/6tcijsRUnmk6EQychxpTeB?si=share";

    let output = soulspot(&stack, &["get", "--spotify", link]).await;

    assert_exit(&output, 0);
    let path = PathBuf::from(stdout(&output).trim());
    assert!(path.is_file(), "{}", path.display());
    assert!(
        path.ends_with("03 - Paper Satellites.flac"),
        "{}",
        path.display()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn get_of_a_track_nobody_has_exits_1_with_the_failed_step_and_reason() {
    let stack = stack().await;

    let output = soulspot(&stack, &["--json", "get", "Nobody Plays This Song"]).await;

    assert_exit(&output, 1);
    let job = json(&output);
    assert_eq!(job["state"], "failed");
    let step = job["failure"]["step"].as_str().unwrap();
    let reason = job["failure"]["reason"].as_str().unwrap();
    assert!(!reason.is_empty());
    let message = stderr(&output);
    assert!(
        message.contains(&format!("failed at step `{step}`: {reason}")),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_runs_a_failed_job_again_and_follows_it_to_its_end() {
    let stack = stack().await;
    let failed = soulspot(&stack, &["--json", "get", "Nobody Plays This Song"]).await;
    assert_exit(&failed, 1);
    let job_id = json(&failed)["id"].as_str().unwrap().to_owned();

    let retried = soulspot(&stack, &["--json", "retry", &job_id]).await;
    let unknown = soulspot(&stack, &["retry", "no-such-job"]).await;
    let listed = soulspot(&stack, &["jobs", "--state", "failed"]).await;

    // Nobody has it the second time either: it ends failed again, once retried.
    assert_exit(&retried, 1);
    let job = json(&retried);
    assert_eq!(job["id"], job_id.as_str());
    assert_eq!(job["state"], "failed");
    assert_eq!(job["retries"], 1);
    let step = job["failure"]["step"].as_str().unwrap();
    assert!(
        stderr(&retried).contains(&format!("job {job_id} failed at step `{step}`")),
        "{}",
        stderr(&retried)
    );
    let listing = stdout(&listed);
    assert!(
        listing.starts_with(&format!("{job_id}  failed")),
        "{listing}"
    );
    assert!(listing.contains("(retried 1×)"), "{listing}");
    assert!(
        listing.contains(&format!("failed at {step}: ")),
        "{listing}"
    );
    assert_exit(&unknown, 5);
    assert!(
        stderr(&unknown).contains("404 `not_found`"),
        "{}",
        stderr(&unknown)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn status_shows_every_module_from_the_environments_url_and_key() {
    let stack = stack().await;
    let url = stack.url("");

    let output = soulspot_with_env(
        &["status", "--json"],
        &[
            ("SOULSPOT_URL", url.as_str()),
            ("SOULSPOT_API_KEY", stack.api_key.expose()),
        ],
    )
    .await;
    let text = soulspot(&stack, &["status"]).await;

    assert_exit(&output, 0);
    let status = json(&output);
    let mut modules: Vec<&str> = status["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|module| module["name"].as_str().unwrap())
        .collect();
    modules.sort_unstable();
    assert_eq!(
        modules,
        [
            "library",
            "metadata",
            "notifications",
            "soulseek",
            "spotify"
        ]
    );
    assert_exit(&text, 0);
    assert!(stdout(&text).contains("import.track"), "{}", stdout(&text));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_key_exits_4_and_an_unreachable_router_exits_3() {
    let stack = stack().await;
    let url = stack.url("");
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };

    let refused = soulspot_with_env(
        &["--url", &url, "--api-key", "not-the-key-0000", "status"],
        &[],
    )
    .await;
    let unreachable = soulspot_with_env(&["--url", &closed, "--api-key", "k", "status"], &[]).await;

    assert_exit(&refused, 4);
    assert!(
        stderr(&refused).contains("refused the API key"),
        "{}",
        stderr(&refused)
    );
    assert_exit(&unreachable, 3);
    assert!(
        stderr(&unreachable).contains(&format!("cannot reach the router at {closed}")),
        "{}",
        stderr(&unreachable)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_config_file_names_the_router_and_a_bad_one_exits_2() {
    let stack = stack().await;
    let folder = tempfile::tempdir().unwrap();
    let config = folder.path().join("cli.toml");
    std::fs::write(
        &config,
        format!(
            "url = \"{}\"\napi_key = \"{}\"\n",
            stack.url(""),
            stack.api_key.expose()
        ),
    )
    .unwrap();
    let broken = folder.path().join("broken.toml");
    std::fs::write(&broken, "url = [\n").unwrap();

    let output = soulspot_with_env(&["--config", config.to_str().unwrap(), "status"], &[]).await;
    let bad = soulspot_with_env(&["--config", broken.to_str().unwrap(), "status"], &[]).await;

    assert_exit(&output, 0);
    assert!(stdout(&output).contains("soulseek"), "{}", stdout(&output));
    assert_exit(&bad, 2);
    assert!(stderr(&bad).contains("is not valid"), "{}", stderr(&bad));
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_prints_a_line_per_track_and_exits_0_when_all_are_in_the_library() {
    let stack = stack().await;

    let output = soulspot(&stack, &["sync", "sandboxdemo00000000000"]).await;

    assert_exit(&output, 0);
    let lines: Vec<String> = stdout(&output).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 5, "{lines:#?}");
    for (number, line) in lines.iter().enumerate() {
        assert!(
            line.starts_with(&format!("[{}/5] ✓ ", number + 1)),
            "{lines:#?}"
        );
        let path = line.rsplit("  ").next().unwrap();
        assert!(Path::new(path).is_file(), "{line}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_exits_1_naming_each_track_that_failed_and_why() {
    // No downloader: every job fails at its download step.
    let options = StackOptions {
        fast: true,
        modules: vec![Module::Spotify, Module::Metadata, Module::Library],
        ..StackOptions::default()
    };
    let stack = Stack::start(options).await.unwrap();

    let output = soulspot(&stack, &["sync", "sandboxdemo00000000000"]).await;

    assert_exit(&output, 1);
    let lines: Vec<String> = stdout(&output).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 5, "{lines:#?}");
    for line in &lines {
        assert!(line.contains(" ✗ "), "{lines:#?}");
        assert!(line.contains("failed at download: "), "{lines:#?}");
    }
    assert!(
        stderr(&output).contains("5 of 5 tracks of the playlist did not reach the library"),
        "{}",
        stderr(&output)
    );
}
