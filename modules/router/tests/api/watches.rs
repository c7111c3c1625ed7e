//! Watched playlists kept in the job store: routers claiming due watches at once each get a
//! different one or none, never the same, and no change to the list is lost.

use std::time::Duration;

use soulspot_bus::Durability;
use soulspot_router::pipeline::{JobStore, Watch};
use time::OffsetDateTime;

use crate::helpers::spawn_app;

fn due_watch(id: &str, now: OffsetDateTime) -> Watch {
    Watch {
        id: id.to_owned(),
        playlist: id.to_owned(),
        playlist_id: id.to_owned(),
        name: None,
        interval_seconds: 3600,
        created_at: now,
        next_sync_at: now - Duration::from_secs(1),
        last_synced_at: None,
        last_enqueued: None,
        last_error: None,
    }
}

#[tokio::test]
async fn routers_claiming_at_once_sync_each_due_watch_once() {
    let app = spawn_app().await;
    let open = || async {
        JobStore::open(
            app.nats_client().await,
            Durability::default(),
            Duration::from_secs(3600),
        )
        .await
        .unwrap()
    };
    let stores = [open().await, open().await, open().await];
    let now = OffsetDateTime::now_utc();
    for id in ["w1", "w2"] {
        stores[0]
            .change_watches(|watches| watches.push(due_watch(id, now)))
            .await
            .unwrap();
    }

    let claims = futures::future::join_all(
        stores
            .iter()
            .map(|store| store.claim_due_watches(OffsetDateTime::now_utc())),
    )
    .await;

    let mut claimed: Vec<String> = claims
        .into_iter()
        .flat_map(|claim| claim.unwrap())
        .map(|watch| watch.id)
        .collect();
    claimed.sort_unstable();
    assert_eq!(claimed, ["w1", "w2"]);
    let stored = stores[1].watches().await.unwrap();
    assert_eq!(stored.len(), 2);
    assert!(stored.iter().all(|watch| watch.next_sync_at > now));
    assert!(
        stores[2]
            .claim_due_watches(OffsetDateTime::now_utc())
            .await
            .unwrap()
            .is_empty()
    );
}
