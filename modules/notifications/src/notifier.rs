//! `notify.track_ready` itself: one notification, delivered to every channel concurrently,
//! at most once per (job, channel), each outcome recorded for health and metrics.

use std::time::Instant;

use futures::future::join_all;
use soulspot_contracts::payloads::{ChannelResult, NotifyTrackReadyReply, NotifyTrackReadyRequest};
use time::OffsetDateTime;

use crate::channels::ChannelSettings;
use crate::dedup::DeliveryLog;
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
        let deliveries = self
            .channels
            .iter()
            .map(|channel| self.deliver(channel, &notification));
        NotifyTrackReadyReply {
            channels: join_all(deliveries).await,
        }
    }

    async fn deliver(
        &self,
        channel: &ChannelSettings,
        notification: &Notification,
    ) -> ChannelResult {
        let name = channel.name();
        let job_id = notification.job_id();
        if let Some(job_id) = job_id
            && self.already_delivered(job_id, name).await
        {
            tracing::info!(
                channel = name,
                "notification already delivered for this job, not sent again"
            );
            count(channel, "deduplicated");
            return ChannelResult {
                channel: name.to_owned(),
                ok: true,
                attempts: 0,
                error: None,
                deduplicated: true,
            };
        }
        let started = Instant::now();
        let report = channel
            .deliver(&self.http, notification, &self.policy)
            .await;
        metrics::histogram!("soulspot_notifications_delivery_seconds", "kind" => channel.kind())
            .record(started.elapsed().as_secs_f64());
        self.health.record(name, &report);
        log_outcome(channel, &report);
        if let Some(job_id) = job_id
            && report.ok
        {
            self.remember(job_id, name, report.attempts).await;
        }
        ChannelResult {
            channel: name.to_owned(),
            ok: report.ok,
            attempts: report.attempts,
            error: report.error,
            deduplicated: false,
        }
    }

    /// A log that cannot be read must not cost the user a notification: send it (at least
    /// once beats at most once here).
    async fn already_delivered(&self, job_id: &str, channel: &str) -> bool {
        self.log
            .was_delivered(job_id, channel)
            .await
            .unwrap_or_else(|error| {
                tracing::warn!(channel, %error, "delivery log unreadable, sending anyway");
                false
            })
    }

    async fn remember(&self, job_id: &str, channel: &str, attempts: u32) {
        if let Err(error) = self.log.record(job_id, channel, attempts).await {
            tracing::warn!(channel, %error, "delivery not recorded, a repeated call would send it again");
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
