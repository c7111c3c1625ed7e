//! Gotify: `POST {server}/message` with the application token in `X-Gotify-Key` and a JSON
//! `{title, message, priority}` body.

use serde::{Deserialize, Serialize};
use serde_json::json;
use soulspot_runtime::Secret;

use super::{ChannelError, ChannelProblem, check_url, endpoint};
use crate::message::Notification;

/// `[[channels]] kind = "gotify"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GotifySettings {
    #[serde(default)]
    pub name: Option<String>,
    /// The Gotify server, with its path prefix if it has one.
    pub server: String,
    /// The token of the Gotify application the messages belong to.
    pub token: Secret,
    /// 0 to 10; Gotify's clients alert from 4 up, loudly from 8.
    #[serde(default = "default_priority")]
    pub priority: u8,
}

fn default_priority() -> u8 {
    5
}

impl GotifySettings {
    pub(super) fn validate(&self) -> Result<(), ChannelProblem> {
        check_url("server", &self.server)?;
        if self.token.is_empty() {
            return Err(ChannelProblem {
                key: "token",
                reason: "must be the token of a Gotify application".to_owned(),
            });
        }
        if self.priority > 10 {
            return Err(ChannelProblem {
                key: "priority",
                reason: "must be between 0 and 10".to_owned(),
            });
        }
        Ok(())
    }

    pub(super) fn request(
        &self,
        http: &reqwest::Client,
        notification: &Notification,
    ) -> Result<reqwest::Request, ChannelError> {
        let body = json!({
            "title": notification.title(),
            "message": notification.message(),
            "priority": self.priority,
        });
        http.post(endpoint("server", &self.server, "message")?)
            .header("X-Gotify-Key", self.token.expose())
            .json(&body)
            .build()
            .map_err(ChannelError::Request)
    }
}
