//! The one part of an HTTP answer the probe reads: its status line.

/// Longest status line accepted; a health endpoint's is about 20 bytes.
pub const MAX_STATUS_LINE: usize = 512;

/// The status code of an `HTTP/1.x NNN [reason]` line (without its CRLF), or `None` when the
/// line is anything else.
pub fn parse_status_line(line: &[u8]) -> Option<u16> {
    let line = std::str::from_utf8(line).ok()?;
    let mut parts = line.splitn(3, ' ');
    let version = parts.next()?;
    let code = parts.next()?;
    let is_http1 = version
        .strip_prefix("HTTP/1.")
        .is_some_and(|minor| minor.len() == 1 && minor.bytes().all(|b| b.is_ascii_digit()));
    if !is_http1 || code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let code: u16 = code.parse().ok()?;
    (100..600).contains(&code).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::parse_status_line;

    #[test]
    fn reads_the_code_of_a_status_line_with_a_reason() {
        assert_eq!(parse_status_line(b"HTTP/1.1 200 OK"), Some(200));
        assert_eq!(
            parse_status_line(b"HTTP/1.1 503 Service Unavailable"),
            Some(503)
        );
    }

    #[test]
    fn reads_the_code_of_a_status_line_without_a_reason() {
        assert_eq!(parse_status_line(b"HTTP/1.0 204"), Some(204));
        assert_eq!(parse_status_line(b"HTTP/1.1 200 "), Some(200));
    }

    #[test]
    fn rejects_what_is_not_an_http1_status_line() {
        for line in [
            &b""[..],
            b"HTTP/1.1",
            b"HTTP/2 200 OK",
            b"HTTP/1.1 20 OK",
            b"HTTP/1.1 2000 OK",
            b"HTTP/1.1 +20 OK",
            b"HTTP/1.1 099 Low",
            b"HTTP/1.1 600 High",
            b"SSH-2.0-OpenSSH_9.2",
            b"http/1.1 200 OK",
            b"HTTP/1.1  200 OK",
            b"\xffTTP/1.1 200 OK",
        ] {
            assert_eq!(parse_status_line(line), None, "{line:?}");
        }
    }
}
