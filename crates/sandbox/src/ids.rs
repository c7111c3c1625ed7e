//! Deterministic identifiers derived from names, so generated catalog entries are stable.

/// FNV-1a over `input`, seeded, 64 bits: enough spread for fixture ids, no dependency.
pub(crate) fn hash64(seed: u64, input: &str) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64 ^ seed;
    for byte in input.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// A UUID (v4-shaped) derived from `input`.
pub(crate) fn uuid_from(input: &str) -> uuid::Uuid {
    let high = hash64(1, input).to_be_bytes();
    let low = hash64(2, input).to_be_bytes();
    let mut bytes = [0_u8; 16];
    bytes[..8].copy_from_slice(&high);
    bytes[8..].copy_from_slice(&low);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// A 22-character base62 id like Spotify's, derived from `input`.
pub(crate) fn spotify_id_from(input: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut value = (u128::from(hash64(3, input)) << 64) | u128::from(hash64(4, input));
    (0..22)
        .map(|_| {
            let digit = (value % 62) as usize;
            value /= 62;
            char::from(ALPHABET[digit])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_are_stable_and_distinct() {
        assert_eq!(uuid_from("a"), uuid_from("a"));
        assert_ne!(uuid_from("a"), uuid_from("b"));
        assert_eq!(spotify_id_from("x").len(), 22);
        assert_ne!(spotify_id_from("x"), spotify_id_from("y"));
    }
}
