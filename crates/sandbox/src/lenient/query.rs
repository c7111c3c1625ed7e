//! Query strings read the way ASP.NET Core's model binding reads them, for the slskd
//! emulator: parameter names match in any case, a repeated parameter binds its first
//! value, and booleans parse as .NET's `bool.Parse` does.

use std::convert::Infallible;

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;

/// The decoded `name=value` pairs of a request's query string, in order.
#[derive(Debug, Default)]
pub(crate) struct QueryValues(Vec<(String, String)>);

/// A query value that does not parse as its parameter's type.
#[derive(Debug, thiserror::Error)]
#[error("the value '{value}' is not valid for {name}")]
pub(crate) struct InvalidQueryValue {
    pub name: String,
    pub value: String,
}

impl QueryValues {
    /// The first value given for `name`, whatever the case of the name as sent.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The first value of `name` as a boolean; `Ok(None)` when the parameter is absent.
    /// An empty value is refused, as model binding refuses it for a non-nullable `bool`.
    pub fn bool(&self, name: &str) -> Result<Option<bool>, InvalidQueryValue> {
        let Some(value) = self.first(name) else {
            return Ok(None);
        };
        parse_dotnet_bool(value)
            .map(Some)
            .ok_or_else(|| InvalidQueryValue {
                name: name.to_owned(),
                value: value.to_owned(),
            })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for QueryValues {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        // A query string that is not valid urlencoding binds nothing, as in ASP.NET.
        let pairs = Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
            .map(|Query(pairs)| pairs)
            .unwrap_or_default();
        Ok(Self(pairs))
    }
}

/// .NET's `bool.Parse`: `true` or `false` in any case, with surrounding white space and
/// NUL characters ignored; nothing else (`1`, `0`, `yes` are refused). See the
/// `Boolean.TryParse` documentation: `"    true    "` and `"TrUe"` parse, `"0"` and `"1"` do not.
pub(crate) fn parse_dotnet_bool(value: &str) -> Option<bool> {
    let trimmed = value.trim_matches(|c: char| c.is_whitespace() || c == '\0');
    if trimmed.eq_ignore_ascii_case("true") {
        Some(true)
    } else if trimmed.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_parse_like_dotnet() {
        for text in ["true", "True", "TRUE", " true\t", "tRuE\0"] {
            assert_eq!(parse_dotnet_bool(text), Some(true), "{text:?}");
        }
        for text in ["false", "False", "FALSE", "  false  "] {
            assert_eq!(parse_dotnet_bool(text), Some(false), "{text:?}");
        }
        for text in ["", " ", "1", "0", "yes", "t", "tr ue"] {
            assert_eq!(parse_dotnet_bool(text), None, "{text:?}");
        }
    }

    #[test]
    fn names_match_in_any_case_and_the_first_value_wins() {
        let values = QueryValues(vec![
            ("Remove".to_owned(), "False".to_owned()),
            ("remove".to_owned(), "true".to_owned()),
        ]);
        assert_eq!(values.bool("remove").ok(), Some(Some(false)));
        assert_eq!(values.bool("includeResponses").ok(), Some(None));
        let empty = QueryValues(vec![("remove".to_owned(), String::new())]);
        assert!(empty.bool("remove").is_err());
    }
}
