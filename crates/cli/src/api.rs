//! The router's HTTP API as the command line uses it: every call sends the API key, JSON
//! errors become [`CliError`]s.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::{Value, json};

use crate::config::Connection;
use crate::error::CliError;
use crate::job::Job;

/// No single request (other than a live stream) takes longer than this.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Jobs per page when listing.
const PAGE: usize = 500;

#[derive(Debug, Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    pub fn new(connection: &Connection) -> Result<Self, CliError> {
        let mut headers = HeaderMap::new();
        if !connection.api_key.is_empty() {
            let mut key = HeaderValue::from_str(connection.api_key.expose())
                .map_err(|_| crate::config::ConfigError::Key)?;
            key.set_sensitive(true);
            headers.insert(HeaderName::from_static("x-api-key"), key);
        }
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .map_err(|error| CliError::Usage(format!("cannot set up HTTP: {error}")))?;
        Ok(Self {
            http,
            base: connection.url.clone(),
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// Queues a download of free text and returns the job id.
    pub async fn submit_query(&self, query: &str) -> Result<String, CliError> {
        let reply = self
            .send_json(
                Method::POST,
                "/api/downloads",
                Some(json!({"query": query})),
            )
            .await?;
        reply["job_id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| CliError::Reply(format!("no job id in {reply}")))
    }

    pub async fn job(&self, id: &str) -> Result<Job, CliError> {
        let path = format!("/api/jobs/{}", segment(id));
        Job::from_value(self.send_json(Method::GET, &path, None).await?)
    }

    /// Every job (in `state` when given), oldest first, at most `limit`.
    pub async fn jobs(
        &self,
        state: Option<&str>,
        limit: Option<usize>,
    ) -> Result<Vec<Value>, CliError> {
        let mut jobs = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let wanted = limit.map_or(PAGE, |limit| limit.saturating_sub(jobs.len()).min(PAGE));
            let mut query = vec![("limit", wanted.to_string())];
            query.extend(state.map(|state| ("state", state.to_owned())));
            query.extend(after.map(|after| ("after", after)));
            let page = self
                .send(self.request(Method::GET, "/api/jobs").query(&query))
                .await?;
            let listed = page["jobs"]
                .as_array()
                .ok_or_else(|| CliError::Reply(format!("no jobs in {page}")))?;
            jobs.extend(listed.iter().cloned());
            after = page["next_after"].as_str().map(str::to_owned);
            let full = limit.is_some_and(|limit| jobs.len() >= limit);
            if after.is_none() || full {
                return Ok(jobs);
            }
        }
    }

    pub async fn status(&self) -> Result<Value, CliError> {
        self.send_json(Method::GET, "/api/modules/status", None)
            .await
    }

    /// Runs a failed job again; the router answers with the job, queued.
    pub async fn retry(&self, id: &str) -> Result<Job, CliError> {
        let path = format!("/api/jobs/{}/retry", segment(id));
        Job::from_value(self.send_json(Method::POST, &path, None).await?)
    }

    /// Asks the router to sync a playlist; returns its report (`playlist_id`, `total`, ...).
    pub async fn sync_playlist(&self, playlist: &str) -> Result<Value, CliError> {
        let body = json!({"playlist": playlist});
        self.send_json(Method::POST, "/api/playlists/sync", Some(body))
            .await
    }

    /// A synced playlist with the state of each track's job.
    pub async fn playlist(&self, id: &str) -> Result<Value, CliError> {
        let path = format!("/api/playlists/{}", segment(id));
        self.send_json(Method::GET, &path, None).await
    }

    /// Opens the live stream of job updates and events (of one job, when given). The
    /// answer's body is read by [`crate::sse::EventStream`].
    pub async fn open_stream(&self, job: Option<&str>) -> Result<Response, CliError> {
        let mut request = self
            .http
            .get(self.url("/api/events/stream"))
            .header(reqwest::header::ACCEPT, "text/event-stream");
        if let Some(job) = job {
            request = request.query(&[("job", job)]);
        }
        // The stream's body is open-ended, but its head must come as soon as any answer.
        let response = tokio::time::timeout(REQUEST_TIMEOUT, request.send())
            .await
            .map_err(|_| CliError::Unreachable {
                url: self.base.clone(),
                reason: "the live stream did not open in time".to_owned(),
            })?
            .map_err(|error| self.unreachable(error))?;
        check(response).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, self.url(path))
            .timeout(REQUEST_TIMEOUT)
    }

    async fn send_json(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, CliError> {
        let mut request = self.request(method.clone(), path);
        request = match body {
            Some(body) => request.json(&body),
            // The router takes JSON POSTs only, even empty ones.
            None if method == Method::POST => request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body("{}"),
            None => request,
        };
        self.send(request).await
    }

    async fn send(&self, request: RequestBuilder) -> Result<Value, CliError> {
        let response = request
            .send()
            .await
            .map_err(|error| self.unreachable(error))?;
        let response = check(response).await?;
        response
            .json()
            .await
            .map_err(|error| CliError::Reply(error.to_string()))
    }

    fn unreachable(&self, error: reqwest::Error) -> CliError {
        // The innermost cause says what happened ("Connection refused", "timed out").
        let mut reason = error.to_string();
        let mut cause = std::error::Error::source(&error);
        while let Some(inner) = cause {
            reason = inner.to_string();
            cause = inner.source();
        }
        CliError::Unreachable {
            url: self.base.clone(),
            reason,
        }
    }
}

/// A 2xx answer as it is; any other becomes the error its JSON body names.
async fn check(response: Response) -> Result<Response, CliError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let body: Value = response.json().await.unwrap_or(Value::Null);
    let code = body["error"]["code"]
        .as_str()
        .unwrap_or("unknown")
        .to_owned();
    let message = match body["error"]["message"].as_str() {
        Some(message) => message.to_owned(),
        // Not the router's JSON error: something else answers at this address.
        None => format!(
            "{} (not the SoulSpot router's answer: is the URL right?)",
            status.canonical_reason().unwrap_or("no message")
        ),
    };
    if matches!(status.as_u16(), 401 | 403) {
        return Err(CliError::Refused { code, message });
    }
    Err(CliError::Api {
        status: status.as_u16(),
        code,
        message,
    })
}

/// An id as one path segment: anything but the characters ids are made of is escaped, so a
/// typo cannot reach another endpoint.
fn segment(id: &str) -> String {
    id.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'=' => {
                char::from(byte).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}
