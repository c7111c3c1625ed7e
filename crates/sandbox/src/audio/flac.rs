//! A minimal FLAC encoder: STREAMINFO, VORBIS_COMMENT, and verbatim-subframe frames.
//!
//! Verbatim subframes store samples uncompressed, which keeps the encoder a page long
//! while producing a stream every decoder must accept (CRCs included).

use std::time::Duration;

use super::crc::{crc8, crc16};
use super::{AudioTags, Tone};

const SAMPLE_RATE: u32 = 44_100;
const CHANNELS: usize = 2;
const BITS_PER_SAMPLE: u32 = 16;
const BLOCK_SIZE: u64 = 4096;
/// Block-size code for 4096 samples (256 * 2^(12-8)).
const BLOCK_SIZE_CODE_4096: u8 = 0b1100;
/// Block-size code meaning "16-bit (size - 1) follows the frame number".
const BLOCK_SIZE_CODE_EXPLICIT: u8 = 0b0111;
const SAMPLE_RATE_CODE_44100: u8 = 0b1001;
/// Two independent channels, 16 bits per sample.
const CHANNELS_AND_DEPTH: u8 = (0b0001 << 4) | (0b100 << 1);
/// Subframe header: zero pad bit, type 000001 (verbatim), no wasted bits.
const VERBATIM_SUBFRAME: u8 = 0b0000_0010;
const BLOCK_STREAMINFO: u8 = 0;
const BLOCK_VORBIS_COMMENT: u8 = 4;

/// Encodes `duration` of `tone` as a FLAC file tagged with `tags`.
pub fn encode(tone: &Tone, duration: Duration, tags: &AudioTags) -> Vec<u8> {
    let total_samples = (duration.as_secs_f64() * f64::from(SAMPLE_RATE)).round() as u64;
    let frames: Vec<Vec<u8>> = (0..total_samples.div_ceil(BLOCK_SIZE))
        .map(|number| {
            let first = number * BLOCK_SIZE;
            let length = BLOCK_SIZE.min(total_samples - first);
            frame(tone, number, first, length)
        })
        .collect();
    let min_frame = frames.iter().map(Vec::len).min().unwrap_or(0);
    let max_frame = frames.iter().map(Vec::len).max().unwrap_or(0);
    let mut out = b"fLaC".to_vec();
    let info = streaminfo(total_samples, min_frame, max_frame);
    push_block(&mut out, BLOCK_STREAMINFO, false, &info);
    push_block(&mut out, BLOCK_VORBIS_COMMENT, true, &vorbis_comment(tags));
    for frame in frames {
        out.extend_from_slice(&frame);
    }
    out
}

fn push_block(out: &mut Vec<u8>, kind: u8, last: bool, body: &[u8]) {
    let last_flag = if last { 0x80 } else { 0 };
    out.push(last_flag | kind);
    out.extend_from_slice(&u24(body.len()));
    out.extend_from_slice(body);
}

fn u24(value: usize) -> [u8; 3] {
    let bytes = (value as u32).to_be_bytes();
    [bytes[1], bytes[2], bytes[3]]
}

fn streaminfo(total_samples: u64, min_frame: usize, max_frame: usize) -> Vec<u8> {
    let mut body = Vec::with_capacity(34);
    body.extend_from_slice(&(BLOCK_SIZE as u16).to_be_bytes());
    body.extend_from_slice(&(BLOCK_SIZE as u16).to_be_bytes());
    body.extend_from_slice(&u24(min_frame));
    body.extend_from_slice(&u24(max_frame));
    // 20 bits rate | 3 bits channels-1 | 5 bits depth-1 | 36 bits total samples.
    let packed = (u64::from(SAMPLE_RATE) << 44)
        | (((CHANNELS as u64) - 1) << 41)
        | (u64::from(BITS_PER_SAMPLE - 1) << 36)
        | (total_samples & 0x000F_FFFF_FFFF);
    body.extend_from_slice(&packed.to_be_bytes());
    // An all-zero MD5 means "not computed", which the format allows.
    body.extend_from_slice(&[0_u8; 16]);
    body
}

fn vorbis_comment(tags: &AudioTags) -> Vec<u8> {
    let vendor = concat!("soulspot-sandbox ", env!("CARGO_PKG_VERSION"));
    let comments = [
        format!("TITLE={}", tags.title),
        format!("ARTIST={}", tags.artist),
        format!("ALBUM={}", tags.album),
        format!("TRACKNUMBER={}", tags.track_number),
    ];
    let mut body = Vec::new();
    push_le_string(&mut body, vendor);
    body.extend_from_slice(&(comments.len() as u32).to_le_bytes());
    for comment in &comments {
        push_le_string(&mut body, comment);
    }
    body
}

fn push_le_string(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(&(text.len() as u32).to_le_bytes());
    out.extend_from_slice(text.as_bytes());
}

fn frame(tone: &Tone, number: u64, first_sample: u64, length: u64) -> Vec<u8> {
    let full_block = length == BLOCK_SIZE;
    let size_code = if full_block {
        BLOCK_SIZE_CODE_4096
    } else {
        BLOCK_SIZE_CODE_EXPLICIT
    };
    let mut out = vec![
        0xFF,
        0xF8,
        (size_code << 4) | SAMPLE_RATE_CODE_44100,
        CHANNELS_AND_DEPTH,
    ];
    push_utf8_number(&mut out, number as u32);
    if !full_block {
        out.extend_from_slice(&((length - 1) as u16).to_be_bytes());
    }
    out.push(crc8(&out));
    for channel in 0..CHANNELS {
        out.push(VERBATIM_SUBFRAME);
        for index in first_sample..first_sample + length {
            out.extend_from_slice(&tone.sample(channel, index, SAMPLE_RATE).to_be_bytes());
        }
    }
    let crc = crc16(&out);
    out.extend_from_slice(&crc.to_be_bytes());
    out
}

/// FLAC's "UTF-8" coding of the frame number (up to 31 bits).
fn push_utf8_number(out: &mut Vec<u8>, value: u32) {
    let (lead, continuation_count): (u8, u32) = match value {
        0..=0x7F => {
            out.push(value as u8);
            return;
        }
        0x80..=0x7FF => (0xC0, 1),
        0x800..=0xFFFF => (0xE0, 2),
        0x1_0000..=0x1F_FFFF => (0xF0, 3),
        0x20_0000..=0x3FF_FFFF => (0xF8, 4),
        _ => (0xFC, 5),
    };
    out.push(lead | (value >> (6 * continuation_count)) as u8);
    for shift in (0..continuation_count).rev() {
        out.push(0x80 | ((value >> (6 * shift)) & 0x3F) as u8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_numbers_use_the_expected_lengths() {
        let mut small = Vec::new();
        push_utf8_number(&mut small, 5);
        assert_eq!(small, [5]);
        let mut two = Vec::new();
        push_utf8_number(&mut two, 0x80);
        assert_eq!(two, [0xC2, 0x80]);
    }

    #[test]
    fn stream_starts_with_marker_and_streaminfo() {
        let bytes = encode(
            &Tone::for_seed("x"),
            Duration::from_millis(200),
            &AudioTags::default(),
        );
        assert_eq!(&bytes[..4], b"fLaC");
        assert_eq!(bytes[4], BLOCK_STREAMINFO);
    }
}
