//! Which playlist tracks have been downloaded: one JetStream KV entry per
//! (playlist, track), written when the router reports a finished spotify download.

use std::collections::HashSet;
use std::time::Duration;

use async_nats::Client;
use async_nats::jetstream::consumer::push::OrderedConfig;
use async_nats::jetstream::consumer::{DeliverPolicy, ReplayPolicy};
use async_nats::jetstream::kv::{Config, Store};
use async_nats::jetstream::stream::StorageType;
use futures::StreamExt;

/// The bucket; keys are `<playlist_id>.<spotify_track_id>`, values the job that fetched it.
pub const BUCKET: &str = "soulspot_spotify";

/// The header JetStream KV marks deletions with.
const KV_OPERATION_HEADER: &str = "KV-Operation";

/// A listing that takes longer than this is abandoned: the reply goes out without it.
const LISTING_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum DownloadsError {
    #[error("bucket {BUCKET} unavailable: {0}")]
    Bucket(String),
    #[error("download of {key} not recorded: {message}")]
    Record { key: String, message: String },
    #[error("downloads of playlist {playlist_id} not listed: {message}")]
    List {
        playlist_id: String,
        message: String,
    },
}

/// The downloaded-tracks bucket.
#[derive(Debug, Clone)]
pub struct DownloadedTracks {
    client: Client,
    store: Store,
}

impl DownloadedTracks {
    /// Opens the bucket, creating it (file storage) on first use.
    pub async fn open(client: Client) -> Result<Self, DownloadsError> {
        let jetstream = async_nats::jetstream::new(client.clone());
        let store = jetstream
            .create_or_update_key_value(Config {
                bucket: BUCKET.to_owned(),
                description: "spotify playlist tracks already downloaded".to_owned(),
                history: 1,
                storage: StorageType::File,
                ..Default::default()
            })
            .await
            .map_err(|error| DownloadsError::Bucket(error.to_string()))?;
        Ok(Self { client, store })
    }

    /// Remembers that `track_id` of `playlist_id` was downloaded by `job_id`. Both ids must
    /// be Spotify ids (checked by the caller): they become subject tokens.
    pub async fn record(
        &self,
        playlist_id: &str,
        track_id: &str,
        job_id: &str,
    ) -> Result<(), DownloadsError> {
        let key = format!("{playlist_id}.{track_id}");
        self.store
            .put(&key, job_id.to_owned().into())
            .await
            .map_err(|error| DownloadsError::Record {
                key: key.clone(),
                message: error.to_string(),
            })?;
        Ok(())
    }

    /// The ids of every downloaded track of `playlist_id`, in one pass over the bucket's
    /// latest entries for that playlist (values are not transferred).
    pub async fn of_playlist(&self, playlist_id: &str) -> Result<HashSet<String>, DownloadsError> {
        let failed = |message: String| DownloadsError::List {
            playlist_id: playlist_id.to_owned(),
            message,
        };
        tokio::time::timeout(LISTING_TIMEOUT, self.list(playlist_id))
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {LISTING_TIMEOUT:?}")))
            .map_err(failed)
    }

    async fn list(&self, playlist_id: &str) -> Result<HashSet<String>, String> {
        let key_prefix = format!("{}{playlist_id}.", self.store.prefix);
        let consumer = self
            .store
            .stream
            .create_consumer(OrderedConfig {
                deliver_subject: self.client.new_inbox(),
                filter_subject: format!("{key_prefix}*"),
                headers_only: true,
                deliver_policy: DeliverPolicy::LastPerSubject,
                replay_policy: ReplayPolicy::Instant,
                ..Default::default()
            })
            .await
            .map_err(|error| error.to_string())?;
        let mut downloaded = HashSet::new();
        if consumer.cached_info().num_pending == 0 {
            return Ok(downloaded);
        }
        let mut messages = consumer
            .messages()
            .await
            .map_err(|error| error.to_string())?;
        while let Some(message) = messages.next().await {
            let message = message.map_err(|error| error.to_string())?;
            let pending = message.info().map_err(|error| error.to_string())?.pending;
            let deleted = message
                .headers
                .as_ref()
                .and_then(|headers| headers.get(KV_OPERATION_HEADER))
                .is_some_and(|operation| operation.as_str() != "PUT");
            if let Some(track_id) = message.subject.strip_prefix(key_prefix.as_str())
                && !deleted
            {
                downloaded.insert(track_id.to_owned());
            }
            if pending == 0 {
                break;
            }
        }
        Ok(downloaded)
    }
}
