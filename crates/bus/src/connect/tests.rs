//! Unit tests of the connection settings: who the client is and where its password comes from.

use super::*;

#[test]
fn the_user_is_the_service_unless_one_is_configured() {
    let mut settings = NatsSettings::default();
    assert_eq!(settings.user_or("library"), "library");
    settings.user = Some("library-eu".to_owned());
    assert_eq!(settings.user_or("library"), "library-eu");
    assert_eq!(inbox_prefix("router"), "_INBOX_router");
}

#[test]
fn the_password_file_is_read_without_its_trailing_newline() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("password");
    std::fs::write(&path, "s3cr3t-value\n").unwrap();
    let settings = NatsSettings {
        password_file: Some(path),
        ..NatsSettings::default()
    };
    let password = settings.resolve_password().unwrap().unwrap();
    assert_eq!(password.expose(), "s3cr3t-value");
}

#[test]
fn a_missing_password_file_is_an_error_naming_the_file() {
    let settings = NatsSettings {
        password_file: Some(PathBuf::from("/nonexistent/nats-password")),
        ..NatsSettings::default()
    };
    let error = settings.resolve_password().unwrap_err();
    assert!(
        error.to_string().contains("/nonexistent/nats-password"),
        "{error}"
    );
}

#[test]
fn the_password_never_appears_in_debug_output() {
    let settings = NatsSettings {
        password: Some(Secret::new("hunter2-nats")),
        ..NatsSettings::default()
    };
    let printed = format!("{settings:?}");
    assert!(!printed.contains("hunter2-nats"), "{printed}");
    assert!(printed.contains("[redacted]"), "{printed}");
}

#[tokio::test]
async fn an_unreachable_url_with_credentials_is_reported_redacted() {
    let settings = NatsSettings {
        url: "nats://router:hunter2-nats@127.0.0.1:1".to_owned(),
        connect_retry: RetryPolicy {
            max_attempts: 1,
            ..NatsSettings::default().connect_retry
        },
        ..NatsSettings::default()
    };
    let error = connect(&settings, "router").await.unwrap_err().to_string();
    assert!(!error.contains("hunter2-nats"), "{error}");
    assert!(error.contains("nats://router:***@127.0.0.1:1"), "{error}");
}
