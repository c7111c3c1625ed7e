//! `Authorization` header parsing with the scheme matched case-insensitively, as
//! RFC 9110 §11.1 requires (`Bearer`, `bearer` and `BEARER` are one scheme).

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;

/// The credentials after `scheme` in the `Authorization` header, trimmed; `None` when the
/// header is missing, not text, or names another scheme.
pub(crate) fn credentials<'a>(headers: &'a HeaderMap, scheme: &str) -> Option<&'a str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim_start();
    let (named, rest) = value.split_once(' ')?;
    named
        .eq_ignore_ascii_case(scheme)
        .then(|| rest.trim())
        .filter(|credentials| !credentials.is_empty())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn scheme_matches_in_any_case() {
        assert_eq!(credentials(&headers("bearer abc"), "Bearer"), Some("abc"));
        assert_eq!(credentials(&headers("BASIC  abc "), "Basic"), Some("abc"));
        assert_eq!(credentials(&headers("Basic abc"), "Bearer"), None);
        assert_eq!(credentials(&headers("Bearer "), "Bearer"), None);
    }
}
