//! Failure notifications: the module follows `pipeline.failed` through a durable consumer of
//! the event store and tells every channel which step failed and why.
//!
//! Events rather than a capability the router calls: the failure is already an event, and a
//! durable consumer delivers the ones published while this module was down. The consumer
//! starts at events published after it is first created, so a first start does not replay
//! a month of old failures. A channel that could not be reached has its claim released and
//! the event is redelivered, reaching only the channels that did not get it.

use std::sync::Arc;

use soulspot_bus::{
    DeliverFrom, EventBus, EventStoreError, HandlerError, ReceivedEvent, SubscribeOptions,
    Subscription,
};
use soulspot_contracts::operations::modules;
use soulspot_contracts::payloads::{EventPayload, PipelineFailed};
use time::OffsetDateTime;

use crate::message::Notification;
use crate::notifier::Notifier;

/// Starts delivering a notification for every `pipeline.failed` event; delivery stops when
/// the returned subscription is dropped.
pub async fn follow_failures(
    events: &EventBus,
    notifier: Arc<Notifier>,
) -> Result<Subscription, EventStoreError> {
    let options = SubscribeOptions {
        deliver_from: DeliverFrom::New,
        ..SubscribeOptions::new(modules::NOTIFICATIONS, PipelineFailed::EVENT_TYPE)
    };
    events
        .subscribe(options, move |event| {
            let notifier = notifier.clone();
            async move { notify_failure(&notifier, event).await }
        })
        .await
}

async fn notify_failure(notifier: &Notifier, event: ReceivedEvent) -> Result<(), HandlerError> {
    let failed: PipelineFailed = serde_json::from_value(event.envelope.data)?;
    tracing::info!(
        job_id = %failed.job_id,
        step = %failed.failed_step,
        "job failed, notifying"
    );
    let notification = Notification::job_failed(failed, OffsetDateTime::now_utc());
    let results = notifier.deliver_everywhere(&notification).await;
    let undelivered: Vec<&str> = results
        .iter()
        .filter(|result| !result.ok)
        .map(|result| result.channel.as_str())
        .collect();
    if undelivered.is_empty() {
        Ok(())
    } else {
        Err(HandlerError::new(format!(
            "failure notification not delivered on {}",
            undelivered.join(", ")
        )))
    }
}
