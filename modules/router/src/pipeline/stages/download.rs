//! Download: one `download.track` call asks a module for the track, then the outcome event
//! (recorded by whichever router received it) is awaited. A failure that says `can_retry`,
//! or no outcome in time, asks again, as the download policy allows.

use serde_json::json;
use soulspot_bus::EventPublisher;
use soulspot_contracts::operations::DOWNLOAD_TRACK;
use soulspot_contracts::payloads::DownloadTrackRequest;

use super::{Halt, Journal, Run, failure};
use crate::pipeline::context::DownloadState;
use crate::pipeline::job::{Job, JobState, StepOutcome};
use crate::pipeline::routing::Route;
use crate::pipeline::store::DownloadOutcome;

/// The step's name in the job record.
const DOWNLOAD: &str = "download";

impl<R: Route, J: Journal, P: EventPublisher> Run<'_, R, J, P> {
    /// Gets the track's file into the job context; a resumed job waits for the download it
    /// had asked for instead of asking again.
    pub(super) async fn download(&self, job: &mut Job) -> Result<(), Halt> {
        if job.is_settled(DOWNLOAD) {
            return Ok(());
        }
        job.state = JobState::Downloading;
        let policy = self.settings.download_retry;
        loop {
            let download_id = match &job.context.download {
                Some(DownloadState::Pending { download_id }) => download_id.clone(),
                _ => self.request_download(job).await?,
            };
            let limit = self.settings.download_timeout();
            let outcome = self
                .journal
                .wait_for_download(&job.id, &download_id, limit)
                .await?;
            let (reason, retryable) = match outcome {
                Some(DownloadOutcome::Completed { file, .. }) => {
                    tracing::info!(%download_id, path = %file.path, "download completed");
                    let reply = json!({"download_id": download_id});
                    job.context.download = Some(DownloadState::Completed { download_id, file });
                    job.finish_step(DOWNLOAD, DOWNLOAD_TRACK, StepOutcome::Succeeded(reply));
                    self.journal.save(job).await?;
                    return Ok(());
                }
                Some(DownloadOutcome::Failed {
                    error, can_retry, ..
                }) => (error, can_retry),
                None => (format!("no outcome within {limit:?}"), true),
            };
            let attempts = job.step(DOWNLOAD).map_or(0, |step| step.attempts);
            if !retryable || !policy.allows(attempts) {
                return Err(failure(DOWNLOAD, reason));
            }
            let pause = policy.pause(attempts);
            tracing::warn!(%download_id, attempts, reason = %reason, ?pause, "download failed, trying again");
            job.context.download = None;
            job.step_mut(DOWNLOAD, DOWNLOAD_TRACK).error = Some(reason);
            self.journal.save(job).await?;
            tokio::time::sleep(pause).await;
        }
    }

    /// Asks for the download and records its id; the job is saved as `requested` first, so
    /// that the record shows a request whose reply never arrived.
    async fn request_download(&self, job: &mut Job) -> Result<String, Halt> {
        let track = job
            .track
            .clone()
            .ok_or_else(|| failure(DOWNLOAD, "no track to download"))?;
        let step = job.start_step(DOWNLOAD, DOWNLOAD_TRACK);
        step.attempts += 1;
        let attempt = step.attempts;
        job.context.download = Some(DownloadState::Requested);
        self.journal.save(job).await?;
        let request = DownloadTrackRequest {
            track,
            job_id: Some(job.id.clone()),
            formats: None,
        };
        let (_, reply) = self
            .request(&request)
            .await
            .map_err(|error| failure(DOWNLOAD, error))?;
        let download_id = reply.download_id;
        tracing::info!(%download_id, attempt, "download requested");
        job.context.download = Some(DownloadState::Pending {
            download_id: download_id.clone(),
        });
        self.journal.save(job).await?;
        Ok(download_id)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::Halt;
    use super::super::fakes::{Fixture, track_job};
    use crate::pipeline::context::DownloadState;
    use crate::pipeline::job::StepStatus;
    use crate::pipeline::stages::Journal;

    async fn download(fixture: &Fixture, job_id: &str) -> Result<(), Halt> {
        let mut job = fixture.journal.load(job_id).await.unwrap().unwrap();
        fixture.run().download(&mut job).await
    }

    fn states(fixture: &Fixture) -> Vec<&'static str> {
        let mut states: Vec<&'static str> = fixture
            .journal
            .saves()
            .iter()
            .map(|job| match &job.context.download {
                None => "none",
                Some(DownloadState::Requested) => "requested",
                Some(DownloadState::Pending { .. }) => "pending",
                Some(DownloadState::Completed { .. }) => "completed",
            })
            .collect();
        states.dedup();
        states
    }

    #[tokio::test]
    async fn a_download_goes_from_requested_to_pending_to_completed_with_its_file() {
        let fixture = Fixture::new();
        let job_id = track_job(&fixture.journal);
        fixture
            .router
            .answer("download.track", json!({"download_id": "d1"}));
        fixture.journal.complete_download("d1");

        assert!(download(&fixture, &job_id).await.is_ok());

        assert_eq!(states(&fixture), ["requested", "pending", "completed"]);
        let job = fixture.journal.stored(&job_id);
        assert_eq!(
            job.context.downloaded_file().unwrap().path,
            "/downloads/d1.flac"
        );
        assert_eq!(job.step("download").unwrap().status, StepStatus::Succeeded);
        let calls = fixture.router.calls_of("download.track");
        assert_eq!(calls[0].0["job_id"], job_id.as_str());
        assert_eq!(calls[0].1.retry, fixture.settings.request_retry);
    }

    #[tokio::test]
    async fn a_retryable_failure_asks_again_and_a_final_one_fails_the_job() {
        let fixture = Fixture::new();
        let job_id = track_job(&fixture.journal);
        fixture
            .router
            .answer("download.track", json!({"download_id": "d1"}));
        fixture
            .router
            .answer("download.track", json!({"download_id": "d2"}));
        fixture
            .router
            .answer("download.track", json!({"download_id": "d3"}));
        fixture.journal.fail_download("d1", true);
        fixture.journal.fail_download("d2", false);

        let outcome = download(&fixture, &job_id).await;

        let Err(Halt::Failed(failure)) = outcome else {
            panic!("the download did not fail");
        };
        assert_eq!(failure.step, "download");
        assert_eq!(failure.reason, "peer went away");
        assert_eq!(fixture.router.calls("download.track"), 2);
        assert_eq!(
            fixture
                .journal
                .stored(&job_id)
                .step("download")
                .unwrap()
                .attempts,
            2
        );
    }

    #[tokio::test]
    async fn retryable_failures_stop_at_the_policys_attempts() {
        let fixture = Fixture::new();
        let job_id = track_job(&fixture.journal);
        for n in 1..=4 {
            let download_id = format!("d{n}");
            fixture
                .router
                .answer("download.track", json!({"download_id": download_id}));
            fixture.journal.fail_download(&download_id, true);
        }

        assert!(download(&fixture, &job_id).await.is_err());

        assert_eq!(fixture.router.calls("download.track"), 3, "max_attempts");
    }

    #[tokio::test]
    async fn a_resumed_job_waits_for_the_download_it_asked_for_without_asking_again() {
        let fixture = Fixture::new();
        let job_id = track_job(&fixture.journal);
        let mut job = fixture.journal.load(&job_id).await.unwrap().unwrap();
        job.start_step("download", "download.track").attempts = 1;
        job.context.download = Some(DownloadState::Pending {
            download_id: "d7".to_owned(),
        });
        fixture.journal.save(&mut job).await.unwrap();
        fixture.journal.complete_download("d7");

        assert!(download(&fixture, &job_id).await.is_ok());

        assert_eq!(fixture.router.calls("download.track"), 0);
        assert!(
            fixture
                .journal
                .stored(&job_id)
                .context
                .downloaded_file()
                .is_some()
        );
    }

    #[tokio::test]
    async fn a_download_without_an_outcome_in_time_is_asked_for_again() {
        let mut fixture = Fixture::new();
        fixture.settings.download_timeout_ms = 20;
        let job_id = track_job(&fixture.journal);
        fixture
            .router
            .answer("download.track", json!({"download_id": "lost"}));
        fixture
            .router
            .answer("download.track", json!({"download_id": "d2"}));
        fixture.journal.complete_download("d2");

        assert!(download(&fixture, &job_id).await.is_ok());

        assert_eq!(fixture.router.calls("download.track"), 2);
    }
}
