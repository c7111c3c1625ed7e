//! Modules that answer at once, with no work of their own: with them, a job's latency is
//! the router's orchestration alone. For the pipeline benchmark.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value, json};
use soulspot_bus::{EventBus, EventPublisher, EventStoreSettings, MessageContext};
use soulspot_runtime::{CallContext, Capability, ModuleBuilder, RunningModule, ServiceError};

/// Starts instant `download.track`, `enrich.metadata`, `import.track` and
/// `notify.track_ready` providers. While `hold_downloads` is set, downloads never finish.
pub async fn start(
    client: async_nats::Client,
    hold_downloads: Arc<AtomicBool>,
) -> anyhow::Result<RunningModule> {
    let bus = EventBus::new(client.clone(), "instant", &EventStoreSettings::default()).await?;
    let download = Capability::new(
        "download.track",
        10,
        move |_: CallContext, request: Value| {
            let (bus, hold) = (bus.clone(), hold_downloads.clone());
            async move {
                let download_id = uuid_like(&request);
                if !hold.load(Ordering::Relaxed) {
                    let file = json!({"file_id": download_id, "path": "/downloads/instant.flac", "size": 1, "format": "flac"});
                    let data = json!({"download_id": download_id, "job_id": request["job_id"], "track": request["track"], "file": file});
                    let event = bus
                        .event("download.completed", data)
                        .map_err(ServiceError::internal)?;
                    bus.publish(event, &MessageContext::default())
                        .await
                        .map_err(ServiceError::internal)?;
                }
                Ok::<_, ServiceError>(json!({"download_id": download_id}))
            }
        },
    );
    let enrich = Capability::new(
        "enrich.metadata",
        10,
        |_: CallContext, request: Value| async move {
            Ok::<_, ServiceError>(
                json!({"tags_written": false, "metadata": {"title": request["track"]["title"], "artist": request["track"]["artist"]}}),
            )
        },
    );
    let import = Capability::new("import.track", 10, |_: CallContext, _: Value| async {
        Ok::<_, ServiceError>(json!({"status": "imported", "path": "/music/instant.flac"}))
    });
    let notify = Capability::new("notify.track_ready", 10, |_: CallContext, _: Value| async {
        Ok::<_, ServiceError>(json!({"channels": []}))
    });
    Ok(ModuleBuilder::new("instant", "0.1.0")
        .capability(download)
        .capability(enrich)
        .capability(import)
        .capability(notify)
        .start(client)
        .await?)
}

/// The job id stands in for a download id: one download per job.
fn uuid_like(request: &Value) -> String {
    format!("download-{}", request["job_id"].as_str().unwrap_or("none"))
}
