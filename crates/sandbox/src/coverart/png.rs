//! A tiny PNG writer: a two-colour (1-bit indexed) diagonal-stripe cover, colours picked
//! from a seed, stored in uncompressed deflate blocks.

use crate::ids::hash64;

const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
const STRIPE_WIDTH: u32 = 24;
/// Largest payload of a stored deflate block.
const STORED_BLOCK_MAX: usize = 0xFFFF;

/// A `size`×`size` PNG whose colours depend on `seed`.
pub(super) fn render(size: u32, seed: &str) -> Vec<u8> {
    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&size.to_be_bytes());
    header.extend_from_slice(&size.to_be_bytes());
    // Bit depth 1, colour type 3 (indexed), deflate, filter 0, no interlace.
    header.extend_from_slice(&[1, 3, 0, 0, 0]);
    let colours = hash64(6, seed).to_be_bytes();
    let palette = [
        colours[0],
        colours[1],
        colours[2],
        !colours[0],
        !colours[1],
        !colours[2],
    ];
    let mut out = SIGNATURE.to_vec();
    push_chunk(&mut out, b"IHDR", &header);
    push_chunk(&mut out, b"PLTE", &palette);
    push_chunk(&mut out, b"IDAT", &zlib_stored(&pixels(size)));
    push_chunk(&mut out, b"IEND", &[]);
    out
}

fn pixels(size: u32) -> Vec<u8> {
    let row_bytes = size.div_ceil(8) as usize;
    let mut raw = Vec::with_capacity((row_bytes + 1) * size as usize);
    for y in 0..size {
        raw.push(0);
        let mut row = vec![0_u8; row_bytes];
        for x in 0..size {
            if ((x + y) / STRIPE_WIDTH) % 2 == 1 {
                row[(x / 8) as usize] |= 0x80 >> (x % 8);
            }
        }
        raw.extend_from_slice(&row);
    }
    raw
}

fn push_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

fn zlib_stored(data: &[u8]) -> Vec<u8> {
    // CMF 0x78 (deflate, 32 KiB window), FLG 0x01 (no dictionary; check bits).
    let mut out = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = data.chunks(STORED_BLOCK_MAX).collect();
    let last_index = blocks.len().saturating_sub(1);
    for (index, block) in blocks.iter().enumerate() {
        out.push(u8::from(index == last_index));
        let length = block.len() as u16;
        out.extend_from_slice(&length.to_le_bytes());
        out.extend_from_slice(&(!length).to_le_bytes());
        out.extend_from_slice(block);
    }
    if blocks.is_empty() {
        out.extend_from_slice(&[1, 0, 0, 0xFF, 0xFF]);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

fn adler32(data: &[u8]) -> u32 {
    let (a, b) = data.iter().fold((1_u32, 0_u32), |(a, b), byte| {
        let a = (a + u32::from(*byte)) % 65_521;
        (a, (b + a) % 65_521)
    });
    (b << 16) | a
}

fn crc32(data: &[u8]) -> u32 {
    !data.iter().fold(!0_u32, |mut crc, byte| {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
        crc
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_match_known_values() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    }

    #[test]
    fn image_has_signature_and_header() {
        let bytes = render(250, "seed");
        assert_eq!(&bytes[..8], &SIGNATURE);
        assert_eq!(&bytes[12..16], b"IHDR");
        assert_eq!(&bytes[16..20], &250_u32.to_be_bytes());
    }
}
