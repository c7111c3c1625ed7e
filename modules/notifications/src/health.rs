//! The last delivery outcome of each channel, behind one health check per channel:
//! a channel whose last attempt failed makes the module `degraded`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::delivery::DeliveryReport;

/// Shared by the capability (which records) and the health checks (which read).
#[derive(Debug, Clone, Default)]
pub struct ChannelHealth {
    last_failure: Arc<Mutex<HashMap<String, Option<String>>>>,
}

impl ChannelHealth {
    /// Remembers how the latest delivery on `channel` went.
    pub fn record(&self, channel: &str, report: &DeliveryReport) {
        let failure = (!report.ok).then(|| report.error.clone().unwrap_or_default());
        self.last_failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(channel.to_owned(), failure);
    }

    /// `Err` with the reason when the last delivery on `channel` failed; a channel not yet
    /// used is healthy.
    pub fn check(&self, channel: &str) -> Result<(), String> {
        let last = self
            .last_failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(channel)
            .cloned()
            .flatten();
        match last {
            None => Ok(()),
            Some(error) => Err(format!("last delivery failed: {error}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(ok: bool) -> DeliveryReport {
        DeliveryReport {
            ok,
            attempts: 3,
            error: (!ok).then(|| "HTTP 503".to_owned()),
        }
    }

    #[test]
    fn the_latest_outcome_of_each_channel_decides() {
        let health = ChannelHealth::default();
        assert!(health.check("gotify").is_ok());
        health.record("gotify", &report(false));
        health.record("ntfy", &report(true));
        assert_eq!(
            health.check("gotify").unwrap_err(),
            "last delivery failed: HTTP 503"
        );
        assert!(health.check("ntfy").is_ok());
        health.record("gotify", &report(true));
        assert!(health.check("gotify").is_ok());
    }
}
