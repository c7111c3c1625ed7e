//! Resolve: a job asked for with free text gets its track through one `search.track` call.

use soulspot_bus::EventPublisher;
use soulspot_contracts::operations::SEARCH_TRACK;
use soulspot_contracts::payloads::{SearchTrackReply, SearchTrackRequest};

use super::{Halt, Journal, Run, failure};
use crate::pipeline::job::{Job, JobState, StepOutcome};
use crate::pipeline::resolve::best_match;
use crate::pipeline::routing::Route;

/// The step's name in the job record.
const SEARCH: &str = "search";

impl<R: Route, J: Journal, P: EventPublisher> Run<'_, R, J, P> {
    /// Searches for the query and keeps the result it names best; a job that has its track
    /// already is left alone.
    pub(super) async fn resolve(&self, job: &mut Job) -> Result<(), Halt> {
        if job.track.is_some() {
            return Ok(());
        }
        let query = job.request.query.clone().unwrap_or_default();
        job.state = JobState::Resolving;
        job.start_step(SEARCH, SEARCH_TRACK).attempts += 1;
        self.journal.save(job).await?;
        let request = SearchTrackRequest {
            query: query.clone(),
            limit: Some(5),
        };
        let (reply, found): (_, SearchTrackReply) = self
            .request(&request)
            .await
            .map_err(|error| failure(SEARCH, error))?;
        let Some(track) = best_match(&query, found.tracks) else {
            return Err(failure(SEARCH, format!("no track matches \"{query}\"")));
        };
        tracing::info!(title = %track.title, artist = %track.artist, "query resolved");
        job.finish_step(SEARCH, SEARCH_TRACK, StepOutcome::Succeeded(reply));
        job.track = Some(track);
        self.journal.save(job).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::Halt;
    use super::super::fakes::{Fixture, query_job, track_job};
    use crate::pipeline::job::StepStatus;
    use crate::pipeline::stages::Journal;
    use crate::route::RouteError;

    async fn resolve(fixture: &Fixture, job_id: &str) -> Result<(), Halt> {
        let mut job = fixture.journal.load(job_id).await.unwrap().unwrap();
        fixture.run().resolve(&mut job).await
    }

    #[tokio::test]
    async fn a_query_becomes_the_track_it_names_best_in_one_call_under_the_request_policy() {
        let fixture = Fixture::new();
        let job_id = query_job(&fixture.journal, "massive attack teardrop");
        fixture.router.answer(
            "search.track",
            json!({"tracks": [
                {"title": "Mezzanine", "artist": "Massive Attack"},
                {"title": "Teardrop", "artist": "Massive Attack"},
            ]}),
        );

        assert!(resolve(&fixture, &job_id).await.is_ok());

        let job = fixture.journal.stored(&job_id);
        assert_eq!(job.track.as_ref().unwrap().title, "Teardrop");
        assert_eq!(job.step("search").unwrap().status, StepStatus::Succeeded);
        let calls = fixture.router.calls_of("search.track");
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].1.retry, fixture.settings.request_retry);
        assert_eq!(calls[0].1.timeout, fixture.settings.request_timeout());
    }

    #[tokio::test]
    async fn a_job_with_a_track_is_not_searched() {
        let fixture = Fixture::new();
        let job_id = track_job(&fixture.journal);

        assert!(resolve(&fixture, &job_id).await.is_ok());

        assert_eq!(fixture.router.calls("search.track"), 0);
        assert!(fixture.journal.stored(&job_id).step("search").is_none());
    }

    #[tokio::test]
    async fn no_result_a_failed_search_or_an_unreadable_reply_fails_the_job_at_the_search() {
        type Script = fn(&Fixture);
        let cases: [(&str, Script); 3] = [
            ("no track matches", |fixture| {
                fixture.router.answer("search.track", json!({"tracks": []}))
            }),
            ("every provider", |fixture| {
                fixture
                    .router
                    .fail("search.track", |operation| RouteError::Exhausted {
                        operation: operation.to_owned(),
                        last: soulspot_bus::RequestError::NoResponders {
                            subject: operation.to_owned(),
                        },
                    })
            }),
            ("not understood", |fixture| {
                fixture
                    .router
                    .answer("search.track", json!({"tracks": "none"}))
            }),
        ];
        for (reason, script) in cases {
            let fixture = Fixture::new();
            let job_id = query_job(&fixture.journal, "teardrop");
            script(&fixture);

            let outcome = resolve(&fixture, &job_id).await;

            let Err(Halt::Failed(failure)) = outcome else {
                panic!("{reason}: the job did not fail");
            };
            assert_eq!(failure.step, "search");
            assert!(failure.reason.contains(reason), "{}", failure.reason);
            assert_eq!(fixture.router.calls("search.track"), 1, "{reason}");
        }
    }
}
