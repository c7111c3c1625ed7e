//! Hiding credentials in what is logged: the password in a URL's userinfo.

/// `url` with the password of its userinfo replaced by `***` (`nats://user:pass@host` →
/// `nats://user:***@host`), so a URL carrying credentials can be logged or shown in an error.
/// A URL without a password is returned unchanged. A comma-separated list of URLs (a NATS
/// cluster's) has each element's password replaced.
pub fn redact_userinfo(urls: &str) -> String {
    urls.split(',')
        .map(redact_one)
        .collect::<Vec<_>>()
        .join(",")
}

fn redact_one(url: &str) -> String {
    let authority_start = url.find("://").map_or(0, |scheme_end| scheme_end + 3);
    let authority_len = url[authority_start..]
        .find(['/', '?', '#'])
        .unwrap_or(url.len() - authority_start);
    let authority = &url[authority_start..authority_start + authority_len];
    // The last `@` ends the userinfo: a password may itself contain `@`.
    let Some(at) = authority.rfind('@') else {
        return url.to_owned();
    };
    let userinfo = &authority[..at];
    let Some(colon) = userinfo.find(':') else {
        return url.to_owned();
    };
    let user = &userinfo[..colon];
    format!(
        "{}{user}:***{}",
        &url[..authority_start],
        &url[authority_start + at..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_the_password_of_a_url_and_keeps_the_rest() {
        assert_eq!(
            redact_userinfo("nats://router:s3cr3t@127.0.0.1:4222"),
            "nats://router:***@127.0.0.1:4222"
        );
        assert_eq!(
            redact_userinfo("https://user:p@ss@host/path?q=1"),
            "https://user:***@host/path?q=1"
        );
        assert_eq!(
            redact_userinfo("router:pw@10.0.0.1:4222"),
            "router:***@10.0.0.1:4222"
        );
    }

    #[test]
    fn hides_the_password_of_every_url_of_a_list() {
        assert_eq!(
            redact_userinfo("nats://a:pw1@n1:4222,nats://n2:4222, nats://c:pw3@n3:4222"),
            "nats://a:***@n1:4222,nats://n2:4222, nats://c:***@n3:4222"
        );
    }

    #[test]
    fn leaves_a_url_without_a_password_unchanged() {
        for url in [
            "nats://127.0.0.1:4222",
            "nats://token@host:4222",
            "http://host/a@b",
            "",
        ] {
            assert_eq!(redact_userinfo(url), url);
        }
    }
}
