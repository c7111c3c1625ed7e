//! The Spotify Web API client: track search and playlist reading, with the app token, one
//! retry after a 401, `Retry-After` honoured on 429, and a budget for each whole call.

use std::future::Future;
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::RETRY_AFTER;
use serde::de::DeserializeOwned;
use soulspot_common::{Backoff, RetryPolicy, parse_retry_after};
use soulspot_contracts::TrackRef;
use tokio::time::Instant;

use crate::error::SpotifyError;
use crate::http::{Http, Reply};
use crate::model::{Page, PlaylistEntry, PlaylistName, SearchResponse, TrackObject};
use crate::settings::SpotifyApiSettings;
use crate::token::{TokenSettings, TokenSource};

/// Spotify caps search pages at 10 results for development-mode apps (February 2026).
pub const MAX_SEARCH_LIMIT: u32 = 10;
/// The largest page of playlist entries Spotify serves.
const PLAYLIST_PAGE_SIZE: &str = "100";

/// A playlist's name and tracks, in playlist order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Playlist {
    pub id: String,
    pub name: Option<String>,
    pub tracks: Vec<TrackRef>,
}

/// The Web API as the module uses it.
#[derive(Debug)]
pub struct SpotifyClient {
    http: Http,
    tokens: TokenSource,
    api_url: String,
    market: Option<String>,
    call_budget: Duration,
    max_retry_after: Duration,
    rate_limit_retry: RetryPolicy,
}

impl SpotifyClient {
    pub fn new(settings: &SpotifyApiSettings) -> Result<Self, SpotifyError> {
        let http = Http::new(settings.request_timeout())?;
        let tokens = TokenSource::new(
            http.clone(),
            TokenSettings {
                token_url: format!("{}/api/token", settings.accounts_url.trim_end_matches('/')),
                client_id: settings.client_id.clone(),
                client_secret: settings.client_secret.clone(),
                refresh_margin: settings.token_refresh_margin(),
            },
        );
        Ok(Self {
            http,
            tokens,
            api_url: settings.api_url.trim_end_matches('/').to_owned(),
            market: settings.market.clone().filter(|market| !market.is_empty()),
            call_budget: settings.call_budget(),
            max_retry_after: settings.max_retry_after(),
            rate_limit_retry: settings.rate_limit_retry,
        })
    }

    /// Tracks matching `query`, best first; `limit` is clamped to 1..=10.
    #[tracing::instrument(skip(self), level = "debug")]
    pub async fn search_tracks(
        &self,
        query: &str,
        limit: u32,
    ) -> Result<Vec<TrackRef>, SpotifyError> {
        const ENDPOINT: &str = "search";
        let limit = limit.clamp(1, MAX_SEARCH_LIMIT).to_string();
        let url = format!("{}/v1/search", self.api_url);
        let mut params = vec![("q", query), ("type", "track"), ("limit", limit.as_str())];
        params.extend(self.market_param());
        let deadline = Instant::now() + self.call_budget;
        let response: SearchResponse = self
            .within_budget(ENDPOINT, self.get_json(ENDPOINT, &url, &params, deadline))
            .await?;
        let items = response.tracks.map(|page| page.items).unwrap_or_default();
        Ok(items
            .into_iter()
            .flatten()
            .filter_map(TrackObject::into_track_ref)
            .collect())
    }

    /// The track with this id, `None` when Spotify has none.
    #[tracing::instrument(skip(self), level = "debug")]
    pub async fn track(&self, track_id: &str) -> Result<Option<TrackRef>, SpotifyError> {
        const ENDPOINT: &str = "track";
        let url = format!("{}/v1/tracks/{track_id}", self.api_url);
        let params: Vec<(&str, &str)> = self.market_param().into_iter().collect();
        let deadline = Instant::now() + self.call_budget;
        let call = self.get_json::<TrackObject>(ENDPOINT, &url, &params, deadline);
        match self.within_budget(ENDPOINT, call).await {
            Ok(track) => Ok(track.into_track_ref()),
            Err(SpotifyError::NotFound { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// The playlist's name and every track on it, following `next` across pages.
    #[tracing::instrument(skip(self), level = "debug")]
    pub async fn playlist(&self, playlist_id: &str) -> Result<Playlist, SpotifyError> {
        let deadline = Instant::now() + self.call_budget;
        self.within_budget("playlist", self.read_playlist(playlist_id, deadline))
            .await
    }

    /// For health checks: a fresh cached token, or one token request (see `TokenSource::check`).
    pub async fn check_token(&self) -> Result<(), String> {
        self.tokens.check().await
    }

    async fn read_playlist(
        &self,
        playlist_id: &str,
        deadline: Instant,
    ) -> Result<Playlist, SpotifyError> {
        let playlist_url = format!("{}/v1/playlists/{playlist_id}", self.api_url);
        let mut params = vec![("fields", "name")];
        params.extend(self.market_param());
        let header: PlaylistName = self
            .get_json("playlist", &playlist_url, &params, deadline)
            .await?;
        let mut tracks = Vec::new();
        let mut next = Some(format!("{playlist_url}/items"));
        let mut first_params = vec![("limit", PLAYLIST_PAGE_SIZE)];
        first_params.extend(self.market_param());
        let mut first_page = true;
        while let Some(page_url) = next.take() {
            // `next` links already carry every query parameter.
            let params = if first_page {
                first_params.as_slice()
            } else {
                &[]
            };
            first_page = false;
            let page: Page<Option<PlaylistEntry>> = self
                .get_json("playlist_items", &page_url, params, deadline)
                .await?;
            tracks.extend(
                page.items
                    .into_iter()
                    .flatten()
                    .filter_map(PlaylistEntry::object)
                    .filter_map(TrackObject::into_track_ref),
            );
            next = page.next.map(|url| self.own_link(url)).transpose()?;
        }
        tracing::info!(playlist_id, tracks = tracks.len(), "playlist read");
        Ok(Playlist {
            id: playlist_id.to_owned(),
            name: header.name,
            tracks,
        })
    }

    /// Refuses a paging link to another host: our token is only for the API.
    fn own_link(&self, url: String) -> Result<String, SpotifyError> {
        if url.starts_with(&format!("{}/", self.api_url)) {
            Ok(url)
        } else {
            Err(SpotifyError::ForeignLink(url))
        }
    }

    fn market_param(&self) -> Option<(&'static str, &str)> {
        self.market.as_deref().map(|market| ("market", market))
    }

    async fn within_budget<T>(
        &self,
        endpoint: &'static str,
        call: impl Future<Output = Result<T, SpotifyError>>,
    ) -> Result<T, SpotifyError> {
        tokio::time::timeout(self.call_budget, call)
            .await
            .unwrap_or_else(|_| {
                Err(SpotifyError::Timeout {
                    endpoint,
                    after: self.call_budget,
                })
            })
    }

    /// GET with the app token: a 401 refreshes the token and retries once; a 429 is retried
    /// as the rate-limit policy says, after Spotify's `Retry-After` (capped) when it names
    /// one, while the call's deadline allows.
    async fn get_json<T: DeserializeOwned>(
        &self,
        endpoint: &'static str,
        url: &str,
        params: &[(&str, &str)],
        deadline: Instant,
    ) -> Result<T, SpotifyError> {
        let mut refreshed = false;
        let mut rate_limited = self.rate_limit_retry.backoff().until(deadline);
        rate_limited.start();
        loop {
            let token = self.tokens.token().await?;
            let request = self
                .http
                .client()
                .get(url)
                .query(params)
                .bearer_auth(&token);
            let reply = self.http.send(endpoint, request).await?;
            match reply.status {
                StatusCode::UNAUTHORIZED if !refreshed => {
                    tracing::info!(endpoint, "spotify refused the token, refreshing it");
                    self.tokens.invalidate(&token);
                    refreshed = true;
                }
                StatusCode::UNAUTHORIZED => return Err(SpotifyError::Unauthorized { endpoint }),
                StatusCode::TOO_MANY_REQUESTS => {
                    let wait = self.rate_limit_wait(endpoint, &reply, &rate_limited)?;
                    tracing::warn!(
                        endpoint,
                        attempt = rate_limited.attempts(),
                        wait_ms = wait.as_millis() as u64,
                        "spotify rate limit, waiting"
                    );
                    metrics::counter!("soulspot_spotify_rate_limited_total", "endpoint" => endpoint)
                        .increment(1);
                    tokio::time::sleep(wait).await;
                    rate_limited.start();
                }
                StatusCode::NOT_FOUND => return Err(SpotifyError::NotFound { endpoint }),
                status if !status.is_success() => {
                    return Err(SpotifyError::Status {
                        endpoint,
                        status: status.as_u16(),
                    });
                }
                _ => return reply.json(endpoint),
            }
        }
    }

    /// How long to wait before retrying a 429, or why not to retry.
    fn rate_limit_wait(
        &self,
        endpoint: &'static str,
        reply: &Reply,
        rate_limited: &Backoff,
    ) -> Result<Duration, SpotifyError> {
        let retry_after = reply
            .headers
            .get(RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| parse_retry_after(value, SystemTime::now()));
        let capped = retry_after.map(|wait| wait.min(self.max_retry_after));
        rate_limited
            .next_pause(capped)
            .ok_or_else(|| SpotifyError::RateLimited {
                endpoint,
                retry_after,
                reason: if self.rate_limit_retry.allows(rate_limited.attempts()) {
                    "the wait exceeds the call's remaining budget"
                } else {
                    "attempts exhausted"
                },
            })
    }
}
