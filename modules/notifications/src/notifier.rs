//! Delivery of one notification (`notify.track_ready`, or a failed job): to every channel
//! concurrently, at most once per (job, kind, channel) — the key is claimed in the delivery
//! log before sending — each outcome recorded for health and metrics.

use std::time::Instant;

use futures::future::join_all;
use soulspot_contracts::payloads::{ChannelResult, NotifyTrackReadyReply, NotifyTrackReadyRequest};
use time::OffsetDateTime;

use crate::channels::ChannelSettings;
use crate::dedup::{Claim, DeliveryLog, Held};
use crate::delivery::{DeliveryPolicy, DeliveryReport};
use crate::health::ChannelHealth;
use crate::message::Notification;

/// Delivers notifications; cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct Notifier {
    channels: Vec<ChannelSettings>,
    http: reqwest::Client,
    policy: DeliveryPolicy,
    log: DeliveryLog,
    health: ChannelHealth,
}

impl Notifier {
    pub fn new(
        channels: Vec<ChannelSettings>,
        http: reqwest::Client,
        policy: DeliveryPolicy,
        log: DeliveryLog,
        health: ChannelHealth,
    ) -> Self {
        Self {
            channels,
            http,
            policy,
            log,
            health,
        }
    }

    /// Sends `request` on every channel and reports each; failures are results, not errors.
    #[tracing::instrument(skip_all, fields(job_id = request.job_id.as_deref().unwrap_or_default()))]
    pub async fn notify(&self, request: NotifyTrackReadyRequest) -> NotifyTrackReadyReply {
        let notification = Notification::new(request, OffsetDateTime::now_utc());
        NotifyTrackReadyReply {
            channels: self.deliver_everywhere(&notification).await,
        }
    }

    /// Sends `notification` on every channel and reports each, in channel order.
    pub async fn deliver_everywhere(&self, notification: &Notification) -> Vec<ChannelResult> {
        let deliveries = self
            .channels
            .iter()
            .map(|channel| self.deliver(channel, notification));
        join_all(deliveries).await
    }

    async fn deliver(
        &self,
        channel: &ChannelSettings,
        notification: &Notification,
    ) -> ChannelResult {
        let name = channel.name();
        let held = match notification.dedup_key() {
            Some(key) => match self.claim(&key, name).await {
                Ok(held) => held,
                Err(result) => {
                    count(channel, "deduplicated");
                    return result;
                }
            },
            None => None,
        };
        let started = Instant::now();
        let report = channel
            .deliver(&self.http, notification, &self.policy)
            .await;
        metrics::histogram!("soulspot_notifications_delivery_seconds", "kind" => channel.kind())
            .record(started.elapsed().as_secs_f64());
        self.health.record(name, &report);
        log_outcome(channel, &report);
        if let Some(held) = held {
            self.settle(held, name, &report).await;
        }
        ChannelResult {
            channel: name.to_owned(),
            ok: report.ok,
            attempts: report.attempts,
            error: report.error,
            deduplicated: false,
        }
    }

    /// Claims (job, channel) before sending. `Err` is the reply when another call delivered
    /// it or is delivering it now. A log that cannot be written must not cost the user a
    /// notification: send it unclaimed (at least once beats at most once here).
    async fn claim(&self, job_id: &str, channel: &str) -> Result<Option<Held>, ChannelResult> {
        let skipped = || ChannelResult {
            channel: channel.to_owned(),
            ok: true,
            attempts: 0,
            error: None,
            deduplicated: true,
        };
        match self.log.claim(job_id, channel).await {
            Ok(Claim::Held(held)) => Ok(Some(held)),
            Ok(Claim::Delivered) => {
                tracing::info!(
                    channel,
                    "notification already delivered for this job, not sent again"
                );
                Err(skipped())
            }
            Ok(Claim::InFlight) => {
                tracing::info!(
                    channel,
                    "notification being delivered by another call, not sent again"
                );
                Err(skipped())
            }
            Err(error) => {
                tracing::warn!(channel, %error, "delivery log unavailable, sending anyway");
                Ok(None)
            }
        }
    }

    /// Marks a delivered pair, or gives a failed one back for a later call to deliver.
    async fn settle(&self, held: Held, channel: &str, report: &DeliveryReport) {
        let settled = if report.ok {
            self.log.delivered(held, report.attempts).await
        } else {
            self.log.release(held).await
        };
        if let Err(error) = settled {
            tracing::warn!(
                channel,
                %error,
                "delivery log not updated, the claim lapses after dedup.claim_timeout_ms"
            );
        }
    }
}

fn log_outcome(channel: &ChannelSettings, report: &DeliveryReport) {
    let name = channel.name();
    let kind = channel.kind();
    if report.ok {
        tracing::info!(
            channel = name,
            kind,
            attempts = report.attempts,
            "notification delivered"
        );
        count(channel, "delivered");
    } else {
        let error = report.error.as_deref().unwrap_or_default();
        tracing::warn!(
            channel = name,
            kind,
            attempts = report.attempts,
            error,
            "notification not delivered"
        );
        count(channel, "failed");
    }
}

fn count(channel: &ChannelSettings, outcome: &'static str) {
    metrics::counter!(
        "soulspot_notifications_total",
        "channel" => channel.name().to_owned(),
        "kind" => channel.kind(),
        "outcome" => outcome
    )
    .increment(1);
}
