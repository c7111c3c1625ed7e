//! JSON request bodies read as ASP.NET Core MVC reads them with its default (web)
//! serializer options, for the slskd emulator: property names match in any case
//! (`SearchText` binds `searchText`), and `text/json` and `application/*+json` bodies are
//! JSON as much as `application/json` is, whatever their parameters (`charset=utf-8`).
//! Names are matched on the top-level object, or on each object of a top-level array.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

mod fields;

/// A JSON body deserialised into `T` after its property names took `T`'s spelling.
#[derive(Debug)]
pub(crate) struct AspNetJson<T>(pub T);

/// Why a body was refused: 415 for a media type that is not JSON, 400 for bad JSON.
#[derive(Debug, thiserror::Error)]
pub(crate) enum JsonBodyRejection {
    #[error("the request body must be JSON (application/json or text/json)")]
    UnsupportedMediaType,
    #[error("failed to read the request body")]
    Unreadable,
    #[error("the JSON value could not be converted: {0}")]
    Invalid(#[source] serde_json::Error),
}

impl IntoResponse for JsonBodyRejection {
    fn into_response(self) -> Response {
        let status = match self {
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unreadable | Self::Invalid(_) => StatusCode::BAD_REQUEST,
        };
        (status, self.to_string()).into_response()
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for AspNetJson<T> {
    type Rejection = JsonBodyRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json_media_type(request.headers()) {
            return Err(JsonBodyRejection::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|_| JsonBodyRejection::Unreadable)?;
        let mut value: Value =
            serde_json::from_slice(&bytes).map_err(JsonBodyRejection::Invalid)?;
        let names = fields::names::<T>();
        match &mut value {
            Value::Object(object) => respell(object, names),
            Value::Array(items) => items
                .iter_mut()
                .filter_map(Value::as_object_mut)
                .for_each(|object| respell(object, names)),
            _ => {}
        }
        serde_json::from_value(value)
            .map(Self)
            .map_err(JsonBodyRejection::Invalid)
    }
}

/// `application/json`, `text/json` or `application/<anything>+json`, in any case.
fn is_json_media_type(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || essence == "text/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|subtype| subtype.ends_with("+json"))
}

/// Renames each property that matches one of `names` in another case to that name.
fn respell(object: &mut Map<String, Value>, names: &[&str]) {
    let mismatched: Vec<(String, &str)> = object
        .keys()
        .filter(|key| !names.contains(&key.as_str()))
        .filter_map(|key| {
            let name = names.iter().find(|name| name.eq_ignore_ascii_case(key))?;
            Some((key.clone(), *name))
        })
        .collect();
    for (key, name) in mismatched {
        if let Some(value) = object.remove(&key) {
            object.entry(name).or_insert(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn json_media_types_are_recognised_in_any_case_with_parameters() {
        let accepts = |content_type: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
            is_json_media_type(&headers)
        };
        assert!(accepts("application/json; charset=utf-8"));
        assert!(accepts("Application/JSON"));
        assert!(accepts("text/json"));
        assert!(accepts("application/problem+json"));
        assert!(!accepts("text/plain"));
        assert!(!accepts("application/x-www-form-urlencoded"));
    }

    #[test]
    fn properties_take_the_declared_spelling() {
        let mut object = serde_json::json!({ "SearchText": "a", "searchTimeout": 1, "Other": 2 });
        if let Value::Object(object) = &mut object {
            respell(object, &["searchText", "searchTimeout"]);
        }
        assert_eq!(
            object,
            serde_json::json!({ "searchText": "a", "searchTimeout": 1, "Other": 2 })
        );
    }
}
