//! The OpenAPI document of the HTTP API: built from the route table (each handler's
//! `#[utoipa::path]`) plus what every route shares — the API key and the error responses of
//! the layers in front of the handlers — so it lists what the router serves and nothing else.

mod contracts;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::Json;
use serde_json::Value;
use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{IntoResponses, OpenApi as _};

use super::{ApiError, ErrorBody};

/// The security schemes: the same key, in a header or (for clients that cannot set one,
/// such as a browser's `EventSource`) in the query.
const HEADER_SCHEME: &str = "api_key_header";
const QUERY_SCHEME: &str = "api_key_query";

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "SoulSpot",
        description = "SoulSpot's HTTP API, served by the router. Every error is `{\"error\": {\"code\", \"message\"}}`."
    ),
    components(schemas(ErrorBody))
)]
struct ApiDoc;

/// What the route table starts from: title, version and the shared components.
pub(super) fn base() -> OpenApi {
    ApiDoc::openapi()
}

/// The whole document: the route table's, with the contracts' schemas where a route takes or
/// gives what a contract describes.
pub fn document() -> Result<Value, serde_json::Error> {
    let mut document = serde_json::to_value(routes_document())?;
    contracts::apply(&mut document)?;
    Ok(document)
}

/// What the route table and the shared layers say.
fn routes_document() -> OpenApi {
    let mut document = super::table().into_openapi();
    document.info.version = env!("CARGO_PKG_VERSION").to_owned();
    let components = document.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        HEADER_SCHEME,
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Api-Key"))),
    );
    components.add_security_scheme(
        QUERY_SCHEME,
        SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::new("apikey"))),
    );
    for item in document.paths.paths.values_mut() {
        for (method, operation) in operations(item) {
            add_shared(method, operation);
        }
    }
    document
}

/// The document itself.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "meta",
    responses(
        (status = 200, description = "This document (OpenAPI 3.1)", body = Object),
        (status = 500, description = "`internal`: the document could not be built", body = ErrorBody),
    ),
)]
pub(super) async fn openapi_json() -> Result<Json<&'static Value>, ApiError> {
    // The document follows from the code alone: built at the first request, then served as is.
    static DOCUMENT: OnceLock<Result<Value, String>> = OnceLock::new();
    DOCUMENT
        .get_or_init(|| document().map_err(|error| error.to_string()))
        .as_ref()
        .map(Json)
        .map_err(|error| ApiError::Document(error.clone()))
}

fn operations(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = (HttpMethod, &mut Operation)> {
    [
        (HttpMethod::Get, item.get.as_mut()),
        (HttpMethod::Post, item.post.as_mut()),
        (HttpMethod::Put, item.put.as_mut()),
        (HttpMethod::Delete, item.delete.as_mut()),
        (HttpMethod::Patch, item.patch.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.map(|operation| (method, operation)))
}

/// The key and the answers of the layers every route passes: the gate (key, origin, and for
/// a `POST` the content type) and a `POST` body's decoding.
fn add_shared(method: HttpMethod, operation: &mut Operation) {
    operation.security = Some(vec![
        SecurityRequirement::new(HEADER_SCHEME, Vec::<String>::new()),
        SecurityRequirement::new(QUERY_SCHEME, Vec::<String>::new()),
    ]);
    let mut shared = vec![
        ("401", "`unauthorized`: the API key is missing or wrong"),
        (
            "403",
            "`cross_origin`: the `Origin` header names another site",
        ),
    ];
    if method == HttpMethod::Post {
        shared.extend([
            (
                "415",
                "`unsupported_media_type`: the `Content-Type` is not `application/json`",
            ),
            (
                "400",
                "`bad_json` (the body is not JSON) or `invalid_request` (the body or a parameter does not fit)",
            ),
            ("413", "`payload_too_large`: the body exceeds `[api] max_body_bytes`"),
        ]);
    }
    for (status, description) in shared {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| error_response(description));
    }
}

/// An error response: `ErrorBody` as JSON.
fn error_response(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
        .into()
}

/// What a call routed to a module can end in besides its answer; the handlers that route
/// list it among their responses.
pub(super) struct RouteFailures;

impl IntoResponses for RouteFailures {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        [
            ("404", "`unknown_operation`: no module offers the operation"),
            (
                "4XX",
                "`rejected_by_module`: the provider refused the request with this client status",
            ),
            ("502", "`module_failed` or `bad_reply`: the provider failed"),
            (
                "503",
                "`module_not_available`, `module_busy` (no provider can take the call now) or `job_store_unavailable`",
            ),
            (
                "504",
                "`deadline_exceeded`: no provider answered in time",
            ),
        ]
        .into_iter()
        .map(|(status, description)| (status.to_owned(), error_response(description)))
        .collect()
    }
}
