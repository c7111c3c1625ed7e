//! `GET /api/openapi.json`: the document lists exactly the routes the router serves, with the
//! API key as its security scheme.

use serde_json::Value;

use crate::helpers::{Behaviour, spawn_app};

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

/// A path of the document with each `{parameter}` filled in.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "search.track"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn the_document_is_openapi_json_with_the_api_key_as_its_security_scheme() {
    let app = spawn_app().await;
    let response = app
        .http
        .get(format!("http://{}/api/openapi.json", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let document: Value = response.json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    let schemes = &document["components"]["securitySchemes"];
    assert_eq!(
        schemes["api_key_header"],
        serde_json::json!({"type": "apiKey", "in": "header", "name": "X-Api-Key"})
    );
    assert_eq!(
        schemes["api_key_query"],
        serde_json::json!({"type": "apiKey", "in": "query", "name": "apikey"})
    );
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let security = operation["security"].as_array();
            assert!(
                security.is_some_and(|security| security.len() == 2),
                "{method} {path} does not require the key"
            );
            assert!(
                operation["responses"].get("401").is_some(),
                "{method} {path} lacks its 401"
            );
        }
    }
}

/// Every documented operation is served (not the fallback's 404, not 405), and on each
/// documented path every other method is refused with 405: a method added to a path without
/// documenting it fails here.
#[tokio::test]
async fn the_document_lists_every_route_the_router_serves_and_no_other() {
    let app = spawn_app().await;
    let document = soulspot_router::api::document().unwrap();
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() >= 10, "{paths:?}");
    for (path, item) in paths {
        let url = format!("http://{}{}", app.address, concrete(path));
        for method in METHODS {
            let request = app
                .http
                .request(method.to_uppercase().parse().unwrap(), &url)
                // Not JSON: a method a path does not serve is 405 whatever the body, never the
                // 415 a served POST gives such a body.
                .header("content-type", "text/plain")
                .body("{}");
            // The event stream answers with headers at once and never ends: read only those.
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let documented = item.get(method).is_some();
            if documented {
                assert_ne!(status, 405, "{method} {path} is documented but not served");
                if status == 404 {
                    let body: Value = response.json().await.unwrap();
                    assert_ne!(
                        body["error"]["message"], "no such endpoint",
                        "{method} {path} is documented but not served"
                    );
                }
            } else {
                assert_eq!(status, 405, "{method} {path} is served but not documented");
            }
        }
    }
}

/// The route table is one list for the router and the document: every route goes through
/// `routes!`, which documents it; a plain `.route(…)` would serve a route the document lacks.
#[test]
fn every_api_route_is_added_through_the_documenting_route_table() {
    let source = include_str!("../../src/api/mod.rs");
    for plain in [".route(", ".route_service(", ".nest(", ".nest_service("] {
        assert!(
            !source.contains(plain),
            "src/api/mod.rs adds a route with `{plain}`, which the document does not see"
        );
    }
    assert!(source.contains("routes!("));
}

/// JSON Schema, and so the document, counts `14.0` as an integer: a track written that way
/// is a valid download, not a 400 from serde's `u64`.
#[tokio::test]
async fn a_track_whose_integer_is_written_as_a_float_is_accepted_as_its_contract_allows() {
    let app = spawn_app().await;
    let (status, body) = app
        .post(
            "/api/downloads",
            r#"{"track": {"title": "Teardrop", "artist": "Massive Attack", "duration_ms": 14.0}}"#
                .to_owned(),
        )
        .await;
    assert_eq!(status, 202, "{body}");
}

/// The search `limit` the document allows at most is one the API takes (and clamps): the
/// document must not claim a narrower range than the handler reads, nor a wider one.
#[tokio::test]
async fn the_largest_search_limit_the_document_allows_is_accepted() {
    let app = spawn_app().await;
    let _search = app
        .start_search_provider("catalog", 10, Behaviour::Answer, &[])
        .await;
    app.wait_for_status("catalog", "active", crate::SETTLE)
        .await;
    let document = soulspot_router::api::document().unwrap();
    let limit = document["paths"]["/api/search"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|parameter| parameter["name"] == "limit")
        .unwrap()["schema"]
        .clone();
    let maximum = limit["maximum"].as_u64().unwrap();
    assert_eq!(maximum, u64::from(u32::MAX), "{limit}");

    let (allowed, body) = app
        .get(&format!("/api/search?q=glass&limit={maximum}"))
        .await;
    let (beyond, _) = app
        .get(&format!("/api/search?q=glass&limit={}", maximum + 1))
        .await;

    assert_eq!(allowed, 200, "{body}");
    assert_eq!(beyond, 400);
}
