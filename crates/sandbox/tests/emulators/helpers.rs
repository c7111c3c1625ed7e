//! Spawning a sandbox per test and typed helpers to talk to it.

use std::future::Future;
use std::time::Duration;

use reqwest::{Client, RequestBuilder, StatusCode};
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

    pub fn slskd_get(&self, path: &str) -> RequestBuilder {
        self.client
            .get(self.slskd(path))
            .header("X-API-Key", self.sandbox.slskd_api_key())
    }

    pub fn slskd_post(&self, path: &str, body: &Value) -> RequestBuilder {
        self.client
            .post(self.slskd(path))
            .header("X-API-Key", self.sandbox.slskd_api_key())
            .json(body)
    }

    pub fn slskd_delete(&self, path: &str) -> RequestBuilder {
        self.client
            .delete(self.slskd(path))
            .header("X-API-Key", self.sandbox.slskd_api_key())
    }

    /// Starts a search with `body`; returns the created search.
    pub async fn start_search(&self, body: &Value) -> Value {
        let created = self.slskd_post("/searches", body).send().await.unwrap();
        created.error_for_status().unwrap().json().await.unwrap()
    }

    /// Polls search `id` (read with `query`, e.g. `?includeResponses=true`) until it
    /// completes; returns the completed search.
    pub async fn wait_for_search(&self, id: &str, query: &str) -> Value {
        wait_until(|| async {
            let search = json_of(self.slskd_get(&format!("/searches/{id}{query}"))).await;
            (search["isComplete"] == true).then_some(search)
        })
        .await
    }

    /// Starts a search and waits until it completes; returns its responses.
    pub async fn search_and_wait(&self, text: &str) -> Vec<Value> {
        let created = self
            .start_search(&json!({ "searchText": text, "searchTimeout": 8000 }))
            .await;
        let id = created["id"].as_str().unwrap().to_owned();
        self.wait_for_search(&id, "").await;
        let responses = json_of(self.slskd_get(&format!("/searches/{id}/responses"))).await;
        serde_json::from_value(responses).unwrap()
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

    /// The transfer `id` of `username` as slskd reports it now.
    pub async fn transfer(&self, username: &str, id: &str) -> Value {
        json_of(self.slskd_get(&format!("/transfers/downloads/{username}/{id}"))).await
    }

    /// Polls the transfer until it satisfies `done`; returns the transfer.
    pub async fn wait_for_transfer_where(
        &self,
        username: &str,
        id: &str,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        wait_until(|| async {
            let transfer = self.transfer(username, id).await;
            done(&transfer).then_some(transfer)
        })
        .await
    }

    /// Polls the transfer until its state satisfies `done`; returns the transfer.
    pub async fn wait_for_transfer(
        &self,
        username: &str,
        id: &str,
        done: impl Fn(&str) -> bool,
    ) -> Value {
        self.wait_for_transfer_where(username, id, |transfer| {
            done(transfer["state"].as_str().unwrap_or_default())
        })
        .await
    }

    /// A Spotify access token for the configured client.
    pub async fn spotify_token(&self) -> String {
        let body = json_of(
            self.client
                .post(format!(
                    "{}/api/token",
                    self.sandbox.urls().spotify_accounts
                ))
                .basic_auth("sandbox-client-id", Some("sandbox-client-secret"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("grant_type=client_credentials"),
        )
        .await;
        body["access_token"].as_str().unwrap().to_owned()
    }

    pub fn spotify_get(&self, token: &str, path_and_query: &str) -> RequestBuilder {
        let url = if path_and_query.starts_with("http") {
            path_and_query.to_owned()
        } else {
            format!("{}{path_and_query}", self.sandbox.urls().spotify_api)
        };
        self.client.get(url).bearer_auth(token)
    }

    pub fn musicbrainz_get(&self, path_and_query: &str) -> RequestBuilder {
        self.client
            .get(format!(
                "{}{path_and_query}",
                self.sandbox.urls().musicbrainz
            ))
            .header("User-Agent", "SoulSpotTests/0.1 ( tests@soulspot.invalid )")
    }
}

/// Sends `request` and reads its JSON body.
pub async fn json_of(request: RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}

/// Sends `request`; the status it answered with.
pub async fn status_of(request: RequestBuilder) -> StatusCode {
    request.send().await.unwrap().status()
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
