//! `POST /api/token`: the client-credentials flow. The client authenticates with HTTP
//! Basic or with `client_id` and `client_secret` in the form body, the two ways
//! RFC 6749 §2.3.1 allows and the accounts service accepts.

use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::HeaderMap;
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::SpotifyError;
use super::{SpotifyState, TOKEN_LIFETIME};
use crate::lenient;

#[derive(Debug, Deserialize)]
pub(super) struct TokenForm {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// Issues a bearer token valid for an hour.
pub(super) async fn issue(
    State(state): State<Arc<SpotifyState>>,
    headers: HeaderMap,
    form: Result<axum::Form<TokenForm>, FormRejection>,
) -> Result<Json<Value>, SpotifyError> {
    let config = &state.shared.config;
    let form = form.ok().map(|axum::Form(form)| form);
    let (client_id, client_secret) = basic_credentials(&headers)
        .or_else(|| form_credentials(form.as_ref()?))
        .ok_or(SpotifyError::InvalidClient)?;
    if client_id != config.spotify_client_id || client_secret != config.spotify_client_secret {
        tracing::info!(client_id, "spotify token refused");
        return Err(SpotifyError::InvalidClient);
    }
    let grant_type = form.and_then(|form| form.grant_type);
    if grant_type.as_deref() != Some("client_credentials") {
        return Err(SpotifyError::UnsupportedGrantType);
    }
    let access_token = format!("BQ{}", uuid::Uuid::new_v4().simple());
    state
        .tokens()
        .insert(access_token.clone(), Instant::now() + TOKEN_LIFETIME);
    tracing::info!(client_id, "spotify token issued");
    Ok(Json(json!({
        "access_token": access_token,
        "token_type": "bearer",
        "expires_in": TOKEN_LIFETIME.as_secs(),
    })))
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let encoded = lenient::credentials(headers, "Basic")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

fn form_credentials(form: &TokenForm) -> Option<(String, String)> {
    Some((form.client_id.clone()?, form.client_secret.clone()?))
}
