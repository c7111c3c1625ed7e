//! Work a module runs beyond a request (a download that goes on after its request was
//! answered): owned by the application, cancelled and awaited when it stops, so no task
//! outlives the module that started it.

use std::future::Future;
use std::time::Duration;

use tokio_util::sync::{CancellationToken, DropGuard};
use tokio_util::task::TaskTracker;

/// The module's background tasks; clones share them.
#[derive(Debug, Clone, Default)]
pub struct Background {
    tasks: TaskTracker,
    cancel: CancellationToken,
}

impl Background {
    /// Runs `work` on its own task until it ends or the application stops, whichever is first.
    pub fn spawn<F>(&self, work: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let cancel = self.cancel.clone();
        self.tasks.spawn(async move {
            tokio::select! {
                () = cancel.cancelled() => {}
                () = work => {}
            }
        });
    }

    /// Cancels every task and waits up to `grace` for them to end; `false` when some did not.
    pub async fn stop(&self, grace: Duration) -> bool {
        self.cancel.cancel();
        self.tasks.close();
        tokio::time::timeout(grace, self.tasks.wait()).await.is_ok()
    }

    /// Cancels every task when the guard is dropped.
    pub(crate) fn cancel_on_drop(&self) -> DropGuard {
        self.cancel.clone().drop_guard()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stop_cancels_work_that_would_never_end() {
        let background = Background::default();
        let (started, mut running) = tokio::sync::mpsc::channel(1);
        background.spawn(async move {
            let _ = started.send(()).await;
            std::future::pending::<()>().await;
        });
        running.recv().await.unwrap();

        assert!(background.stop(Duration::from_secs(5)).await);
    }

    #[tokio::test]
    async fn dropping_the_guard_cancels_the_work() {
        let background = Background::default();
        let (finished, mut ended) = tokio::sync::oneshot::channel::<()>();
        background.spawn(async move {
            // Dropped, not completed, when cancelled: the channel then closes.
            let _finished = finished;
            std::future::pending::<()>().await;
        });
        drop(background.cancel_on_drop());

        assert!(
            tokio::time::timeout(Duration::from_secs(5), &mut ended)
                .await
                .unwrap()
                .is_err()
        );
    }
}
