//! The delivery log's claims against a real nats-server: one holder per (job, channel), a
//! released pair claimable again, a delivered one never, and a lapsed claim taken over.

use soulspot_bus::Durability;
use soulspot_notifications::dedup::{Claim, DeliveryLog};
use soulspot_notifications::settings::DedupSettings;

use crate::helpers::spawn_app;

async fn log_with(app: &crate::helpers::TestApp, claim_timeout_ms: u64) -> DeliveryLog {
    let settings = DedupSettings {
        claim_timeout_ms,
        ..DedupSettings::default()
    };
    DeliveryLog::open(app.client().await, &settings, Durability::default())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_held_pair_is_in_flight_for_others_until_released_and_delivered_once_marked() {
    let app = spawn_app(Vec::new()).await;
    let log = log_with(&app, 60_000).await;

    let Claim::Held(first) = log.claim("job-1", "hook").await.unwrap() else {
        panic!("a fresh pair was not granted");
    };
    assert!(matches!(
        log.claim("job-1", "hook").await.unwrap(),
        Claim::InFlight
    ));
    assert!(matches!(
        log.claim("job-1", "other").await.unwrap(),
        Claim::Held(_)
    ));
    log.release(first).await.unwrap();
    let Claim::Held(again) = log.claim("job-1", "hook").await.unwrap() else {
        panic!("a released pair was not granted again");
    };
    log.delivered(again, 1).await.unwrap();

    assert!(matches!(
        log.claim("job-1", "hook").await.unwrap(),
        Claim::Delivered
    ));
}

#[tokio::test]
async fn a_claim_older_than_the_timeout_is_taken_over_once() {
    let app = spawn_app(Vec::new()).await;
    let lapsing = log_with(&app, 0).await;
    let Claim::Held(abandoned) = lapsing.claim("job-2", "hook").await.unwrap() else {
        panic!("a fresh pair was not granted");
    };

    let taken_over = lapsing.claim("job-2", "hook").await.unwrap();

    let Claim::Held(held) = taken_over else {
        panic!("a lapsed claim was not taken over: {taken_over:?}");
    };
    assert!(
        lapsing.delivered(abandoned, 1).await.is_err(),
        "the dead sender's claim no longer counts"
    );
    lapsing.delivered(held, 1).await.unwrap();
    assert!(matches!(
        lapsing.claim("job-2", "hook").await.unwrap(),
        Claim::Delivered
    ));
}

#[tokio::test]
async fn the_delivery_log_keeps_three_replicas_on_a_cluster() {
    let cluster = soulspot_bus::testing::NatsCluster::start_with_accounts().unwrap();
    let nats = cluster.settings_for("notifications");
    let client = soulspot_bus::connect(&nats, "notifications").await.unwrap();
    let settings = DedupSettings::default();

    let log = DeliveryLog::open(client.clone(), &settings, nats.durability())
        .await
        .unwrap();

    let jetstream = async_nats::jetstream::new(client);
    let stream = jetstream
        .get_stream(format!("KV_{}", settings.bucket))
        .await
        .unwrap();
    let info = stream.get_info().await.unwrap();
    assert_eq!(info.config.num_replicas, 3);
    assert!(matches!(
        log.claim("job-1", "hook").await.unwrap(),
        Claim::Held(_)
    ));
}
