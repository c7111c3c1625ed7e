//! Live streams cannot exhaust the router: at most `[api] max_streams` are open at once, a
//! client that stops reading is dropped with a final message once its buffer is full, and a
//! stopping router ends every stream within its grace period.

use std::time::{Duration, Instant};

use serde_json::json;
use soulspot_bus::testing::NatsServer;
use soulspot_router::Application;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;

use crate::helpers::{TEST_API_KEY, TestApp, app_at, spawn_app_with, test_settings};

const WITHIN: Duration = Duration::from_secs(10);
/// Job updates sent at a client that reads nothing: far more bytes than socket buffers hold.
const FLOOD: usize = 400;
const FLOOD_PADDING: usize = 32 * 1024;

impl TestApp {
    fn stream_url(&self) -> String {
        format!("http://{}/api/events/stream", self.address)
    }

    /// Opens streams until one is accepted (a slot was freed), within `WITHIN`.
    async fn wait_for_stream_slot(&self) -> reqwest::Response {
        let started = Instant::now();
        loop {
            let response = self.http.get(self.stream_url()).send().await.unwrap();
            if response.status() == 200 {
                return response;
            }
            assert_eq!(response.status(), 503);
            assert!(started.elapsed() < WITHIN, "no stream slot was freed");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test]
async fn a_stream_past_max_streams_is_refused_with_503_until_one_closes() {
    let app = spawn_app_with(|settings| settings.api.max_streams = 2).await;
    let first = app.http.get(app.stream_url()).send().await.unwrap();
    let second = app.http.get(app.stream_url()).send().await.unwrap();

    let third = app.http.get(app.stream_url()).send().await.unwrap();

    assert_eq!(first.status(), 200);
    assert_eq!(second.status(), 200);
    assert_eq!(third.status(), 503);
    let body: serde_json::Value = third.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_streams");
    drop(first);
    let fourth = app.wait_for_stream_slot().await;
    assert_eq!(fourth.status(), 200);
}

#[tokio::test]
async fn a_client_that_stops_reading_is_dropped_with_a_final_message_and_frees_its_slot() {
    let app = spawn_app_with(|settings| {
        settings.api.max_streams = 1;
        settings.api.stream_buffer = 8;
    })
    .await;
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut slow = socket.connect(app.address).await.unwrap();
    let request = format!(
        "GET /api/events/stream HTTP/1.1\r\nHost: {}\r\nX-Api-Key: {TEST_API_KEY}\r\nConnection: close\r\n\r\n",
        app.address
    );
    slow.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        slow.read_exact(&mut byte).await.unwrap();
        head.push(byte[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 200"), "{head:?}");

    let nats = app.nats_client().await;
    let padding = "x".repeat(FLOOD_PADDING);
    for n in 0..FLOOD {
        let update = json!({"id": format!("flood-{n}"), "padding": padding});
        nats.publish(
            format!("soulspot.jobs.updates.flood-{n}"),
            update.to_string().into(),
        )
        .await
        .unwrap();
    }
    nats.flush().await.unwrap();

    // While the slow client still reads nothing, the router gives its slot up.
    let next = app.wait_for_stream_slot().await;
    drop(next);
    let mut received = Vec::new();
    tokio::time::timeout(WITHIN, slow.read_to_end(&mut received))
        .await
        .expect("the dropped stream never ended")
        .unwrap();
    let received = String::from_utf8_lossy(&received);
    let delivered = received.matches("event: job").count();
    assert!(
        delivered < FLOOD,
        "a slow reader is not sent everything: {delivered}"
    );
    let last_event = received.rfind("event: ").map(|at| &received[at..]);
    assert!(
        last_event.is_some_and(|last| last.starts_with("event: dropped")),
        "the stream ends with `dropped`: {last_event:?}"
    );
}

#[tokio::test]
async fn stopping_the_router_ends_open_streams_within_the_grace_period() {
    let nats = NatsServer::start().unwrap();
    let mut settings = test_settings();
    settings.service.nats.url = nats.url();
    let grace = Duration::from_secs(2);
    settings.api.shutdown_grace_ms = grace.as_millis() as u64;
    let application = Application::build(settings).await.unwrap();
    let app = app_at(nats, application.address());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(application.run_until_stopped(async {
        let _ = stopped.await;
    }));
    let mut stream = app.http.get(app.stream_url()).send().await.unwrap();
    assert_eq!(stream.status(), 200);

    let started = Instant::now();
    stop.send(()).unwrap();
    tokio::time::timeout(grace + Duration::from_secs(1), running)
        .await
        .expect("the router did not stop within its grace period")
        .unwrap()
        .unwrap();

    assert!(started.elapsed() <= grace + Duration::from_secs(1));
    let mut received = String::new();
    while let Ok(Some(chunk)) = stream.chunk().await {
        received.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(received.contains("event: closed"), "{received}");
}
