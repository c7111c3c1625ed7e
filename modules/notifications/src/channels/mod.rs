//! The channels a notification goes to: their settings (a `kind`-tagged list), validation,
//! and the one HTTP request each renders for a notification.

mod gotify;
mod ntfy;
mod webhook;

use reqwest::Url;
use serde::{Deserialize, Serialize};

pub use gotify::GotifySettings;
pub use ntfy::NtfySettings;
pub use webhook::{SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookSettings};

use crate::delivery::{DeliveryPolicy, DeliveryReport, send_with_retries};
use crate::message::Notification;

/// One configured channel, e.g. `[[channels]] kind = "ntfy"  topic = "music"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ChannelSettings {
    /// A JSON POST to any URL, signed with HMAC-SHA256 when a secret is set.
    Webhook(WebhookSettings),
    /// A message published to an ntfy topic.
    Ntfy(NtfySettings),
    /// A message posted to a Gotify application.
    Gotify(GotifySettings),
}

/// A setting of one channel that cannot work, named relative to the channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelProblem {
    pub key: &'static str,
    pub reason: String,
}

/// Why a channel could not even build its request (nothing was sent; retrying cannot help).
#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    #[error("`{key}` is not a usable http(s) url: {reason}")]
    InvalidUrl { key: &'static str, reason: String },
    #[error("notification not encodable: {0}")]
    Encode(#[from] serde_json::Error),
    /// HMAC accepts any key, so this only mirrors the `hmac` crate's fallible constructor.
    #[error("webhook secret refused as an hmac key")]
    Signature,
    #[error("request not buildable: {0}")]
    Request(#[source] reqwest::Error),
}

impl ChannelSettings {
    /// The name reported in replies and health, and the idempotency key: `name`, else the kind.
    pub fn name(&self) -> &str {
        let configured = match self {
            ChannelSettings::Webhook(settings) => settings.name.as_deref(),
            ChannelSettings::Ntfy(settings) => settings.name.as_deref(),
            ChannelSettings::Gotify(settings) => settings.name.as_deref(),
        };
        configured.unwrap_or(self.kind())
    }

    pub fn kind(&self) -> &'static str {
        match self {
            ChannelSettings::Webhook(_) => "webhook",
            ChannelSettings::Ntfy(_) => "ntfy",
            ChannelSettings::Gotify(_) => "gotify",
        }
    }

    pub fn validate(&self) -> Result<(), ChannelProblem> {
        if self.name().is_empty() {
            return Err(ChannelProblem {
                key: "name",
                reason: "must not be empty".to_owned(),
            });
        }
        match self {
            ChannelSettings::Webhook(settings) => settings.validate(),
            ChannelSettings::Ntfy(settings) => settings.validate(),
            ChannelSettings::Gotify(settings) => settings.validate(),
        }
    }

    /// The HTTP request that delivers `notification` on this channel.
    pub fn request(
        &self,
        http: &reqwest::Client,
        notification: &Notification,
    ) -> Result<reqwest::Request, ChannelError> {
        match self {
            ChannelSettings::Webhook(settings) => settings.request(http, notification),
            ChannelSettings::Ntfy(settings) => settings.request(http, notification),
            ChannelSettings::Gotify(settings) => settings.request(http, notification),
        }
    }

    /// Sends `notification` on this channel, retrying as `policy` allows.
    pub async fn deliver(
        &self,
        http: &reqwest::Client,
        notification: &Notification,
        policy: &DeliveryPolicy,
    ) -> DeliveryReport {
        match self.request(http, notification) {
            Ok(request) => send_with_retries(self.kind(), http, request, policy).await,
            Err(error) => DeliveryReport::not_sent(&error),
        }
    }
}

/// `value` as an http(s) URL, or the problem with it under `key`.
fn http_url(key: &'static str, value: &str) -> Result<Url, ChannelError> {
    let url = Url::parse(value).map_err(|error| ChannelError::InvalidUrl {
        key,
        reason: error.to_string(),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ChannelError::InvalidUrl {
            key,
            reason: format!("scheme `{}` is not http or https", url.scheme()),
        });
    }
    Ok(url)
}

/// `{base}/{tail}`, keeping any path prefix of `base` (Gotify behind `/gotify`, say).
fn endpoint(key: &'static str, base: &str, tail: &str) -> Result<Url, ChannelError> {
    let joined = format!("{}/{tail}", base.trim_end_matches('/'));
    http_url(key, &joined)
}

fn check_url(key: &'static str, value: &str) -> Result<(), ChannelProblem> {
    http_url(key, value)
        .map(drop)
        .map_err(|error| ChannelProblem {
            key,
            reason: error.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_keep_the_path_prefix_of_the_server() {
        let url = endpoint("server", "https://example.org/gotify/", "message").unwrap();
        assert_eq!(url.as_str(), "https://example.org/gotify/message");
    }

    #[test]
    fn refuses_urls_that_are_not_http() {
        let problem = check_url("url", "ftp://example.org/hook").unwrap_err();
        assert_eq!(problem.key, "url");
        assert!(problem.reason.contains("ftp"), "{}", problem.reason);
        assert!(check_url("url", "not a url").is_err());
    }
}
