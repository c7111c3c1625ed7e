//! The two CRCs FLAC frames carry (CRC-8 poly 0x07, CRC-16 poly 0x8005, MSB first).

/// CRC-8 of a FLAC frame header.
pub(super) fn crc8(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0_u8, |mut crc, byte| {
        crc ^= byte;
        for _ in 0..8 {
            crc = if crc & 0x80 != 0 {
                (crc << 1) ^ 0x07
            } else {
                crc << 1
            };
        }
        crc
    })
}

/// CRC-16 of a whole FLAC frame.
pub(super) fn crc16(bytes: &[u8]) -> u16 {
    bytes.iter().fold(0_u16, |mut crc, byte| {
        crc ^= u16::from(*byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x8005
            } else {
                crc << 1
            };
        }
        crc
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_published_check_values() {
        // Check values of CRC-8/SMBUS and CRC-16/UMTS for "123456789".
        assert_eq!(crc8(b"123456789"), 0xF4);
        assert_eq!(crc16(b"123456789"), 0xFEE8);
    }
}
