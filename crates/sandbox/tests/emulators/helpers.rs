//! Spawning a sandbox per test and typed helpers to talk to it.

use std::future::Future;
use std::time::Duration;

use reqwest::Client;
use serde_json::{Value, json};
use soulspot_sandbox::{Sandbox, SandboxConfig};
use tempfile::TempDir;

/// Every request and every wait gives up after this long.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A running sandbox, its downloads directory, and an HTTP client.
pub struct TestSandbox {
    pub sandbox: Sandbox,
    pub client: Client,
    /// Kept alive for the test's duration; removed on drop.
    _downloads: TempDir,
}

/// A sandbox with no artificial delays.
pub async fn spawn_fast() -> TestSandbox {
    spawn_with(|_| {}).await
}

/// A sandbox whose config `adjust` may change (starts from fast timing).
pub async fn spawn_with(adjust: impl FnOnce(&mut SandboxConfig)) -> TestSandbox {
    let downloads = tempfile::tempdir().unwrap();
    let mut config = SandboxConfig::fast(downloads.path().join("downloads")).unwrap();
    config.audio_duration = Duration::from_millis(1500);
    adjust(&mut config);
    let sandbox = Sandbox::start(config).await.unwrap();
    let client = Client::builder().timeout(TIMEOUT).build().unwrap();
    TestSandbox {
        sandbox,
        client,
        _downloads: downloads,
    }
}

impl TestSandbox {
    pub fn slskd(&self, path: &str) -> String {
        format!("{}/api/v0{path}", self.sandbox.urls().slskd)
    }

    pub fn slskd_get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client
            .get(self.slskd(path))
            .header("X-API-Key", self.sandbox.slskd_api_key())
    }

    pub fn slskd_post(&self, path: &str, body: &Value) -> reqwest::RequestBuilder {
        self.client
            .post(self.slskd(path))
            .header("X-API-Key", self.sandbox.slskd_api_key())
            .json(body)
    }

    pub fn slskd_delete(&self, path: &str) -> reqwest::RequestBuilder {
        self.client
            .delete(self.slskd(path))
            .header("X-API-Key", self.sandbox.slskd_api_key())
    }

    /// Starts a search and waits until it completes; returns its responses.
    pub async fn search_and_wait(&self, text: &str) -> Vec<Value> {
        let created: Value = self
            .slskd_post(
                "/searches",
                &json!({ "searchText": text, "searchTimeout": 8000 }),
            )
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = created["id"].as_str().unwrap().to_owned();
        wait_until(|| async {
            let search: Value = self
                .slskd_get(&format!("/searches/{id}"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            search["isComplete"]
                .as_bool()
                .unwrap_or(false)
                .then_some(())
        })
        .await;
        self.slskd_get(&format!("/searches/{id}/responses"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Enqueues one file and returns the transfer id.
    pub async fn enqueue(&self, username: &str, filename: &str) -> String {
        let response = self
            .slskd_post(
                &format!("/transfers/downloads/{username}"),
                &json!([{ "filename": filename, "size": 1 }]),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.unwrap();
        body["enqueued"][0]["id"].as_str().unwrap().to_owned()
    }

    /// Polls the transfer until its state satisfies `done`; returns the transfer.
    pub async fn wait_for_transfer(
        &self,
        username: &str,
        id: &str,
        done: impl Fn(&str) -> bool,
    ) -> Value {
        wait_until(|| async {
            let transfer: Value = self
                .slskd_get(&format!("/transfers/downloads/{username}/{id}"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            done(transfer["state"].as_str().unwrap_or_default()).then_some(transfer)
        })
        .await
    }

    /// A Spotify access token for the configured client.
    pub async fn spotify_token(&self) -> String {
        let body: Value = self
            .client
            .post(format!(
                "{}/api/token",
                self.sandbox.urls().spotify_accounts
            ))
            .basic_auth("sandbox-client-id", Some("sandbox-client-secret"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    }

    pub fn spotify_get(&self, token: &str, path_and_query: &str) -> reqwest::RequestBuilder {
        let url = if path_and_query.starts_with("http") {
            path_and_query.to_owned()
        } else {
            format!("{}{path_and_query}", self.sandbox.urls().spotify_api)
        };
        self.client.get(url).bearer_auth(token)
    }

    pub fn musicbrainz_get(&self, path_and_query: &str) -> reqwest::RequestBuilder {
        self.client
            .get(format!(
                "{}{path_and_query}",
                self.sandbox.urls().musicbrainz
            ))
            .header("User-Agent", "SoulSpotTests/0.1 ( tests@soulspot.invalid )")
    }
}

/// Polls `probe` until it yields a value, failing after [`TIMEOUT`].
pub async fn wait_until<T, F, Fut>(mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not reached in time"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
