//! The contract evolution checker: compares `contracts/` with an earlier commit and reports
//! every change that the declared version bumps do not cover (DESIGN.md, "Events").
//!
//! [`schema_diff`] classifies the differences between two JSON Schemas, [`evolution`] applies
//! the versioning rules to contract files, and [`sources`] reads those files from the working
//! tree and from git. The `contracts-check` binary (`make contracts-check`) ties them together.

pub mod evolution;
pub mod schema_diff;
pub mod sources;

use std::path::Path;

pub use evolution::{Comparison, ContractFile, Problem, Report, compare_contract, compare_sets};
pub use schema_diff::{Bump, Change, diff_schemas};
pub use sources::{Baseline, Repository, SourceError};

/// What a check found.
#[derive(Debug)]
pub enum Outcome {
    /// The repository has no commit before the current one: nothing to compare with.
    NoEarlierCommit,
    /// The working tree's contracts compared with those of `baseline`.
    Compared { baseline: Baseline, report: Report },
}

impl Outcome {
    pub fn passed(&self) -> bool {
        match self {
            Outcome::NoEarlierCommit => true,
            Outcome::Compared { report, .. } => report.passed(),
        }
    }
}

/// Compares the contracts of the working tree holding `folder` with those at the merge base
/// of HEAD and `base` (see [`Repository::baseline`]).
pub fn check(folder: &Path, base: Option<&str>) -> Result<Outcome, SourceError> {
    let repository = Repository::discover(folder)?;
    let Some(baseline) = repository.baseline(base)? else {
        return Ok(Outcome::NoEarlierCommit);
    };
    let old = repository.contracts_at(&baseline.commit)?;
    let new = repository.contracts_in_working_tree()?;
    let report = compare_sets(&old, &new);
    Ok(Outcome::Compared { baseline, report })
}
