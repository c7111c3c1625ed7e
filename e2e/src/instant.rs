//! Modules that answer at once, with no work of their own: with them, a job's latency is
//! the router's orchestration alone. For the pipeline benchmark.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use soulspot_bus::{Durability, EventBus, EventPublisher, EventStoreSettings, MessageContext};
use soulspot_contracts::FileRef;
use soulspot_contracts::payloads::{
    DownloadCompleted, DownloadTrackReply, DownloadTrackRequest, EnrichMetadataReply,
    EnrichMetadataRequest, ImportStatus, ImportTrackReply, ImportTrackRequest,
    NotifyTrackReadyReply, NotifyTrackReadyRequest, TrackMetadata,
};
use soulspot_runtime::{CallContext, Capability, ModuleBuilder, RunningModule, ServiceError};

/// Starts instant `download.track`, `enrich.metadata`, `import.track` and
/// `notify.track_ready` providers. While `hold_downloads` is set, downloads never finish.
pub async fn start(
    client: async_nats::Client,
    hold_downloads: Arc<AtomicBool>,
) -> anyhow::Result<RunningModule> {
    let bus = EventBus::new(
        client.clone(),
        "instant",
        &EventStoreSettings::default(),
        Durability::default(),
    )
    .await?;
    let download = Capability::new(
        "download.track",
        10,
        move |_: CallContext, request: DownloadTrackRequest| {
            let (bus, hold) = (bus.clone(), hold_downloads.clone());
            async move {
                let download_id = download_id(request.job_id.as_deref());
                if !hold.load(Ordering::Relaxed) {
                    let completed = DownloadCompleted {
                        download_id: download_id.clone(),
                        job_id: request.job_id,
                        track: request.track,
                        file: FileRef {
                            file_id: download_id.clone(),
                            path: "/downloads/instant.flac".to_owned(),
                            size: 1,
                            format: "flac".to_owned(),
                            checksum: None,
                        },
                        username: None,
                    };
                    let event = bus.event_of(&completed).map_err(ServiceError::internal)?;
                    bus.publish(event, &MessageContext::default())
                        .await
                        .map_err(ServiceError::internal)?;
                }
                Ok::<_, ServiceError>(DownloadTrackReply { download_id })
            }
        },
    );
    let enrich = Capability::new(
        "enrich.metadata",
        10,
        |_: CallContext, request: EnrichMetadataRequest| async move {
            Ok::<_, ServiceError>(EnrichMetadataReply {
                tags_written: false,
                file: None,
                metadata: TrackMetadata {
                    title: request.track.title,
                    artist: request.track.artist,
                    ..TrackMetadata::default()
                },
            })
        },
    );
    let import = Capability::new(
        "import.track",
        10,
        |_: CallContext, _: ImportTrackRequest| async {
            Ok::<_, ServiceError>(ImportTrackReply {
                status: ImportStatus::Imported,
                path: "/music/instant.flac".to_owned(),
                file_id: None,
            })
        },
    );
    let notify = Capability::new(
        "notify.track_ready",
        10,
        |_: CallContext, _: NotifyTrackReadyRequest| async {
            Ok::<_, ServiceError>(NotifyTrackReadyReply { channels: vec![] })
        },
    );
    Ok(ModuleBuilder::new("instant", "0.1.0")
        .capability(download)
        .capability(enrich)
        .capability(import)
        .capability(notify)
        .start(client)
        .await?)
}

/// The job id stands in for a download id: one download per job.
fn download_id(job_id: Option<&str>) -> String {
    format!("download-{}", job_id.unwrap_or("none"))
}
