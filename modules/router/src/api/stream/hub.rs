//! One subscription to events and job updates for every live stream, plus the registry's
//! status report each time it changes: a task fans each update out (broadcast) to the streams, each of which forwards what it selects into a bounded
//! buffer. A stream whose buffer is full (its client reads too slowly) is ended with a final
//! `dropped` message; at shutdown every stream ends with a final `closed` message.

use std::sync::Arc;

use async_nats::Client;
use axum::response::sse::Event;
use futures::{Stream, StreamExt};
use serde_json::Value;
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, broadcast, mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::pipeline::JOB_UPDATES_WILDCARD;
use crate::registry::Registry;
use soulspot_contracts::subjects::EVENTS_WILDCARD;

/// What a live stream may carry; the name is its SSE `event:` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateKind {
    /// An event envelope.
    Event,
    /// A job record.
    Job,
    /// The modules status report (`GET /api/modules/status`).
    Status,
}

impl UpdateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Event => "event",
            Self::Job => "job",
            Self::Status => "status",
        }
    }
}

/// One message for the streams, parsed once for all of them.
#[derive(Debug)]
pub struct Update {
    pub kind: UpdateKind,
    pub body: Value,
}

/// Messages held for the slowest stream's forwarder before it misses some (and is dropped).
const FAN_OUT_CAPACITY: usize = 1_024;

/// How a stream ended, when its client did not end it.
#[derive(Debug, Clone, Copy)]
enum Ending {
    Dropped,
    Closed,
}

/// The shared subscription and the limits of the live streams.
#[derive(Debug)]
pub struct StreamHub {
    fan_out: broadcast::Sender<Arc<Update>>,
    slots: Arc<Semaphore>,
    buffer: usize,
    shutdown: CancellationToken,
    subscription: tokio::task::JoinHandle<()>,
    status: tokio::task::JoinHandle<()>,
}

impl Drop for StreamHub {
    fn drop(&mut self) {
        self.subscription.abort();
        self.status.abort();
    }
}

impl StreamHub {
    /// Subscribes once to events and job updates, and follows `registry`'s status report.
    /// `max_streams` streams may be open at once, each buffering up to `buffer` messages its
    /// client has not read.
    pub async fn start(
        client: &Client,
        registry: Arc<Registry>,
        max_streams: usize,
        buffer: usize,
    ) -> Result<Self, async_nats::SubscribeError> {
        let events = client.subscribe(EVENTS_WILDCARD).await?;
        let updates = client.subscribe(JOB_UPDATES_WILDCARD).await?;
        let (fan_out, _) = broadcast::channel(FAN_OUT_CAPACITY);
        let sender = fan_out.clone();
        let subscription = tokio::spawn(async move {
            let mut messages = futures::stream::select(events, updates);
            while let Some(message) = messages.next().await {
                let kind = if message.subject.starts_with("soulspot.events.") {
                    UpdateKind::Event
                } else {
                    UpdateKind::Job
                };
                let Ok(body) = serde_json::from_slice(&message.payload) else {
                    continue;
                };
                // No stream open: nothing to deliver to.
                let _ = sender.send(Arc::new(Update { kind, body }));
            }
        });
        let status = tokio::spawn(follow_status(registry, fan_out.clone()));
        Ok(Self {
            fan_out,
            slots: Arc::new(Semaphore::new(max_streams.max(1))),
            buffer: buffer.max(1),
            shutdown: CancellationToken::new(),
            subscription,
            status,
        })
    }

    /// A slot for one more stream, or `None` when `max_streams` are open.
    pub fn slot(&self) -> Option<OwnedSemaphorePermit> {
        self.slots.clone().try_acquire_owned().ok()
    }

    /// Ends every stream (each with a final `closed` message) and refuses new ones.
    pub fn close_all(&self) {
        self.shutdown.cancel();
        self.slots.close();
    }

    /// A stream of the messages `select` turns into events, holding `slot` until it ends.
    pub fn open<F>(
        &self,
        slot: OwnedSemaphorePermit,
        select: F,
    ) -> impl Stream<Item = Event> + Send + use<F>
    where
        F: Fn(&Update) -> Option<Event> + Send + 'static,
    {
        let mut received = self.fan_out.subscribe();
        let (buffered, unread) = mpsc::channel::<Event>(self.buffer);
        let (ended, ending) = oneshot::channel::<Ending>();
        let shutdown = self.shutdown.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let ending = loop {
                let message = tokio::select! {
                    () = shutdown.cancelled() => break Some(Ending::Closed),
                    () = buffered.closed() => break None,
                    message = received.recv() => message,
                };
                let message = match message {
                    Ok(message) => message,
                    Err(broadcast::error::RecvError::Lagged(_)) => break Some(Ending::Dropped),
                    Err(broadcast::error::RecvError::Closed) => break Some(Ending::Closed),
                };
                let Some(event) = select(&message) else {
                    continue;
                };
                match buffered.try_send(event) {
                    Ok(()) => {}
                    Err(TrySendError::Full(_)) => break Some(Ending::Dropped),
                    Err(TrySendError::Closed(_)) => break None,
                }
            };
            if let Some(ending) = ending {
                if matches!(ending, Ending::Dropped) {
                    tracing::info!("live stream dropped: its client reads too slowly");
                    metrics::counter!("soulspot_api_streams_dropped_total").increment(1);
                }
                let _ = ended.send(ending);
            }
        });
        let messages = futures::stream::unfold(unread, |mut unread| async move {
            unread.recv().await.map(|event| (event, unread))
        });
        let last = futures::stream::once(ending)
            .filter_map(|ending| async move { ending.ok().map(final_message) });
        messages.chain(last)
    }
}

/// Sends the status report each time it differs from the last one sent: a poll that changed
/// nothing sends nothing.
async fn follow_status(registry: Arc<Registry>, sender: broadcast::Sender<Arc<Update>>) {
    let mut changes = registry.changes();
    let mut last: Option<Value> = None;
    while changes.changed().await.is_ok() {
        let Ok(body) = serde_json::to_value(registry.snapshot()) else {
            continue;
        };
        if last.as_ref() == Some(&body) {
            continue;
        }
        last = Some(body.clone());
        let _ = sender.send(Arc::new(Update {
            kind: UpdateKind::Status,
            body,
        }));
    }
}

fn final_message(ending: Ending) -> Event {
    match ending {
        Ending::Dropped => Event::default().event("dropped").data(
            r#"{"reason":"the client read too slowly and missed messages; reconnect to resume"}"#,
        ),
        Ending::Closed => Event::default()
            .event("closed")
            .data(r#"{"reason":"the router is shutting down"}"#),
    }
}
