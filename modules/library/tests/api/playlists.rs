//! `playlist.write`: the M3U8 file of a playlist, in playlist order, with paths relative to
//! it that lead to the library's files, and a name that cannot leave the library.

use std::fs;
use std::path::Path;

use serde_json::{Value, json};
use soulspot_library::DuplicatePolicy;

use crate::helpers::{TestApp, import_request, spawn_app};

async fn import(app: &TestApp, job_id: &str, file: &str, artist: &str, title: &str) {
    let source = app.download(file, b"audio");
    let mut request = import_request(job_id, &source, artist, title);
    request["track"]["duration_ms"] = json!(185_200);
    app.import(&request).await.unwrap();
}

fn tracks() -> Value {
    json!([
        {"title": "Teardrop", "artist": "Massive Attack"},
        {"title": "Glory Box", "artist": "Portishead"},
        {"title": "Archangel", "artist": "Burial"},
    ])
}

/// The entries' locations, each checked to lead to an existing file.
fn locations(playlist: &Path) -> Vec<String> {
    let text = fs::read_to_string(playlist).unwrap();
    let folder = playlist.parent().unwrap();
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .map(|location| {
            assert!(!location.starts_with('/'), "{location} is not relative");
            assert!(folder.join(location).is_file(), "{location} leads nowhere");
            location.to_owned()
        })
        .collect()
}

#[tokio::test]
async fn lists_the_held_tracks_in_playlist_order_relative_to_the_file() {
    let app = spawn_app(DuplicatePolicy::Skip).await;
    import(&app, "job-1", "a.flac", "Burial", "Archangel").await;
    import(&app, "job-2", "b.mp3", "Massive Attack", "Teardrop").await;
    let request = json!({"playlist_id": "p1", "name": "Night Drive", "tracks": tracks()});

    let reply = app.write_playlist(&request).await.unwrap();

    let playlist = app.root.join("Playlists/Night Drive.m3u8");
    assert_eq!(reply["path"], playlist.to_str().unwrap());
    assert_eq!(reply["entries"], 2);
    assert_eq!(reply["missing"], 1);
    let text = fs::read_to_string(&playlist).unwrap();
    assert!(
        text.starts_with("#EXTM3U\n#EXTINF:186,Massive Attack - Teardrop\n"),
        "{text}"
    );
    assert_eq!(
        locations(&playlist),
        [
            "../Massive Attack/Unknown Album/Teardrop.mp3",
            "../Burial/Unknown Album/Archangel.flac"
        ]
    );

    import(&app, "job-3", "c.flac", "Portishead", "Glory Box").await;
    app.write_playlist(&request).await.unwrap();

    assert_eq!(
        locations(&playlist),
        [
            "../Massive Attack/Unknown Album/Teardrop.mp3",
            "../Portishead/Unknown Album/Glory Box.flac",
            "../Burial/Unknown Album/Archangel.flac"
        ]
    );
}

#[tokio::test]
async fn a_hostile_playlist_name_stays_inside_the_library() {
    let app = spawn_app(DuplicatePolicy::Skip).await;
    import(&app, "job-1", "a.flac", "Burial", "Archangel").await;

    for name in ["../../etc/x", "..", "/etc/passwd", "a\\..\\..\\b", "CON"] {
        let request = json!({"playlist_id": "p", "name": name, "tracks": tracks()});
        let reply = app.write_playlist(&request).await.unwrap();
        let path = Path::new(reply["path"].as_str().unwrap());
        assert_eq!(
            path.parent().unwrap(),
            app.root.join("Playlists"),
            "{name}: {}",
            path.display()
        );
        assert!(path.is_file(), "{name}");
    }

    let outside: Vec<_> = fs::read_dir(app.root.parent().unwrap())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".m3u8") || name == "etc")
        .collect();
    assert!(outside.is_empty(), "{outside:?}");
}
