//! The `download.track` capability: accept the request, answer with a download id at once,
//! and leave the work to the downloader.

use soulspot_bus::EventPublisher;
use soulspot_contracts::operations::DOWNLOAD_TRACK;
use soulspot_runtime::{CallContext, Capability, ServiceError};
use uuid::Uuid;

use crate::download::{DownloadOrder, Downloader};
use crate::events::DownloadIdentity;
use crate::health::check_slskd;
use crate::search::search_text;
use crate::settings::RankingSettings;

/// The request and reply of `download.track` (contracts/capabilities/download.track.yaml).
pub use soulspot_contracts::payloads::{DownloadTrackReply, DownloadTrackRequest};

/// Routing priority: the preferred downloader.
pub const PRIORITY: u32 = 10;

/// The capability, handing each accepted request to `downloader`.
pub fn download_track<P: EventPublisher + 'static>(
    downloader: Downloader<P>,
    ranking: RankingSettings,
) -> Capability {
    Capability::new(
        DOWNLOAD_TRACK,
        PRIORITY,
        move |call: CallContext, request: DownloadTrackRequest| {
            let downloader = downloader.clone();
            let criteria = ranking.criteria(request.formats.as_deref());
            async move {
                if search_text(&request.track.artist, &request.track.title).is_empty() {
                    return Err(ServiceError::bad_request(
                        "track title and artist have no searchable words",
                    ));
                }
                // Refusing now, while slskd is down, lets the router try another downloader.
                check_slskd(downloader.client())
                    .await
                    .map_err(ServiceError::unavailable)?;
                let download_id = downloader.start(DownloadOrder {
                    identity: DownloadIdentity {
                        download_id: Uuid::now_v7().to_string(),
                        job_id: request.job_id,
                        track: request.track,
                        context: call.message,
                    },
                    criteria,
                });
                Ok(DownloadTrackReply { download_id })
            }
        },
    )
}
