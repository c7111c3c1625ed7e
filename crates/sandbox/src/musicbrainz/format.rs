//! Content negotiation as the web service does it: XML unless the client asks for JSON
//! with `fmt=json` or an `Accept: application/json` header; `fmt=xml` forces XML.

use std::convert::Infallible;

use axum::extract::{FromRequestParts, Query};
use axum::http::header::{ACCEPT, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::document::Document;
use super::error::MusicBrainzError;
use super::{json, xml};
use crate::catalog::Catalog;

/// The representation a request asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    Xml,
    Json,
}

impl Format {
    /// Reads `fmt=` first, then the `Accept` header; XML when neither asks for JSON.
    pub fn negotiate(uri: &Uri, headers: &HeaderMap) -> Self {
        let fmt = Query::<Vec<(String, String)>>::try_from_uri(uri)
            .ok()
            .and_then(|Query(pairs)| pairs.into_iter().find(|(key, _)| key == "fmt"))
            .map(|(_, value)| value);
        match fmt.as_deref() {
            Some("json") => return Self::Json,
            Some("xml") => return Self::Xml,
            _ => {}
        }
        let accepts_json = headers
            .get_all(ACCEPT)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|accept| accept.split(','))
            .any(|range| {
                let media_type = range.split(';').next().unwrap_or_default().trim();
                media_type.eq_ignore_ascii_case("application/json")
            });
        if accepts_json { Self::Json } else { Self::Xml }
    }

    /// Renders a document, or the error that stands in its place, in this format.
    pub fn respond(
        self,
        catalog: &Catalog,
        result: Result<Document<'_>, MusicBrainzError>,
    ) -> Response {
        let document = match result {
            Ok(document) => document,
            Err(error) => return self.error(error),
        };
        let body = match self {
            Self::Json => json::document(catalog, &document).to_string(),
            Self::Xml => xml::document(catalog, &document),
        };
        self.body(StatusCode::OK, body)
    }

    /// An error body: `{"error", "help"}` in JSON, `<error><text>…` in XML.
    pub fn error(self, error: MusicBrainzError) -> Response {
        tracing::debug!(%error, "musicbrainz request refused");
        let status = error.status();
        let body = match self {
            Self::Json => json::error(&error.to_string()).to_string(),
            Self::Xml => xml::error(&error.to_string()),
        };
        self.body(status, body)
    }

    fn body(self, status: StatusCode, body: String) -> Response {
        let content_type = match self {
            Self::Json => "application/json; charset=utf-8",
            Self::Xml => "application/xml; charset=utf-8",
        };
        (
            status,
            [(CONTENT_TYPE, HeaderValue::from_static(content_type))],
            body,
        )
            .into_response()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Format {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::negotiate(&parts.uri, &parts.headers))
    }
}
