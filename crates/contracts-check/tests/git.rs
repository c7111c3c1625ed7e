//! The `contracts-check` binary in a throwaway git repository: which commit it compares
//! with, and its exit code.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

use tempfile::TempDir;

const CONTRACT: &str = "contracts/events/track.found.yaml";

fn contract(version: &str, with_album: bool) -> String {
    let album = if with_album {
        "      album: {type: string}\n"
    } else {
        ""
    };
    format!(
        "name: track.found\nkind: event\nversion: {version}\ndescription: A track was found.\n\
         data:\n  schema:\n    type: object\n    required: [title]\n    properties:\n\
         \x20     title: {{type: string}}\n{album}  example: {{title: Teardrop}}\n"
    )
}

fn git(folder: &Path, args: &[&str]) {
    let output = Command::new("git")
        .arg("-C")
        .arg(folder)
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "git {args:?}: {output:?}");
}

/// A fresh repository on branch `main`, with no commit yet.
fn repository() -> TempDir {
    let folder = tempfile::tempdir().unwrap();
    git(folder.path(), &["init", "--quiet", "--initial-branch=main"]);
    std::fs::create_dir_all(folder.path().join("contracts/events")).unwrap();
    folder
}

fn commit(folder: &Path, path: &str, text: &str) {
    std::fs::write(folder.join(path), text).unwrap();
    git(folder, &["add", "--all"]);
    git(folder, &["commit", "--quiet", "--message", path]);
}

fn contracts_check(folder: &Path, args: &[&str]) -> (i32, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(env!("CARGO_BIN_EXE_contracts-check"))
        .args(args)
        .current_dir(folder)
        .output()
        .unwrap();
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&stdout),
        String::from_utf8_lossy(&stderr)
    );
    (status.code().unwrap(), printed)
}

#[test]
fn on_main_the_last_commit_is_compared_with_the_one_before() {
    let repo = repository();
    commit(repo.path(), CONTRACT, &contract("1.0.0", true));
    commit(repo.path(), CONTRACT, &contract("1.1.0", false));

    let (code, printed) = contracts_check(repo.path(), &[]);

    assert_eq!(code, 1, "{printed}");
    assert!(printed.contains("(HEAD~1)"), "{printed}");
    assert!(
        printed.contains(&format!("{CONTRACT}: $.data.album: property removed")),
        "{printed}"
    );
    assert!(
        printed.contains("1 contracts compared, 1 changed, 0 added, 1 problems"),
        "{printed}"
    );
}

#[test]
fn a_branch_is_compared_with_its_merge_base_not_its_previous_commit() {
    let repo = repository();
    commit(repo.path(), CONTRACT, &contract("1.0.0", true));
    git(repo.path(), &["checkout", "--quiet", "-b", "feature"]);
    commit(repo.path(), CONTRACT, &contract("1.1.0", false));
    commit(repo.path(), "notes.txt", "an unrelated change");

    let (code, printed) = contracts_check(repo.path(), &["--base", "main"]);

    assert_eq!(code, 1, "{printed}");
    assert!(
        printed.contains("(merge base of HEAD and main)"),
        "{printed}"
    );
    assert!(
        printed.contains("$.data.album: property removed"),
        "{printed}"
    );
}

#[test]
fn a_compatible_change_with_its_bump_exits_zero() {
    let repo = repository();
    commit(repo.path(), CONTRACT, &contract("1.0.0", false));
    commit(repo.path(), CONTRACT, &contract("1.1.0", true));

    let (code, printed) = contracts_check(repo.path(), &[]);

    assert_eq!(code, 0, "{printed}");
    assert!(
        printed.contains("1 contracts compared, 1 changed, 0 added, 0 problems"),
        "{printed}"
    );
}

#[test]
fn a_single_commit_has_nothing_to_compare_with_and_passes() {
    let repo = repository();
    commit(repo.path(), CONTRACT, &contract("1.0.0", true));

    let (code, printed) = contracts_check(repo.path(), &[]);

    assert_eq!(code, 0, "{printed}");
    assert!(printed.contains("no earlier commit"), "{printed}");
}

#[test]
fn an_unknown_base_is_an_error_not_a_pass() {
    let repo = repository();
    commit(repo.path(), CONTRACT, &contract("1.0.0", true));
    commit(
        repo.path(),
        CONTRACT,
        &contract("1.0.0", true).replace("A track", "One track"),
    );

    let (code, printed) = contracts_check(repo.path(), &["--base", "no-such-branch"]);

    assert_eq!(code, 2, "{printed}");
    assert!(
        printed.contains("base `no-such-branch` is not a commit"),
        "{printed}"
    );
}
