//! The probe against real sockets: a one-shot std server answers each test its own way.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::Command;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use soulspot_probe::{ProbeError, probe};

const TIMEOUT: Duration = Duration::from_secs(2);

/// Accepts one connection, sends the request line it read to the returned channel, then lets
/// `answer` write (or not) on the stream.
fn serve_once(
    answer: impl FnOnce(&mut TcpStream) + Send + 'static,
) -> (SocketAddr, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let (seen, lines) = mpsc::channel();
    thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request_line = String::new();
        BufReader::new(&stream)
            .read_line(&mut request_line)
            .unwrap();
        seen.send(request_line).unwrap();
        answer(&mut stream);
    });
    (address, lines)
}

fn replying(response: &'static [u8]) -> impl FnOnce(&mut TcpStream) + Send + 'static {
    move |stream| {
        stream.write_all(response).unwrap();
    }
}

#[test]
fn a_2xx_answer_passes_and_the_request_asks_for_the_given_path() {
    let (address, lines) = serve_once(replying(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"));
    let url = format!("http://{address}/healthz?js-enabled-only=true");
    assert_eq!(probe(&url, TIMEOUT).unwrap(), 200);
    assert_eq!(
        lines.recv_timeout(TIMEOUT).unwrap(),
        "GET /healthz?js-enabled-only=true HTTP/1.1\r\n"
    );
}

#[test]
fn a_503_answer_fails_with_its_status() {
    let (address, _lines) = serve_once(replying(b"HTTP/1.1 503 Service Unavailable\r\n\r\n"));
    let error = probe(&format!("http://{address}/readyz"), TIMEOUT).unwrap_err();
    assert!(matches!(error, ProbeError::Status(503)), "{error}");
}

#[test]
fn a_status_line_arriving_in_pieces_is_still_read() {
    let (address, _lines) = serve_once(|stream| {
        for piece in [&b"HTTP/1."[..], b"1 20", b"4 No Content\r", b"\n\r\n"] {
            stream.write_all(piece).unwrap();
            stream.flush().unwrap();
        }
    });
    assert_eq!(probe(&format!("http://{address}/"), TIMEOUT).unwrap(), 204);
}

#[test]
fn a_server_that_never_answers_fails_at_the_timeout() {
    let (release, hold) = mpsc::channel::<()>();
    let (address, _lines) = serve_once(move |_stream| {
        // Keeps the connection open, silent, until the test is over.
        let _ = hold.recv();
    });
    let timeout = Duration::from_millis(300);
    let started = Instant::now();
    let error = probe(&format!("http://{address}/readyz"), timeout).unwrap_err();
    let elapsed = started.elapsed();
    drop(release);
    assert!(matches!(error, ProbeError::TimedOut), "{error}");
    assert!(elapsed >= timeout, "gave up after {elapsed:?}");
    assert!(elapsed < timeout * 5, "took {elapsed:?}");
}

#[test]
fn an_answer_that_is_not_http_fails_as_malformed() {
    let (address, _lines) = serve_once(replying(b"-ERR 'Unknown Protocol Operation'\r\n"));
    let error = probe(&format!("http://{address}/"), TIMEOUT).unwrap_err();
    assert!(matches!(error, ProbeError::Malformed), "{error}");
}

#[test]
fn a_connection_closed_without_a_status_line_fails_as_closed() {
    let (address, _lines) = serve_once(replying(b"HTTP/1.1 200"));
    let error = probe(&format!("http://{address}/"), TIMEOUT).unwrap_err();
    assert!(matches!(error, ProbeError::Closed), "{error}");
}

#[test]
fn a_port_nobody_listens_on_fails_to_connect() {
    let address = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let error = probe(&format!("http://{address}/"), TIMEOUT).unwrap_err();
    assert!(matches!(error, ProbeError::Connect(_)), "{error}");
}

#[test]
fn the_binary_exits_0_on_2xx_1_on_failure_and_2_on_bad_usage_taking_the_url_from_the_environment_when_none_is_given()
 {
    let binary = env!("CARGO_BIN_EXE_soulspot-probe");
    let (ok, _lines) = serve_once(replying(b"HTTP/1.1 200 OK\r\n\r\n"));
    let (unavailable, _more) = serve_once(replying(b"HTTP/1.1 503 Unavailable\r\n\r\n"));
    let status = |args: &[&str]| {
        Command::new(binary)
            .args(args)
            .env_remove("SOULSPOT_PROBE_URL")
            .status()
            .unwrap()
            .code()
    };
    assert_eq!(status(&[&format!("http://{ok}/readyz"), "2000"]), Some(0));
    let failed = Command::new(binary)
        .env("SOULSPOT_PROBE_URL", format!("http://{unavailable}/readyz"))
        .output()
        .unwrap();
    assert_eq!(failed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&failed.stderr).contains("answered 503"));
    assert_eq!(status(&[]), Some(2));
    assert_eq!(status(&["http://127.0.0.1:1/", "soon"]), Some(2));
}
