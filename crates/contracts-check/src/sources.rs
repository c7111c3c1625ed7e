//! Where the contract files come from: the working tree for the current side, and git
//! plumbing (`rev-parse`, `merge-base`, `ls-tree`, `show`) for the earlier side.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::evolution::ContractFile;

/// The folders holding contract files, relative to the repository root.
pub const CONTRACT_DIRS: &[&str] = &["contracts/capabilities", "contracts/events"];

/// The branch compared against when no base is given, first existing one wins.
const DEFAULT_BASES: &[&str] = &["origin/main", "main"];

/// Git or the file system could not give the contract files.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("could not run git: {0}")]
    Spawn(#[source] std::io::Error),
    #[error("`git {args}` failed: {stderr}")]
    Git { args: String, stderr: String },
    #[error("base `{0}` is not a commit")]
    UnknownBase(String),
    #[error("could not read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The earlier commit the contracts are compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    /// The commit's full hash.
    pub commit: String,
    /// How it was chosen, e.g. `merge base of HEAD and main`.
    pub chosen_as: String,
}

/// A git repository, by its root folder.
#[derive(Debug, Clone)]
pub struct Repository {
    root: PathBuf,
}

impl Repository {
    /// The repository holding `folder` (which may be any folder inside it).
    pub fn discover(folder: &Path) -> Result<Self, SourceError> {
        let root = git(folder, &["rev-parse", "--show-toplevel"])?;
        Ok(Self {
            root: PathBuf::from(root.trim_end()),
        })
    }

    /// The merge base of HEAD and `base` (default: `origin/main`, else `main`); HEAD~1 when
    /// HEAD is that merge base or there is none; `None` when there is no earlier commit.
    pub fn baseline(&self, base: Option<&str>) -> Result<Option<Baseline>, SourceError> {
        let Some(head) = self.commit("HEAD")? else {
            return Ok(None);
        };
        let base = match base {
            Some(name) if self.commit(name)?.is_none() => {
                return Err(SourceError::UnknownBase(name.to_owned()));
            }
            Some(name) => Some(name),
            None => self.first_existing(DEFAULT_BASES)?,
        };
        if let Some(name) = base
            && let Some(merge_base) = self.merge_base(name)?
            && merge_base != head
        {
            return Ok(Some(Baseline {
                commit: merge_base,
                chosen_as: format!("merge base of HEAD and {name}"),
            }));
        }
        Ok(self.commit("HEAD~1")?.map(|commit| Baseline {
            commit,
            chosen_as: "HEAD~1".to_owned(),
        }))
    }

    /// The contract files at `commit`.
    pub fn contracts_at(&self, commit: &str) -> Result<Vec<ContractFile>, SourceError> {
        let mut args = vec!["ls-tree", "-r", "--name-only", commit, "--"];
        args.extend_from_slice(CONTRACT_DIRS);
        let listing = git(&self.root, &args)?;
        listing
            .lines()
            .filter(|path| path.ends_with(".yaml"))
            .map(|path| {
                let text = git(&self.root, &["show", &format!("{commit}:{path}")])?;
                Ok(ContractFile {
                    path: path.to_owned(),
                    text,
                })
            })
            .collect()
    }

    /// The contract files of the working tree, committed or not.
    pub fn contracts_in_working_tree(&self) -> Result<Vec<ContractFile>, SourceError> {
        let mut files = Vec::new();
        for folder in CONTRACT_DIRS {
            let absolute = self.root.join(folder);
            let read = |source| SourceError::Read {
                path: absolute.clone(),
                source,
            };
            let entries = match std::fs::read_dir(&absolute) {
                Ok(entries) => entries,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
                Err(error) => return Err(read(error)),
            };
            for entry in entries {
                let name = entry
                    .map_err(read)?
                    .file_name()
                    .to_string_lossy()
                    .into_owned();
                if !name.ends_with(".yaml") {
                    continue;
                }
                let path = absolute.join(&name);
                let text = std::fs::read_to_string(&path)
                    .map_err(|source| SourceError::Read { path, source })?;
                files.push(ContractFile {
                    path: format!("{folder}/{name}"),
                    text,
                });
            }
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(files)
    }

    /// The commit `name` resolves to, or `None` when it names no commit.
    fn commit(&self, name: &str) -> Result<Option<String>, SourceError> {
        let revision = format!("{name}^{{commit}}");
        let output = self.run(&["rev-parse", "--verify", "--quiet", &revision])?;
        Ok(output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned()))
    }

    fn first_existing<'a>(&self, names: &[&'a str]) -> Result<Option<&'a str>, SourceError> {
        for name in names {
            if self.commit(name)?.is_some() {
                return Ok(Some(name));
            }
        }
        Ok(None)
    }

    /// `git merge-base` exits 1 when the histories share no commit.
    fn merge_base(&self, name: &str) -> Result<Option<String>, SourceError> {
        let output = self.run(&["merge-base", "HEAD", name])?;
        match output.status.code() {
            Some(0) => Ok(Some(
                String::from_utf8_lossy(&output.stdout).trim().to_owned(),
            )),
            Some(1) => Ok(None),
            _ => Err(failure(&["merge-base", "HEAD", name], &output)),
        }
    }

    fn run(&self, args: &[&str]) -> Result<Output, SourceError> {
        run(&self.root, args)
    }
}

/// Runs git in `folder`, whatever its exit status.
fn run(folder: &Path, args: &[&str]) -> Result<Output, SourceError> {
    Command::new("git")
        .arg("-C")
        .arg(folder)
        .args(args)
        .output()
        .map_err(SourceError::Spawn)
}

/// Runs git in `folder` and returns its standard output, failing on a non-zero exit.
fn git(folder: &Path, args: &[&str]) -> Result<String, SourceError> {
    let output = run(folder, args)?;
    if !output.status.success() {
        return Err(failure(args, &output));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn failure(args: &[&str], output: &Output) -> SourceError {
    SourceError::Git {
        args: args.join(" "),
        stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
    }
}
