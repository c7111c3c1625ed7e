//! What users of the peers ask of playlists, end to end: an M3U8 file per synced playlist in
//! the library, in playlist order with relative paths, and watched playlists that pick up a
//! track added on Spotify without another request.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use soulspot_e2e::{Stack, StackOptions};

const FINISH: Duration = Duration::from_secs(90);
const GLASS_HARBOUR: &str = "WDAD8c1xS4i78ePMqpycRa";
const NORTHERN_LIGHTS: &str = "cOz1bL1OiO0smfIAKWKpvq";
const ORDERED: &str = "sandboxorder0000000000";
const WATCHED: &str = "sandboxwatch0000000000";

/// The shipped catalog with two small playlists of easily found tracks.
fn catalog() -> soulspot_sandbox::Catalog {
    const SHIPPED: &str = include_str!("../../crates/sandbox/catalog/default.toml");
    let extra = format!(
        r#"
[[playlists]]
id = "{ORDERED}"
name = "Road Trip"
description = "Two tracks, the second catalog track first."
tracks = ["{NORTHERN_LIGHTS}", "{GLASS_HARBOUR}"]

[[playlists]]
id = "{WATCHED}"
name = "Watched Mix"
description = "One track; tests append more."
tracks = ["{GLASS_HARBOUR}"]
"#
    );
    soulspot_sandbox::Catalog::from_toml(&format!("{SHIPPED}{extra}")).unwrap()
}

async fn stack() -> Stack {
    let options = StackOptions {
        fast: true,
        catalog: Some(catalog()),
        // Watches may ask for 1 s; routers look for due ones every 100 ms.
        watch_timing_ms: Some((1_000, 100)),
        ..StackOptions::default()
    };
    Stack::start(options).await.unwrap()
}

/// Polls `check` until it gives a value, failing after `limit`.
async fn wait_for<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            started.elapsed() < limit,
            "{what} not seen within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The playlist's progress once every track has a finished job.
async fn all_jobs_finished(stack: &Stack, playlist: &str, tracks: usize) -> Value {
    wait_for("every job of the playlist finished", FINISH, || async {
        let progress = stack
            .get(&format!("/api/playlists/{playlist}"))
            .await
            .ok()?;
        let states = progress["tracks"].as_array()?;
        let finished = states.len() == tracks
            && states
                .iter()
                .all(|track| matches!(track["state"].as_str(), Some("completed" | "failed")));
        finished.then_some(progress)
    })
    .await
}

/// The entries of an M3U8 file: (`#EXTINF` line, location).
fn entries(text: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.first(), Some(&"#EXTM3U"), "{text}");
    lines[1..]
        .chunks(2)
        .map(|pair| (pair[0].to_owned(), pair[1].to_owned()))
        .collect()
}

async fn post(stack: &Stack, path: &str, body: &Value) -> (u16, Value) {
    let response = stack
        .http
        .post(stack.url(path))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_synced_playlist_gets_an_m3u8_in_the_library_in_playlist_order() {
    let stack = stack().await;

    let (status, report) = post(&stack, "/api/playlists/sync", &json!({"playlist": ORDERED})).await;
    assert_eq!(status, 202, "{report}");
    let progress = all_jobs_finished(&stack, ORDERED, 2).await;
    assert_eq!(progress["states"]["completed"], 2, "{progress}");

    let playlist: PathBuf = stack.library_root().join("Playlists/Road Trip.m3u8");
    let listed = wait_for("both tracks in the playlist file", FINISH, || async {
        let text = std::fs::read_to_string(&playlist).ok()?;
        let listed = entries(&text);
        (listed.len() == 2).then_some(listed)
    })
    .await;

    assert!(
        listed[0].0.ends_with(",Aurora Lane - Northern Lights"),
        "{listed:?}"
    );
    assert!(
        listed[1].0.ends_with(",Aurora Lane - Glass Harbour"),
        "{listed:?}"
    );
    for (_, location) in &listed {
        assert!(location.starts_with("../"), "{location} is not relative");
        let target = playlist.parent().unwrap().join(location);
        assert!(target.is_file(), "{location} leads to no file");
    }
    let violations = stack.nats.permission_violations();
    assert!(violations.is_empty(), "{violations:#?}");
}

#[tokio::test]
async fn a_watched_playlist_picks_up_a_track_added_on_spotify_by_itself() {
    let stack = stack().await;

    let (status, watch) = post(
        &stack,
        "/api/playlists/watch",
        &json!({"playlist": WATCHED, "interval_seconds": 1}),
    )
    .await;
    assert_eq!(status, 201, "{watch}");
    assert_eq!(watch["playlist_id"], WATCHED);
    assert_eq!(watch["last_enqueued"], 1);
    all_jobs_finished(&stack, WATCHED, 1).await;

    stack.sandbox.playlists().append(WATCHED, NORTHERN_LIGHTS);

    let progress = all_jobs_finished(&stack, WATCHED, 2).await;
    assert_eq!(progress["states"]["completed"], 2, "{progress}");
    assert_eq!(progress["tracks"][1]["track"]["title"], "Northern Lights");
    let playlist = stack.library_root().join("Playlists/Watched Mix.m3u8");
    wait_for("the added track in the playlist file", FINISH, || async {
        let text = std::fs::read_to_string(&playlist).ok()?;
        let listed = entries(&text);
        let arrived = listed.len() == 2 && listed[1].0.ends_with(" - Northern Lights");
        arrived.then_some(())
    })
    .await;
    let listed = stack.get("/api/playlists/watch").await.unwrap();
    assert_eq!(listed["watches"][0]["id"], watch["id"]);
    let violations = stack.nats.permission_violations();
    assert!(violations.is_empty(), "{violations:#?}");
}

#[tokio::test]
async fn watches_are_listed_changed_and_stopped_and_bad_requests_are_refused() {
    let stack = stack().await;
    let watch_body = |interval: Value| json!({"playlist": WATCHED, "interval_seconds": interval});

    for bad in [
        json!(0),
        json!(-5),
        json!(1.5),
        json!("60"),
        json!(10_u64.pow(12)),
    ] {
        let (status, body) = post(&stack, "/api/playlists/watch", &watch_body(bad.clone())).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    let (status, _) = post(&stack, "/api/playlists/watch", &json!({"playlist": " "})).await;
    assert_eq!(status, 400);

    let (created, first) = post(&stack, "/api/playlists/watch", &watch_body(json!(3600))).await;
    let (updated, second) = post(&stack, "/api/playlists/watch", &watch_body(json!(7200))).await;

    assert_eq!((created, updated), (201, 200), "{first} {second}");
    assert_eq!(second["id"], first["id"]);
    assert_eq!(second["interval_seconds"], 7200);
    let listed = stack.get("/api/playlists/watch").await.unwrap();
    assert_eq!(listed["watches"].as_array().unwrap().len(), 1, "{listed}");

    let path = format!("/api/playlists/watch/{}", first["id"].as_str().unwrap());
    let stopped = stack.http.delete(stack.url(&path)).send().await.unwrap();
    let again = stack.http.delete(stack.url(&path)).send().await.unwrap();

    assert_eq!(stopped.status(), 204);
    assert_eq!(again.status(), 404);
    let listed = stack.get("/api/playlists/watch").await.unwrap();
    assert_eq!(listed["watches"], json!([]));
}
