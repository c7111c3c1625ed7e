//! Generated audio decodes with independent decoders and takes tags via lofty.

use std::io::Cursor;
use std::time::Duration;

use lofty::config::WriteOptions;
use lofty::prelude::*;
use soulspot_sandbox::audio::{AudioTags, Tone, encode_flac, encode_mp3};
use symphonia_bundle_mp3::{MpaDecoder, MpaReader};
use symphonia_core::codecs::CodecParameters;
use symphonia_core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia_core::formats::{FormatOptions, FormatReader};
use symphonia_core::io::MediaSourceStream;

fn tags() -> AudioTags {
    AudioTags {
        title: "Café Olé".to_owned(),
        artist: "Zoë Mercier".to_owned(),
        album: "Café Olé".to_owned(),
        track_number: 1,
    }
}

#[test]
fn flac_decodes_completely_with_claxon() {
    let bytes = encode_flac(&Tone::for_seed("t"), Duration::from_secs(2), &tags());
    let mut reader = claxon::FlacReader::new(Cursor::new(bytes)).unwrap();
    let info = reader.streaminfo();
    assert_eq!(
        (info.sample_rate, info.channels, info.bits_per_sample),
        (44_100, 2, 16)
    );
    assert_eq!(info.samples, Some(88_200));
    assert_eq!(reader.get_tag("TITLE").next(), Some("Café Olé"));
    let samples: Vec<i32> = reader.samples().map(Result::unwrap).collect();
    assert_eq!(samples.len(), 88_200 * 2);
    assert!(
        samples.iter().any(|sample| sample.abs() > 5_000),
        "a tone, not silence"
    );
}

#[test]
fn mp3_frames_decode_with_symphonia() {
    let bytes = encode_mp3(Duration::from_secs(2), 320, &tags());
    let tag_size = id3_size(&bytes);
    let stream = MediaSourceStream::new(
        Box::new(Cursor::new(bytes[tag_size..].to_vec())),
        Default::default(),
    );
    let mut reader = MpaReader::try_new(stream, FormatOptions::default()).unwrap();
    let Some(CodecParameters::Audio(params)) = reader.tracks()[0].codec_params.clone() else {
        panic!("no audio track");
    };
    assert_eq!(params.sample_rate, Some(44_100));
    let mut decoder = MpaDecoder::try_new(&params, &AudioDecoderOptions::default()).unwrap();
    let mut frames = 0;
    while let Some(packet) = reader.next_packet().unwrap() {
        frames += decoder.decode(&packet).unwrap().frames();
    }
    assert!(frames >= 88_200 - 1152, "decoded {frames} frames");
}

#[test]
fn lofty_reads_and_rewrites_tags_of_both_formats() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        (
            "a.flac",
            encode_flac(&Tone::for_seed("a"), Duration::from_secs(2), &tags()),
        ),
        ("a.mp3", encode_mp3(Duration::from_secs(2), 256, &tags())),
    ];
    for (name, bytes) in files {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let tagged = lofty::read_from_path(&path).unwrap();
        let seconds = tagged.properties().duration().as_secs_f64();
        assert!((1.9..2.2).contains(&seconds), "{name}: {seconds} s");
        let mut tag = tagged.primary_tag().unwrap().clone();
        assert_eq!(tag.title().as_deref(), Some("Café Olé"));
        tag.set_title("Renamed".to_owned());
        tag.save_to_path(&path, WriteOptions::default()).unwrap();
        let reread = lofty::read_from_path(&path).unwrap();
        assert_eq!(
            reread.primary_tag().unwrap().title().as_deref(),
            Some("Renamed")
        );
    }
}

fn id3_size(bytes: &[u8]) -> usize {
    assert_eq!(&bytes[..3], b"ID3");
    let size = bytes[6..10]
        .iter()
        .fold(0_usize, |size, byte| (size << 7) | usize::from(*byte));
    10 + size
}
