//! A wiremock Spotify (accounts and Web API on one server) and a client pointed at it.

use std::time::Duration;

use serde_json::{Value, json};
use soulspot_runtime::Secret;
use soulspot_spotify::{SpotifyApiSettings, SpotifyClient};
use wiremock::matchers::{basic_auth, body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const PLAYLIST_ID: &str = "37i9dQZF1DXcBWIGoYBM5M";

pub struct FakeSpotify {
    pub server: MockServer,
}

impl FakeSpotify {
    pub async fn start() -> Self {
        Self {
            server: MockServer::start().await,
        }
    }

    pub fn settings(&self) -> SpotifyApiSettings {
        SpotifyApiSettings {
            accounts_url: self.server.uri(),
            api_url: self.server.uri(),
            client_id: "client-id".to_owned(),
            client_secret: Secret::new("client-secret"),
            request_timeout_ms: 1_000,
            call_budget_ms: 3_000,
            ..SpotifyApiSettings::default()
        }
    }

    pub fn client(&self) -> SpotifyClient {
        self.client_with(self.settings())
    }

    pub fn client_with(&self, settings: SpotifyApiSettings) -> SpotifyClient {
        SpotifyClient::new(&settings).unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.uri())
    }

    /// The token endpoint, checking the client-credentials request, expected `times` times.
    pub async fn issues_token(&self, token: &str, expires_in: u64, times: u64) {
        token_endpoint()
            .respond_with(token_response(token, expires_in))
            .expect(times)
            .mount(&self.server)
            .await;
    }

    /// Answers every Web API read with Spotify's 404 body: nothing by that id.
    pub async fn has_nothing(&self) {
        Mock::given(method("GET"))
            .respond_with(
                ResponseTemplate::new(404).set_body_json(
                    json!({"error": {"status": 404, "message": "Resource not found"}}),
                ),
            )
            .mount(&self.server)
            .await;
    }

    /// Answers every search with one page of `items`.
    pub async fn answers_search(&self, items: Vec<Value>) {
        Mock::given(method("GET"))
            .and(path("/v1/search"))
            .respond_with(ResponseTemplate::new(200).set_body_json(search_page(items)))
            .mount(&self.server)
            .await;
    }
}

pub fn token_endpoint() -> wiremock::MockBuilder {
    Mock::given(method("POST"))
        .and(path("/api/token"))
        .and(basic_auth("client-id", "client-secret"))
        .and(body_string_contains("grant_type=client_credentials"))
}

pub fn token_response(token: &str, expires_in: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": expires_in,
    }))
}

pub fn search_page(items: Vec<Value>) -> Value {
    json!({"tracks": {"href": "", "items": items, "limit": 10, "next": null, "offset": 0, "previous": null, "total": 1}})
}

pub fn track_json(id: &str, title: &str) -> Value {
    json!({
        "type": "track",
        "id": id,
        "name": title,
        "artists": [{"id": "artist", "name": "Massive Attack"}],
        "album": {"id": "album", "name": "Mezzanine"},
        "duration_ms": 330_000,
    })
}

pub fn is_quick(elapsed: Duration) -> bool {
    elapsed < Duration::from_millis(900)
}
