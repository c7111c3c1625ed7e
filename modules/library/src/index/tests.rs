//! Tests of `index`.

use std::collections::BTreeMap;

use super::*;
use soulspot_common::text::distinct_words;

fn record(path: &str, artist: &str, title: &str, album: &str, format: &str) -> TrackRecord {
    TrackRecord {
        path: path.into(),
        title: title.into(),
        artist: artist.into(),
        album: Some(album.into()),
        format: format.into(),
        size_bytes: 100,
        imported_at: "2026-01-01T00:00:00Z".into(),
        ..TrackRecord::default()
    }
}

fn index() -> (tempfile::TempDir, Index) {
    let dir = tempfile::tempdir().unwrap();
    let index = Index::open(&dir.path().join(".soulspot").join("library.db")).unwrap();
    (dir, index)
}

#[test]
fn opens_in_wal_mode_and_finds_by_job() {
    let (_dir, index) = index();
    let mode: String = index
        .connection()
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let filed = TrackRecord {
        job_id: Some("job-1".into()),
        ..record(
            "/m/a.flac",
            "Massive Attack",
            "Teardrop",
            "Mezzanine",
            "flac",
        )
    };
    let id = index.insert(&filed).unwrap();
    let found = index.find_by_job("job-1").unwrap().unwrap();
    assert_eq!(found, IndexedTrack { id, record: filed });
    assert_eq!(index.find_by_job("job-2").unwrap(), None);
}

#[test]
fn duplicates_match_folded_artist_and_title_or_ids() {
    let (_dir, index) = index();
    let held = TrackRecord {
        isrc: Some("GBAAA9800001".into()),
        ..record("/m/a.flac", "Beyoncé", "Déjà Vu", "B'Day", "flac")
    };
    index.insert(&held).unwrap();
    let same_words = record("/x", "BEYONCE", "deja vu", "", "mp3");
    assert!(
        index
            .find_duplicate(&DuplicateKey::of(&same_words))
            .unwrap()
            .is_some()
    );
    let same_isrc = TrackRecord {
        isrc: Some("GBAAA9800001".into()),
        ..record("/x", "Other", "Name", "", "mp3")
    };
    assert!(
        index
            .find_duplicate(&DuplicateKey::of(&same_isrc))
            .unwrap()
            .is_some()
    );
    let different = record("/x", "Beyoncé", "Halo", "", "mp3");
    assert!(
        index
            .find_duplicate(&DuplicateKey::of(&different))
            .unwrap()
            .is_none()
    );
}

#[test]
fn search_needs_every_word_and_ignores_diacritics() {
    let (_dir, index) = index();
    index
        .insert(&record(
            "/m/1",
            "Sigur Rós",
            "Starálfur",
            "Ágætis byrjun",
            "flac",
        ))
        .unwrap();
    index
        .insert(&record(
            "/m/2",
            "Sigur Rós",
            "Svefn-g-englar",
            "Ágætis byrjun",
            "mp3",
        ))
        .unwrap();
    index
        .insert(&record("/m/3", "Björk", "Jóga", "Homogenic", "flac"))
        .unwrap();
    let search = |query: &str, limit| index.search(&distinct_words(query), limit).unwrap();
    let found = search("sigur ros starALFUR", 10);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].title, "Starálfur");
    assert_eq!(search("agaetis", 10).len(), 2);
    assert_eq!(search("agaetis", 1).len(), 1);
    assert!(search("bjork halo", 10).is_empty());
    assert!(search("%", 10).is_empty());
}

#[test]
fn replace_swaps_one_row_for_another() {
    let (_dir, index) = index();
    let old = index
        .insert(&record("/m/1.mp3", "A", "T", "Al", "mp3"))
        .unwrap();
    index
        .replace(old, &record("/m/1.flac", "A", "T", "Al", "flac"))
        .unwrap();
    let stats = index.stats().unwrap();
    assert_eq!(stats.tracks, 1);
    assert_eq!(
        stats.formats,
        Some(BTreeMap::from([("flac".to_owned(), 1)]))
    );
}

#[test]
fn stats_count_tracks_artists_albums_bytes_and_formats() {
    let (_dir, index) = index();
    index
        .insert(&record(
            "/m/1",
            "Sigur Rós",
            "Starálfur",
            "Ágætis byrjun",
            "flac",
        ))
        .unwrap();
    index
        .insert(&record(
            "/m/2",
            "sigur ros",
            "Svefn",
            "Agaetis Byrjun",
            "mp3",
        ))
        .unwrap();
    index
        .insert(&record("/m/3", "Björk", "Jóga", "Homogenic", "flac"))
        .unwrap();
    let stats = index.stats().unwrap();
    assert_eq!(
        stats,
        LibraryStatsReply {
            tracks: 3,
            artists: 2,
            albums: 2,
            total_bytes: 300,
            formats: Some(BTreeMap::from([
                ("flac".to_owned(), 2),
                ("mp3".to_owned(), 1)
            ])),
        }
    );
}
