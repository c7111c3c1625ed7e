//! The module-supplied checks behind `soulspot.<module>.health` and `/readyz`.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use futures::future::{BoxFuture, join_all};
use soulspot_contracts::{HealthCheck, HealthReport};

type Check = Arc<dyn Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync>;

/// A check slower than this counts as failed: a health probe must answer quickly.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Named checks, run concurrently on every health request.
#[derive(Clone, Default)]
pub struct HealthChecks {
    checks: Vec<(String, Check)>,
}

impl std::fmt::Debug for HealthChecks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.checks.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("HealthChecks")
            .field("checks", &names)
            .finish()
    }
}

impl HealthChecks {
    /// Adds a check; `Err` carries the detail shown in the report.
    pub fn add<F, Fut>(&mut self, name: &str, check: F)
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        let check: Check = Arc::new(move || check().boxed());
        self.checks.push((name.to_owned(), check));
    }

    pub async fn report(&self) -> HealthReport {
        let runs = self.checks.iter().map(|(name, check)| async move {
            let outcome = tokio::time::timeout(CHECK_TIMEOUT, check())
                .await
                .unwrap_or_else(|_| Err(format!("no answer within {CHECK_TIMEOUT:?}")));
            HealthCheck {
                name: name.clone(),
                ok: outcome.is_ok(),
                detail: outcome.err(),
            }
        });
        HealthReport::from_checks(join_all(runs).await)
    }
}
