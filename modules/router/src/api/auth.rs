//! The API key that guards every request changing something, when one is configured.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::{ApiError, ApiState};

const HEADER: &str = "x-api-key";

pub(super) async fn require_api_key(
    State(state): State<ApiState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let expected = state.settings.api_key.expose();
    if expected.is_empty() {
        return Ok(next.run(request).await);
    }
    let given = request
        .headers()
        .get(HEADER)
        .map(|value| value.as_bytes())
        .unwrap_or_default();
    if same_bytes(given, expected.as_bytes()) {
        Ok(next.run(request).await)
    } else {
        Err(ApiError::Unauthorized)
    }
}

/// Compares without stopping at the first difference, so timing does not reveal the key.
fn same_bytes(given: &[u8], expected: &[u8]) -> bool {
    let differences = given
        .iter()
        .zip(expected)
        .fold(0_u8, |acc, (a, b)| acc | (a ^ b));
    given.len() == expected.len() && differences == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_key_matches() {
        assert!(same_bytes(b"secret", b"secret"));
        assert!(!same_bytes(b"secreT", b"secret"));
        assert!(!same_bytes(b"secret-and-more", b"secret"));
        assert!(!same_bytes(b"", b"secret"));
    }
}
