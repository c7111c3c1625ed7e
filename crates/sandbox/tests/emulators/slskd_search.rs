//! slskd: auth, application state, searches and their traps.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{json_of, spawn_fast, spawn_with, status_of};

#[tokio::test]
async fn api_key_is_required_but_health_is_open() {
    let app = spawn_fast().await;
    let health = status_of(
        app.client
            .get(format!("{}/health", app.sandbox.urls().slskd)),
    )
    .await;
    assert_eq!(health, 200);
    let no_key = status_of(app.client.get(app.slskd("/application"))).await;
    assert_eq!(no_key, 401);
    let wrong_key = status_of(
        app.client
            .get(app.slskd("/application"))
            .header("X-API-Key", "wrong-key-wrong-key"),
    )
    .await;
    assert_eq!(wrong_key, 401);
}

#[tokio::test]
async fn application_reports_a_logged_in_server() {
    let app = spawn_fast().await;
    let state = json_of(app.slskd_get("/application")).await;
    assert_eq!(state["server"]["isConnected"], true);
    assert_eq!(state["server"]["isLoggedIn"], true);
    assert_eq!(state["server"]["state"], "Connected, LoggedIn");
    assert_eq!(state["version"]["current"], "0.26.0");
    app.sandbox.faults().set_slskd_disconnected(true);
    let down = json_of(app.slskd_get("/application")).await;
    assert_eq!(down["server"]["isLoggedIn"], false);
}

#[tokio::test]
async fn search_finds_peers_with_verbatim_filenames_and_traps() {
    let app = spawn_fast().await;
    let responses = app
        .search_and_wait("midnight ferry lighthouse keeper")
        .await;
    let users: Vec<&str> = responses
        .iter()
        .map(|r| r["username"].as_str().unwrap())
        .collect();
    assert!(users.contains(&"vinyl_vault"));
    assert!(users.contains(&"ghost_gina"));
    let evil = responses
        .iter()
        .find(|r| r["username"] == "evil_eve")
        .unwrap();
    let hostile = evil["files"][0]["filename"].as_str().unwrap();
    assert!(
        hostile.contains(r"\..\..\"),
        "hostile name reported verbatim: {hostile}"
    );
    let vault = responses
        .iter()
        .find(|r| r["username"] == "vinyl_vault")
        .unwrap();
    let file = &vault["files"][0];
    assert_eq!(
        file["filename"],
        r"@@music\The Midnight Ferry\Harbour Songs\01 - Lighthouse Keeper.flac"
    );
    assert_eq!(file["extension"], "");
    assert_eq!(file["length"], 265);
    assert!(file.get("bitRate").is_none(), "null fields are omitted");
    assert!(file["size"].as_u64().unwrap() > 1000);
}

#[tokio::test]
async fn locked_files_variants_and_long_lengths_are_reported() {
    let app = spawn_fast().await;
    let responses = app.search_and_wait("aurora lane glass harbour").await;
    let by_user = |name: &str| responses.iter().find(|r| r["username"] == name).unwrap();
    let remix = by_user("remix_rick");
    assert_eq!(remix["fileCount"], 2);
    let extended = &by_user("extended_ella")["files"][0];
    assert_eq!(extended["length"], 234);
    assert_eq!(extended["bitRate"], 320);
    let slow = by_user("slow_sam");
    assert_eq!(slow["queueLength"], 250);
    assert_eq!(slow["hasFreeUploadSlot"], false);
    assert!(slow["files"][0].get("length").is_none());
    let locked = app.search_and_wait("northern lights locked").await;
    assert!(locked.is_empty(), "no file carries the word 'locked'");
    let northern = app.search_and_wait("aurora northern lights").await;
    let larry = northern
        .iter()
        .find(|r| r["username"] == "locked_larry")
        .unwrap();
    assert_eq!(larry["fileCount"], 0);
    assert_eq!(larry["lockedFileCount"], 1);
    assert_eq!(larry["lockedFiles"][0]["isLocked"], true);
}

#[tokio::test]
async fn blocked_terms_return_nothing_unless_wildcarded() {
    let app = spawn_fast().await;
    assert!(app.search_and_wait("beatles morning tide").await.is_empty());
    assert!(!app.search_and_wait("*eatles morning tide").await.is_empty());
}

#[tokio::test]
async fn search_states_progress_and_delete_answers_204() {
    let app = spawn_with(|config| config.timing.search_duration = Duration::from_millis(300)).await;
    let created = app.start_search(&json!({ "searchText": "voltage" })).await;
    assert_eq!(created["state"], "InProgress");
    assert_eq!(created["isComplete"], false);
    let id = created["id"].as_str().unwrap().to_owned();
    let finished = app.wait_for_search(&id, "?includeResponses=true").await;
    assert_eq!(finished["state"], "Completed, TimedOut");
    assert!(finished["responseCount"].as_u64().unwrap() >= 2);
    assert!(finished["endedAt"].is_string());
    let deleted = status_of(app.slskd_delete(&format!("/searches/{id}"))).await;
    assert_eq!(deleted, 204);
    let gone = status_of(app.slskd_get(&format!("/searches/{id}"))).await;
    assert_eq!(gone, 404);
}

#[tokio::test]
async fn concurrent_search_post_gets_429() {
    let app =
        spawn_with(|config| config.timing.search_post_delay = Duration::from_millis(400)).await;
    let body = json!({ "searchText": "voltage" });
    let (first, second) = tokio::join!(
        app.slskd_post("/searches", &body).send(),
        app.slskd_post("/searches", &body).send(),
    );
    let mut statuses = [
        first.unwrap().status().as_u16(),
        second.unwrap().status().as_u16(),
    ];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 429]);
}
