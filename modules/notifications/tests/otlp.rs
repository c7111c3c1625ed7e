//! The real `soulspot-notifications` binary, given `OTEL_EXPORTER_OTLP_ENDPOINT`, sends its
//! spans over OTLP/HTTP: a receiver started here gets the span of the request it answered,
//! under its service name, by the time the binary has stopped on SIGTERM.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use soulspot_bus::testing::{NatsServer, run_standalone};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// A minimal OTLP/HTTP receiver: answers every `POST /v1/traces` with 200 and hands the
/// protobuf body on.
async fn start_receiver() -> (String, mpsc::UnboundedReceiver<(String, Vec<u8>)>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (bodies, received) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream, bodies.clone()));
        }
    });
    (format!("http://{address}"), received)
}

/// Reads requests off one connection (the exporter keeps it alive) until it closes.
async fn serve(stream: TcpStream, bodies: mpsc::UnboundedSender<(String, Vec<u8>)>) {
    let mut stream = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if stream.read_line(&mut request_line).await.unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0;
        loop {
            let mut header = String::new();
            stream.read_line(&mut header).await.unwrap();
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        stream.read_exact(&mut body).await.unwrap();
        let _ = bodies.send((request_line.trim_end().to_owned(), body));
        stream
            .get_mut()
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n")
            .await
            .unwrap();
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

#[tokio::test]
async fn spans_of_the_real_binary_reach_an_otlp_http_receiver() {
    let nats = NatsServer::start_with_accounts().unwrap();
    let (endpoint, mut received) = start_receiver().await;
    let env = [("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)];

    let report = run_standalone(
        env!("CARGO_BIN_EXE_soulspot-notifications"),
        "notifications",
        &nats,
        &env,
    )
    .await
    .unwrap();
    assert!(report.exit.success(), "{:?}", report.exit);

    // The binary has exited, and its exporter had each batch answered before: every body
    // it sent is in the channel already.
    let mut exported = Vec::new();
    while let Ok((request_line, body)) = received.try_recv() {
        assert_eq!(request_line, "POST /v1/traces HTTP/1.1");
        exported.extend(body);
    }
    assert!(!exported.is_empty(), "no spans exported");
    assert!(contains(&exported, b"service.name"));
    assert!(contains(&exported, b"notifications"));
    assert!(contains(&exported, b"handle health"), "no handler span");
}
