//! HTTP clients for the external services modules wrap (Spotify, slskd, MusicBrainz,
//! webhooks): one place that sets the User-Agent and timeouts.

use std::time::Duration;

/// A client builder with the given User-Agent and conservative timeouts (TLS by rustls).
/// Callers may override the timeouts before `build()`.
pub fn client_builder(user_agent: &str) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .user_agent(user_agent)
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_a_client_with_tls_support() {
        assert!(client_builder("soulspot-test/0.1").build().is_ok());
    }
}
