//! Whether a file's first bytes are the audio its format claims: the library files only what a
//! player can open. Each format is recognised by the header its specification fixes — FLAC's
//! `fLaC` marker and STREAMINFO block (RFC 9639, section 8), an MPEG audio frame header after
//! any ID3v2 tag (ISO/IEC 11172-3), the containers' own magic numbers — which random bytes or
//! an HTML error page never carry.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

/// Bytes read from the start of the audio (after any ID3v2 tag): enough for every header here.
const HEADER_BYTES: usize = 64;

/// Why a file is not the audio it claims to be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotAudio {
    #[error("`{0}` is not an audio format the library files")]
    UnknownFormat(String),
    #[error("the bytes are not {format} audio: {reason}")]
    WrongHeader {
        format: String,
        reason: &'static str,
    },
}

/// Checks the header of the file at `path` against `format` (a lower-case extension).
/// `Ok(Err(_))` is a file that is not that audio; `Err(_)` a file that could not be read.
pub fn check(path: &Path, format: &str) -> io::Result<Result<(), NotAudio>> {
    let mut file = File::open(path)?;
    let mut start = read_up_to(&mut file, HEADER_BYTES)?;
    if takes_id3v2(format)
        && let Some(tag_size) = id3v2_size(&start)
    {
        file.seek(SeekFrom::Start(tag_size))?;
        start = read_up_to(&mut file, HEADER_BYTES)?;
    }
    Ok(check_header(&start, format))
}

/// The same check on bytes already read (the audio's first bytes, any ID3v2 tag removed).
pub fn check_header(start: &[u8], format: &str) -> Result<(), NotAudio> {
    let wrong = |reason| {
        Err(NotAudio::WrongHeader {
            format: format.to_owned(),
            reason,
        })
    };
    let verdict = match format {
        "flac" => flac(start),
        "mp3" | "mp2" | "mpga" => mpeg_audio(start),
        "ogg" | "oga" | "opus" => magic(start, 0, b"OggS", "no Ogg page"),
        "m4a" | "m4b" | "mp4" | "alac" => magic(start, 4, b"ftyp", "no MP4 file type box"),
        "aac" => adts(start).or_else(|_| magic(start, 4, b"ftyp", "no ADTS or MP4 header")),
        "wav" => riff(start, b"RIFF", b"WAVE", "no RIFF WAVE header"),
        "aiff" | "aif" | "aifc" => aiff(start),
        "ape" => magic(start, 0, b"MAC ", "no Monkey's Audio header"),
        "wv" => magic(start, 0, b"wvpk", "no WavPack block"),
        "tta" => magic(start, 0, b"TTA1", "no TTA header"),
        "wma" | "asf" => magic(start, 0, &ASF_HEADER_GUID, "no ASF header"),
        _ => return Err(NotAudio::UnknownFormat(format.to_owned())),
    };
    verdict.or_else(wrong)
}

/// The GUID that opens every ASF (WMA) file.
const ASF_HEADER_GUID: [u8; 16] = [
    0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, 0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62, 0xCE, 0x6C,
];

/// Formats whose files may start with an ID3v2 tag (MP3 and ADTS by custom, FLAC by accident
/// of some taggers, which decoders tolerate).
fn takes_id3v2(format: &str) -> bool {
    matches!(format, "mp3" | "mp2" | "mpga" | "aac" | "flac")
}

/// The full size of an ID3v2 tag at the start (header, syncsafe size, optional footer).
fn id3v2_size(start: &[u8]) -> Option<u64> {
    let header = start.get(..10)?;
    if &header[..3] != b"ID3" || header[6..10].iter().any(|byte| byte & 0x80 != 0) {
        return None;
    }
    let size = header[6..10]
        .iter()
        .fold(0_u64, |size, byte| (size << 7) | u64::from(*byte));
    let footer = if header[5] & 0x10 != 0 { 10 } else { 0 };
    Some(10 + size + footer)
}

fn magic(
    start: &[u8],
    at: usize,
    expected: &[u8],
    reason: &'static str,
) -> Result<(), &'static str> {
    match start.get(at..at + expected.len()) {
        Some(found) if found == expected => Ok(()),
        _ => Err(reason),
    }
}

fn riff(
    start: &[u8],
    outer: &[u8; 4],
    form: &[u8; 4],
    reason: &'static str,
) -> Result<(), &'static str> {
    magic(start, 0, outer, reason).and_then(|()| magic(start, 8, form, reason))
}

fn aiff(start: &[u8]) -> Result<(), &'static str> {
    let reason = "no AIFF header";
    riff(start, b"FORM", b"AIFF", reason).or_else(|_| riff(start, b"FORM", b"AIFC", reason))
}

/// `fLaC`, then the first metadata block, which must be a 34-byte STREAMINFO with a sample
/// rate and channel count a decoder accepts.
fn flac(start: &[u8]) -> Result<(), &'static str> {
    magic(start, 0, b"fLaC", "no fLaC marker")?;
    let block = start.get(4..8).ok_or("no metadata block after fLaC")?;
    if block[0] & 0x7F != 0 {
        return Err("the first metadata block is not STREAMINFO");
    }
    if block[1..4] != [0, 0, 34] {
        return Err("STREAMINFO is not 34 bytes long");
    }
    let info = start.get(8..8 + 34).ok_or("STREAMINFO is cut short")?;
    let min_block = u16::from_be_bytes([info[0], info[1]]);
    let max_block = u16::from_be_bytes([info[2], info[3]]);
    let sample_rate =
        (u32::from(info[10]) << 12) | (u32::from(info[11]) << 4) | (u32::from(info[12]) >> 4);
    let bits_per_sample = (((u32::from(info[12]) & 0x01) << 4) | (u32::from(info[13]) >> 4)) + 1;
    if min_block < 16 || max_block < min_block {
        return Err("STREAMINFO block sizes are impossible");
    }
    if sample_rate == 0 || bits_per_sample < 4 {
        return Err("STREAMINFO sample format is impossible");
    }
    Ok(())
}

/// An MPEG audio frame header: 11 set sync bits, then a version, layer, bitrate and sample
/// rate that are not the reserved or forbidden values.
fn mpeg_audio(start: &[u8]) -> Result<(), &'static str> {
    let header = start.get(..4).ok_or("too short for an MPEG frame")?;
    let reason = "no MPEG audio frame header";
    if header[0] != 0xFF || header[1] & 0xE0 != 0xE0 {
        return Err(reason);
    }
    let version = (header[1] >> 3) & 0b11;
    let layer = (header[1] >> 1) & 0b11;
    let bitrate = header[2] >> 4;
    let sample_rate = (header[2] >> 2) & 0b11;
    let emphasis = header[3] & 0b11;
    if version == 0b01
        || layer == 0b00
        || bitrate == 0b1111
        || sample_rate == 0b11
        || emphasis == 0b10
    {
        return Err(reason);
    }
    Ok(())
}

/// An ADTS (raw AAC) frame header: 12 set sync bits, layer 0, a valid sampling index.
fn adts(start: &[u8]) -> Result<(), &'static str> {
    let header = start.get(..3).ok_or("too short for an ADTS frame")?;
    let sampling_index = (header[2] >> 2) & 0x0F;
    if header[0] == 0xFF && header[1] & 0xF6 == 0xF0 && sampling_index < 13 {
        Ok(())
    } else {
        Err("no ADTS frame header")
    }
}

fn read_up_to(file: &mut File, limit: usize) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(limit);
    file.by_ref().take(limit as u64).read_to_end(&mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests;
