//! The module-supplied checks behind `soulspot.<module>.health` and `/readyz`.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use futures::future::{BoxFuture, join_all};
use serde::Serialize;
use soulspot_contracts::{HealthCheck, HealthReport, ModuleStatus};

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

/// What anyone who can reach an HTTP endpoint reads of a failing check.
pub const PUBLIC_FAILURE: &str = "failing (the cause is in the service's logs)";

/// A check as HTTP shows it (`/readyz`, the router's `/api/modules/status`): its name, whether it
/// passes, and a fixed phrase when it does not. The check's `detail` stays on the bus and in
/// the logs: modules write it for operators, it names hosts, URLs and error chains of the
/// services behind them, and free text from a peer cannot be vetted where it is shown.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicCheck {
    pub name: String,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub reason: Option<&'static str>,
}

impl From<&HealthCheck> for PublicCheck {
    fn from(check: &HealthCheck) -> Self {
        Self {
            name: check.name.clone(),
            ok: check.ok,
            reason: (!check.ok).then_some(PUBLIC_FAILURE),
        }
    }
}

/// A health report as HTTP shows it: the status and the public form of every check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicReport {
    pub status: ModuleStatus,
    pub checks: Vec<PublicCheck>,
}

impl From<&HealthReport> for PublicReport {
    fn from(report: &HealthReport) -> Self {
        Self {
            status: report.status,
            checks: report.checks.iter().map(PublicCheck::from).collect(),
        }
    }
}
