//! Tests of the audio header check, on files the sandbox encodes and on impostors.

use std::time::Duration;

use soulspot_sandbox::audio::{AudioTags, Tone, encode_flac, encode_mp3};

use super::*;

fn tags() -> AudioTags {
    AudioTags {
        title: "Teardrop".into(),
        artist: "Massive Attack".into(),
        album: "Mezzanine".into(),
        track_number: 3,
    }
}

fn written(bytes: &[u8], name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

#[test]
fn real_flac_and_mp3_files_pass() {
    let flac = encode_flac(&Tone::for_seed("t"), Duration::from_millis(300), &tags());
    let mp3 = encode_mp3(Duration::from_millis(300), 192, &tags());
    let (_dir, flac_path) = written(&flac, "a.flac");
    let (_other, mp3_path) = written(&mp3, "a.mp3");
    assert_eq!(check(&flac_path, "flac").unwrap(), Ok(()));
    assert_eq!(check(&mp3_path, "mp3").unwrap(), Ok(()));
}

#[test]
fn an_id3v2_tag_before_the_first_frame_is_skipped() {
    let mut tagged = b"ID3\x04\x00\x00\x00\x00\x01\x00".to_vec();
    tagged.extend(std::iter::repeat_n(0_u8, 128));
    tagged.extend([0xFF, 0xFB, 0x90, 0x64, 0, 0, 0, 0]);
    let (_dir, path) = written(&tagged, "a.mp3");
    assert_eq!(check(&path, "mp3").unwrap(), Ok(()));
    let mut lying = tagged[..138].to_vec();
    lying.extend(b"not a frame at all");
    let (_other, lying_path) = written(&lying, "b.mp3");
    assert!(check(&lying_path, "mp3").unwrap().is_err());
}

#[test]
fn random_bytes_are_no_audio_whatever_they_are_named() {
    let random: Vec<u8> = (0..4096_u32)
        .map(|index| (index.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    for format in ["flac", "mp3", "ogg", "m4a", "wav", "aiff", "opus", "aac"] {
        assert!(
            matches!(
                check_header(&random, format),
                Err(NotAudio::WrongHeader { .. })
            ),
            "{format}"
        );
    }
}

#[test]
fn a_flac_marker_without_a_sane_streaminfo_is_refused() {
    let flac = encode_flac(&Tone::for_seed("t"), Duration::from_millis(100), &tags());
    assert_eq!(check_header(&flac, "flac"), Ok(()));
    let mut not_streaminfo = flac.clone();
    not_streaminfo[4] = 0x84;
    assert!(check_header(&not_streaminfo, "flac").is_err());
    let mut no_sample_rate = flac.clone();
    no_sample_rate[18..21].copy_from_slice(&[0, 0, 0x02]);
    assert!(check_header(&no_sample_rate, "flac").is_err());
    assert!(check_header(b"fLaC", "flac").is_err());
}

#[test]
fn one_format_is_not_accepted_for_another() {
    let mp3 = encode_mp3(Duration::from_millis(200), 128, &tags());
    let flac = encode_flac(&Tone::for_seed("t"), Duration::from_millis(100), &tags());
    assert!(check_header(&mp3, "flac").is_err());
    assert!(check_header(&flac, "mp3").is_err());
}

#[test]
fn container_magic_numbers_are_recognised() {
    assert_eq!(check_header(b"OggS\x00\x02", "opus"), Ok(()));
    assert_eq!(check_header(b"\x00\x00\x00\x20ftypM4A ", "m4a"), Ok(()));
    assert_eq!(check_header(b"RIFF\x24\x00\x00\x00WAVEfmt ", "wav"), Ok(()));
    assert_eq!(check_header(b"FORM\x00\x00\x00\x00AIFC", "aiff"), Ok(()));
    assert_eq!(check_header(&[0xFF, 0xF1, 0x50, 0x80], "aac"), Ok(()));
    assert!(check_header(b"RIFF\x24\x00\x00\x00AVI ", "wav").is_err());
}

#[test]
fn a_format_the_library_does_not_know_is_refused() {
    assert_eq!(
        check_header(b"fLaC", "exe"),
        Err(NotAudio::UnknownFormat("exe".to_owned()))
    );
}
