//! Generic webhook: a JSON POST of the event, signed with HMAC-SHA256 when a secret is set.
//!
//! The signature covers the exact body bytes; the body carries `sent_at`, so a receiver can
//! reject replays from the signed content alone. `X-SoulSpot-Timestamp` repeats it in Unix
//! seconds for receivers that check freshness before parsing.

use reqwest::header::CONTENT_TYPE;
use serde::{Deserialize, Serialize};
use soulspot_runtime::Secret;

use super::{ChannelError, ChannelProblem, check_url, http_url};
use crate::message::Notification;
use crate::signature;

/// `sha256=<hex HMAC-SHA256 of the body>`, present when the channel has a secret.
pub const SIGNATURE_HEADER: &str = "X-SoulSpot-Signature";
/// Unix seconds at which the notification was sent, present when the channel has a secret.
pub const TIMESTAMP_HEADER: &str = "X-SoulSpot-Timestamp";

/// `[[channels]] kind = "webhook"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    #[serde(default)]
    pub name: Option<String>,
    pub url: String,
    /// Key of the HMAC-SHA256 signature; no secret, no signature.
    #[serde(default)]
    pub secret: Option<Secret>,
}

impl WebhookSettings {
    pub(super) fn validate(&self) -> Result<(), ChannelProblem> {
        check_url("url", &self.url)
    }

    pub(super) fn request(
        &self,
        http: &reqwest::Client,
        notification: &Notification,
    ) -> Result<reqwest::Request, ChannelError> {
        let body = serde_json::to_vec(&notification.event())?;
        let mut request = http
            .post(http_url("url", &self.url)?)
            .header(CONTENT_TYPE, "application/json");
        if let Some(secret) = self.secret.as_ref().filter(|secret| !secret.is_empty()) {
            let signature = signature::sign(secret.expose().as_bytes(), &body)
                .map_err(|_| ChannelError::Signature)?;
            request = request
                .header(SIGNATURE_HEADER, signature)
                .header(TIMESTAMP_HEADER, notification.sent_at.unix_timestamp());
        }
        request.body(body).build().map_err(ChannelError::Request)
    }
}
