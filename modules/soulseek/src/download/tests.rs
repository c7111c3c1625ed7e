use soulspot_bus::MessageContext;
use soulspot_bus::testing::RecordingBus;
use soulspot_contracts::TrackRef;
use soulspot_runtime::Secret;

use super::*;
use crate::settings::SoulseekSettings;

/// Nothing listens on the slskd port: the downloads themselves fail, which is not what
/// these tests look at.
fn downloader() -> Downloader<RecordingBus> {
    let mut settings = SoulseekSettings::default();
    settings.slskd.url = "http://127.0.0.1:9".to_owned();
    settings.slskd.api_key = Secret::new("a-key-of-sixteen-chars");
    let client = SlskdClient::new(&settings.slskd, "test").unwrap();
    let parts = DownloaderParts {
        client: client.clone(),
        searcher: Searcher::new(client, settings.slskd.busy_retry, settings.search.clone()),
        busy_retry: settings.slskd.busy_retry,
        settings: settings.downloads.clone(),
        downloads_dir: std::env::temp_dir(),
        peers: settings.peers.clone(),
        background: Background::default(),
    };
    Downloader::new(parts, RecordingBus::default())
}

fn order(download_id: &str, job_id: &str) -> DownloadOrder {
    DownloadOrder {
        identity: DownloadIdentity {
            download_id: download_id.to_owned(),
            job_id: Some(job_id.to_owned()),
            track: TrackRef {
                title: "Glass Harbour".into(),
                artist: "Aurora Lane".into(),
                ..TrackRef::default()
            },
            context: MessageContext::default(),
        },
        criteria: crate::settings::RankingSettings::default().criteria(None),
    }
}

#[tokio::test]
async fn a_second_request_for_a_running_job_joins_its_download() {
    let downloader = downloader();

    let first = downloader.start(order("d1", "job-1"));
    let again = downloader.start(order("d2", "job-1"));
    let other = downloader.start(order("d3", "job-2"));

    assert_eq!(
        (first.as_str(), again.as_str(), other.as_str()),
        ("d1", "d1", "d3")
    );
}
