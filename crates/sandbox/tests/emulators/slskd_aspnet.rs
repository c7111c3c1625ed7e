//! slskd as ASP.NET Core serves it: paths in any case and with a trailing slash, query
//! names in any case, the first of repeated values, and booleans as .NET parses them.

use serde_json::{Value, json};

use crate::helpers::{TestSandbox, spawn_fast, status_of};

const VAULT_GLASS: &str = r"@@music\Aurora Lane\Northern Lights\01 - Glass Harbour.flac";

/// Starts a search and waits for it to complete; returns its id.
async fn completed_search(app: &TestSandbox) -> String {
    let created = app
        .start_search(&json!({ "searchText": "glass harbour" }))
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    app.wait_for_search(&id, "").await;
    id
}

async fn response_count_with(app: &TestSandbox, id: &str, query: &str) -> (u16, usize) {
    let response = app
        .slskd_get(&format!("/searches/{id}?{query}"))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    if status != 200 {
        return (status, 0);
    }
    let search: Value = response.json().await.unwrap();
    (status, search["responses"].as_array().unwrap().len())
}

#[tokio::test]
async fn query_booleans_parse_as_dotnet_parses_them() {
    let app = spawn_fast().await;
    let id = completed_search(&app).await;
    for spelling in ["True", "TRUE", "%20true%20", "true"] {
        let (status, responses) =
            response_count_with(&app, &id, &format!("includeResponses={spelling}")).await;
        assert_eq!(status, 200, "includeResponses={spelling}");
        assert!(
            responses > 0,
            "includeResponses={spelling} included nothing"
        );
    }
    let (status, responses) = response_count_with(&app, &id, "includeResponses=False").await;
    assert_eq!((status, responses), (200, 0));
    for refused in ["1", "0", "yes"] {
        let (status, _) =
            response_count_with(&app, &id, &format!("includeResponses={refused}")).await;
        assert_eq!(status, 400, "includeResponses={refused}");
    }
}

#[tokio::test]
async fn query_names_match_in_any_case_and_the_first_value_wins() {
    let app = spawn_fast().await;
    let id = completed_search(&app).await;
    let (status, responses) = response_count_with(&app, &id, "IncludeResponses=true").await;
    assert_eq!(status, 200);
    assert!(responses > 0, "a PascalCase name was not bound");
    let (status, responses) =
        response_count_with(&app, &id, "includeResponses=true&includeResponses=false").await;
    assert_eq!(status, 200);
    assert!(responses > 0, "a later repeated value overrode the first");
}

#[tokio::test]
async fn paths_match_in_any_case_and_with_a_trailing_slash() {
    let app = spawn_fast().await;
    let base = &app.sandbox.urls().slskd;
    let key = app.sandbox.slskd_api_key();
    let get = |path: &str| {
        app.client
            .get(format!("{base}{path}"))
            .header("x-api-key", key)
            .send()
    };
    for path in [
        "/api/v0/transfers/downloads/",
        "/API/V0/Application",
        "/api/v0/searches/",
        "/Health",
    ] {
        assert_eq!(get(path).await.unwrap().status(), 200, "{path}");
    }
    assert_eq!(get("/api/v0/uploads/").await.unwrap().status(), 404);
    let enqueued = app
        .client
        .post(format!("{base}/Api/v0/Transfers/Downloads/vinyl_vault/"))
        .header("X-API-KEY", key)
        .json(&json!([{ "filename": VAULT_GLASS, "size": 1 }]))
        .send()
        .await
        .unwrap();
    assert_eq!(enqueued.status(), 201);
    let body: Value = enqueued.json().await.unwrap();
    let id = body["enqueued"][0]["id"].as_str().unwrap();
    // The username is a parameter: its spelling is kept, not folded to the template's.
    assert_eq!(body["enqueued"][0]["username"], "vinyl_vault");
    let one = get(&format!("/api/v0/TRANSFERS/downloads/vinyl_vault/{id}/"))
        .await
        .unwrap();
    assert_eq!(one.status(), 200);
}

#[tokio::test]
async fn cancel_reads_remove_in_any_case() {
    let app = spawn_fast().await;
    let id = app.enqueue("stalled_stan", VAULT_GLASS).await;
    let removed = status_of(app.slskd_delete(&format!(
        "/transfers/downloads/stalled_stan/{id}?Remove=True"
    )))
    .await;
    assert_eq!(removed, 204);
    let gone = status_of(app.slskd_get(&format!("/transfers/downloads/stalled_stan/{id}"))).await;
    assert_eq!(gone, 404);
}

#[tokio::test]
async fn json_bodies_bind_property_names_in_any_case_and_text_json() {
    let app = spawn_fast().await;
    let key = app.sandbox.slskd_api_key();
    let created = app
        .client
        .post(app.slskd("/searches"))
        .header("X-API-Key", key)
        .header("content-type", "text/json; charset=utf-8")
        .body(r#"{"SearchText": "glass harbour", "SEARCHTIMEOUT": 8000}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    let search: Value = created.json().await.unwrap();
    assert_eq!(search["searchText"], "glass harbour");
    let body = serde_json::to_string(&json!([{ "Filename": VAULT_GLASS, "Size": 1 }])).unwrap();
    let enqueued = app
        .client
        .post(app.slskd("/transfers/downloads/vinyl_vault"))
        .header("X-API-Key", key)
        .header("content-type", "application/json; charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(enqueued.status(), 201);
    let result: Value = enqueued.json().await.unwrap();
    assert_eq!(result["enqueued"][0]["filename"], VAULT_GLASS);
    let not_json = app
        .client
        .post(app.slskd("/searches"))
        .header("X-API-Key", key)
        .header("content-type", "text/plain")
        .body(r#"{"searchText": "glass harbour"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 415);
}
