//! The one error taxonomy of SoulSpot. Every failure that crosses a service boundary has a
//! kind; from the kind alone follow the NATS service error code, whether it is the caller's
//! fault (no other provider would do better) and whether it is worth retrying.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What kind of failure a reply reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The request breaks its contract or makes no sense (400, 413, 422).
    BadInput,
    /// What the request names does not exist (404).
    NotFound,
    /// The request clashes with the current state (409).
    Conflict,
    /// The provider is at capacity or rate limited: try again later or elsewhere (429).
    Busy,
    /// A dependency of the provider is down, or nobody answered (503).
    Unavailable,
    /// No answer within the deadline (504).
    Timeout,
    /// The provider failed in a way the caller cannot fix (500).
    Internal,
}

impl ErrorKind {
    /// The code carried in the `Nats-Service-Error-Code` header.
    pub const fn code(self) -> u16 {
        match self {
            Self::BadInput => 400,
            Self::NotFound => 404,
            Self::Conflict => 409,
            Self::Busy => 429,
            Self::Unavailable => 503,
            Self::Timeout => 504,
            Self::Internal => 500,
        }
    }

    /// The kind a service error code stands for; unknown 4xx codes are bad input and
    /// anything else is internal.
    pub const fn from_code(code: u16) -> Self {
        match code {
            404 => Self::NotFound,
            409 => Self::Conflict,
            429 => Self::Busy,
            503 => Self::Unavailable,
            504 | 408 => Self::Timeout,
            400..=499 => Self::BadInput,
            _ => Self::Internal,
        }
    }

    /// What an HTTP dependency's error status means for the service that called it: its
    /// overload is busy, its slowness a timeout, its failure (5xx) unavailability; any other
    /// refusal is of a request this service built wrongly, so internal. Statuses a client
    /// understands better (e.g. 404 for a missing resource) are mapped before this.
    pub const fn of_upstream_status(status: u16) -> Self {
        match status {
            429 => Self::Busy,
            408 | 504 => Self::Timeout,
            500..=599 => Self::Unavailable,
            _ => Self::Internal,
        }
    }

    /// The caller sent something no provider would accept: return it, try nobody else.
    pub const fn is_callers_fault(self) -> bool {
        matches!(self, Self::BadInput | Self::NotFound | Self::Conflict)
    }

    /// The failure may pass by itself: the same call is worth retrying after a pause.
    pub const fn is_transient(self) -> bool {
        matches!(self, Self::Busy | Self::Unavailable | Self::Timeout)
    }

    /// The lowercase name used in logs and JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BadInput => "bad_input",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::Busy => "busy",
            Self::Unavailable => "unavailable",
            Self::Timeout => "timeout",
            Self::Internal => "internal",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The header that carries a busy provider's wish, in milliseconds, to be asked again later.
pub const RETRY_AFTER_MS_HEADER: &str = "Soulspot-Retry-After-Ms";

/// The longest error text put into a header; the rest is cut.
pub const MAX_HEADER_TEXT: usize = 1024;

/// `text` made fit for a NATS header value: control characters (newlines included) become
/// spaces, runs of whitespace collapse, and the result is cut to [`MAX_HEADER_TEXT`] bytes on
/// a character boundary. A header with a line break would otherwise be refused.
pub fn header_safe(text: &str) -> String {
    let mut safe = String::with_capacity(text.len().min(MAX_HEADER_TEXT));
    let mut last_was_space = true;
    for character in text.chars() {
        let character = if character.is_control() || character.is_whitespace() {
            ' '
        } else {
            character
        };
        if character == ' ' && last_was_space {
            continue;
        }
        if safe.len() + character.len_utf8() > MAX_HEADER_TEXT {
            break;
        }
        last_was_space = character == ' ';
        safe.push(character);
    }
    safe.trim_end().to_owned()
}

/// A busy provider's `Retry-After`, as it travels in [`RETRY_AFTER_MS_HEADER`].
pub fn retry_after_header(wait: Duration) -> String {
    wait.as_millis().to_string()
}

/// The wait a [`RETRY_AFTER_MS_HEADER`] value asks for; `None` when it is not a number.
pub fn read_retry_after_header(value: &str) -> Option<Duration> {
    value.trim().parse().ok().map(Duration::from_millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KINDS: [ErrorKind; 7] = [
        ErrorKind::BadInput,
        ErrorKind::NotFound,
        ErrorKind::Conflict,
        ErrorKind::Busy,
        ErrorKind::Unavailable,
        ErrorKind::Timeout,
        ErrorKind::Internal,
    ];

    #[test]
    fn every_kind_survives_its_code() {
        for kind in KINDS {
            assert_eq!(ErrorKind::from_code(kind.code()), kind);
        }
    }

    #[test]
    fn codes_outside_the_table_fall_into_their_class() {
        assert_eq!(ErrorKind::from_code(413), ErrorKind::BadInput);
        assert_eq!(ErrorKind::from_code(422), ErrorKind::BadInput);
        assert_eq!(ErrorKind::from_code(502), ErrorKind::Internal);
        assert_eq!(ErrorKind::from_code(0), ErrorKind::Internal);
    }

    #[test]
    fn an_upstream_failure_is_never_the_callers_fault() {
        assert_eq!(ErrorKind::of_upstream_status(429), ErrorKind::Busy);
        assert_eq!(ErrorKind::of_upstream_status(504), ErrorKind::Timeout);
        assert_eq!(ErrorKind::of_upstream_status(502), ErrorKind::Unavailable);
        assert_eq!(ErrorKind::of_upstream_status(400), ErrorKind::Internal);
        for status in [400, 401, 403, 404, 409, 422, 500, 503] {
            assert!(!ErrorKind::of_upstream_status(status).is_callers_fault());
        }
    }

    #[test]
    fn busy_is_worth_retrying_and_not_the_callers_fault() {
        assert!(ErrorKind::Busy.is_transient());
        assert!(!ErrorKind::Busy.is_callers_fault());
    }

    #[test]
    fn no_kind_is_both_the_callers_fault_and_transient() {
        for kind in KINDS {
            assert!(!(kind.is_callers_fault() && kind.is_transient()), "{kind}");
        }
    }

    #[test]
    fn a_retry_after_survives_its_header() {
        let wait = Duration::from_millis(1_500);
        assert_eq!(
            read_retry_after_header(&retry_after_header(wait)),
            Some(wait)
        );
        assert_eq!(read_retry_after_header("soon"), None);
    }

    #[test]
    fn header_safe_text_has_no_control_characters_and_is_bounded() {
        let html = "<html>\r\n<body>\n\tBad\u{0}Gateway</body>\n</html>";
        assert_eq!(
            header_safe(html),
            "<html> <body> Bad Gateway</body> </html>"
        );
        assert_eq!(header_safe("path /x\ny not found"), "path /x y not found");
        let long = "é".repeat(4 * MAX_HEADER_TEXT);
        let cut = header_safe(&long);
        assert!(cut.len() <= MAX_HEADER_TEXT);
        assert!(cut.chars().all(|character| character == 'é'));
    }
}
