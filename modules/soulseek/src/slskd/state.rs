//! slskd's transfer states are flag strings (`"Completed, Succeeded"`); this reads them.

/// Where a transfer stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferState {
    /// `"Completed, Succeeded"`: the file is on disk.
    Succeeded,
    /// `"Completed, <reason>"`: cancelled, timed out, errored, rejected or aborted.
    Failed { reason: String },
    /// Requested, queued, initializing or in progress.
    Pending,
}

impl TransferState {
    pub fn parse(flags: &str) -> Self {
        let parts: Vec<&str> = flags.split(',').map(str::trim).collect();
        if !parts.contains(&"Completed") {
            return Self::Pending;
        }
        if parts.contains(&"Succeeded") {
            return Self::Succeeded;
        }
        let reason = parts
            .iter()
            .filter(|part| **part != "Completed" && !part.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        Self::Failed {
            reason: if reason.is_empty() {
                "Completed".to_owned()
            } else {
                reason
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_success_failures_and_waiting_states() {
        assert_eq!(
            TransferState::parse("Completed, Succeeded"),
            TransferState::Succeeded
        );
        for reason in ["Cancelled", "TimedOut", "Errored", "Rejected", "Aborted"] {
            assert_eq!(
                TransferState::parse(&format!("Completed, {reason}")),
                TransferState::Failed {
                    reason: reason.to_owned()
                }
            );
        }
        for waiting in [
            "Queued, Locally",
            "Queued, Remotely",
            "Requested",
            "Initializing",
            "InProgress",
        ] {
            assert_eq!(TransferState::parse(waiting), TransferState::Pending);
        }
    }
}
