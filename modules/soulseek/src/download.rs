//! One download from request to outcome: search, rank, then try candidates one by one
//! (enqueue, watch, verify the file) until one succeeds or the attempts run out.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use soulspot_bus::EventPublisher;
use soulspot_common::RetryPolicy;
use soulspot_contracts::FileRef;
use soulspot_runtime::Background;
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tracing::Instrument;
use uuid::Uuid;

use crate::busy::retry_while_busy;
use crate::errors::{AttemptError, DownloadError};
use crate::events::{DownloadEvents, DownloadIdentity};
use crate::paths::local_path;
use crate::peers::{Outcome, PeerRecords};
use crate::ranking::{self, Candidate, RankingCriteria, Wanted, candidates};
use crate::search::{Searcher, search_text};
use crate::settings::{DownloadSettings, PeerSettings};
use crate::slskd::{EnqueueFile, SlskdClient, SlskdError, Transfer};
use crate::transfer::TransferWatch;
use crate::verify::{Snapshot, finished_file};

/// A download to run: who asked, for what, and how to rank what is found.
#[derive(Debug, Clone)]
pub struct DownloadOrder {
    pub identity: DownloadIdentity,
    pub criteria: RankingCriteria,
}

/// Runs downloads in the background, at most `max_concurrent` at once.
#[derive(Debug)]
pub struct Downloader<P> {
    inner: Arc<Inner<P>>,
}

impl<P> Clone for Downloader<P> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

#[derive(Debug)]
struct Inner<P> {
    client: SlskdClient,
    searcher: Searcher,
    publisher: P,
    busy_retry: RetryPolicy,
    settings: DownloadSettings,
    downloads_dir: PathBuf,
    background: Background,
    slots: Arc<Semaphore>,
    /// What was observed of each peer: later downloads rank by it too.
    peers: PeerRecords,
    /// Job id → download id of the downloads running for a job: a repeated request for the
    /// same job (a caller that timed out and asked again) joins the running download.
    running_jobs: Mutex<HashMap<String, String>>,
}

/// What a download needs besides its publisher.
#[derive(Debug, Clone)]
pub struct DownloaderParts {
    pub client: SlskdClient,
    pub searcher: Searcher,
    pub busy_retry: RetryPolicy,
    pub settings: DownloadSettings,
    pub downloads_dir: PathBuf,
    /// How failures count against a peer.
    pub peers: PeerSettings,
    /// Where downloads run: they end with the module.
    pub background: Background,
}

/// The file one successful attempt left, and the speed its transfer reached.
#[derive(Debug)]
struct Fetched {
    file: FileRef,
    bytes_per_sec: u64,
}

/// A finished download.
#[derive(Debug)]
struct Downloaded {
    file: FileRef,
    username: String,
    attempts: u32,
}

impl<P: EventPublisher + 'static> Downloader<P> {
    pub fn new(parts: DownloaderParts, publisher: P) -> Self {
        let slots = Arc::new(Semaphore::new(parts.settings.max_concurrent.max(1)));
        Self {
            inner: Arc::new(Inner {
                client: parts.client,
                searcher: parts.searcher,
                publisher,
                busy_retry: parts.busy_retry,
                settings: parts.settings,
                downloads_dir: parts.downloads_dir,
                background: parts.background,
                slots,
                peers: PeerRecords::new(parts.peers),
                running_jobs: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The slskd client downloads use (for the request-time availability check).
    pub fn client(&self) -> &SlskdClient {
        &self.inner.client
    }

    /// Runs `order` in the background; it waits for a free slot first.
    /// Starts the download in the background and returns its id: the id of the download
    /// already running for the same job, if there is one.
    pub fn start(&self, order: DownloadOrder) -> String {
        let download_id = order.identity.download_id.clone();
        let job_id = order.identity.job_id.clone();
        if let Some(job_id) = &job_id {
            let mut running = self
                .inner
                .running_jobs
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some(existing) = running.get(job_id) {
                tracing::info!(%job_id, download_id = %existing, "download already running for this job");
                return existing.clone();
            }
            running.insert(job_id.clone(), download_id.clone());
        }
        let span = tracing::info_span!(
            "download",
            download_id = %order.identity.download_id,
            job_id = order.identity.job_id.as_deref().unwrap_or(""),
        );
        let inner = Arc::clone(&self.inner);
        self.inner.background.spawn(
            async move {
                let download_id = order.identity.download_id.clone();
                inner.run(order).await;
                inner.release_job(job_id.as_deref(), &download_id);
            }
            .instrument(span),
        );
        download_id
    }
}

impl<P: EventPublisher> Inner<P> {
    async fn run(&self, order: DownloadOrder) {
        let Ok(_slot) = Arc::clone(&self.slots).acquire_owned().await else {
            return;
        };
        let started = Instant::now();
        let events = DownloadEvents::new(&self.publisher, &order.identity)
            .outcome_retry(self.settings.outcome_retry);
        tracing::info!(title = %order.identity.track.title, artist = %order.identity.track.artist, "download started");
        let result = self.download(&order, &events).await;
        // A request for the job from now on starts a new download: one that reacts to the
        // outcome below must not join this finished one.
        self.release_job(
            order.identity.job_id.as_deref(),
            &order.identity.download_id,
        );
        let outcome = match result {
            Ok(done) => {
                tracing::info!(path = %done.file.path, username = %done.username, attempts = done.attempts, "download completed");
                events.completed(&done.file, &done.username).await;
                "completed"
            }
            Err(error) => {
                tracing::warn!(%error, kind = %error.kind(), attempts = error.attempts(), can_retry = error.can_retry(), "download failed");
                events.failed(&error.to_string(), error.can_retry()).await;
                "failed"
            }
        };
        metrics::counter!("soulseek_downloads_total", "outcome" => outcome).increment(1);
        metrics::histogram!("soulseek_download_duration_seconds", "outcome" => outcome)
            .record(started.elapsed().as_secs_f64());
    }

    async fn download(
        &self,
        order: &DownloadOrder,
        events: &DownloadEvents<'_, P>,
    ) -> Result<Downloaded, DownloadError> {
        let track = &order.identity.track;
        let responses = self
            .searcher
            .search_track(&search_text(&track.artist, &track.title))
            .await
            .map_err(DownloadError::Search)?;
        let wanted = Wanted::from(track);
        let standing = |username: &str| self.peers.standing(username, Instant::now());
        let mut remaining = candidates(&wanted, &order.criteria, &responses, &standing);
        tracing::info!(
            responses = responses.len(),
            candidates = remaining.len(),
            "search ranked"
        );
        let mut attempts = 0;
        let mut last_error = None;
        while attempts < self.settings.max_attempts && !remaining.is_empty() {
            let candidate = remaining.remove(0);
            let destination = match local_path(&self.downloads_dir, &candidate.filename) {
                Ok(destination) => destination,
                Err(unsafe_path) => {
                    tracing::warn!(username = %candidate.username, error = %unsafe_path, "candidate skipped");
                    let error = AttemptError::UnsafePath(unsafe_path);
                    self.remember(&candidate.username, &error);
                    last_error = Some(error);
                    continue;
                }
            };
            attempts += 1;
            match self.attempt(&candidate, destination, events).await {
                Ok(fetched) => {
                    metrics::counter!("soulseek_download_attempts_total", "outcome" => "ok")
                        .increment(1);
                    let succeeded = Outcome::Succeeded {
                        bytes_per_sec: fetched.bytes_per_sec,
                    };
                    self.peers
                        .record(&candidate.username, succeeded, Instant::now());
                    return Ok(Downloaded {
                        file: fetched.file,
                        username: candidate.username,
                        attempts,
                    });
                }
                Err(error) => {
                    metrics::counter!("soulseek_download_attempts_total", "outcome" => "failed")
                        .increment(1);
                    tracing::warn!(username = %candidate.username, filename = %candidate.filename, attempt = attempts, %error, kind = %error.kind(), "attempt failed");
                    if let Some(fatal) = error.slskd_refusal() {
                        return Err(DownloadError::Refused {
                            attempts,
                            source: fatal,
                        });
                    }
                    self.remember(&candidate.username, &error);
                    remaining.retain(|other| !standing(&other.username).ignored);
                    ranking::order(&mut remaining, &order.criteria, &standing);
                    last_error = Some(error);
                }
            }
        }
        Err(match last_error {
            Some(last) => DownloadError::Exhausted { attempts, last },
            None => DownloadError::NoCandidates {
                responses: responses.len(),
                ignored: responses
                    .iter()
                    .filter(|response| standing(&response.username).ignored)
                    .count(),
            },
        })
    }

    /// Enqueues one candidate, watches its transfer and checks the file it left.
    async fn attempt(
        &self,
        candidate: &Candidate,
        destination: PathBuf,
        events: &DownloadEvents<'_, P>,
    ) -> Result<Fetched, AttemptError> {
        // An older file of the same name may be there: slskd then writes under another name,
        // and only what changed from now on can be this download.
        let before = Snapshot::of(&destination).await;
        let transfer = self.enqueue(candidate).await?;
        events
            .started(&candidate.username, &candidate.filename)
            .await;
        let watch = TransferWatch {
            client: &self.client,
            settings: &self.settings,
        };
        let finished = watch.until_finished(&transfer, events).await?;
        let poll = self.settings.poll_interval();
        let (path, size, checksum) =
            finished_file(&destination, &before, finished.transfer.size, poll).await?;
        Ok(Fetched {
            file: FileRef {
                file_id: Uuid::now_v7().to_string(),
                path: path.to_string_lossy().into_owned(),
                size,
                format: candidate.format.clone(),
                checksum: Some(checksum),
            },
            bytes_per_sec: finished.bytes_per_sec,
        })
    }

    async fn enqueue(&self, candidate: &Candidate) -> Result<Transfer, AttemptError> {
        let file = EnqueueFile {
            filename: &candidate.filename,
            size: candidate.size,
        };
        let result = retry_while_busy(&self.busy_retry, "enqueue", || {
            self.client.enqueue(&candidate.username, file.clone())
        })
        .await
        .map_err(|source: SlskdError| AttemptError::Enqueue {
            username: candidate.username.clone(),
            source,
        })?;
        result
            .enqueued
            .into_iter()
            .next()
            .ok_or_else(|| AttemptError::NotEnqueued {
                reason: result
                    .failed
                    .first()
                    .map_or_else(|| "no transfer was created".to_owned(), ToString::to_string),
            })
    }

    /// Counts a failed attempt against its peer, when the peer is to blame.
    fn remember(&self, username: &str, error: &AttemptError) {
        if let Some(outcome) = error.peer_outcome() {
            self.peers.record(username, outcome, Instant::now());
        }
    }

    /// Forgets that `download_id` runs for `job_id`, unless a newer download took its place.
    fn release_job(&self, job_id: Option<&str>, download_id: &str) {
        let Some(job_id) = job_id else { return };
        let mut running = self
            .running_jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if running.get(job_id).is_some_and(|id| id == download_id) {
            running.remove(job_id);
        }
    }
}

#[cfg(test)]
mod tests;
