//! One download from request to outcome: search, rank, then try candidates one by one
//! (enqueue, watch, verify the file) until one succeeds or the attempts run out.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use soulspot_bus::EventPublisher;
use soulspot_common::RetryPolicy;
use soulspot_contracts::FileRef;
use soulspot_runtime::Background;
use tokio::sync::Semaphore;
use tracing::Instrument;
use uuid::Uuid;

use crate::busy::retry_while_busy;
use crate::errors::{AttemptError, DownloadError};
use crate::events::{DownloadEvents, DownloadIdentity};
use crate::paths::local_path;
use crate::ranking::{self, Candidate, RankingCriteria, Wanted, candidates};
use crate::search::{Searcher, search_text};
use crate::settings::DownloadSettings;
use crate::slskd::{EnqueueFile, SlskdClient, SlskdError, Transfer};
use crate::transfer::TransferWatch;
use crate::verify::finished_file;

/// Users remembered as having failed; past this many the memory starts afresh.
const MAX_REMEMBERED_FAILURES: usize = 10_000;

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
    /// Users whose transfers failed: ranked last by later downloads too.
    failed_users: Mutex<HashSet<String>>,
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
    /// Where downloads run: they end with the module.
    pub background: Background,
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
                failed_users: Mutex::new(HashSet::new()),
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
                inner.run(order).await;
                if let Some(job_id) = job_id {
                    inner
                        .running_jobs
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .remove(&job_id);
                }
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
        let outcome = match self.download(&order, &events).await {
            Ok(done) => {
                tracing::info!(path = %done.file.path, username = %done.username, attempts = done.attempts, "download completed");
                events.completed(&done.file, &done.username).await;
                "completed"
            }
            Err(error) => {
                tracing::warn!(%error, attempts = error.attempts(), can_retry = error.can_retry(), "download failed");
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
            .search(&search_text(&track.artist, &track.title))
            .await
            .map_err(DownloadError::Search)?;
        let wanted = Wanted::from(track);
        let mut remaining = candidates(&wanted, &order.criteria, &responses, &self.failed_users());
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
                    last_error = Some(AttemptError::UnsafePath(unsafe_path));
                    continue;
                }
            };
            attempts += 1;
            match self.attempt(&candidate, destination, events).await {
                Ok(file) => {
                    metrics::counter!("soulseek_download_attempts_total", "outcome" => "ok")
                        .increment(1);
                    return Ok(Downloaded {
                        file,
                        username: candidate.username,
                        attempts,
                    });
                }
                Err(error) => {
                    metrics::counter!("soulseek_download_attempts_total", "outcome" => "failed")
                        .increment(1);
                    tracing::warn!(username = %candidate.username, filename = %candidate.filename, attempt = attempts, %error, "attempt failed");
                    if let Some(fatal) = error.slskd_refusal() {
                        return Err(DownloadError::Refused {
                            attempts,
                            source: fatal,
                        });
                    }
                    self.remember_failure(&candidate.username);
                    ranking::order(&mut remaining, &order.criteria, &self.failed_users());
                    last_error = Some(error);
                }
            }
        }
        Err(match last_error {
            Some(last) => DownloadError::Exhausted { attempts, last },
            None => DownloadError::NoCandidates {
                responses: responses.len(),
            },
        })
    }

    /// Enqueues one candidate, watches its transfer and checks the file it left.
    async fn attempt(
        &self,
        candidate: &Candidate,
        destination: PathBuf,
        events: &DownloadEvents<'_, P>,
    ) -> Result<FileRef, AttemptError> {
        let transfer = self.enqueue(candidate).await?;
        events
            .started(&candidate.username, &candidate.filename)
            .await;
        let watch = TransferWatch {
            client: &self.client,
            settings: &self.settings,
        };
        let finished = watch.until_finished(&transfer, events).await?;
        let (size, checksum) =
            finished_file(&destination, finished.size, self.settings.poll_interval()).await?;
        Ok(FileRef {
            file_id: Uuid::now_v7().to_string(),
            path: destination.to_string_lossy().into_owned(),
            size,
            format: candidate.format.clone(),
            checksum: Some(checksum),
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

    fn failed_users(&self) -> HashSet<String> {
        self.failed_users
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn remember_failure(&self, username: &str) {
        let mut failed = self
            .failed_users
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if failed.len() >= MAX_REMEMBERED_FAILURES {
            failed.clear();
        }
        failed.insert(username.to_owned());
    }
}

#[cfg(test)]
mod tests {
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
}
