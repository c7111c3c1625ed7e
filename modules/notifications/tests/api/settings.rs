//! Loading the module's settings from `config/notifications.toml` and the environment.

use std::collections::HashMap;

use soulspot_notifications::NotificationsSettings;
use soulspot_notifications::channels::ChannelSettings;
use soulspot_runtime::{SettingsSources, Validate, load};

/// The loaded settings, or the loader's error message.
fn load_from(toml: &str, env: &[(&str, &str)]) -> Result<NotificationsSettings, String> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notifications.toml"), toml).unwrap();
    let sources = SettingsSources {
        config_dir: dir.path().to_owned(),
        env: env
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect::<HashMap<_, _>>(),
    };
    load("notifications", &sources).map_err(|error| error.to_string())
}

const THREE_CHANNELS: &str = r#"
[delivery.retry]
max_attempts = 4

[[channels]]
kind = "webhook"
url = "https://hooks.example.org/soulspot"
secret = "s3cret"

[[channels]]
kind = "ntfy"
name = "phone"
topic = "soulspot_music"
token = "tk_abc"
priority = 4

[[channels]]
kind = "gotify"
server = "https://gotify.example.org"
token = "AppToken"
"#;

#[test]
fn channels_load_from_the_config_file() {
    let settings = load_from(THREE_CHANNELS, &[]).unwrap();

    settings.validate().unwrap();
    let names: Vec<_> = settings
        .channels
        .iter()
        .map(ChannelSettings::name)
        .collect();
    assert_eq!(names, ["webhook", "phone", "gotify"]);
    let ChannelSettings::Webhook(webhook) = &settings.channels[0] else {
        panic!("not a webhook: {:?}", settings.channels[0]);
    };
    assert_eq!(webhook.secret.as_ref().unwrap().expose(), "s3cret");
    let ChannelSettings::Ntfy(ntfy) = &settings.channels[1] else {
        panic!("not ntfy: {:?}", settings.channels[1]);
    };
    assert_eq!(ntfy.server, "https://ntfy.sh");
    assert_eq!(
        (ntfy.priority, ntfy.tags.as_slice()),
        (4, ["musical_note".to_owned()].as_slice())
    );
    let ChannelSettings::Gotify(gotify) = &settings.channels[2] else {
        panic!("not gotify: {:?}", settings.channels[2]);
    };
    assert_eq!((gotify.token.expose(), gotify.priority), ("AppToken", 5));
    assert_eq!(settings.delivery.retry.max_attempts, 4);
    assert_eq!(settings.delivery.retry.base_ms, 500);
}

#[test]
fn the_environment_overrides_retry_settings() {
    let env = [("SOULSPOT_NOTIFICATIONS__DELIVERY__TIMEOUT_MS", "2500")];

    let settings = load_from(THREE_CHANNELS, &env).unwrap();

    assert_eq!(settings.delivery.timeout_ms, 2500);
    assert_eq!(settings.channels.len(), 3);
}

#[test]
fn no_channel_at_all_is_valid() {
    let settings = load_from("", &[]).unwrap();

    settings.validate().unwrap();
    assert!(settings.channels.is_empty());
    assert_eq!(settings.dedup.bucket, "soulspot_notifications");
}

#[test]
fn a_misspelt_channel_key_is_refused() {
    let toml = "[[channels]]\nkind = \"webhook\"\nurl = \"https://example.org\"\nsecert = \"x\"\n";

    let error = load_from(toml, &[]).unwrap_err();

    assert!(error.to_string().contains("secert"), "{error}");
}

#[test]
fn an_unknown_channel_kind_is_refused() {
    let toml = "[[channels]]\nkind = \"pigeon\"\nurl = \"https://example.org\"\n";

    let error = load_from(toml, &[]).unwrap_err();

    assert!(error.to_string().contains("pigeon"), "{error}");
}

#[test]
fn validation_names_the_key_of_a_bad_url() {
    let toml = "[[channels]]\nkind = \"gotify\"\nserver = \"gotify.local\"\ntoken = \"t\"\n";

    let error = load_from(toml, &[]).unwrap_err();

    assert!(error.contains("`channels[0].server`"), "{error}");
}

#[test]
fn validation_refuses_two_channels_with_one_name() {
    let toml = "[[channels]]\nkind = \"webhook\"\nurl = \"https://a.example\"\n\
                [[channels]]\nkind = \"webhook\"\nurl = \"https://b.example\"\n";

    let error = load_from(toml, &[]).unwrap_err();

    assert!(error.contains("`channels[1].name`"), "{error}");
}
