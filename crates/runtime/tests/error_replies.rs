//! Error replies over a real nats-server: whatever text a handler's error carries, the caller
//! gets a prompt reply with the error's code (not a timeout), and the service keeps serving;
//! a busy module's retry-after reaches the caller.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use async_nats::Client;
use serde_json::{Value, json};
use soulspot_bus::testing::NatsServer;
use soulspot_bus::{MessageContext, NatsSettings, RequestError, request_json};
use soulspot_contracts::ErrorKind;
use soulspot_contracts::error::MAX_HEADER_TEXT;
use soulspot_runtime::{CallContext, Capability, ModuleBuilder, RunningModule, ServiceError};

/// Longer than any reply takes; a caller that waits it out got no reply at all.
const DEADLINE: Duration = Duration::from_secs(5);

/// A `search.track` provider that fails as the query asks.
fn failing_search() -> Capability {
    Capability::new(
        "search.track",
        10,
        |_: CallContext, request: Value| async move {
            match request["query"].as_str().unwrap_or_default() {
                "control characters" => Err(ServiceError::not_found(
                    "no track named \"line\none\rtwo\0three\"",
                )),
                "html page" => Err(ServiceError::unavailable(html_page())),
                "busy" => Err(ServiceError::busy(
                    "too many searches",
                    Some(Duration::from_millis(1_500)),
                )),
                _ => Ok(json!({"tracks": [{"title": "still serving", "artist": "test"}]})),
            }
        },
    )
}

/// An upstream's error page: 40 KB of HTML over many lines.
fn html_page() -> String {
    let row = "<tr>\r\n\t<td>502 Bad Gateway</td>\n</tr>\n";
    let mut page = String::from("<!DOCTYPE html>\n<html><body><table>\n");
    while page.len() < 40 * 1024 {
        page.push_str(row);
    }
    page + "</table></body></html>\n"
}

async fn client(server: &NatsServer) -> Client {
    let settings = NatsSettings {
        url: server.url(),
        ..NatsSettings::default()
    };
    soulspot_bus::connect(&settings, "test").await.unwrap()
}

async fn start(server: &NatsServer) -> RunningModule {
    ModuleBuilder::new("library", "0.1.0")
        .capability(failing_search())
        .start(client(server).await)
        .await
        .unwrap()
}

async fn search(caller: &Client, query: &str) -> Result<Value, RequestError> {
    request_json(
        caller,
        "soulspot.library.search.track",
        &json!({"query": query}),
        &MessageContext::default(),
        DEADLINE,
    )
    .await
}

/// The service error a request ended with; anything else (a timeout above all) fails.
async fn refusal(caller: &Client, query: &str) -> (u16, String, RequestError) {
    let error = search(caller, query).await.unwrap_err();
    let RequestError::Service { code, message, .. } = &error else {
        panic!("expected a service error reply, got {error:?}");
    };
    (*code, message.clone(), error)
}

async fn still_serves(caller: &Client) {
    let reply = search(caller, "anything").await.unwrap();
    assert_eq!(reply["tracks"][0]["title"], "still serving");
}

#[tokio::test]
async fn an_error_text_with_line_breaks_and_a_nul_is_replied_at_once_with_its_code() {
    let server = NatsServer::start().unwrap();
    let _module = start(&server).await;
    let caller = client(&server).await;

    let (code, message, _) = refusal(&caller, "control characters").await;

    assert_eq!(code, 404);
    assert_eq!(message, "no track named \"line one two three\"");
    still_serves(&caller).await;
}

#[tokio::test]
async fn a_40_kb_html_error_page_is_replied_at_once_cut_to_a_header() {
    let server = NatsServer::start().unwrap();
    let _module = start(&server).await;
    let caller = client(&server).await;

    let (code, message, _) = refusal(&caller, "html page").await;

    assert_eq!(code, 503);
    assert!(message.starts_with("<!DOCTYPE html> <html>"), "{message}");
    assert!(message.len() <= MAX_HEADER_TEXT, "{} bytes", message.len());
    assert!(!message.chars().any(char::is_control), "{message:?}");
    still_serves(&caller).await;
}

#[tokio::test]
async fn a_busy_module_passes_its_retry_after_to_the_caller() {
    let server = NatsServer::start().unwrap();
    let _module = start(&server).await;
    let caller = client(&server).await;

    let (code, _, error) = refusal(&caller, "busy").await;

    assert_eq!(code, 429);
    assert_eq!(error.kind(), ErrorKind::Busy);
    assert_eq!(error.retry_after(), Some(Duration::from_millis(1_500)));
}
