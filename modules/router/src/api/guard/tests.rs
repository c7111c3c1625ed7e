use axum::http::HeaderValue;

use super::*;
use crate::api::body::is_json;

fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
    pairs
        .iter()
        .map(|(name, value)| {
            (
                axum::http::HeaderName::from_static(name),
                HeaderValue::from_static(value),
            )
        })
        .collect()
}

#[test]
fn only_the_exact_key_matches() {
    assert!(same_bytes(b"secret", b"secret"));
    assert!(!same_bytes(b"secreT", b"secret"));
    assert!(!same_bytes(b"secret-and-more", b"secret"));
    assert!(!same_bytes(b"", b"secret"));
}

#[test]
fn json_with_parameters_is_json_and_what_pages_send_freely_is_not() {
    assert!(is_json(&headers(&[("content-type", "application/json")])));
    assert!(is_json(&headers(&[(
        "content-type",
        "Application/JSON; charset=utf-8"
    )])));
    for refused in [
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonp",
    ] {
        assert!(
            !is_json(&headers(&[("content-type", refused)])),
            "{refused}"
        );
    }
    assert!(!is_json(&HeaderMap::new()));
}

#[test]
fn an_origin_is_cross_site_unless_it_names_the_host_serving_the_api() {
    let host = ("host", "127.0.0.1:8080");
    assert!(
        !is_cross_origin(&headers(&[host]), &[]),
        "no origin: not a browser page"
    );
    assert!(!is_cross_origin(
        &headers(&[host, ("origin", "http://127.0.0.1:8080")]),
        &[]
    ));
    assert!(!is_cross_origin(
        &headers(&[
            ("host", "soulspot.example"),
            ("origin", "https://SoulSpot.example:443")
        ]),
        &[]
    ));
    for other in [
        "http://evil.example",
        "http://127.0.0.1:9090",
        "http://127.0.0.1",
        "null",
    ] {
        assert!(
            is_cross_origin(&headers(&[host, ("origin", other)]), &[]),
            "{other}"
        );
    }
    assert!(is_cross_origin(
        &headers(&[("origin", "http://127.0.0.1:8080")]),
        &[]
    ));
}

#[test]
fn the_key_parameter_is_read_and_then_removed_from_the_uri() {
    let uri: Uri = "/api/events/stream?job=j1&apikey=k%2B1&type=x"
        .parse()
        .unwrap();
    assert_eq!(key_parameter(&uri).as_deref(), Some("k+1"));
    let stripped = without_key_parameter(&uri).unwrap();
    assert_eq!(stripped.to_string(), "/api/events/stream?job=j1&type=x");
    let only_key: Uri = "/api/jobs?apikey=k".parse().unwrap();
    assert_eq!(
        without_key_parameter(&only_key).unwrap().to_string(),
        "/api/jobs"
    );
    let no_key: Uri = "/api/jobs?limit=2".parse().unwrap();
    assert_eq!(without_key_parameter(&no_key), None);
    assert_eq!(key_parameter(&no_key), None);
}

#[test]
fn a_configured_site_may_call_through_a_proxy_that_rewrites_host() {
    let proxied = headers(&[
        ("host", "127.0.0.1:8080"),
        ("origin", "https://music.example.com"),
    ]);
    let allowed = ["https://music.example.com".to_owned()];

    assert!(is_cross_origin(&proxied, &[]));
    assert!(!is_cross_origin(&proxied, &allowed));
    assert!(is_cross_origin(
        &headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "https://evil.example")
        ]),
        &allowed
    ));
}
