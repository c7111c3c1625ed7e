//! Clients pointed at a mock server, and responders that record when they were called.

use soulspot_runtime::outbound::Redirects;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use soulspot_common::RetryPolicy;
use soulspot_metadata::musicbrainz::{MusicBrainzClient, user_agent};
use soulspot_metadata::settings::MusicBrainzSettings;
use wiremock::{Request, Respond, ResponseTemplate};

pub const CONTACT: &str = "tests@soulspot.invalid";
pub const INTERVAL: Duration = Duration::from_millis(200);

pub fn settings(url: &str) -> MusicBrainzSettings {
    MusicBrainzSettings {
        url: url.to_owned(),
        contact: CONTACT.to_owned(),
        rate_limit_interval_ms: INTERVAL.as_millis() as u64,
        request_timeout_ms: 2_000,
        retry: RetryPolicy {
            base_ms: INTERVAL.as_millis() as u64,
            factor: 2,
            max_delay_ms: 30_000,
            max_attempts: 3,
            jitter_percent: 0,
        },
        cache_size: 16,
        duration_tolerance_ms: 10_000,
    }
}

pub fn http(settings: &MusicBrainzSettings) -> reqwest::Client {
    soulspot_runtime::outbound::client_builder(&expected_user_agent(), Redirects::AnyOrigin)
        .timeout(settings.request_timeout())
        .build()
        .unwrap()
}

pub fn expected_user_agent() -> String {
    user_agent(env!("CARGO_PKG_VERSION"), CONTACT)
}

pub fn musicbrainz(settings: &MusicBrainzSettings) -> MusicBrainzClient {
    MusicBrainzClient::new(http(settings), settings)
}

pub fn recording_list() -> Value {
    json!({"created": "2024-01-01T00:00:00Z", "count": 1, "offset": 0, "recordings": [{
        "id": "a72b2d8e-d16d-5526-aade-775aa69ee37e", "score": 100, "title": "Glass Harbour",
        "length": 214000,
        "artist-credit": [{"name": "Aurora Lane", "artist": {"id": "d554870a-3ce6-5c44-8d8a-e97425fad9cd", "name": "Aurora Lane"}}],
        "releases": [],
    }]})
}

/// Answers with `statuses` in turn (the last one repeats) and records when each call came.
pub struct Scripted {
    responses: Vec<ResponseTemplate>,
    calls: Arc<Mutex<Vec<Instant>>>,
}

impl Scripted {
    pub fn new(responses: Vec<ResponseTemplate>) -> (Self, Arc<Mutex<Vec<Instant>>>) {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let responder = Self {
            responses,
            calls: Arc::clone(&calls),
        };
        (responder, calls)
    }
}

impl Respond for Scripted {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let mut calls = self.calls.lock().unwrap();
        calls.push(Instant::now());
        let index = (calls.len() - 1).min(self.responses.len() - 1);
        self.responses[index].clone()
    }
}

/// Gaps between consecutive calls.
pub fn gaps(calls: &Mutex<Vec<Instant>>) -> Vec<Duration> {
    let calls = calls.lock().unwrap();
    calls.windows(2).map(|pair| pair[1] - pair[0]).collect()
}
