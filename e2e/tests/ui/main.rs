//! The dashboard in a real browser (headless Chromium through WebDriver) against the whole
//! stack: modules and their badges live over the stream, a search and a download followed to
//! the end, a failed job run again from its retry button. Each state is saved as a screenshot
//! under `target/ui-screenshots/`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod webdriver;

use std::time::Duration;

use serde_json::json;
use soulspot_e2e::{Module, Stack, StackOptions};
use webdriver::Browser;

const SEEN: Duration = Duration::from_secs(20);
const FINISH: Duration = Duration::from_secs(90);
const TRACK: &str = "Aurora Lane Glass Harbour";

/// The stack and a browser showing its dashboard, key given.
struct Dashboard {
    stack: Stack,
    browser: Browser,
}

impl Dashboard {
    async fn open() -> Self {
        let dashboard = Self::without_key().await;
        let key = dashboard.stack.api_key.expose().to_owned();
        dashboard.give_key(&key).await;
        dashboard
    }

    /// The page open at its key form.
    async fn without_key() -> Self {
        let stack = Stack::start(StackOptions::default()).await.unwrap();
        let browser = Browser::start().await.unwrap();
        browser.open(&stack.url("/")).await.unwrap();
        Self { stack, browser }
    }

    async fn give_key(&self, key: &str) {
        let input = self.browser.find("#key-input").await.unwrap();
        self.browser
            .type_into(&input, &format!("{key}\n"))
            .await
            .unwrap();
    }

    /// Waits until `script` (a function body) returns something truthy in the page.
    async fn wait_for(&self, what: &str, script: &str, limit: Duration) -> serde_json::Value {
        self.browser.wait_for(what, script, limit).await.unwrap()
    }

    async fn module_status(&self, module: &str, status: &str) {
        let script = format!(
            "return document.querySelector('[data-module=\"{module}\"]')?.dataset.status === '{status}'"
        );
        self.wait_for(&format!("{module} {status}"), &script, SEEN)
            .await;
    }

    async fn screenshot(&self, state: &str) {
        let path = self.browser.screenshot(state).await.unwrap();
        eprintln!("screenshot: {}", path.display());
    }

    /// Searches for `query` on the page and clicks the first result's download button;
    /// returns the job's row id once the row shows.
    async fn search_and_download(&self, query: &str) -> String {
        let input = self.browser.find("#search-input").await.unwrap();
        self.browser
            .type_into(&input, &format!("{query}\n"))
            .await
            .unwrap();
        self.wait_for(
            "search results",
            "return document.querySelectorAll('#search-results button.download').length",
            SEEN,
        )
        .await;
        self.click("#search-results button.download").await;
        let job = self
            .wait_for(
                "job row",
                "return document.querySelector('#jobs tr[data-job]')?.dataset.job",
                SEEN,
            )
            .await;
        job.as_str().unwrap().to_owned()
    }

    async fn job_state(&self, job: &str, state: &str, limit: Duration) {
        let script = format!(
            "return document.querySelector('#jobs tr[data-job=\"{job}\"]')?.dataset.state === '{state}'"
        );
        self.wait_for(&format!("job {state}"), &script, limit).await;
    }

    /// The text of the element `css` names as shown (empty when it is hidden), read in one
    /// step: the page redraws a job's row on each update, which would leave an element found
    /// first stale.
    async fn text(&self, css: &str) -> String {
        let script = "const e = document.querySelector(arguments[0]);
            return e === null ? null : (e.checkVisibility() ? e.innerText : '')";
        let text = self.browser.run(script, json!([css])).await.unwrap();
        text.as_str()
            .unwrap_or_else(|| panic!("no element matches `{css}`"))
            .to_owned()
    }

    /// Clicks the element `css` names, found again when a redraw replaced it in between.
    async fn click(&self, css: &str) {
        let mut tries = 0;
        loop {
            let element = self.browser.find(css).await.unwrap();
            match self.browser.click(&element).await {
                Ok(()) => return,
                Err(error) if tries < 3 => {
                    tries += 1;
                    eprintln!("click on `{css}` retried: {error:#}");
                }
                Err(error) => panic!("click on `{css}`: {error:#}"),
            }
        }
    }
}

#[tokio::test]
async fn the_page_asks_for_the_key_again_when_refused_and_keeps_a_good_one_across_reloads() {
    let dashboard = Dashboard::without_key().await;
    let key_form_shown = "return !document.getElementById('key-panel').hidden";

    dashboard.give_key("not-the-key-0123456789abcdef").await;

    dashboard
        .wait_for(
            "the key refused",
            "return document.getElementById('key-error').textContent.includes('refused')",
            SEEN,
        )
        .await;
    let hidden = dashboard
        .browser
        .run(
            "return document.getElementById('dashboard').hidden",
            json!([]),
        )
        .await
        .unwrap();
    assert_eq!(hidden, json!(true), "no dashboard behind a refused key");
    let key = dashboard.stack.api_key.expose().to_owned();
    dashboard.give_key(&key).await;
    dashboard.module_status("soulseek", "active").await;
    dashboard
        .browser
        .open(&dashboard.stack.url("/"))
        .await
        .unwrap();
    dashboard.module_status("soulseek", "active").await;
    let asked = dashboard
        .browser
        .run(key_form_shown, json!([]))
        .await
        .unwrap();
    assert_eq!(asked, json!(false), "the key is asked for once");
}

#[tokio::test]
async fn every_module_shows_active_and_a_stopped_one_turns_inactive_with_its_warning_without_a_reload()
 {
    let dashboard = Dashboard::open().await;
    for module in [
        "library",
        "metadata",
        "notifications",
        "soulseek",
        "spotify",
    ] {
        dashboard.module_status(module, "active").await;
    }
    let capabilities = dashboard
        .text("[data-module=\"soulseek\"] .capabilities")
        .await;
    assert!(capabilities.contains("download.track"), "{capabilities}");
    let warnings = dashboard.text("#no-warnings").await;
    assert!(warnings.contains("Every capability"), "{warnings}");
    dashboard.screenshot("all-active").await;
    // A reload would lose this mark.
    dashboard
        .browser
        .run("window.notReloaded = true; return true", json!([]))
        .await
        .unwrap();

    dashboard.stack.stop_module(Module::Soulseek).await.unwrap();

    dashboard.module_status("soulseek", "inactive").await;
    let warning = dashboard
        .text("[data-module=\"soulseek\"] .module-warning")
        .await;
    assert!(warning.contains("download.track"), "{warning}");
    assert!(
        warning.contains("Impact: requests for download.track fail until a provider is active"),
        "{warning}"
    );
    assert!(
        warning.contains("Action: start soulseek or another module that offers download.track"),
        "{warning}"
    );
    let missing = dashboard.text("#warnings").await;
    assert!(missing.contains("download.track"), "{missing}");
    dashboard.module_status("spotify", "active").await;
    let same_page = dashboard
        .browser
        .run("return window.notReloaded === true", json!([]))
        .await
        .unwrap();
    assert_eq!(same_page, json!(true), "the page was reloaded");
    dashboard.screenshot("module-stopped").await;
}

#[tokio::test]
async fn a_search_and_a_click_on_download_bring_the_job_to_completed_on_the_page() {
    let dashboard = Dashboard::open().await;
    dashboard.module_status("soulseek", "active").await;

    let job = dashboard.search_and_download(TRACK).await;

    dashboard.job_state(&job, "completed", FINISH).await;
    let row = format!("#jobs tr[data-job=\"{job}\"]");
    let progress = dashboard.text(&format!("{row} .progress")).await;
    assert!(progress.contains("100%"), "{progress}");
    let track = dashboard.text(&format!("{row} td")).await;
    assert!(track.contains("Glass Harbour"), "{track}");
    let stored = dashboard
        .stack
        .get(&format!("/api/jobs/{job}"))
        .await
        .unwrap();
    assert_eq!(stored["state"], "completed", "{stored}");
    dashboard.screenshot("job-completed").await;
}

#[tokio::test]
async fn a_failed_jobs_retry_button_runs_it_again_to_completion() {
    let dashboard = Dashboard::open().await;
    dashboard.stack.stop_module(Module::Soulseek).await.unwrap();
    dashboard.module_status("soulseek", "inactive").await;
    let job = dashboard.search_and_download(TRACK).await;
    dashboard.job_state(&job, "failed", FINISH).await;
    let row = format!("#jobs tr[data-job=\"{job}\"]");
    let error = dashboard.text(&format!("{row} .error")).await;
    assert!(error.contains("download"), "{error}");
    dashboard.screenshot("job-failed").await;

    dashboard
        .stack
        .start_module(Module::Soulseek)
        .await
        .unwrap();
    dashboard.module_status("soulseek", "active").await;
    dashboard.click(&format!("{row} button.retry")).await;

    dashboard.job_state(&job, "completed", FINISH).await;
    let attempts = dashboard.text(&format!("{row} .attempts")).await;
    assert!(attempts.contains("retried 1"), "{attempts}");
    let stored = dashboard
        .stack
        .get(&format!("/api/jobs/{job}"))
        .await
        .unwrap();
    assert_eq!(stored["retries"], 1, "{stored}");
    dashboard.screenshot("job-retried").await;
}

#[tokio::test]
async fn a_synced_playlist_shows_its_tracks_progress_as_jobs_complete() {
    let dashboard = Dashboard::open().await;
    dashboard.module_status("spotify", "active").await;
    let input = dashboard.browser.find("#playlist-input").await.unwrap();

    dashboard
        .browser
        .type_into(&input, "sandboxdemo00000000000\n")
        .await
        .unwrap();

    let item = "#playlists li[data-playlist=\"sandboxdemo00000000000\"]";
    let done = dashboard
        .wait_for(
            "a playlist track completed",
            &format!("return Number(document.querySelector('{item} progress')?.value)"),
            FINISH,
        )
        .await;
    assert!(done.as_f64().unwrap() >= 1.0, "{done}");
    let shown = dashboard.text(item).await;
    assert!(shown.contains("Sandbox Demo"), "{shown}");
    assert!(shown.contains("/5"), "{shown}");
    let status = dashboard.text("#playlist-status").await;
    assert!(status.starts_with("Sandbox Demo: 5 tracks"), "{status}");
    dashboard.screenshot("playlist-progress").await;
}
