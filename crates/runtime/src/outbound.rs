//! HTTP clients for the external services modules wrap (Spotify, slskd, MusicBrainz,
//! webhooks): one place that sets the User-Agent, timeouts and which redirects are followed,
//! and that sends each request in a client span of the trace it is made for.

use std::time::Duration;

use reqwest::redirect::{Attempt, Policy};
use tracing::Instrument;

/// How many redirects one request may follow (reqwest's own default).
const MAX_REDIRECTS: usize = 10;

/// Which redirects a client follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redirects {
    /// Only those that stay on the origin (scheme, host and port) that answered: for clients
    /// that carry a key or token in a header. reqwest strips `Authorization` and cookies when a
    /// redirect leaves the host, but not headers it does not know, such as slskd's
    /// `X-API-Key` or Gotify's `X-Gotify-Key`; a redirect elsewhere is not followed (the caller
    /// sees the 3xx as a failed request), so the key never reaches another host.
    SameOrigin,
    /// Any, for clients that send nothing secret: the Cover Art Archive redirects every image
    /// to archive.org.
    AnyOrigin,
}

/// A client builder with the given User-Agent, conservative timeouts (TLS by rustls) and the
/// redirect rule. Callers may override the timeouts before `build()`.
pub fn client_builder(user_agent: &str, redirects: Redirects) -> reqwest::ClientBuilder {
    let policy = match redirects {
        Redirects::SameOrigin => Policy::custom(follow_within_origin),
        Redirects::AnyOrigin => Policy::limited(MAX_REDIRECTS),
    };
    reqwest::Client::builder()
        .user_agent(user_agent)
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
        .redirect(policy)
}

/// Sends `request` in a span naming `peer` (the service called: `slskd`, `spotify`,
/// `musicbrainz`, `coverart`, `webhook`…), the method, host and path (never the query, which
/// may hold a token), and the status it answered.
pub async fn send(
    peer: &'static str,
    request: reqwest::RequestBuilder,
) -> reqwest::Result<reqwest::Response> {
    let (client, request) = request.build_split();
    execute(peer, &client, request?).await
}

/// [`send`] for a request already built.
pub async fn execute(
    peer: &'static str,
    client: &reqwest::Client,
    request: reqwest::Request,
) -> reqwest::Result<reqwest::Response> {
    let span = tracing::info_span!(
        "http.client",
        otel.name = %format!("{} {peer}", request.method()),
        otel.kind = "client",
        peer,
        http.request.method = %request.method(),
        server.address = request.url().host_str().unwrap_or(""),
        url.path = request.url().path(),
        http.response.status_code = tracing::field::Empty,
        failure = tracing::field::Empty,
    );
    let outcome = client.execute(request).instrument(span.clone()).await;
    match &outcome {
        Ok(response) => span.record("http.response.status_code", response.status().as_u16()),
        Err(error) if error.is_timeout() => span.record("failure", "timeout"),
        Err(_) => span.record("failure", "connection"),
    };
    outcome
}

fn follow_within_origin(attempt: Attempt<'_>) -> reqwest::redirect::Action {
    let from = attempt.previous().last().map(reqwest::Url::origin);
    if from.as_ref() != Some(&attempt.url().origin()) {
        tracing::warn!(
            to = %attempt.url().origin().ascii_serialization(),
            from = %from.map(|origin| origin.ascii_serialization()).unwrap_or_default(),
            "redirect to another host not followed: the request's credentials stay with its host"
        );
        return attempt.stop();
    }
    if attempt.previous().len() > MAX_REDIRECTS {
        return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
    }
    attempt.follow()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_a_client_with_tls_support() {
        for redirects in [Redirects::SameOrigin, Redirects::AnyOrigin] {
            assert!(
                client_builder("soulspot-test/0.1", redirects)
                    .build()
                    .is_ok()
            );
        }
    }
}
