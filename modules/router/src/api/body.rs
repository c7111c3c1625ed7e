//! Request bodies: every POST body is JSON, declared as such, within the size limit.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;

use super::{ApiError, ApiState};

/// The body of a POST: declared `application/json` (415 otherwise), at most
/// `[api] max_body_bytes` (413), `{}` when empty. What a web page may send to another site
/// without the browser asking it first is text, forms and multipart: refusing them keeps such
/// pages from acting through the user's browser. An extractor rather than a layer, so it runs
/// only once routing chose a handler: a method a path does not serve stays routing's 405.
#[derive(Debug)]
pub(crate) struct JsonBody(pub Bytes);

impl JsonBody {
    /// Decodes the body: broken JSON → 400 `bad_json`, JSON of the wrong shape (unknown or
    /// mistyped fields) → 400 `invalid_request`.
    pub(crate) fn parse<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        parse_json(&self.0)
    }
}

impl FromRequest<ApiState> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &ApiState) -> Result<Self, ApiError> {
        if !is_json(request.headers()) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let limit = state.settings.max_body_bytes;
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge { limit }
                } else {
                    ApiError::BadJson(rejection.body_text())
                }
            })?;
        if body.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(Bytes::from_static(b"{}")));
        }
        Ok(Self(body))
    }
}

/// `application/json`, with or without parameters such as `; charset=utf-8`.
pub(super) fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

pub(crate) fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|error| match error.classify() {
        serde_json::error::Category::Data => ApiError::InvalidRequest(error.to_string()),
        _ => ApiError::BadJson(error.to_string()),
    })
}
