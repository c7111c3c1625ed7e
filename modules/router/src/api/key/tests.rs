use std::os::unix::fs::PermissionsExt;

use super::*;

fn settings_with_file(path: &Path) -> ApiSettings {
    ApiSettings {
        key_file: path.to_owned(),
        ..ApiSettings::default()
    }
}

#[test]
fn a_key_is_generated_into_a_private_file_and_read_back_on_the_next_start() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("state").join("router").join("api_key");
    let settings = settings_with_file(&path);

    let first = resolve(&settings).unwrap();
    let second = resolve(&settings).unwrap();

    assert_eq!(first.expose().len(), 64);
    assert!(first.expose().chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(first, second);
    let mode = fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let left: Vec<_> = fs::read_dir(path.parent().unwrap()).unwrap().collect();
    assert_eq!(left.len(), 1, "no staging file left behind");
}

#[test]
fn a_configured_key_wins_over_the_file() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("api_key");
    let mut settings = settings_with_file(&path);
    settings.api_key = Secret::new("configured-key-0123456789");

    let key = resolve(&settings).unwrap();

    assert_eq!(key.expose(), "configured-key-0123456789");
    assert!(
        !path.exists(),
        "no file is written when a key is configured"
    );
}

#[test]
fn a_key_file_holding_a_short_key_is_refused_not_replaced() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("api_key");
    fs::write(&path, "short\n").unwrap();

    let refused = resolve(&settings_with_file(&path));

    assert!(
        matches!(refused, Err(KeyError::TooShort { .. })),
        "{refused:?}"
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), "short\n");
}

#[test]
fn two_keys_generated_one_after_the_other_differ() {
    assert_ne!(generate(), generate());
}
