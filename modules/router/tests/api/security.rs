//! The API nobody else can drive: the key on every `/api/*` route, JSON-only changes, no
//! cross-site requests, no CORS, and nothing internal in what clients read.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::Method;
use serde_json::{Value, json};
use soulspot_runtime::{CallContext, Capability, ModuleBuilder, RunningModule, ServiceError};
use tracing_subscriber::layer::SubscriberExt;

use crate::SETTLE;
use crate::helpers::{Behaviour, CapturedLogs, TestApp, spawn_app, spawn_app_with};

/// Every route of the route table and a path that reaches it: (method, route, path).
const ROUTES: &[(&str, &str, &str)] = &[
    (
        "POST",
        "/api/operations/{operation}",
        "/api/operations/search.track",
    ),
    ("POST", "/api/downloads", "/api/downloads"),
    ("POST", "/api/playlists/sync", "/api/playlists/sync"),
    ("GET", "/api/modules/status", "/api/modules/status"),
    ("GET", "/api/jobs", "/api/jobs"),
    ("GET", "/api/jobs/{id}", "/api/jobs/some-job"),
    ("POST", "/api/jobs/{id}/retry", "/api/jobs/some-job/retry"),
    ("GET", "/api/playlists/{id}", "/api/playlists/some-list"),
    ("POST", "/api/playlists/watch", "/api/playlists/watch"),
    ("GET", "/api/playlists/watch", "/api/playlists/watch"),
    (
        "DELETE",
        "/api/playlists/watch/{id}",
        "/api/playlists/watch/some-watch",
    ),
    ("GET", "/api/search", "/api/search?q=teardrop"),
    ("GET", "/api/events", "/api/events"),
    ("GET", "/api/events/stream", "/api/events/stream"),
    ("GET", "/api/openapi.json", "/api/openapi.json"),
];

const IMPORT: &str = r#"{"file": {"file_id": "f1", "path": "/downloads/a.flac", "size": 1, "format": "flac"}, "track": {"title": "Teardrop", "artist": "Massive Attack"}}"#;

fn request(
    client: &reqwest::Client,
    app: &TestApp,
    method: &str,
    path: &str,
) -> reqwest::RequestBuilder {
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let builder = client.request(method.clone(), format!("http://{}{path}", app.address));
    if method == Method::POST {
        builder
            .header("content-type", "application/json")
            .body("{}")
    } else {
        builder
    }
}

/// The routes the router serves, read from its OpenAPI document, which the route table
/// generates (the document shows `/api/operations/{operation}` once per operation).
fn declared_routes() -> BTreeSet<String> {
    let document = soulspot_router::api::document().unwrap();
    document["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(|path| {
            if path.starts_with("/api/operations/") {
                "/api/operations/{operation}".to_owned()
            } else {
                path.clone()
            }
        })
        .collect()
}

#[tokio::test]
async fn every_api_route_and_the_fallback_refuse_a_missing_or_wrong_key() {
    let app = spawn_app().await;
    let listed: BTreeSet<String> = ROUTES
        .iter()
        .map(|(_, route, _)| route.to_string())
        .collect();
    assert_eq!(listed, declared_routes(), "a route is missing from ROUTES");
    let anonymous = reqwest::Client::new();
    let wrong = crate::helpers::keyed_client("wrong-key-0123456789abcdef");
    let fallback = [("GET", "/api/nowhere"), ("POST", "/api/nowhere")];
    let requests = ROUTES
        .iter()
        .map(|(method, _, path)| (*method, *path))
        .chain(fallback);

    for (method, path) in requests {
        for client in [&anonymous, &wrong] {
            let response = request(client, &app, method, path).send().await.unwrap();
            assert_eq!(response.status(), 401, "{method} {path}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"]["code"], "unauthorized", "{method} {path}");
        }
        let keyed = request(&app.http, &app, method, path).send().await.unwrap();
        assert_ne!(keyed.status(), 401, "{method} {path} with the key");
    }
}

#[tokio::test]
async fn the_apikey_query_parameter_works_like_the_header() {
    let app = spawn_app().await;
    let anonymous = reqwest::Client::new();
    let key = &app.api_key;

    for path in [
        format!("/api/jobs?apikey={key}"),
        format!("/api/events?limit=1&apikey={key}"),
        format!("/api/events/stream?apikey={key}"),
    ] {
        let url = format!("http://{}{path}", app.address);
        let response = anonymous.get(url).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
    }
    let wrong = format!("http://{}/api/jobs?apikey=nope", app.address);
    assert_eq!(anonymous.get(wrong).send().await.unwrap().status(), 401);
}

#[tokio::test]
async fn health_readiness_and_metrics_need_no_key() {
    let app = spawn_app().await;
    let anonymous = reqwest::Client::new();
    for path in ["/healthz", "/readyz", "/metrics"] {
        let url = format!("http://{}{path}", app.address);
        let response = anonymous.get(url).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_generated_key_is_kept_in_a_private_file_reused_after_a_restart_and_never_logged() {
    let logs = CapturedLogs::at_least(tracing::Level::INFO);
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(logs.clone()));
    let folder = tempfile::tempdir().unwrap();
    let key_file = folder.path().join("state").join("api_key");
    let from_file = |settings: &mut soulspot_router::RouterSettings| {
        settings.api.api_key = soulspot_runtime::Secret::default();
        settings.api.key_file = key_file.clone();
    };

    let first = spawn_app_with(from_file).await;
    let second = spawn_app_with(from_file).await;

    assert_eq!(
        first.api_key, second.api_key,
        "the same key after a restart"
    );
    assert!(
        first.api_key.len() >= 32,
        "{} characters",
        first.api_key.len()
    );
    assert_eq!(file_mode(&key_file), 0o600);
    let stored = std::fs::read_to_string(&key_file).unwrap();
    assert_eq!(stored.trim(), first.api_key);
    assert_eq!(
        second.get("/api/jobs").await.0,
        200,
        "the file's key is the key"
    );
    let logged = logs.text();
    assert!(!logged.contains(&first.api_key), "the key was logged");
    assert!(logged.contains(&key_file.display().to_string()), "{logged}");
}

fn file_mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A module offering `import.track` and `playlist.tracks` that counts every call.
async fn start_counting_module(app: &TestApp) -> (RunningModule, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let import = Capability::new("import.track", 10, move |_: CallContext, _: Value| {
        counted.fetch_add(1, Ordering::SeqCst);
        async { Ok::<_, ServiceError>(json!({"status": "imported", "path": "/music/a.flac"})) }
    });
    let counted = calls.clone();
    let playlist = Capability::new("playlist.tracks", 10, move |_: CallContext, _: Value| {
        counted.fetch_add(1, Ordering::SeqCst);
        async { Ok::<_, ServiceError>(json!({"playlist_id": "p", "name": "P", "tracks": []})) }
    });
    let module = ModuleBuilder::new("sink", "0.1.0")
        .capability(import)
        .capability(playlist)
        .start(app.nats_client().await)
        .await
        .unwrap();
    app.wait_for_status("sink", "active", SETTLE).await;
    (module, calls)
}

async fn job_count(app: &TestApp) -> usize {
    let (status, body) = app.get("/api/jobs").await;
    assert_eq!(status, 200, "{body}");
    body["jobs"].as_array().unwrap().len()
}

#[tokio::test]
async fn posts_a_web_page_can_send_without_asking_are_refused_with_415_and_do_nothing() {
    let app = spawn_app().await;
    let (_sink, calls) = start_counting_module(&app).await;
    let shapes = [
        // `None`: the endpoint's own JSON body, as `fetch` sends a string body.
        ("text/plain;charset=UTF-8", None),
        (
            "application/x-www-form-urlencoded",
            Some("query=teardrop&playlist=p"),
        ),
        (
            "multipart/form-data; boundary=b",
            Some(
                "--b\r\nContent-Disposition: form-data; name=\"query\"\r\n\r\nteardrop\r\n--b--\r\n",
            ),
        ),
    ];
    let targets = [
        ("/api/operations/import.track", IMPORT),
        ("/api/downloads", r#"{"query": "teardrop"}"#),
        ("/api/playlists/sync", r#"{"playlist": "p"}"#),
    ];

    for (path, json_body) in targets {
        for (content_type, body) in shapes {
            let body = body.unwrap_or(json_body);
            let response = app
                .http
                .post(format!("http://{}{path}", app.address))
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 415, "{path} as {content_type}");
            let reply: Value = response.json().await.unwrap();
            assert_eq!(reply["error"]["code"], "unsupported_media_type");
        }
    }

    assert_eq!(calls.load(Ordering::SeqCst), 0, "no module was called");
    assert_eq!(job_count(&app).await, 0, "no job was created");
    // The same requests as JSON do reach the module and create a job.
    assert_eq!(app.post_operation("import.track", IMPORT).await.0, 200);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    app.post_download(json!({"query": "teardrop"})).await;
    assert_eq!(job_count(&app).await, 1);
}

#[tokio::test]
async fn a_post_from_another_site_is_refused_even_with_the_key_and_json() {
    let app = spawn_app().await;
    let (_sink, calls) = start_counting_module(&app).await;
    let post = |path: &str, body: &'static str, origin: String| {
        app.http
            .post(format!("http://{}{path}", app.address))
            .header("content-type", "application/json")
            .header("origin", origin)
            .body(body)
            .send()
    };

    for origin in ["http://evil.example", "null", "http://127.0.0.1:1"] {
        let operation = post("/api/operations/import.track", IMPORT, origin.to_owned());
        let refused = operation.await.unwrap();
        assert_eq!(refused.status(), 403, "{origin}");
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["error"]["code"], "cross_origin");
        let download = post("/api/downloads", r#"{"query": "x"}"#, origin.to_owned());
        assert_eq!(download.await.unwrap().status(), 403, "{origin}");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0, "no module was called");
    assert_eq!(job_count(&app).await, 0, "no job was created");

    let same_site = format!("http://{}", app.address);
    let accepted = post("/api/downloads", r#"{"query": "x"}"#, same_site).await;
    assert_eq!(accepted.unwrap().status(), 202);
}

#[tokio::test]
async fn no_response_carries_cors_headers_not_even_a_preflight() {
    let app = spawn_app().await;
    let url = format!("http://{}/api/downloads", app.address);
    let anonymous = reqwest::Client::new();
    let preflight = |client: &reqwest::Client, origin: String| {
        client
            .request(Method::OPTIONS, &url)
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type, x-api-key")
            .send()
    };

    let responses = [
        preflight(&anonymous, "http://evil.example".to_owned())
            .await
            .unwrap(),
        preflight(&app.http, format!("http://{}", app.address))
            .await
            .unwrap(),
        app.http
            .get(format!("http://{}/api/jobs", app.address))
            .header("origin", "http://evil.example")
            .send()
            .await
            .unwrap(),
        app.http
            .get(format!("http://{}/api/jobs", app.address))
            .send()
            .await
            .unwrap(),
    ];

    for response in responses {
        let cors: Vec<_> = response
            .headers()
            .keys()
            .filter(|name| name.as_str().starts_with("access-control-"))
            .collect();
        assert!(cors.is_empty(), "{} has {cors:?}", response.url());
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_status_shows_a_failing_check_without_its_internal_detail() {
    let logs = CapturedLogs::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(logs.clone()));
    let app = spawn_app().await;
    let detail = "slskd unreachable: error sending request for url (http://10.9.8.7:5030/api/v0/application)";
    let _module = ModuleBuilder::new("leaky", "0.1.0")
        .health_check("slskd", move || async move { Err(detail.to_owned()) })
        .start(app.nats_client().await)
        .await
        .unwrap();
    app.wait_for_status("leaky", "degraded", SETTLE).await;

    let (status, body) = app.get("/api/modules/status").await;

    assert_eq!(status, 200);
    let text = body.to_string();
    assert!(!text.contains("10.9.8.7"), "{text}");
    let leaky = body["modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|module| module["name"] == "leaky")
        .unwrap();
    assert_eq!(leaky["checks"][0]["name"], "slskd");
    assert_eq!(leaky["checks"][0]["ok"], false);
    assert!(leaky["checks"][0]["reason"].is_string(), "{leaky}");
    let logged = logs.with_message("health check failing");
    assert_eq!(logged[0]["detail"], detail, "the operator still reads it");
}

#[tokio::test(flavor = "current_thread")]
async fn a_5xx_shows_a_reference_logged_next_to_its_cause_and_not_the_cause() {
    let logs = CapturedLogs::at_least(tracing::Level::ERROR);
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(logs.clone()));
    let app = spawn_app().await;
    let _broken = app
        .start_search_provider("broken", 10, Behaviour::Fail, &[])
        .await;
    app.wait_for_status("broken", "active", SETTLE).await;

    let (status, body) = app
        .post_operation("search.track", r#"{"query": "x"}"#)
        .await;

    assert_eq!(status, 502, "{body}");
    assert!(!body.to_string().contains("index corrupted"), "{body}");
    let reference = body["error"]["reference"].as_str().unwrap();
    // The provider, in this same process, logs its own failure under the same message.
    let logged: Vec<_> = logs
        .with_message("request failed")
        .into_iter()
        .filter(|fields| fields.contains_key("reference"))
        .collect();
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0]["reference"], reference);
    assert!(logged[0]["error"].contains("index corrupted"), "{logged:?}");
}

#[tokio::test]
async fn refused_requests_are_counted_by_route_method_and_status() {
    let app = spawn_app().await;
    let anonymous = reqwest::Client::new();
    let refused = anonymous
        .post(format!("http://{}/api/downloads", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);

    let metrics = anonymous
        .get(format!("http://{}/metrics", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    let counted = metrics.lines().any(|line| {
        line.starts_with("soulspot_router_http_requests_total{")
            && line.contains(r#"route="/api/downloads""#)
            && line.contains(r#"method="POST""#)
            && line.contains(r#"status="401""#)
    });
    assert!(counted, "{metrics}");
}
