//! Unit tests of the settings loader: layering, unknown keys, validation by key.

use super::*;

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct Sample {
    #[serde(flatten)]
    service: ServiceSettings,
    interval_ms: u64,
}

impl Validate for Sample {
    fn validate(&self) -> Result<(), SettingsError> {
        self.service.validate()?;
        if self.interval_ms > 1_000 {
            return Err(SettingsError::invalid(
                "interval_ms",
                "must be at most 1000",
            ));
        }
        Ok(())
    }
}

fn sources(dir: &std::path::Path, env: &[(&str, &str)]) -> SettingsSources {
    SettingsSources {
        config_dir: dir.to_owned(),
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

#[test]
fn defaults_apply_without_file_or_env() {
    let dir = tempfile::tempdir().unwrap();
    let sample: Sample = load("sample", &sources(dir.path(), &[])).unwrap();
    assert_eq!(sample.service.nats.url, "nats://127.0.0.1:4222");
    assert_eq!(sample.interval_ms, 0);
}

#[test]
fn env_overrides_file_which_overrides_defaults() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("sample.toml"),
        "interval_ms = 250\n[nats]\nurl = \"nats://file:4222\"\n[http]\nbind = \"0.0.0.0:9000\"\n",
    )
    .unwrap();
    let env = [
        ("SOULSPOT__NATS__URL", "nats://shared:4222"),
        ("SOULSPOT_SAMPLE__INTERVAL_MS", "750"),
        ("SOULSPOT_OTHER__INTERVAL_MS", "1"),
    ];
    let sample: Sample = load("sample", &sources(dir.path(), &env)).unwrap();
    assert_eq!(sample.service.nats.url, "nats://shared:4222");
    assert_eq!(sample.interval_ms, 750);
    assert_eq!(sample.service.http.bind, "0.0.0.0:9000");
}

#[test]
fn a_module_variable_beats_the_shared_one() {
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("SOULSPOT__NATS__URL", "nats://shared:4222"),
        ("SOULSPOT_SAMPLE__NATS__URL", "nats://mine:4222"),
    ];
    let sample: Sample = load("sample", &sources(dir.path(), &env)).unwrap();
    assert_eq!(sample.service.nats.url, "nats://mine:4222");
}

#[test]
fn a_value_of_the_wrong_type_names_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let env = [("SOULSPOT_SAMPLE__INTERVAL_MS", "soon")];
    let error = load::<Sample>("sample", &sources(dir.path(), &env)).unwrap_err();
    assert!(error.to_string().contains("interval_ms"), "{error}");
}

#[test]
fn a_misspelt_key_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("sample.toml"),
        "[nats]\nulr = \"nats://x:1\"\n",
    )
    .unwrap();
    let error = load::<Sample>("sample", &sources(dir.path(), &[])).unwrap_err();
    assert!(
        matches!(&error, SettingsError::UnknownKey { key, .. } if key == "nats.ulr"),
        "{error}"
    );
}

#[test]
fn malformed_toml_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sample.toml"), "interval_ms = = 3\n").unwrap();
    let error = load::<Sample>("sample", &sources(dir.path(), &[])).unwrap_err();
    assert!(error.to_string().contains("sample"), "{error}");
}

#[test]
fn load_refuses_a_value_its_type_rejects_by_key() {
    let dir = tempfile::tempdir().unwrap();
    let env = [("SOULSPOT_SAMPLE__INTERVAL_MS", "5000")];
    let error = load::<Sample>("sample", &sources(dir.path(), &env)).unwrap_err();
    assert!(
        matches!(&error, SettingsError::Invalid { key, .. } if key == "interval_ms"),
        "{error}"
    );
}

#[test]
fn the_concurrency_limits_default_to_64_and_must_be_positive() {
    let dir = tempfile::tempdir().unwrap();
    let sample: Sample = load("sample", &sources(dir.path(), &[])).unwrap();
    assert_eq!(sample.service.limits.max_concurrent_requests, 64);

    let env = [("SOULSPOT_SAMPLE__LIMITS__MAX_CONCURRENT_REQUESTS", "0")];
    let error = load::<Sample>("sample", &sources(dir.path(), &env)).unwrap_err();
    assert!(
        matches!(&error, SettingsError::Invalid { key, .. } if key == "limits.max_concurrent_requests"),
        "{error}"
    );
}

#[test]
fn an_operation_limit_reads_from_the_environment_by_endpoint_name() {
    let dir = tempfile::tempdir().unwrap();
    let env = [(
        "SOULSPOT_SAMPLE__LIMITS__OPERATION_CONCURRENCY__DOWNLOAD_TRACK",
        "8",
    )];
    let sample: Sample = load("sample", &sources(dir.path(), &env)).unwrap();
    assert_eq!(
        sample
            .service
            .limits
            .operation_concurrency
            .get("download_track"),
        Some(&8)
    );

    let env = [(
        "SOULSPOT_SAMPLE__LIMITS__OPERATION_CONCURRENCY__DOWNLOAD_TRACK",
        "0",
    )];
    let error = load::<Sample>("sample", &sources(dir.path(), &env)).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("limits.operation_concurrency.download_track"),
        "{error}"
    );
}

#[test]
fn nats_credentials_load_from_the_modules_environment() {
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("SOULSPOT_SAMPLE__NATS__USER", "sample-eu"),
        ("SOULSPOT_SAMPLE__NATS__PASSWORD", "hunter2-nats"),
    ];
    let sample: Sample = load("sample", &sources(dir.path(), &env)).unwrap();
    assert_eq!(sample.service.nats.user.as_deref(), Some("sample-eu"));
    let password = sample.service.nats.password.as_ref().unwrap();
    assert_eq!(password.expose(), "hunter2-nats");
    assert!(!format!("{sample:?}").contains("hunter2-nats"));
}

#[test]
fn a_nats_password_and_a_password_file_together_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("SOULSPOT_SAMPLE__NATS__PASSWORD", "hunter2-nats"),
        ("SOULSPOT_SAMPLE__NATS__PASSWORD_FILE", "/run/secrets/nats"),
    ];
    let error = load::<Sample>("sample", &sources(dir.path(), &env)).unwrap_err();
    assert!(
        matches!(&error, SettingsError::Invalid { key, .. } if key == "nats.password_file"),
        "{error}"
    );
}

#[test]
fn a_nats_user_that_cannot_name_an_inbox_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let env = [("SOULSPOT_SAMPLE__NATS__USER", "a.b")];
    let error = load::<Sample>("sample", &sources(dir.path(), &env)).unwrap_err();
    assert!(
        matches!(&error, SettingsError::Invalid { key, .. } if key == "nats.user"),
        "{error}"
    );
}

#[test]
fn one_shared_variable_sets_the_replicas_of_every_module() {
    let dir = tempfile::tempdir().unwrap();
    let env = [("SOULSPOT__NATS__REPLICAS", "3")];
    let sample: Sample = load("sample", &sources(dir.path(), &env)).unwrap();
    assert_eq!(sample.service.nats.replicas, 3);
    assert_eq!(sample.service.nats.durability().replicas, 3);
}

#[test]
fn replicas_outside_one_to_five_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for replicas in ["0", "6"] {
        let env = [("SOULSPOT__NATS__REPLICAS", replicas)];
        let error = load::<Sample>("sample", &sources(dir.path(), &env)).unwrap_err();
        assert!(
            matches!(&error, SettingsError::Invalid { key, .. } if key == "nats.replicas"),
            "{replicas}: {error}"
        );
    }
}

#[test]
fn a_url_list_loads_and_a_list_with_a_blank_element_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let list = "nats://n1:4222,nats://n2:4222,nats://n3:4222";
    let env = [("SOULSPOT__NATS__URL", list)];
    let sample: Sample = load("sample", &sources(dir.path(), &env)).unwrap();
    assert_eq!(sample.service.nats.server_addrs().unwrap().len(), 3);

    let env = [("SOULSPOT__NATS__URL", "nats://n1:4222,,nats://n3:4222")];
    let error = load::<Sample>("sample", &sources(dir.path(), &env)).unwrap_err();
    assert!(
        matches!(&error, SettingsError::Invalid { key, .. } if key == "nats.url"),
        "{error}"
    );
}

#[test]
fn a_write_retry_without_a_bound_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let env = [("SOULSPOT__NATS__WRITE_RETRY__MAX_ATTEMPTS", "0")];
    let error = load::<Sample>("sample", &sources(dir.path(), &env)).unwrap_err();
    assert!(
        matches!(&error, SettingsError::Invalid { key, .. } if key == "nats.write_retry.max_attempts"),
        "{error}"
    );
}

#[test]
fn an_otlp_endpoint_loads_and_one_that_is_not_http_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let env = [(
        "SOULSPOT__TELEMETRY__OTLP_ENDPOINT",
        "http://collector:4318",
    )];
    let sample: Sample = load("sample", &sources(dir.path(), &env)).unwrap();
    assert_eq!(
        sample.service.telemetry.otlp_endpoint,
        "http://collector:4318"
    );
    let env = [("SOULSPOT__TELEMETRY__OTLP_ENDPOINT", "collector:4317")];
    let error = load::<Sample>("sample", &sources(dir.path(), &env)).unwrap_err();
    assert!(
        matches!(&error, SettingsError::Invalid { key, .. } if key == "telemetry.otlp_endpoint"),
        "{error}"
    );
}
