//! The router on a three-node JetStream cluster with `nats.replicas = 3`: every stream and
//! bucket it creates keeps a copy on each node.

use soulspot_bus::testing::NatsCluster;
use soulspot_contracts::operations::modules;

use crate::helpers::{start_router, test_settings};

#[tokio::test]
async fn every_stream_and_bucket_of_the_router_has_three_replicas_on_a_cluster() {
    let cluster = NatsCluster::start_with_accounts().unwrap();
    let mut settings = test_settings();
    settings.service.nats = cluster.settings_for(modules::ROUTER);
    assert_eq!(settings.service.nats.replicas, 3);

    start_router(settings.clone()).await;

    let client = soulspot_bus::connect(&settings.service.nats, modules::ROUTER)
        .await
        .unwrap();
    let jetstream = async_nats::jetstream::new(client);
    for name in [
        "SOULSPOT_EVENTS",
        "SOULSPOT_DLQ",
        "SOULSPOT_JOBS",
        "KV_soulspot_jobs",
        "KV_soulspot_downloads",
        "KV_soulspot_playlists",
    ] {
        let stream = jetstream.get_stream(name).await.unwrap();
        let info = stream.get_info().await.unwrap();
        assert_eq!(info.config.num_replicas, 3, "{name}");
        let followers = info.cluster.map(|placement| placement.replicas.len());
        assert_eq!(followers, Some(2), "{name}");
    }
}
