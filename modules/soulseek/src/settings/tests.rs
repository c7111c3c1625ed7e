use super::*;
use soulspot_runtime::{SettingsSources, load};

fn valid() -> SoulseekSettings {
    let mut settings = SoulseekSettings::default();
    settings.slskd.api_key = Secret::new("0123456789abcdef");
    settings
}

#[test]
fn defaults_point_at_a_local_slskd_with_the_documented_limits() {
    let settings = SoulseekSettings::default();
    assert_eq!(settings.slskd.url, "http://localhost:5030");
    assert_eq!(settings.search.rate_limit_searches, 34);
    assert_eq!(settings.search.rate_limit_window_secs, 220);
    assert_eq!(settings.downloads.max_attempts, 3);
    assert_eq!(settings.downloads.max_concurrent, 3);
    assert_eq!(settings.ranking.length_tolerance_secs, 3);
    assert_eq!(settings.ranking.preferred_formats[0], "flac");
}

#[test]
fn environment_variables_set_nested_keys() {
    let sources = SettingsSources {
        config_dir: std::path::PathBuf::from("/nonexistent"),
        env: [
            ("SOULSPOT_SOULSEEK__SLSKD__API_KEY", "0123456789abcdef"),
            ("SOULSPOT_SOULSEEK__DOWNLOADS__MAX_ATTEMPTS", "5"),
            ("SOULSPOT_SOULSEEK__SLSKD__DOWNLOADS_DIR", "/srv/slskd"),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect(),
    };
    let settings: SoulseekSettings = load("soulseek", &sources).unwrap();
    assert_eq!(settings.slskd.api_key.expose(), "0123456789abcdef");
    assert_eq!(settings.downloads.max_attempts, 5);
    assert_eq!(settings.slskd.downloads_dir, PathBuf::from("/srv/slskd"));
    assert!(settings.validate().is_ok());
}

#[test]
fn a_missing_api_key_is_refused_by_name() {
    let error = SoulseekSettings::default().validate().unwrap_err();
    assert!(error.to_string().contains("slskd.api_key"), "{error}");
}

#[test]
fn zero_limits_are_refused_by_name() {
    let mut settings = valid();
    settings.downloads.max_concurrent = 0;
    let error = settings.validate().unwrap_err();
    assert!(
        error.to_string().contains("downloads.max_concurrent"),
        "{error}"
    );
    let mut settings = valid();
    settings.search.timeout_ms = 0;
    let error = settings.validate().unwrap_err();
    assert!(error.to_string().contains("search.timeout_ms"), "{error}");
}

#[test]
fn requested_formats_replace_the_configured_ones() {
    let settings = RankingSettings::default();
    let requested = vec!["MP3".to_owned()];
    let criteria = settings.criteria(Some(&requested));
    assert_eq!(criteria.required_formats, ["mp3"]);
    assert_eq!(settings.criteria(None).required_formats.len(), 8);
}

#[test]
fn hostile_peer_limits_have_sensible_defaults_and_zero_is_refused() {
    let settings = SoulseekSettings::default();
    assert_eq!(settings.downloads.transfer_deadline_secs, 1_800);
    assert_eq!(settings.downloads.min_speed_bytes_per_sec, 16_384);
    assert_eq!(
        (
            settings.peers.fails_to_downrank,
            settings.peers.fails_to_ignore
        ),
        (1, 2)
    );
    assert_eq!(settings.search.blocked_terms, ["beatles"]);
    let mut settings = valid();
    settings.downloads.transfer_deadline_secs = 0;
    let error = settings.validate().unwrap_err();
    assert!(
        error
            .to_string()
            .contains("downloads.transfer_deadline_secs"),
        "{error}"
    );
    let mut settings = valid();
    settings.peers.fails_to_ignore = 0;
    let error = settings.validate().unwrap_err();
    assert!(
        error.to_string().contains("peers.fails_to_ignore"),
        "{error}"
    );
    let mut settings = valid();
    settings.search.blocked_terms.push("*".to_owned());
    let error = settings.validate().unwrap_err();
    assert!(
        error.to_string().contains("search.blocked_terms"),
        "{error}"
    );
}
