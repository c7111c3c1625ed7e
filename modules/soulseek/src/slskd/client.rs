//! A typed client of slskd's `/api/v0`, mapping every HTTP outcome to a `SlskdError`.

use soulspot_runtime::outbound::{self, Redirects};
use std::time::Duration;

use reqwest::{Method, RequestBuilder, Response, StatusCode, Url};
use serde::de::DeserializeOwned;
use soulspot_contracts::ErrorKind;
use soulspot_runtime::Secret;
use uuid::Uuid;

use super::model::{
    Application, EnqueueFile, EnqueueResult, Search, SearchRequest, SearchResponse, Transfer,
};
use crate::settings::SlskdSettings;

/// Why a call to slskd failed.
#[derive(Debug, thiserror::Error)]
pub enum SlskdError {
    #[error("slskd unreachable at {url}: {message}")]
    Unreachable { url: String, message: String },
    #[error("slskd did not answer {operation} within {after:?}")]
    Timeout {
        operation: &'static str,
        after: Duration,
    },
    #[error("slskd refused the api key ({status})")]
    Unauthorized { status: u16 },
    #[error("slskd is busy with another {operation} (429)")]
    Busy { operation: &'static str },
    #[error("slskd does not know this {operation} target (404)")]
    NotFound { operation: &'static str },
    #[error("slskd answered {operation} with {status}: {body}")]
    Status {
        operation: &'static str,
        status: u16,
        body: String,
    },
    #[error("slskd's answer to {operation} is not the expected json: {message}")]
    Malformed {
        operation: &'static str,
        message: String,
    },
}

impl SlskdError {
    /// What kind of failure this is: slskd down, slow, busy or failing inside may pass by
    /// itself; a refused api key or an answer this module cannot read needs someone to fix it.
    pub fn kind(&self) -> ErrorKind {
        match self {
            SlskdError::Unreachable { .. } => ErrorKind::Unavailable,
            SlskdError::Timeout { .. } => ErrorKind::Timeout,
            SlskdError::Busy { .. } => ErrorKind::Busy,
            SlskdError::NotFound { .. } => ErrorKind::NotFound,
            SlskdError::Status { status, .. } => ErrorKind::of_upstream_status(*status),
            SlskdError::Unauthorized { .. } | SlskdError::Malformed { .. } => ErrorKind::Internal,
        }
    }
}

/// slskd's REST API, authenticated with the configured API key.
#[derive(Debug, Clone)]
pub struct SlskdClient {
    http: reqwest::Client,
    base: Url,
    api_key: Secret,
    timeout: Duration,
}

impl SlskdClient {
    /// A client of the slskd at `settings.url`.
    pub fn new(settings: &SlskdSettings, user_agent: &str) -> Result<Self, SlskdError> {
        let unreachable = |message: String| SlskdError::Unreachable {
            url: soulspot_common::redact_userinfo(&settings.url),
            message,
        };
        let base = Url::parse(&settings.url).map_err(|error| unreachable(error.to_string()))?;
        if base.cannot_be_a_base() {
            return Err(unreachable("not a base url".to_owned()));
        }
        let http = soulspot_runtime::outbound::client_builder(user_agent, Redirects::SameOrigin)
            .timeout(settings.request_timeout())
            .build()
            .map_err(|error| unreachable(error.to_string()))?;
        Ok(Self {
            http,
            base,
            api_key: settings.api_key.clone(),
            timeout: settings.request_timeout(),
        })
    }

    /// The daemon's state, including its Soulseek server connection.
    pub async fn application(&self) -> Result<Application, SlskdError> {
        let request = self.request(Method::GET, &["application"]);
        self.json("application", request).await
    }

    /// Starts a network search. `Busy` while slskd handles another search POST.
    pub async fn start_search(&self, search: &SearchRequest) -> Result<Search, SlskdError> {
        let request = self.request(Method::POST, &["searches"]).json(search);
        self.json("search start", request).await
    }

    pub async fn search(&self, id: Uuid) -> Result<Search, SlskdError> {
        let request = self
            .request(Method::GET, &["searches", &id.to_string()])
            .query(&[("includeResponses", "false")]);
        self.json("search status", request).await
    }

    pub async fn search_responses(&self, id: Uuid) -> Result<Vec<SearchResponse>, SlskdError> {
        let request = self.request(Method::GET, &["searches", &id.to_string(), "responses"]);
        self.json("search responses", request).await
    }

    pub async fn delete_search(&self, id: Uuid) -> Result<(), SlskdError> {
        let request = self.request(Method::DELETE, &["searches", &id.to_string()]);
        self.send("search delete", request).await.map(drop)
    }

    /// Asks `username` for one file.
    pub async fn enqueue(
        &self,
        username: &str,
        file: EnqueueFile<'_>,
    ) -> Result<EnqueueResult, SlskdError> {
        let request = self
            .request(Method::POST, &["transfers", "downloads", username])
            .json(&[file]);
        self.json("enqueue", request).await
    }

    pub async fn transfer(&self, username: &str, id: Uuid) -> Result<Transfer, SlskdError> {
        let request = self.request(
            Method::GET,
            &["transfers", "downloads", username, &id.to_string()],
        );
        self.json("transfer status", request).await
    }

    /// Cancels a transfer and removes it from slskd's list.
    pub async fn cancel_transfer(&self, username: &str, id: Uuid) -> Result<(), SlskdError> {
        let request = self
            .request(
                Method::DELETE,
                &["transfers", "downloads", username, &id.to_string()],
            )
            .query(&[("remove", "true")]);
        self.send("transfer cancel", request).await.map(drop)
    }

    /// `<base>/api/v0/<segments...>`, each segment percent-encoded (usernames may hold spaces).
    fn request(&self, method: Method, segments: &[&str]) -> RequestBuilder {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(["api", "v0"]).extend(segments);
        }
        self.http
            .request(method, url)
            .header("X-API-Key", self.api_key.expose())
    }

    async fn send(
        &self,
        operation: &'static str,
        request: RequestBuilder,
    ) -> Result<Response, SlskdError> {
        let response = outbound::send("slskd", request).await.map_err(|error| {
            if error.is_timeout() {
                SlskdError::Timeout {
                    operation,
                    after: self.timeout,
                }
            } else {
                SlskdError::Unreachable {
                    url: soulspot_common::redact_userinfo(self.base.as_str()),
                    message: error.to_string(),
                }
            }
        })?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        Err(match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => SlskdError::Unauthorized {
                status: status.as_u16(),
            },
            StatusCode::TOO_MANY_REQUESTS => SlskdError::Busy { operation },
            StatusCode::NOT_FOUND => SlskdError::NotFound { operation },
            _ => SlskdError::Status {
                operation,
                status: status.as_u16(),
                body: short_body(response).await,
            },
        })
    }

    async fn json<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        request: RequestBuilder,
    ) -> Result<T, SlskdError> {
        let response = self.send(operation, request).await?;
        let body = response.bytes().await.map_err(|error| {
            if error.is_timeout() {
                SlskdError::Timeout {
                    operation,
                    after: self.timeout,
                }
            } else {
                SlskdError::Malformed {
                    operation,
                    message: error.to_string(),
                }
            }
        })?;
        serde_json::from_slice(&body).map_err(|error| SlskdError::Malformed {
            operation,
            message: error.to_string(),
        })
    }
}

/// The start of an error body, for the log: enough to diagnose, never a whole page.
async fn short_body(response: Response) -> String {
    let text = response.text().await.unwrap_or_default();
    text.chars().take(200).collect()
}
