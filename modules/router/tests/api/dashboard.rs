//! What the dashboard relies on: its page and assets open to anyone under a strict content
//! policy, a structured warning per capability nobody serves in the status report, and the
//! status report on the live stream whenever a module changes state.

use std::time::{Duration, Instant};

use serde_json::Value;
use soulspot_contracts::operations;

use crate::helpers::{Behaviour, spawn_app};

const WITHIN: Duration = Duration::from_secs(10);
const POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
                      img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

fn warned_operations(status: &Value) -> Vec<String> {
    status["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|warning| warning["operation"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_page_and_its_assets_are_served_without_a_key_under_a_strict_policy() {
    let app = spawn_app().await;
    let anonymous = reqwest::Client::new();
    for (path, content_type) in [
        ("/", "text/html; charset=utf-8"),
        ("/ui/app.css", "text/css; charset=utf-8"),
        ("/ui/app.js", "text/javascript; charset=utf-8"),
    ] {
        let response = anonymous
            .get(format!("http://{}{path}", app.address))
            .send()
            .await
            .unwrap();

        assert_eq!(response.status(), 200, "{path}");
        let headers = response.headers();
        assert_eq!(headers["content-type"], content_type, "{path}");
        assert_eq!(headers["content-security-policy"], POLICY, "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
    }
    let page = anonymous
        .get(format!("http://{}/", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let scripts: Vec<&str> = page.split("<script").skip(1).collect();
    assert_eq!(scripts.len(), 1, "one script, the page's own");
    assert!(scripts[0].starts_with(r#" src="/ui/app.js" defer></script>"#));
    assert!(!page.contains("style="), "no inline styles");
    let api = anonymous
        .get(format!("http://{}/api/modules/status", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 401, "the data stays behind the key");
}

#[tokio::test]
async fn the_status_report_warns_with_impact_and_action_for_each_capability_nobody_serves() {
    let app = spawn_app().await;
    let (_, status) = app.get("/api/modules/status").await;
    assert_eq!(warned_operations(&status), operations::ALL.to_vec());
    let search = &status["warnings"][0];
    assert_eq!(search["operation"], "search.track");
    assert_eq!(
        search["impact"],
        "requests for search.track fail until a provider is active"
    );
    assert_eq!(search["action"], "start a module that offers search.track");

    let alpha = app
        .start_search_provider("alpha", 10, Behaviour::Answer, &[])
        .await;
    app.wait_for_status("alpha", "active", WITHIN).await;
    let (_, status) = app.get("/api/modules/status").await;
    assert!(!warned_operations(&status).contains(&"search.track".to_owned()));

    alpha.module.stop(Duration::from_secs(1)).await;
    app.wait_for_status("alpha", "inactive", WITHIN).await;
    let (_, status) = app.get("/api/modules/status").await;
    let search = &status["warnings"][0];
    assert_eq!(search["operation"], "search.track");
    assert_eq!(search["providers"][0]["module"], "alpha");
    assert_eq!(search["providers"][0]["status"], "inactive");
    assert_eq!(
        search["action"],
        "start alpha or another module that offers search.track"
    );
}

#[tokio::test]
async fn the_stream_carries_the_status_report_when_a_module_stops() {
    let app = spawn_app().await;
    let alpha = app
        .start_search_provider("alpha", 10, Behaviour::Answer, &[])
        .await;
    app.wait_for_status("alpha", "active", WITHIN).await;
    let mut stream = app
        .http
        .get(format!("http://{}/api/events/stream", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);

    alpha.module.stop(Duration::from_secs(1)).await;

    let started = Instant::now();
    let mut received = String::new();
    let report = loop {
        let left = WITHIN.saturating_sub(started.elapsed());
        let chunk = tokio::time::timeout(left, stream.chunk())
            .await
            .unwrap_or_else(|_| panic!("no inactive status within {WITHIN:?}: {received}"))
            .unwrap()
            .unwrap();
        received.push_str(&String::from_utf8_lossy(&chunk));
        let inactive = received.split("\n\n").find_map(|message| {
            let data = message.strip_prefix("event: status\ndata: ")?;
            let report: Value = serde_json::from_str(data).ok()?;
            (report["inactive"] == serde_json::json!(["alpha"])).then_some(report)
        });
        if let Some(report) = inactive {
            break report;
        }
    };
    assert_eq!(report["modules"][0]["status"], "inactive");
    assert_eq!(report["warnings"][0]["operation"], "search.track");
}
