//! The shipped catalog satisfies what tests and the demo rely on.

use soulspot_sandbox::{Catalog, SandboxConfig};

#[test]
fn default_catalog_has_enough_music_and_every_trap() {
    let catalog = Catalog::embedded().unwrap();
    let real_tracks = catalog
        .tracks
        .iter()
        .filter(|t| !t.title.starts_with("Synthetic"))
        .count();
    assert!(real_tracks >= 12);
    assert!(catalog.artists.len() >= 4 && catalog.albums.len() >= 4);
    assert!(catalog.tracks.iter().any(|t| t.title.contains("Remix")));
    assert!(catalog.tracks.iter().any(|t| t.title.contains("Live")));
    assert!(catalog.tracks.iter().any(|t| t.title.contains('é')));
    assert!(catalog.tracks.iter().any(|t| t.isrc.is_none()));
    let files: Vec<_> = catalog.peers.iter().flat_map(|p| &p.files).collect();
    assert!(files.iter().any(|f| f.locked));
    assert!(files.iter().any(|f| f.length_offset_secs == 20));
    assert!(files.iter().any(|f| f.filename.contains(r"..\")));
    assert!(catalog.peers.iter().any(|p| p.offline));
    assert!(catalog.peers.iter().any(|p| p.queue_length >= 100));
    assert_eq!(
        catalog
            .playlist("sandboxfifty0000000000")
            .unwrap()
            .track_ids
            .len(),
        50
    );
}

#[test]
fn catalog_with_dangling_reference_is_rejected() {
    let text = r#"
        [[peers]]
        username = "x"
        [[peers.files]]
        filename = '@@a\b\c.flac'
        track = "missing"
    "#;
    assert!(Catalog::from_toml(text).is_err());
}

#[test]
fn settings_load_from_an_environment_map() {
    let env = [
        ("SOULSPOT_SANDBOX__FAST", "true"),
        ("SOULSPOT_SANDBOX__PORTS__SLSKD", "5030"),
        ("SOULSPOT_SANDBOX__SLSKD_API_KEY", "k3y-k3y-k3y-k3y-k3y"),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_owned(), value.to_owned()))
    .collect();
    let config = SandboxConfig::from_env(&env).unwrap();
    assert_eq!(config.ports.slskd, 5030);
    assert_eq!(config.slskd_api_key, "k3y-k3y-k3y-k3y-k3y");
    assert!(config.timing.musicbrainz_min_interval.is_none());
    let bad = [("SOULSPOT_SANDBOX__PORTS__SLSKD".to_owned(), "x".to_owned())].into();
    assert!(SandboxConfig::from_env(&bad).is_err());
}
