//! SoulSpot's NATS layer on a three-node JetStream cluster of real nats-servers: streams with
//! three replicas, clients that fail over to another node, and event publishes that outlast
//! the stream leader's death, each event stored once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;
use std::time::{Duration, Instant};

use async_nats::jetstream::consumer::{AckPolicy, PullConsumer, pull};
use futures::StreamExt;
use serde_json::json;
use soulspot_bus::jetstream_write::kv;
use soulspot_bus::testing::NatsCluster;
use soulspot_bus::{EventBus, EventPublisher, EventStoreSettings, MessageContext};
use soulspot_common::{RetryPolicy, Verdict};
use soulspot_contracts::operations::modules;

const WAIT: Duration = Duration::from_secs(30);

async fn connect(cluster: &NatsCluster, service: &str) -> async_nats::Client {
    soulspot_bus::connect(&cluster.settings_for(service), service)
        .await
        .unwrap()
}

/// The event store as its owner (the router) opens it on the cluster.
async fn owning_bus(cluster: &NatsCluster) -> EventBus {
    let settings = cluster.settings_for(modules::ROUTER);
    let client = soulspot_bus::connect(&settings, modules::ROUTER)
        .await
        .unwrap();
    EventBus::owning(
        client,
        modules::ROUTER,
        &EventStoreSettings::default(),
        settings.durability(),
    )
    .await
    .unwrap()
}

async fn stream_info(
    client: &async_nats::Client,
    name: &str,
) -> async_nats::jetstream::stream::Info {
    let jetstream = async_nats::jetstream::new(client.clone());
    let stream = jetstream.get_stream(name).await.unwrap();
    stream.get_info().await.unwrap()
}

fn started(download_id: &str) -> serde_json::Value {
    json!({
        "download_id": download_id,
        "track": {"title": "Teardrop", "artist": "Massive Attack"},
        "username": "peer",
        "filename": "@@music\\Massive Attack\\Mezzanine\\03 - Teardrop.flac",
    })
}

#[tokio::test]
async fn the_event_and_dead_letter_streams_keep_one_replica_per_node() {
    let cluster = NatsCluster::start_with_accounts().unwrap();
    let bus = owning_bus(&cluster).await;

    for stream in ["SOULSPOT_EVENTS", "SOULSPOT_DLQ"] {
        let info = stream_info(bus.client(), stream).await;
        assert_eq!(info.config.num_replicas, 3, "{stream}");
        let placement = info.cluster.expect("a clustered stream names its peers");
        assert!(placement.leader.is_some(), "{stream} has no leader");
        assert_eq!(placement.replicas.len(), 2, "{stream}: followers");
    }
}

#[tokio::test]
async fn a_client_keeps_requesting_after_the_node_it_is_connected_to_is_killed() {
    let mut cluster = NatsCluster::start_with_accounts().unwrap();
    let requester = connect(&cluster, modules::ROUTER).await;
    let first_node = cluster
        .node_named(&requester.server_info().server_name)
        .unwrap();
    // The responder sits on another node, so only the requester's connection is cut.
    let mut responder_settings = cluster.settings_for(modules::SOULSEEK);
    responder_settings.url = cluster.nodes()[(first_node + 1) % 3].url();
    let responder = soulspot_bus::connect(&responder_settings, modules::SOULSEEK)
        .await
        .unwrap();
    let mut echoes = responder.subscribe("soulspot.soulseek.echo").await.unwrap();
    responder.flush().await.unwrap();
    tokio::spawn(async move {
        while let Some(message) = echoes.next().await {
            if let Some(reply) = message.reply {
                let _ = responder.publish(reply, message.payload).await;
            }
        }
    });
    // The responder's interest reaches the requester's node over the cluster's routes.
    let reply = request_until_answered(&requester, "before").await;
    assert_eq!(&reply.payload[..], b"before");

    cluster.kill(first_node);

    let reply = request_until_answered(&requester, "after").await;
    assert_eq!(&reply.payload[..], b"after");
    let now_on = requester.server_info().server_name;
    assert_ne!(cluster.node_named(&now_on), Some(first_node), "{now_on}");
}

/// The first reply to `payload` on the echo subject, asking again until one comes.
async fn request_until_answered(
    client: &async_nats::Client,
    payload: &'static str,
) -> async_nats::Message {
    let deadline = Instant::now() + WAIT;
    loop {
        let attempt = tokio::time::timeout(
            Duration::from_secs(2),
            client.request("soulspot.soulseek.echo", payload.into()),
        )
        .await;
        match attempt {
            Ok(Ok(reply)) => return reply,
            _ if Instant::now() < deadline => tokio::task::yield_now().await,
            other => panic!("no reply to {payload}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn every_event_is_stored_once_when_the_stream_leader_dies_mid_sequence() {
    const EVENTS: usize = 40;
    const KILL_AFTER: usize = 10;
    let mut cluster = NatsCluster::start_with_accounts().unwrap();
    let owner = owning_bus(&cluster).await;
    let leader = stream_info(owner.client(), "SOULSPOT_EVENTS")
        .await
        .cluster
        .and_then(|placement| placement.leader)
        .unwrap();
    let leader_node = cluster.node_named(&leader).unwrap();
    let settings = cluster.settings_for(modules::SOULSEEK);
    let client = soulspot_bus::connect(&settings, modules::SOULSEEK)
        .await
        .unwrap();
    let publisher = EventBus::new(
        client,
        modules::SOULSEEK,
        &EventStoreSettings::default(),
        settings.durability(),
    )
    .await
    .unwrap();

    let mut published = Vec::with_capacity(EVENTS);
    let mut slowest = Duration::ZERO;
    for index in 0..EVENTS {
        if index == KILL_AFTER {
            cluster.kill(leader_node);
        }
        let event = publisher
            .event("download.started", started(&format!("dl-{index}")))
            .unwrap();
        published.push(event.event_id.to_string());
        let started_at = Instant::now();
        let outcome = publisher.publish(event, &MessageContext::default()).await;
        slowest = slowest.max(started_at.elapsed());
        assert!(outcome.is_ok(), "publish {index}: {outcome:?}");
    }
    eprintln!("slowest publish across the leader's death: {slowest:?}");

    let stored = stored_event_ids(owner.client(), EVENTS).await;
    assert_eq!(stored.len(), EVENTS, "stored: {stored:?}");
    let distinct: HashSet<&String> = stored.iter().collect();
    assert_eq!(distinct.len(), EVENTS, "an event was stored twice");
    assert_eq!(distinct, published.iter().collect::<HashSet<_>>());
}

#[tokio::test]
async fn kv_writes_at_an_expected_revision_outlast_the_bucket_leaders_death() {
    const WRITES: usize = 30;
    const KILL_AFTER: usize = 8;
    let mut cluster = NatsCluster::start_with_accounts().unwrap();
    let settings = cluster.settings_for(modules::ROUTER);
    let durability = settings.durability();
    let client = soulspot_bus::connect(&settings, modules::ROUTER)
        .await
        .unwrap();
    let jetstream = async_nats::jetstream::new(client.clone());
    let store = jetstream
        .create_key_value(async_nats::jetstream::kv::Config {
            bucket: "soulspot_jobs".to_owned(),
            history: 1,
            num_replicas: durability.replicas,
            ..Default::default()
        })
        .await
        .unwrap();
    let leader = stream_info(&client, "KV_soulspot_jobs")
        .await
        .cluster
        .and_then(|placement| placement.leader)
        .unwrap();
    let mut revision = kv::create(&store, "job-1", "state-0".into(), &durability.write_retry)
        .await
        .unwrap();

    for index in 1..=WRITES {
        if index == KILL_AFTER {
            cluster.kill(cluster.node_named(&leader).unwrap());
        }
        let value = format!("state-{index}");
        let written = kv::update(
            &store,
            "job-1",
            value.into(),
            revision,
            &durability.write_retry,
        )
        .await;
        revision = written.unwrap_or_else(|error| panic!("write {index}: {error}"));
    }

    let entry = store.entry("job-1").await.unwrap().unwrap();
    assert_eq!(&entry.value[..], format!("state-{WRITES}").as_bytes());
    assert_eq!(entry.revision, revision);
}

/// The event ids in the store, in stream order (read by an ephemeral consumer, which sees
/// everything the stream holds).
async fn stored_event_ids(client: &async_nats::Client, expected: usize) -> Vec<String> {
    let jetstream = async_nats::jetstream::new(client.clone());
    let (consumer, total) = SETTLING
        .run(|_| open_reader(&jetstream), |_| Verdict::Retry)
        .await
        .unwrap();
    let mut messages = consumer
        .fetch()
        .max_messages(total.max(expected) + 1)
        .expires(Duration::from_secs(2))
        .messages()
        .await
        .unwrap();
    let mut ids = Vec::new();
    while let Some(message) = messages.next().await {
        let message = message.unwrap();
        let envelope: serde_json::Value = serde_json::from_slice(&message.payload).unwrap();
        ids.push(envelope["event_id"].as_str().unwrap().to_owned());
    }
    ids
}

/// While the cluster elects new leaders for what the dead node led, a request can time out;
/// the read-back asks again for about half a minute.
const SETTLING: RetryPolicy = RetryPolicy {
    base_ms: 250,
    factor: 2,
    max_delay_ms: 2_000,
    max_attempts: 18,
    jitter_percent: 0,
};

/// An ephemeral consumer of every soulseek event, and how many messages the stream holds.
async fn open_reader(
    jetstream: &async_nats::jetstream::Context,
) -> Result<(PullConsumer, usize), String> {
    let stream = jetstream
        .get_stream("SOULSPOT_EVENTS")
        .await
        .map_err(|error| error.to_string())?;
    let consumer = stream
        .create_consumer(pull::Config {
            filter_subject: "soulspot.events.soulseek.>".to_owned(),
            ack_policy: AckPolicy::None,
            ..Default::default()
        })
        .await
        .map_err(|error| error.to_string())?;
    let total = stream
        .get_info()
        .await
        .map_err(|error| error.to_string())?
        .state
        .messages as usize;
    Ok((consumer, total))
}
