//! `Retry-After` (RFC 9110 §10.2.3): either a number of seconds or an HTTP-date.

use std::time::{Duration, SystemTime};

/// How long a `Retry-After` value asks to wait, seen from `now`. A date in the past means
/// "now" (zero); a value that is neither form is `None`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> SystemTime {
        // Sun, 06 Nov 1994 08:49:37 GMT, the example date of RFC 9110.
        SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777)
    }

    #[test]
    fn reads_delta_seconds() {
        assert_eq!(
            parse_retry_after("120", now()),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now()), Some(Duration::ZERO));
    }

    #[test]
    fn reads_an_http_date_relative_to_now() {
        let later = "Sun, 06 Nov 1994 08:50:07 GMT";
        assert_eq!(
            parse_retry_after(later, now()),
            Some(Duration::from_secs(30))
        );
    }

    #[test]
    fn a_date_in_the_past_means_now() {
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now()),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn anything_else_is_not_a_retry_after() {
        for value in ["", "soon", "-5", "1.5", "Sun, 06 Nov 1994"] {
            assert_eq!(parse_retry_after(value, now()), None, "{value:?}");
        }
    }
}
