use super::*;

#[tokio::test]
async fn checksums_a_file_of_the_expected_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.flac");
    std::fs::write(&path, b"abc").unwrap();
    let (found, size, checksum) =
        finished_file(&path, &Snapshot::default(), 3, Duration::from_millis(10))
            .await
            .unwrap();
    assert_eq!((found, size), (path, 3));
    assert_eq!(
        checksum,
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[tokio::test(start_paused = true)]
async fn refuses_a_missing_file_or_one_of_another_size() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.flac");
    let error = finished_file(
        &missing,
        &Snapshot::default(),
        3,
        Duration::from_millis(100),
    )
    .await
    .unwrap_err();
    assert!(matches!(error, AttemptError::FileMissing { .. }), "{error}");
    let short = dir.path().join("short.flac");
    std::fs::write(&short, b"ab").unwrap();
    let error = finished_file(&short, &Snapshot::default(), 3, Duration::from_millis(100))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            AttemptError::SizeMismatch {
                actual: 2,
                expected: 3,
                ..
            }
        ),
        "{error}"
    );
}

#[tokio::test(start_paused = true)]
async fn finds_the_file_slskd_renamed_not_the_older_one_of_that_name() {
    let dir = tempfile::tempdir().unwrap();
    let destination = dir.path().join("01 - Title.flac");
    std::fs::write(&destination, b"old!").unwrap();
    let other = dir.path().join("02 - Other.flac");
    std::fs::write(&other, b"new").unwrap();
    let before = Snapshot::of(&destination).await;

    let renamed = dir.path().join("01 - Title_638712345678901234.flac");
    std::fs::write(&renamed, b"new").unwrap();
    let (found, size, checksum) =
        finished_file(&destination, &before, 3, Duration::from_millis(100))
            .await
            .unwrap();

    assert_eq!(found, renamed);
    assert_eq!(size, 3);
    assert_eq!(
        checksum,
        "sha256:11507a0e2f5e69d5dfa40a62a1bd7b6ee57e6bcd85c67c9b8431b36fff21c437"
    );
}

#[tokio::test(start_paused = true)]
async fn an_older_file_of_the_right_size_is_not_taken_for_the_download() {
    let dir = tempfile::tempdir().unwrap();
    let destination = dir.path().join("01 - Title.flac");
    std::fs::write(&destination, b"abc").unwrap();
    let before = Snapshot::of(&destination).await;

    let error = finished_file(&destination, &before, 3, Duration::from_millis(100))
        .await
        .unwrap_err();

    assert!(matches!(error, AttemptError::FileMissing { .. }), "{error}");
}
