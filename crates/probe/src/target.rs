//! The probed URL: `http://host[:port][/path][?query]`, nothing more (no TLS, no userinfo).

use crate::ProbeError;

/// Where to connect and what to ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    authority: String,
    host: String,
    port: u16,
    path: String,
}

impl Target {
    /// Parses a plain-HTTP URL; the path defaults to `/`, the port to 80, an IPv6 host is
    /// written in brackets (`http://[::1]:8080/readyz`).
    pub fn parse(url: &str) -> Result<Self, ProbeError> {
        let rest = url
            .strip_prefix("http://")
            .ok_or(ProbeError::Url("only http:// urls are probed"))?;
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(split);
        let path = match path {
            "" => "/".to_owned(),
            query if query.starts_with('?') => format!("/{query}"),
            path => path.to_owned(),
        };
        // Only visible ASCII may reach the request line: no spaces or CRLF smuggled in.
        if !path.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ProbeError::Url(
                "the path holds spaces or control characters",
            ));
        }
        let (host, port) = split_host_port(authority)?;
        Ok(Self {
            authority: authority.to_owned(),
            host: host.to_owned(),
            port,
            path,
        })
    }

    /// The host to resolve (an IPv6 literal without its brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The path and query sent in the request line.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The whole request: `Connection: close` so that the server needs no keep-alive state.
    pub fn request(&self) -> String {
        format!(
            "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: soulspot-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n",
            self.path, self.authority
        )
    }
}

fn split_host_port(authority: &str) -> Result<(&str, u16), ProbeError> {
    if authority.contains('@') {
        return Err(ProbeError::Url("credentials in the url are not supported"));
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(bracketed) => {
            let (host, after) = bracketed
                .split_once(']')
                .ok_or(ProbeError::Url("an ipv6 host misses its closing bracket"))?;
            match after {
                "" => (host, None),
                _ => (
                    host,
                    Some(
                        after
                            .strip_prefix(':')
                            .ok_or(ProbeError::Url("unexpected text after the ipv6 host"))?,
                    ),
                ),
            }
        }
        None => match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    if host.is_empty() || !host.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ProbeError::Url("the host is empty or not plain ascii"));
    }
    let port = match port {
        None => 80,
        Some(text) => text
            .parse()
            .ok()
            .filter(|port| *port != 0)
            .ok_or(ProbeError::Url("the port is not a number from 1 to 65535"))?,
    };
    Ok((host, port))
}

#[cfg(test)]
mod tests {
    use super::Target;

    #[test]
    fn parses_host_port_and_path_with_its_query() {
        let target = Target::parse("http://127.0.0.1:8222/healthz?js-enabled-only=true").unwrap();
        assert_eq!(target.host(), "127.0.0.1");
        assert_eq!(target.port(), 8222);
        assert_eq!(target.path(), "/healthz?js-enabled-only=true");
    }

    #[test]
    fn defaults_to_port_80_and_the_root_path() {
        let target = Target::parse("http://localhost").unwrap();
        assert_eq!(
            (target.host(), target.port(), target.path()),
            ("localhost", 80, "/")
        );
        let query_only = Target::parse("http://localhost:81?x=1").unwrap();
        assert_eq!(query_only.path(), "/?x=1");
    }

    #[test]
    fn takes_an_ipv6_host_in_brackets() {
        let target = Target::parse("http://[::1]:8080/readyz").unwrap();
        assert_eq!((target.host(), target.port()), ("::1", 8080));
        assert!(target.request().contains("\r\nHost: [::1]:8080\r\n"));
    }

    #[test]
    fn builds_a_get_request_that_closes_the_connection() {
        let request = Target::parse("http://127.0.0.1:8081/readyz")
            .unwrap()
            .request();
        assert!(request.starts_with("GET /readyz HTTP/1.1\r\nHost: 127.0.0.1:8081\r\n"));
        assert!(request.contains("\r\nConnection: close\r\n"));
        assert!(request.ends_with("\r\n\r\n"));
    }

    #[test]
    fn rejects_urls_it_cannot_probe() {
        for url in [
            "https://127.0.0.1/readyz",
            "127.0.0.1:8080/readyz",
            "http:///readyz",
            "http://127.0.0.1:0/readyz",
            "http://127.0.0.1:70000/readyz",
            "http://127.0.0.1:port/readyz",
            "http://user:pw@127.0.0.1/readyz",
            "http://[::1/readyz",
            "http://[::1]x/readyz",
            "http://127.0.0.1/ready z",
            "http://127.0.0.1/readyz\r\nX-Evil: 1",
        ] {
            assert!(Target::parse(url).is_err(), "{url}");
        }
    }
}
