//! Compares contract files with their earlier versions: the schema changes of each, the
//! version bump they need against the one the file declares, and the contracts removed.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;
use soulspot_contracts::SchemaVersion;

use crate::schema_diff::{Bump, Change, diff_schemas};

/// The messages a contract may carry: `data` for an event, `request` and `reply` for a
/// capability. Each holds its JSON Schema under `schema`.
const MESSAGES: &[&str] = &["data", "request", "reply"];

/// One contract file as read from the working tree or from a commit.
#[derive(Debug, Clone)]
pub struct ContractFile {
    /// Path from the repository root, e.g. `contracts/events/download.completed.yaml`.
    pub path: String,
    pub text: String,
}

/// A rule broken by one contract: the file, the JSON path of the field and the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub path: String,
    pub rule: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.file, self.path, self.rule)
    }
}

/// The outcome of comparing every contract file with its earlier version.
#[derive(Debug, Default)]
pub struct Report {
    /// Contracts present on both sides.
    pub compared: usize,
    /// `file old -> new` for each contract whose version or schema changed.
    pub changed: Vec<String>,
    /// `file (version)` for each contract that is new.
    pub added: Vec<String>,
    pub problems: Vec<Problem>,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }

    /// `N contracts compared, N changed, N added, N problems`.
    pub fn summary(&self) -> String {
        format!(
            "{} contracts compared, {} changed, {} added, {} problems",
            self.compared,
            self.changed.len(),
            self.added.len(),
            self.problems.len()
        )
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for added in &self.added {
            writeln!(f, "added   {added}")?;
        }
        for changed in &self.changed {
            writeln!(f, "changed {changed}")?;
        }
        for problem in &self.problems {
            writeln!(f, "{problem}")?;
        }
        writeln!(f, "{}", self.summary())
    }
}

/// Compares the contract files of `new` with those of `old`, matched by path.
pub fn compare_sets(old: &[ContractFile], new: &[ContractFile]) -> Report {
    let old: BTreeMap<&str, &str> = old
        .iter()
        .map(|f| (f.path.as_str(), f.text.as_str()))
        .collect();
    let new: BTreeMap<&str, &str> = new
        .iter()
        .map(|f| (f.path.as_str(), f.text.as_str()))
        .collect();
    let mut report = Report::default();
    for (&file, &new_text) in &new {
        let Some(&old_text) = old.get(file) else {
            match Contract::parse(file, new_text) {
                Ok(contract) => report.added.push(format!("{file} ({})", contract.version)),
                Err(problem) => report.problems.push(problem),
            }
            continue;
        };
        report.compared += 1;
        match compare_contract(file, old_text, new_text) {
            Ok(comparison) => {
                if comparison.changed() {
                    report.changed.push(format!(
                        "{file} {} -> {} (needs {})",
                        comparison.old_version, comparison.new_version, comparison.needs
                    ));
                }
                report.problems.extend(comparison.problems);
            }
            Err(problem) => report.problems.push(problem),
        }
    }
    for (&file, &old_text) in &old {
        if !new.contains_key(file) {
            let was = Contract::parse(file, old_text)
                .map(|contract| format!(" (was {})", contract.version))
                .unwrap_or_default();
            report.problems.push(Problem {
                file: file.to_owned(),
                path: "$".to_owned(),
                rule: format!(
                    "contract removed{was}: it breaks every user, and no version bump can say so"
                ),
            });
        }
    }
    report
}

/// One contract compared with its earlier version.
#[derive(Debug)]
pub struct Comparison {
    pub old_version: SchemaVersion,
    pub new_version: SchemaVersion,
    /// The largest bump any schema change needs (`Bump::None` when no schema changed).
    pub needs: Bump,
    pub problems: Vec<Problem>,
}

impl Comparison {
    pub fn changed(&self) -> bool {
        self.old_version != self.new_version || self.needs > Bump::None
    }
}

/// Compares the file `file` as it was (`old_text`) and as it is (`new_text`).
///
/// `Err` when either side is not a readable contract (bad YAML or version).
pub fn compare_contract(file: &str, old_text: &str, new_text: &str) -> Result<Comparison, Problem> {
    let old = Contract::parse(file, old_text)?;
    let new = Contract::parse(file, new_text)?;
    let changes = contract_changes(&old.document, &new.document);
    let needs = changes
        .iter()
        .map(|change| change.needs)
        .max()
        .unwrap_or(Bump::None);
    let problem = |path: &str, rule: String| Problem {
        file: file.to_owned(),
        path: path.to_owned(),
        rule,
    };
    let mut problems = Vec::new();
    let went_down = new.version < old.version;
    if went_down {
        let rule = format!("version went down from {} to {}", old.version, new.version);
        problems.push(problem("$.version", rule));
    }
    let declared = declared_bump(&old.version, &new.version);
    let got = match declared {
        _ if went_down => "the version went down".to_owned(),
        Bump::None => format!("version stays {}", new.version),
        bump => format!("{} -> {} is a {bump} bump", old.version, new.version),
    };
    for change in changes.iter().filter(|change| change.needs > declared) {
        let rule = format!("{}: needs a {} bump, but {got}", change.rule, change.needs);
        problems.push(problem(&change.path, rule));
    }
    Ok(Comparison {
        old_version: old.version,
        new_version: new.version,
        needs,
        problems,
    })
}

/// The bump from `old` to `new`; `Bump::None` when the version did not go up.
fn declared_bump(old: &SchemaVersion, new: &SchemaVersion) -> Bump {
    if new <= old {
        Bump::None
    } else if new.major > old.major {
        Bump::Major
    } else if new.minor > old.minor {
        Bump::Minor
    } else if new.patch > old.patch {
        Bump::Patch
    } else {
        Bump::None
    }
}

/// The changes between two contract documents: identity, messages and their schemas.
/// Descriptions and examples are not schema and need no bump.
fn contract_changes(old: &Value, new: &Value) -> Vec<Change> {
    let mut changes = Vec::new();
    for key in ["name", "kind"] {
        if old.get(key) != new.get(key) {
            changes.push(Change {
                path: format!("$.{key}"),
                rule: format!("contract `{key}` changed"),
                needs: Bump::Major,
            });
        }
    }
    for message in MESSAGES {
        let path = format!("$.{message}");
        let schema = |document: &Value| document.get(message).map(|m| m.get("schema").cloned());
        match (schema(old), schema(new)) {
            (None, None) => {}
            (Some(_), None) => changes.push(Change {
                path,
                rule: "message removed".to_owned(),
                needs: Bump::Major,
            }),
            (None, Some(_)) => changes.push(Change {
                path,
                rule: "message added".to_owned(),
                needs: Bump::Minor,
            }),
            (Some(old_schema), Some(new_schema)) => {
                let accept_all = Value::Bool(true);
                let old_schema = old_schema.unwrap_or_else(|| accept_all.clone());
                let new_schema = new_schema.unwrap_or(accept_all);
                changes.extend(diff_schemas(&path, &old_schema, &new_schema));
            }
        }
    }
    changes
}

/// A contract file parsed far enough to compare it: its version and the whole document.
struct Contract {
    version: SchemaVersion,
    document: Value,
}

impl Contract {
    fn parse(file: &str, text: &str) -> Result<Self, Problem> {
        let problem = |path: &str, rule: String| Problem {
            file: file.to_owned(),
            path: path.to_owned(),
            rule,
        };
        let document =
            parse_yaml(text).map_err(|reason| problem("$", format!("not valid yaml: {reason}")))?;
        let version = match document.get("version") {
            Some(Value::String(text)) => text
                .parse()
                .map_err(|error| problem("$.version", format!("{error}")))?,
            _ => {
                return Err(problem(
                    "$.version",
                    "missing or not a MAJOR.MINOR.PATCH string".to_owned(),
                ));
            }
        };
        Ok(Self { version, document })
    }
}

/// The one place YAML is read: a contract file as a JSON value, with the YAML crate the
/// contracts crate uses.
fn parse_yaml(text: &str) -> Result<Value, String> {
    serde_norway::from_str(text).map_err(|error| error.to_string())
}
