//! The shipped NATS accounts hold: nobody gets in without a password, a module can neither forge
//! another's events nor serve its subjects nor read others' replies nor reconfigure the event
//! store, the router serves nothing, and a provider advertising another module's subject is
//! ignored by the router.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use async_nats::{Client, ConnectOptions, Event};
use bytes::Bytes;
use futures::{FutureExt, StreamExt};
use serde_json::{Value, json};
use soulspot_bus::testing::NatsServer;
use soulspot_bus::{Durability, EventBus, EventStoreSettings};
use soulspot_contracts::operations::{metadata_keys, modules};
use soulspot_e2e::{Stack, StackOptions};
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(10);
const FORGED: &str = "soulspot.events.soulseek.download.completed";

/// A client connected as `service`, and the errors the server sends it (refused publishes and
/// subscriptions arrive as `Permissions Violation …`).
async fn connect_as(nats: &NatsServer, service: &str) -> (Client, mpsc::UnboundedReceiver<String>) {
    let settings = nats.settings_for(service);
    let (errors, received) = mpsc::unbounded_channel();
    let client = ConnectOptions::new()
        .user_and_password(
            service.to_owned(),
            settings.password.unwrap().expose().to_owned(),
        )
        .custom_inbox_prefix(soulspot_bus::connect::inbox_prefix(service))
        .event_callback(move |event| {
            let errors = errors.clone();
            async move {
                if let Event::ServerError(error) = event {
                    let _ = errors.send(error.to_string());
                }
            }
        })
        .connect(settings.url)
        .await
        .unwrap();
    (client, received)
}

/// Waits for the server's refusal of `subject`.
async fn refused(errors: &mut mpsc::UnboundedReceiver<String>, subject: &str) -> String {
    let wanted = async {
        while let Some(error) = errors.recv().await {
            if error.contains("Permissions Violation") && error.contains(subject) {
                return error;
            }
        }
        panic!("connection closed before the refusal of {subject}");
    };
    tokio::time::timeout(WAIT, wanted)
        .await
        .unwrap_or_else(|_| panic!("the server did not refuse {subject}"))
}

/// Returns once the server has processed everything `client` sent before: a message to its own
/// inbox comes back only after them, and messages to its other subscriptions arrive before it.
async fn round_trip(client: &Client) {
    let inbox = client.new_inbox();
    let mut echo = client.subscribe(inbox.clone()).await.unwrap();
    client.publish(inbox, Bytes::new()).await.unwrap();
    tokio::time::timeout(WAIT, echo.next())
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn a_client_without_a_password_or_with_a_wrong_one_is_refused() {
    let nats = NatsServer::start_with_accounts().unwrap();

    let anonymous = async_nats::connect(nats.url()).await;
    let wrong = ConnectOptions::new()
        .user_and_password("library".to_owned(), "not-the-password".to_owned())
        .connect(nats.url())
        .await;

    assert!(anonymous.is_err(), "an anonymous client got in");
    assert!(wrong.is_err(), "a wrong password got in");
    let (library, _) = connect_as(&nats, modules::LIBRARY).await;
    round_trip(&library).await;
}

#[tokio::test]
async fn the_library_cannot_publish_a_soulseek_event() {
    let nats = NatsServer::start_with_accounts().unwrap();
    let (router, _) = connect_as(&nats, modules::ROUTER).await;
    let events = EventBus::new(
        router.clone(),
        modules::ROUTER,
        &EventStoreSettings::default(),
        Durability::default(),
    )
    .await
    .unwrap();
    let mut watched = router.subscribe("soulspot.events.>").await.unwrap();
    round_trip(&router).await;
    let (library, mut errors) = connect_as(&nats, modules::LIBRARY).await;
    let jetstream = async_nats::jetstream::new(library.clone());

    library
        .publish(FORGED, Bytes::from_static(b"{\"forged\": true}"))
        .await
        .unwrap();
    // Its own events are the library's to publish: stored and delivered after the forged one.
    let own = "soulspot.events.library.sentinel";
    jetstream
        .publish(own, Bytes::from_static(b"{}"))
        .await
        .unwrap()
        .await
        .unwrap();

    refused(&mut errors, FORGED).await;
    let first = tokio::time::timeout(WAIT, watched.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        first.subject.as_str(),
        own,
        "the forged event was delivered"
    );
    let stream = async_nats::jetstream::new(events.client().clone())
        .get_stream("SOULSPOT_EVENTS")
        .await
        .unwrap();
    let stored: Vec<(String, usize)> = stream
        .info_with_subjects("soulspot.events.>")
        .await
        .unwrap()
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(stored, vec![(own.to_owned(), 1)], "{stored:?}");
}

#[tokio::test]
async fn a_module_joins_the_event_store_but_cannot_change_or_delete_it() {
    let nats = NatsServer::start_with_accounts().unwrap();
    let (router, _) = connect_as(&nats, modules::ROUTER).await;
    let settings = EventStoreSettings::default();
    EventBus::owning(
        router.clone(),
        modules::ROUTER,
        &settings,
        Durability::default(),
    )
    .await
    .unwrap();
    let (soulseek, _) = connect_as(&nats, modules::SOULSEEK).await;

    EventBus::new(
        soulseek.clone(),
        modules::SOULSEEK,
        &settings,
        Durability::default(),
    )
    .await
    .unwrap();
    let jetstream = async_nats::jetstream::new(soulseek);
    let mut shortened = jetstream
        .get_stream("SOULSPOT_EVENTS")
        .await
        .unwrap()
        .cached_info()
        .config
        .clone();
    let kept = shortened.max_age;
    shortened.max_age = std::time::Duration::from_secs(1);
    let updated = jetstream.update_stream(&shortened).await;
    let deleted = jetstream.delete_stream("SOULSPOT_EVENTS").await;

    assert!(updated.is_err(), "soulseek changed the event stream");
    assert!(deleted.is_err(), "soulseek deleted the event stream");
    let now = async_nats::jetstream::new(router)
        .get_stream("SOULSPOT_EVENTS")
        .await
        .unwrap()
        .cached_info()
        .config
        .max_age;
    assert_eq!(now, kept);
    assert!(
        nats.permission_violations()
            .iter()
            .any(|line| line.contains("STREAM.UPDATE"))
    );
}

#[tokio::test]
async fn the_library_cannot_serve_a_soulseek_subject() {
    cannot_serve(modules::LIBRARY, "soulspot.soulseek.download.track").await;
}

#[tokio::test]
async fn the_router_cannot_serve_a_module_subject() {
    cannot_serve(modules::ROUTER, "soulspot.library.import.track").await;
}

/// `service` subscribing to `subject` is refused by the server, and a request from the
/// router to `subject` finds no one to answer it.
async fn cannot_serve(service: &str, subject: &'static str) {
    let nats = NatsServer::start_with_accounts().unwrap();
    let (impostor, mut errors) = connect_as(&nats, service).await;
    let (router, _) = connect_as(&nats, modules::ROUTER).await;

    let _served = impostor.subscribe(subject).await.unwrap();
    refused(&mut errors, subject).await;
    round_trip(&impostor).await;
    let reply = tokio::time::timeout(WAIT, router.request(subject, Bytes::from_static(b"{}")))
        .await
        .unwrap();

    let error = reply.unwrap_err();
    assert_eq!(
        error.kind(),
        async_nats::RequestErrorKind::NoResponders,
        "{error}"
    );
}

#[tokio::test]
async fn the_library_cannot_read_the_replies_of_another_service() {
    let nats = NatsServer::start_with_accounts().unwrap();
    let (library, mut errors) = connect_as(&nats, modules::LIBRARY).await;
    let (router, _) = connect_as(&nats, modules::ROUTER).await;
    let mut snooping_router = library.subscribe("_INBOX_router.>").await.unwrap();
    let mut snooping_all = library.subscribe("_INBOX.>").await.unwrap();
    refused(&mut errors, "_INBOX_router.>").await;
    refused(&mut errors, "_INBOX.>").await;
    let mut stats = library.subscribe("soulspot.library.stats").await.unwrap();
    round_trip(&library).await;
    let respond = async {
        let request = stats.next().await.unwrap();
        let reply = request.reply.unwrap();
        library
            .publish(reply, Bytes::from_static(b"{\"tracks\": 0}"))
            .await
            .unwrap();
    };

    let (reply, answered) = tokio::join!(
        tokio::time::timeout(
            WAIT,
            router.request("soulspot.library.stats", Bytes::from_static(b"{}"))
        ),
        tokio::time::timeout(WAIT, respond)
    );

    answered.unwrap();
    let reply = reply.unwrap().unwrap();
    round_trip(&library).await;
    assert!(
        snooping_router.next().now_or_never().flatten().is_none(),
        "the library read a reply meant for the router"
    );
    assert!(
        snooping_all.next().now_or_never().flatten().is_none(),
        "the library read a reply meant for the router"
    );
    assert!(
        reply.subject.starts_with("_INBOX_router."),
        "{}",
        reply.subject
    );
}

#[tokio::test]
async fn a_provider_advertising_another_modules_subject_is_never_routed_to() {
    let stack = Stack::start(StackOptions::default()).await.unwrap();
    let (library, _) = connect_as(&stack.nats, modules::LIBRARY).await;
    let _impostor = advertise_download_track_as_library(&library).await;
    wait_for_instances(&stack, modules::LIBRARY, 2).await;

    let job_id = stack
        .submit(&json!({"query": "Aurora Lane Glass Harbour"}))
        .await
        .unwrap();
    let job = stack
        .wait_for_job(&job_id, Duration::from_secs(60))
        .await
        .unwrap();

    let status = stack.get("/api/modules/status").await.unwrap();
    let providers: Vec<&str> = status["capabilities"]["download.track"]
        .as_array()
        .unwrap()
        .iter()
        .map(|provider| provider["module"].as_str().unwrap())
        .collect();
    assert_eq!(providers, vec![modules::SOULSEEK], "{status}");
    assert_eq!(job["state"], "completed", "{job}");
}

/// A NATS micro service named `library` whose `download.track` endpoint claims soulseek's
/// subject, at a priority above every real provider.
async fn advertise_download_track_as_library(
    client: &Client,
) -> (
    async_nats::service::Service,
    async_nats::service::endpoint::Endpoint,
) {
    use async_nats::service::ServiceExt;

    let service = client
        .service_builder()
        .start(modules::LIBRARY, "9.9.9")
        .await
        .unwrap();
    let metadata = std::collections::HashMap::from([
        (
            metadata_keys::OPERATION.to_owned(),
            "download.track".to_owned(),
        ),
        (metadata_keys::PRIORITY.to_owned(), "1000".to_owned()),
    ]);
    let endpoint = service
        .endpoint_builder()
        .name("download_track")
        .metadata(metadata)
        .add("soulspot.soulseek.download.track")
        .await
        .unwrap();
    (service, endpoint)
}

/// Waits until the router's registry lists `count` instances of `module`.
async fn wait_for_instances(stack: &Stack, module: &str, count: usize) {
    let listed = async {
        loop {
            let status: Value = stack.get("/api/modules/status").await.unwrap();
            let instances = status["modules"]
                .as_array()
                .unwrap()
                .iter()
                .find(|entry| entry["name"] == module)
                .and_then(|entry| entry["instances"].as_array().map(Vec::len));
            if instances == Some(count) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(20), listed)
        .await
        .unwrap_or_else(|_| panic!("the router never listed {count} instances of {module}"));
}

/// `make run` and `make demo` start nats-server with the passwords `scripts/nats_secrets.sh`
/// generates as variables of `deploy/nats/nats.conf`; each must read back as the text it is.
#[test]
fn the_stack_passwords_are_values_nats_server_reads_and_a_broken_one_is_replaced() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let folder = tempfile::tempdir().unwrap();
    // Written by an earlier version of the script: read by nats-server as a bad number.
    let broken = "-TNKAs1qawbmj_CEzT4fv-xfTmOpqWbypAVJ5V9j2qc";
    std::fs::write(folder.path().join("nats-router"), format!("{broken}\n")).unwrap();

    let output = std::process::Command::new(root.join("scripts/nats_secrets.sh"))
        .arg(folder.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let env_file = String::from_utf8(output.stdout).unwrap();
    let variables: Vec<(String, String)> = std::fs::read_to_string(env_file.trim())
        .unwrap()
        .lines()
        .map(|line| {
            let (name, value) = line.split_once('=').unwrap();
            (name.to_owned(), value.to_owned())
        })
        .collect();

    assert_eq!(variables.len(), modules::ALL.len());
    assert!(variables.iter().all(|(_, value)| value != broken));
    let checked = std::process::Command::new(nats_server_binary())
        .args(["-t", "-c"])
        .arg(root.join("deploy/nats/nats.conf"))
        .envs(variables)
        .output()
        .unwrap();
    assert!(checked.status.success(), "{checked:?}");
}

fn nats_server_binary() -> std::path::PathBuf {
    std::env::var_os("SOULSPOT_NATS_SERVER")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| "nats-server".into())
}
