//! One subscription to events and job updates for every live stream: a task fans each message
//! out (broadcast) to the streams, each of which forwards what it selects into a bounded
//! buffer. A stream whose buffer is full (its client reads too slowly) is ended with a final
//! `dropped` message; at shutdown every stream ends with a final `closed` message.

use std::sync::Arc;

use async_nats::{Client, Message};
use axum::response::sse::Event;
use futures::{Stream, StreamExt};
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, broadcast, mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::pipeline::JOB_UPDATES_WILDCARD;
use soulspot_contracts::subjects::EVENTS_WILDCARD;

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
    fan_out: broadcast::Sender<Arc<Message>>,
    slots: Arc<Semaphore>,
    buffer: usize,
    shutdown: CancellationToken,
    _subscription: tokio::task::JoinHandle<()>,
}

impl StreamHub {
    /// Subscribes once to events and job updates. `max_streams` streams may be open at once,
    /// each buffering up to `buffer` messages its client has not read.
    pub async fn start(
        client: &Client,
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
                // No stream open: nothing to deliver to.
                let _ = sender.send(Arc::new(message));
            }
        });
        Ok(Self {
            fan_out,
            slots: Arc::new(Semaphore::new(max_streams.max(1))),
            buffer: buffer.max(1),
            shutdown: CancellationToken::new(),
            _subscription: subscription,
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
        F: Fn(&Message) -> Option<Event> + Send + 'static,
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
