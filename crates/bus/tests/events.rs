//! Events over a real nats-server: validation, fan-out to durable consumers, isolation of
//! failing handlers, catch-up, dead letters and context propagation.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use serde_json::{Value, json};
use soulspot_bus::testing::NatsServer;
use soulspot_bus::{
    Durability, EventBus, EventPublisher, EventStoreSettings, HandlerError, MessageContext,
    NatsSettings, PublishError, ReceivedEvent, SubscribeOptions,
};
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(10);

async fn bus(server: &NatsServer, module: &str) -> EventBus {
    bus_with(server, module, &EventStoreSettings::default()).await
}

async fn bus_with(server: &NatsServer, module: &str, store: &EventStoreSettings) -> EventBus {
    let settings = NatsSettings {
        url: server.url(),
        ..NatsSettings::default()
    };
    let client = soulspot_bus::connect(&settings, module).await.unwrap();
    EventBus::new(client, module, store, Durability::default())
        .await
        .unwrap()
}

fn started(download_id: &str) -> Value {
    json!({
        "download_id": download_id,
        "track": {"title": "Teardrop", "artist": "Massive Attack"},
        "username": "peer",
        "filename": "@@music\\Massive Attack\\Mezzanine\\03 - Teardrop.flac",
    })
}

/// Subscribes `consumer` and forwards every received event to the returned channel.
async fn forward(
    bus: &EventBus,
    consumer: &str,
) -> (
    soulspot_bus::Subscription,
    mpsc::UnboundedReceiver<ReceivedEvent>,
) {
    let (sender, receiver) = mpsc::unbounded_channel();
    let subscription = bus
        .subscribe(
            SubscribeOptions::new(consumer, "download.started"),
            move |event| {
                let sender = sender.clone();
                async move {
                    sender.send(event).map_err(HandlerError::new)?;
                    Ok(())
                }
            },
        )
        .await
        .unwrap();
    (subscription, receiver)
}

async fn next(receiver: &mut mpsc::UnboundedReceiver<ReceivedEvent>) -> ReceivedEvent {
    tokio::time::timeout(WAIT, receiver.recv())
        .await
        .expect("event not delivered in time")
        .expect("subscription ended")
}

#[tokio::test]
async fn an_event_that_violates_its_schema_is_rejected_and_not_stored() {
    let server = NatsServer::start().unwrap();
    let bus = bus(&server, "soulseek").await;

    let event = bus
        .event("download.started", json!({"download_id": "d1"}))
        .unwrap();
    let error = bus
        .publish(event, &MessageContext::default())
        .await
        .unwrap_err();

    assert!(matches!(error, PublishError::Invalid(_)), "{error}");
    assert!(error.to_string().contains("track"), "{error}");
    assert!(bus.recent_events(None, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_unknown_event_type_cannot_be_built() {
    let server = NatsServer::start().unwrap();
    let bus = bus(&server, "soulseek").await;
    assert!(bus.event("download.exploded", json!({})).is_err());
}

#[tokio::test]
async fn a_valid_event_reaches_two_subscribers_with_its_correlation_and_trace() {
    let server = NatsServer::start().unwrap();
    let bus = bus(&server, "soulseek").await;
    let (_a, mut first) = forward(&bus, "library").await;
    let (_b, mut second) = forward(&bus, "spotify").await;
    let context = MessageContext::new_root(Some("job-7".into()));

    let event = bus
        .event("download.started", started("d1"))
        .unwrap()
        .with_correlation_id("job-7");
    bus.publish(event.clone(), &context).await.unwrap();

    for receiver in [&mut first, &mut second] {
        let received = next(receiver).await;
        assert_eq!(received.envelope.event_id, event.event_id);
        assert_eq!(received.envelope.correlation_id.as_deref(), Some("job-7"));
        assert_eq!(received.context.correlation_id.as_deref(), Some("job-7"));
        assert_eq!(received.context.trace_id(), context.trace_id());
    }
}

#[tokio::test]
async fn a_panicking_handler_does_not_stop_the_other_nor_its_own_subscription() {
    let server = NatsServer::start().unwrap();
    let bus = bus(&server, "soulseek").await;
    let (sender, mut survivor_received) = mpsc::unbounded_channel::<String>();
    let _panicking = bus
        .subscribe(
            SubscribeOptions::new("fragile", "download.started"),
            move |event| {
                let sender = sender.clone();
                async move {
                    let id = event.envelope.data["download_id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    if id == "boom" {
                        panic!("handler exploded on purpose");
                    }
                    sender.send(id).map_err(HandlerError::new)?;
                    Ok(())
                }
            },
        )
        .await
        .unwrap();
    let (_other, mut other) = forward(&bus, "sturdy").await;

    for id in ["boom", "after"] {
        let event = bus.event("download.started", started(id)).unwrap();
        bus.publish(event, &MessageContext::default())
            .await
            .unwrap();
    }

    assert_eq!(next(&mut other).await.envelope.data["download_id"], "boom");
    assert_eq!(next(&mut other).await.envelope.data["download_id"], "after");
    let survived = tokio::time::timeout(WAIT, survivor_received.recv())
        .await
        .unwrap();
    assert_eq!(survived.as_deref(), Some("after"));
}

#[tokio::test]
async fn a_consumer_started_after_the_publish_still_receives_the_event() {
    let server = NatsServer::start().unwrap();
    let bus = bus(&server, "soulseek").await;
    let event = bus.event("download.started", started("early")).unwrap();
    bus.publish(event.clone(), &MessageContext::default())
        .await
        .unwrap();

    let (_late, mut late) = forward(&bus, "late").await;

    assert_eq!(next(&mut late).await.envelope.event_id, event.event_id);
}

#[tokio::test]
async fn a_consumer_that_was_down_receives_what_it_missed() {
    let server = NatsServer::start().unwrap();
    let bus = bus(&server, "soulseek").await;
    let (subscription, mut receiver) = forward(&bus, "library").await;
    let first = bus.event("download.started", started("one")).unwrap();
    bus.publish(first, &MessageContext::default())
        .await
        .unwrap();
    assert_eq!(
        next(&mut receiver).await.envelope.data["download_id"],
        "one"
    );
    drop(subscription);

    let missed = bus.event("download.started", started("two")).unwrap();
    bus.publish(missed.clone(), &MessageContext::default())
        .await
        .unwrap();
    let (_again, mut again) = forward(&bus, "library").await;

    let received = next(&mut again).await;
    assert_eq!(
        received.envelope.event_id, missed.event_id,
        "only the missed event is redelivered"
    );
}

#[tokio::test]
async fn an_invalid_event_on_the_consumer_side_lands_in_the_dead_letter_subject() {
    let server = NatsServer::start().unwrap();
    let bus = bus(&server, "soulseek").await;
    let mut dead_letters = bus
        .client()
        .subscribe("soulspot.dlq.library")
        .await
        .unwrap();
    let (_subscription, mut received) = forward(&bus, "library").await;
    let mut forged = bus.event("download.started", started("x")).unwrap();
    forged.data = json!({"download_id": 42});
    let jetstream = async_nats::jetstream::new(bus.client().clone());
    jetstream
        .publish(
            forged.subject(),
            serde_json::to_vec(&forged).unwrap().into(),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    let valid = bus.event("download.started", started("fine")).unwrap();
    bus.publish(valid.clone(), &MessageContext::default())
        .await
        .unwrap();

    let letter = tokio::time::timeout(WAIT, dead_letters.next())
        .await
        .unwrap()
        .unwrap();
    let body: Value = serde_json::from_slice(&letter.payload).unwrap();
    assert!(
        body["reason"]
            .as_str()
            .unwrap()
            .contains("download.started"),
        "{body}"
    );
    assert!(
        body["payload"]
            .as_str()
            .unwrap()
            .contains(&forged.event_id.to_string())
    );
    assert_eq!(next(&mut received).await.envelope.event_id, valid.event_id);
}

#[tokio::test]
async fn a_handler_that_keeps_failing_is_dead_lettered_after_its_last_delivery() {
    let server = NatsServer::start().unwrap();
    let store = EventStoreSettings::default();
    let store = EventStoreSettings {
        redelivery: store.redelivery.with_max_attempts(2),
        ..store
    };
    let bus = bus_with(&server, "soulseek", &store).await;
    let mut dead_letters = bus.client().subscribe("soulspot.dlq.flaky").await.unwrap();
    let attempts = Arc::new(std::sync::atomic::AtomicI64::new(0));
    let counted = attempts.clone();
    let options = SubscribeOptions::new("flaky", "download.started");
    let _subscription = bus
        .subscribe(options, move |_| {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async { Err(HandlerError::new("library volume not mounted")) }
        })
        .await
        .unwrap();

    let event = bus.event("download.started", started("d")).unwrap();
    bus.publish(event, &MessageContext::default())
        .await
        .unwrap();

    let letter = tokio::time::timeout(WAIT, dead_letters.next())
        .await
        .unwrap()
        .unwrap();
    let body: Value = serde_json::from_slice(&letter.payload).unwrap();
    assert_eq!(body["reason"], "library volume not mounted");
    assert_eq!(body["deliveries"], 2);
    assert_eq!(attempts.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[tokio::test]
async fn recent_events_are_most_recent_first_and_filtered_by_type() {
    let server = NatsServer::start().unwrap();
    let bus = bus(&server, "soulseek").await;
    let mut published = Vec::new();
    for id in ["a", "b", "c"] {
        let event = bus.event("download.started", started(id)).unwrap();
        bus.publish(event.clone(), &MessageContext::default())
            .await
            .unwrap();
        published.push(event.event_id);
    }
    let progress = bus
        .event(
            "download.progress",
            json!({"download_id": "a", "bytes_transferred": 1, "size": 2, "percent": 50.0}),
        )
        .unwrap();
    bus.publish(progress.clone(), &MessageContext::default())
        .await
        .unwrap();

    let latest_two: Vec<_> = bus
        .recent_events(Some("download.started"), 2)
        .await
        .unwrap()
        .into_iter()
        .map(|event| event.event_id)
        .collect();
    assert_eq!(latest_two, vec![published[2], published[1]]);
    let all = bus.recent_events(None, 10).await.unwrap();
    assert_eq!(all.len(), 4);
    assert_eq!(all[0].event_id, progress.event_id);
}

#[tokio::test]
async fn publishing_the_same_event_twice_stores_it_once() {
    let server = NatsServer::start().unwrap();
    let bus = bus(&server, "soulseek").await;
    let event = bus.event("download.started", started("dup")).unwrap();
    bus.publish(event.clone(), &MessageContext::default())
        .await
        .unwrap();
    bus.publish(event, &MessageContext::default())
        .await
        .unwrap();
    assert_eq!(bus.recent_events(None, 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_recording_bus_validates_and_records_what_was_published() {
    let recording = soulspot_bus::testing::RecordingBus::default();
    let version = soulspot_contracts::contracts()
        .unwrap()
        .event_version("download.started")
        .unwrap();
    let good =
        soulspot_contracts::EventEnvelope::new("download.started", version, "test", started("r"));
    let bad =
        soulspot_contracts::EventEnvelope::new("download.started", version, "test", json!({}));
    recording
        .publish(good, &MessageContext::default())
        .await
        .unwrap();
    assert!(
        recording
            .publish(bad, &MessageContext::default())
            .await
            .is_err()
    );
    assert_eq!(recording.of_type("download.started").len(), 1);
}
