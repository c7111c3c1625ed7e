//! A minimal MPEG-1 Layer III writer: an ID3v2.4 tag, then constant-bitrate frames of
//! digital silence.
//!
//! Each frame's side information is all zero (no main data, no bit reservoir), which
//! decoders turn into silent granules; a real encoder would be far heavier than what a
//! test fixture needs.

use std::time::Duration;

use super::AudioTags;

const SAMPLE_RATE: u32 = 44_100;
const SAMPLES_PER_FRAME: u64 = 1152;
const HEADER_BYTES: usize = 4;
/// Side information length for MPEG-1 stereo.
const SIDE_INFO_BYTES: usize = 32;
/// MPEG-1 Layer III bitrates by index (kbit/s); index 0 (free) and 15 (bad) excluded.
const BITRATES: [u32; 14] = [
    32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
];

/// Encodes `duration` of silence at the supported bitrate nearest below `bit_rate_kbps`.
pub fn encode(duration: Duration, bit_rate_kbps: u32, tags: &AudioTags) -> Vec<u8> {
    let (index, kbps) = bitrate_index(bit_rate_kbps);
    let frame_count =
        (duration.as_secs_f64() * f64::from(SAMPLE_RATE) / SAMPLES_PER_FRAME as f64).ceil() as u64;
    let mut out = id3v2(tags);
    let bytes_per_frame_numerator = 144_000 * kbps;
    let mut remainder = 0;
    for _ in 0..frame_count {
        remainder += bytes_per_frame_numerator % SAMPLE_RATE;
        let padding = remainder >= SAMPLE_RATE;
        if padding {
            remainder -= SAMPLE_RATE;
        }
        let length = (bytes_per_frame_numerator / SAMPLE_RATE) as usize + usize::from(padding);
        push_frame(&mut out, index, padding, length);
    }
    out
}

fn bitrate_index(wanted_kbps: u32) -> (u8, u32) {
    let position = BITRATES
        .iter()
        .rposition(|kbps| *kbps <= wanted_kbps)
        .unwrap_or(0);
    (position as u8 + 1, BITRATES[position])
}

fn push_frame(out: &mut Vec<u8>, bitrate_index: u8, padding: bool, length: usize) {
    // Sync, MPEG-1, Layer III, no CRC.
    out.extend_from_slice(&[0xFF, 0xFB]);
    // Bitrate index, 44.1 kHz (00), padding bit, private bit clear.
    out.push((bitrate_index << 4) | (u8::from(padding) << 1));
    // Stereo, no mode extension, not copyrighted, original, no emphasis.
    out.push(0b0000_0100);
    // Side information: main_data_begin 0 and zero-length granules, i.e. silence.
    out.extend(std::iter::repeat_n(0_u8, SIDE_INFO_BYTES));
    // The unused main-data area.
    out.extend(std::iter::repeat_n(
        0_u8,
        length - HEADER_BYTES - SIDE_INFO_BYTES,
    ));
}

fn id3v2(tags: &AudioTags) -> Vec<u8> {
    let mut frames = Vec::new();
    push_text_frame(&mut frames, b"TIT2", &tags.title);
    push_text_frame(&mut frames, b"TPE1", &tags.artist);
    push_text_frame(&mut frames, b"TALB", &tags.album);
    push_text_frame(&mut frames, b"TRCK", &tags.track_number.to_string());
    let mut out = b"ID3".to_vec();
    out.extend_from_slice(&[4, 0, 0]);
    out.extend_from_slice(&synchsafe(frames.len()));
    out.extend_from_slice(&frames);
    out
}

fn push_text_frame(out: &mut Vec<u8>, id: &[u8; 4], text: &str) {
    // Encoding byte 3 is UTF-8 in ID3v2.4.
    let size = text.len() + 1;
    out.extend_from_slice(id);
    out.extend_from_slice(&synchsafe(size));
    out.extend_from_slice(&[0, 0]);
    out.push(3);
    out.extend_from_slice(text.as_bytes());
}

/// ID3v2 sizes use 7 bits per byte.
fn synchsafe(value: usize) -> [u8; 4] {
    let value = value as u32;
    [
        ((value >> 21) & 0x7F) as u8,
        ((value >> 14) & 0x7F) as u8,
        ((value >> 7) & 0x7F) as u8,
        (value & 0x7F) as u8,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_nearest_lower_bitrate() {
        assert_eq!(bitrate_index(320), (14, 320));
        assert_eq!(bitrate_index(245), (12, 224));
        assert_eq!(bitrate_index(1), (1, 32));
    }

    #[test]
    fn frames_at_320_kbps_are_1044_or_1045_bytes() {
        let bytes = encode(Duration::from_millis(100), 320, &AudioTags::default());
        let tag_length = 10 + 4 * 11 + 1;
        let first_frame = &bytes[tag_length..];
        assert_eq!(&first_frame[..2], &[0xFF, 0xFB]);
        assert!(first_frame.len() >= 1044);
    }
}
