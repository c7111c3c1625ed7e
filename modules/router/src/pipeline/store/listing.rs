//! Pages of jobs through the job index, and the index's first filling from a store that
//! already holds jobs.

use futures::StreamExt;

use super::index::ALL;
use super::{JobStore, StoreError};
use crate::pipeline::job::{Job, JobState};

/// Jobs loaded at once while a page of jobs is read.
const PAGE_LOADS_IN_FLIGHT: usize = 16;

impl JobStore {
    /// Jobs in `state` (all when `None`) listed after job `after`, at most `limit`: all jobs
    /// in the order they were created, those of one state in the order they entered it. Reads
    /// the index entries and jobs of this page only.
    pub async fn page(
        &self,
        state: Option<JobState>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Job>, StoreError> {
        let set = state.map_or(ALL, JobState::as_str);
        let mut start = 0;
        // Only when `after` is no longer listed: all jobs are then read from the start and
        // those created up to it (ids are UUIDv7) are passed over.
        let mut created_after = None;
        if let Some(after) = after {
            start = match self.index.position(set, after).await? {
                Some(position) => position,
                // The job left this state since: continue after its creation, which came
                // before it entered any state.
                None => match self.index.position(ALL, after).await? {
                    Some(position) => position,
                    None => {
                        created_after = Some(after);
                        0
                    }
                },
            };
        }
        let mut entries = self.index.entries(set, start).await?;
        let mut page = Vec::with_capacity(limit);
        while page.len() < limit {
            let batch = entries.next_batch(limit - page.len()).await?;
            if batch.is_empty() {
                break;
            }
            let loads = futures::stream::iter(batch)
                .map(|id| async move { self.load(&id).await })
                .buffered(PAGE_LOADS_IN_FLIGHT);
            let loaded: Vec<Result<Option<Job>, StoreError>> = loads.collect().await;
            for job in loaded {
                if let Some(job) = job?
                    && state.is_none_or(|state| job.state == state)
                    && created_after.is_none_or(|after| job.id.as_str() > after)
                {
                    page.push(job);
                }
            }
        }
        Ok(page)
    }

    /// Lists every stored job in the index: once, when the index is new to a store that
    /// already holds jobs.
    pub(super) async fn index_stored_jobs(&self) -> Result<(), StoreError> {
        let ids = self.job_ids().await?;
        for id in &ids {
            if let Some(job) = self.load(id).await? {
                self.index.add(ALL, id).await?;
                self.index.add(job.state.as_str(), id).await?;
            }
        }
        if !ids.is_empty() {
            tracing::info!(jobs = ids.len(), "job index built from the stored jobs");
        }
        Ok(())
    }
}
