//! ntfy: `POST {server}/{topic}` with the message as body and `Title`, `Tags`, `Priority`
//! (and `Authorization: Bearer`) headers, as in ntfy's "publish via HTTP headers".

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde::{Deserialize, Serialize};
use soulspot_runtime::Secret;

use super::{ChannelError, ChannelProblem, check_url, endpoint};
use crate::message::Notification;

/// `[[channels]] kind = "ntfy"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NtfySettings {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default = "default_server")]
    pub server: String,
    /// Letters, digits, `-` and `_`, at most 64: ntfy's rule. On ntfy.sh it is the password.
    pub topic: String,
    /// Access token of a protected topic.
    #[serde(default)]
    pub token: Option<Secret>,
    /// 1 (min) to 5 (max); 3 is ntfy's default.
    #[serde(default = "default_priority")]
    pub priority: u8,
    /// Tags; ones that name an emoji (`musical_note`) show as that emoji.
    #[serde(default = "default_tags")]
    pub tags: Vec<String>,
}

fn default_server() -> String {
    "https://ntfy.sh".to_owned()
}

fn default_priority() -> u8 {
    3
}

fn default_tags() -> Vec<String> {
    vec!["musical_note".to_owned()]
}

impl NtfySettings {
    pub(super) fn validate(&self) -> Result<(), ChannelProblem> {
        check_url("server", &self.server)?;
        let topic_is_valid = (1..=64).contains(&self.topic.len())
            && self
                .topic
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !topic_is_valid {
            return Err(ChannelProblem {
                key: "topic",
                reason: "must be 1 to 64 letters, digits, `-` or `_`".to_owned(),
            });
        }
        if !(1..=5).contains(&self.priority) {
            return Err(ChannelProblem {
                key: "priority",
                reason: "must be between 1 and 5".to_owned(),
            });
        }
        Ok(())
    }

    pub(super) fn request(
        &self,
        http: &reqwest::Client,
        notification: &Notification,
    ) -> Result<reqwest::Request, ChannelError> {
        let mut request = http
            .post(endpoint("server", &self.server, &self.topic)?)
            .header(CONTENT_TYPE, "text/plain; charset=utf-8")
            .header("Title", header_text(&notification.title()))
            .header("Priority", self.priority.to_string());
        if !self.tags.is_empty() {
            request = request.header("Tags", header_text(&self.tags.join(",")));
        }
        if let Some(token) = self.token.as_ref().filter(|token| !token.is_empty()) {
            request = request.header(AUTHORIZATION, format!("Bearer {}", token.expose()));
        }
        request
            .body(notification.message())
            .build()
            .map_err(ChannelError::Request)
    }
}

/// HTTP header values are ASCII; ntfy decodes RFC 2047 encoded words, so any other text
/// (an artist named Björk) travels as `=?UTF-8?B?<base64>?=`.
fn header_text(text: &str) -> String {
    if text
        .bytes()
        .all(|byte| byte.is_ascii_graphic() || byte == b' ')
    {
        return text.to_owned();
    }
    format!("=?UTF-8?B?{}?=", STANDARD.encode(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_header_text_is_sent_as_is() {
        assert_eq!(
            header_text("Track ready: Teardrop"),
            "Track ready: Teardrop"
        );
    }

    #[test]
    fn other_header_text_is_an_rfc_2047_encoded_word() {
        assert_eq!(header_text("Jóga"), "=?UTF-8?B?SsOzZ2E=?=");
    }

    #[test]
    fn refuses_a_topic_ntfy_would_refuse() {
        let settings = NtfySettings {
            name: None,
            server: default_server(),
            topic: "my topic".to_owned(),
            token: None,
            priority: 3,
            tags: default_tags(),
        };
        assert_eq!(settings.validate().unwrap_err().key, "topic");
    }
}
