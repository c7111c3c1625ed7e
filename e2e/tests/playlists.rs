//! A 5,000-track sandbox playlist synced twice at once, with a library that takes requests of
//! 64 KiB at most: both syncs complete, and each track is queued exactly once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use soulspot_e2e::{Module, Stack, StackOptions};

const PLAYLIST: &str = "sandboxfifty0000000000";
/// The playlist's twelve catalog tracks plus this many synthetic ones.
const SYNTHETIC: usize = 4_988;
const TRACKS: usize = 12 + SYNTHETIC;

fn catalog() -> soulspot_sandbox::Catalog {
    const SHIPPED: &str = include_str!("../../crates/sandbox/catalog/default.toml");
    assert!(
        SHIPPED.contains("tracks = 38"),
        "the synthetic section changed"
    );
    let text = SHIPPED.replacen("tracks = 38", &format!("tracks = {SYNTHETIC}"), 1);
    soulspot_sandbox::Catalog::from_toml(&text).unwrap()
}

async fn sync(stack: &Stack) -> Value {
    let response = stack
        .http
        .post(stack.url("/api/playlists/sync"))
        .json(&json!({"playlist": PLAYLIST}))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        status,
        202,
        "{body}; refused by nats: {:?}",
        stack.nats.permission_violations()
    );
    body
}

/// Every job of the playlist, read page by page: track → job ids.
async fn playlist_jobs(stack: &Stack) -> BTreeMap<String, Vec<String>> {
    let mut jobs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(after) => format!("/api/jobs?limit=500&after={after}"),
            None => "/api/jobs?limit=500".to_owned(),
        };
        let page = stack.get(&path).await.unwrap();
        for job in page["jobs"].as_array().unwrap() {
            if job["request"]["source_ref"] == PLAYLIST {
                let key = job["track"].to_string();
                jobs.entry(key)
                    .or_default()
                    .push(job["id"].as_str().unwrap().to_owned());
            }
        }
        match page["next_after"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => return jobs,
        }
    }
}

#[tokio::test]
async fn a_five_thousand_track_playlist_synced_twice_at_once_queues_each_track_once() {
    let options = StackOptions {
        fast: true,
        modules: vec![Module::Spotify, Module::Library],
        catalog: Some(catalog()),
        library_max_request_bytes: Some(64 * 1024),
        spotify_call_budget_ms: Some(60_000),
        max_concurrent_jobs: 1,
        ..StackOptions::default()
    };
    let stack = Stack::start(options).await.unwrap();

    let (first, second) = tokio::join!(sync(&stack), sync(&stack));

    for report in [&first, &second] {
        assert_eq!(report["total"], TRACKS, "{report}");
        let enqueued = report["enqueued"].as_array().unwrap().len();
        let already = report["already_queued"].as_u64().unwrap() as usize;
        assert_eq!(enqueued + already, TRACKS);
    }
    let enqueued: BTreeSet<&str> = [&first, &second]
        .iter()
        .flat_map(|report| report["enqueued"].as_array().unwrap())
        .map(|id| id.as_str().unwrap())
        .collect();
    assert_eq!(enqueued.len(), TRACKS, "each track queued by one sync only");
    let jobs = playlist_jobs(&stack).await;
    assert_eq!(jobs.len(), TRACKS);
    let twice: Vec<_> = jobs.iter().filter(|(_, ids)| ids.len() > 1).collect();
    assert!(twice.is_empty(), "queued more than once: {twice:?}");
}
