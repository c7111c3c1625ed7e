//! `soulspot-tags <file>…`: prints the tags SoulSpot reads from audio files, one line each.

use anyhow::Context;
use soulspot_metadata::tags;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    anyhow::ensure!(!paths.is_empty(), "usage: soulspot-tags <file>…");
    for path in paths {
        let found = tags::read(path.clone().into())
            .await
            .with_context(|| format!("failed to read the tags of {path}"))?;
        println!("{path}");
        let text = |value: &Option<String>| value.clone().unwrap_or_else(|| "-".to_owned());
        let number = |value: Option<u32>| value.map_or_else(|| "-".to_owned(), |n| n.to_string());
        for (name, value) in [
            ("title", text(&found.title)),
            ("artist", text(&found.artist)),
            ("album", text(&found.album)),
            ("album artist", text(&found.album_artist)),
            ("track", number(found.track_number)),
            ("disc", number(found.disc_number)),
            ("date", text(&found.date)),
            ("isrc", text(&found.isrc)),
            ("musicbrainz recording", text(&found.recording_id)),
            ("musicbrainz release", text(&found.release_id)),
            ("musicbrainz artist", text(&found.artist_id)),
            ("front cover", found.has_front_cover.to_string()),
        ] {
            println!("  {name:<22} {value}");
        }
    }
    Ok(())
}
