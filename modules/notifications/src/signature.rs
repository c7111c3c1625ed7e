//! Webhook signatures: `sha256=<hex HMAC-SHA256 of the exact body bytes>`.

use hmac::digest::InvalidLength;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The value of `X-SoulSpot-Signature` for `body` under `secret`.
///
/// HMAC takes keys of any length, so the error never happens in practice; it exists
/// because the `hmac` crate's constructor is fallible for every MAC.
pub fn sign(secret: &[u8], body: &[u8]) -> Result<String, InvalidLength> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret)?;
    mac.update(body);
    Ok(format!("sha256={}", hex(&mac.finalize().into_bytes())))
}

/// Lower-case hexadecimal of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231, test case 2.
    #[test]
    fn signs_a_known_body_with_a_known_key() {
        let signature = sign(b"Jefe", b"what do ya want for nothing?").unwrap();
        assert_eq!(
            signature,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_different_body_gives_a_different_signature() {
        let first = sign(b"key", br#"{"a":1}"#).unwrap();
        let second = sign(b"key", br#"{"a":2}"#).unwrap();
        assert_ne!(first, second);
    }
}
