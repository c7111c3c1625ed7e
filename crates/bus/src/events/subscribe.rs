//! Durable subscriptions: every event of one type, delivered to one consumer even if it was
//! down when the event was published.
//!
//! Handlers run concurrently (up to `max_in_flight`); a handler that errors or panics is logged
//! and its event redelivered as the event store's redelivery policy says, then dead-lettered
//! after its last delivery. It
//! never stops other handlers or other subscriptions. An event that fails validation is
//! dead-lettered at once: redelivering it cannot help.

use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::consumer::pull::{Config, MessagesErrorKind};
use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, PullConsumer};
use async_nats::jetstream::{AckKind, Context, Message};
use futures::{FutureExt, StreamExt};
use soulspot_common::RetryPolicy;
use soulspot_contracts::subjects::{EVENTS_STREAM, events_of_type};
use soulspot_contracts::{Contracts, EventEnvelope};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;
use tracing::Instrument;

use super::dead_letter::{self, DeadLetter};
use super::{EventBus, EventStoreError};
use crate::context::MessageContext;

/// Where a new durable consumer starts; an existing one resumes where it left off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeliverFrom {
    /// Every stored event of the type: a new consumer catches up on history.
    #[default]
    All,
    /// Only events published after the consumer is created.
    New,
}

#[derive(Debug, Clone)]
pub struct SubscribeOptions {
    /// The consuming module (or role); names the durable consumer and the dead-letter subject.
    pub consumer: String,
    pub event_type: String,
    pub deliver_from: DeliverFrom,
    /// Handler invocations running at once.
    pub max_in_flight: usize,
    /// How long a delivered event may go unacknowledged before JetStream redelivers it.
    pub ack_wait: Duration,
}

impl SubscribeOptions {
    pub fn new(consumer: impl Into<String>, event_type: impl Into<String>) -> Self {
        Self {
            consumer: consumer.into(),
            event_type: event_type.into(),
            deliver_from: DeliverFrom::All,
            max_in_flight: 16,
            ack_wait: Duration::from_secs(30),
        }
    }

    /// JetStream consumer names may not contain dots.
    fn durable_name(&self) -> String {
        format!("{}-{}", self.consumer, self.event_type).replace(['.', '*', '>', ' '], "_")
    }
}

/// An event as a handler receives it.
#[derive(Debug, Clone)]
pub struct ReceivedEvent {
    pub envelope: EventEnvelope,
    pub context: MessageContext,
    /// 1 on first delivery.
    pub delivery: i64,
}

/// Why a handler could not process an event; the event is redelivered.
pub struct HandlerError(String);

impl HandlerError {
    pub fn new(reason: impl fmt::Display) -> Self {
        Self(reason.to_string())
    }
}

impl<E: std::error::Error> From<E> for HandlerError {
    fn from(error: E) -> Self {
        Self(error.to_string())
    }
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A running subscription; dropping it stops delivery (the durable consumer remains).
#[derive(Debug)]
pub struct Subscription {
    task: JoinHandle<()>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type Handler = Arc<
    dyn Fn(ReceivedEvent) -> futures::future::BoxFuture<'static, Result<(), HandlerError>>
        + Send
        + Sync,
>;

impl EventBus {
    /// Delivers every event of `options.event_type` to `handler` through a durable consumer.
    pub async fn subscribe<H, Fut>(
        &self,
        options: SubscribeOptions,
        handler: H,
    ) -> Result<Subscription, EventStoreError>
    where
        H: Fn(ReceivedEvent) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
    {
        let durable_name = options.durable_name();
        let consumer =
            create_consumer(&self.jetstream, &options, &self.redelivery, &durable_name).await?;
        let handler: Handler = Arc::new(move |event| handler(event).boxed());
        let worker = Arc::new(Worker {
            jetstream: self.jetstream.clone(),
            contracts: self.contracts,
            in_flight: Arc::new(Semaphore::new(options.max_in_flight.max(1))),
            redelivery: self.redelivery,
            write_retry: self.durability.write_retry,
            service: self.source_module.clone(),
            options,
            handler,
        });
        let task = tokio::spawn(worker.run(consumer));
        Ok(Subscription { task })
    }
}

async fn create_consumer(
    jetstream: &Context,
    options: &SubscribeOptions,
    redelivery: &RetryPolicy,
    durable_name: &str,
) -> Result<PullConsumer, EventStoreError> {
    let failed = |error: &dyn fmt::Display| EventStoreError::Consumer {
        consumer: durable_name.to_owned(),
        message: error.to_string(),
    };
    let config = Config {
        durable_name: Some(durable_name.to_owned()),
        filter_subject: events_of_type(&options.event_type),
        ack_policy: AckPolicy::Explicit,
        ack_wait: options.ack_wait,
        // JetStream counts deliveries as the policy counts tries; -1 is "no limit".
        max_deliver: match redelivery.max_attempts {
            0 => -1,
            attempts => i64::from(attempts),
        },
        // No more outstanding than handlers: an event waiting for a slot would run out its
        // ack_wait unattended and be delivered twice.
        max_ack_pending: options.max_in_flight.max(1) as i64,
        deliver_policy: match options.deliver_from {
            DeliverFrom::All => DeliverPolicy::All,
            DeliverFrom::New => DeliverPolicy::New,
        },
        ..Default::default()
    };
    let stream = jetstream
        .get_stream(EVENTS_STREAM)
        .await
        .map_err(|error| failed(&error))?;
    stream
        .get_or_create_consumer(durable_name, config)
        .await
        .map_err(|error| failed(&error))
}

struct Worker {
    jetstream: Context,
    contracts: &'static Contracts,
    options: SubscribeOptions,
    redelivery: RetryPolicy,
    write_retry: RetryPolicy,
    /// The service consuming, named on its spans.
    service: String,
    handler: Handler,
    in_flight: Arc<Semaphore>,
}

impl Worker {
    /// Pulls for ever: across NATS restarts, and recreating the consumer if it was deleted.
    async fn run(self: Arc<Self>, mut consumer: PullConsumer) {
        let durable_name = self.options.durable_name();
        loop {
            match consumer.messages().await {
                Ok(mut messages) => {
                    while let Some(next) = messages.next().await {
                        match next {
                            Ok(message) => self.clone().dispatch(message).await,
                            Err(error) if error.kind() == MessagesErrorKind::ConsumerDeleted => {
                                break;
                            }
                            Err(error) => {
                                tracing::debug!(consumer = %durable_name, %error, "event pull interrupted")
                            }
                        }
                    }
                }
                Err(error) => tracing::warn!(consumer = %durable_name, %error, "event pull failed"),
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            match create_consumer(
                &self.jetstream,
                &self.options,
                &self.redelivery,
                &durable_name,
            )
            .await
            {
                Ok(recreated) => consumer = recreated,
                Err(error) => {
                    tracing::warn!(consumer = %durable_name, %error, "consumer not recreated yet")
                }
            }
        }
    }

    /// Waits for a free handler slot, then handles the message on its own task.
    async fn dispatch(self: Arc<Self>, message: Message) {
        let Ok(permit) = self.in_flight.clone().acquire_owned().await else {
            return;
        };
        tokio::spawn(self.handle(message, permit));
    }

    async fn handle(self: Arc<Self>, message: Message, _permit: OwnedSemaphorePermit) {
        let delivery = message.info().map(|info| info.delivered).unwrap_or(1);
        let envelope = match self.accept(&message) {
            Ok(envelope) => envelope,
            Err(reason) => {
                self.dead_letter(&message, reason, delivery).await;
                return;
            }
        };
        let context = MessageContext::from_headers(message.headers.as_ref());
        let span = tracing::info_span!(
            "event",
            otel.name = %format!("consume {}", envelope.event_type),
            otel.kind = "consumer",
            soulspot.service = %self.service,
            consumer = %self.options.consumer,
            event_type = %envelope.event_type,
            event_id = %envelope.event_id,
            correlation_id = context.correlation_id.as_deref().unwrap_or(""),
            trace_id = %context.trace_id(),
            delivery,
        );
        context.continue_in(&span);
        let received = ReceivedEvent {
            envelope,
            context,
            delivery,
        };
        let handler = self.handler.clone();
        let outcome = AssertUnwindSafe(async move { handler(received).await })
            .catch_unwind()
            .instrument(span.clone())
            .await;
        let failure = match outcome {
            Ok(Ok(())) => None,
            Ok(Err(error)) => Some(error.to_string()),
            Err(panic) => Some(format!(
                "handler panicked: {}",
                panic_message(panic.as_ref())
            )),
        };
        let _entered = span.enter();
        let deliveries = u32::try_from(delivery).unwrap_or(u32::MAX);
        match failure {
            None => acknowledge(&message, AckKind::Ack).await,
            Some(reason) if !self.redelivery.allows(deliveries) => {
                tracing::error!(%reason, "event handler failed on its last delivery");
                self.dead_letter(&message, reason, delivery).await;
            }
            Some(reason) => {
                let pause = self.redelivery.pause(deliveries);
                tracing::warn!(%reason, ?pause, "event handler failed, will redeliver");
                acknowledge(&message, AckKind::Nak(Some(pause))).await;
            }
        }
    }

    /// Decodes and validates an event; `Err` is the reason to dead-letter it.
    fn accept(&self, message: &Message) -> Result<EventEnvelope, String> {
        let envelope: EventEnvelope = serde_json::from_slice(&message.payload)
            .map_err(|error| format!("malformed event envelope: {error}"))?;
        if envelope.event_type != self.options.event_type {
            return Err(format!(
                "event type `{}` on a subscription to `{}`",
                envelope.event_type, self.options.event_type
            ));
        }
        self.contracts
            .validate_event(
                &envelope.event_type,
                &envelope.schema_version,
                &envelope.data,
            )
            .map_err(|violation| violation.to_string())?;
        Ok(envelope)
    }

    async fn dead_letter(&self, message: &Message, reason: String, deliveries: i64) {
        let letter = DeadLetter {
            consumer: self.options.consumer.clone(),
            subject: message.subject.to_string(),
            reason,
            payload: String::from_utf8_lossy(&message.payload).into_owned(),
            deliveries,
        };
        let headers = message.headers.as_ref();
        let ack = if dead_letter::send(&self.jetstream, &letter, headers, &self.write_retry).await {
            AckKind::Term
        } else {
            AckKind::Nak(Some(Duration::from_secs(5)))
        };
        acknowledge(message, ack).await;
    }
}

async fn acknowledge(message: &Message, kind: AckKind) {
    if let Err(error) = message.ack_with(kind).await {
        tracing::warn!(subject = %message.subject, %error, "event acknowledgement failed");
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}
