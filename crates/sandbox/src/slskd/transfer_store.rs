//! Download records, their slskd JSON shape, and the grouped listing.

use std::collections::HashMap;

use serde::Serialize;
use time::OffsetDateTime;
use tokio::sync::watch;
use uuid::Uuid;

/// One download as slskd tracks it.
#[derive(Debug)]
pub(super) struct TransferRecord {
    pub id: Uuid,
    pub username: String,
    pub filename: String,
    pub size: u64,
    pub state: &'static str,
    pub requested_at: OffsetDateTime,
    pub enqueued_at: Option<OffsetDateTime>,
    pub started_at: Option<OffsetDateTime>,
    pub ended_at: Option<OffsetDateTime>,
    pub bytes_transferred: u64,
    pub place_in_queue: Option<u32>,
    pub exception: Option<String>,
    pub attempts: u32,
    /// Set to `true` to stop the worker moving this transfer along.
    pub cancel: watch::Sender<bool>,
}

impl TransferRecord {
    pub fn is_complete(&self) -> bool {
        self.state.starts_with("Completed")
    }

    /// Marks the transfer finished in `state`.
    pub fn finish(&mut self, state: &'static str, exception: Option<String>) {
        self.state = state;
        self.exception = exception;
        self.place_in_queue = None;
        self.ended_at = Some(OffsetDateTime::now_utc());
    }

    pub fn json(&self) -> TransferJson {
        let elapsed_secs = self.started_at.map_or(0.0, |started| {
            let until = self.ended_at.unwrap_or_else(OffsetDateTime::now_utc);
            (until - started).as_seconds_f64()
        });
        let average_speed = if elapsed_secs > 0.0 {
            self.bytes_transferred as f64 / elapsed_secs
        } else {
            0.0
        };
        let percent_complete = if self.size == 0 {
            0.0
        } else {
            100.0 * self.bytes_transferred as f64 / self.size as f64
        };
        TransferJson {
            id: self.id,
            username: self.username.clone(),
            direction: "Download",
            filename: self.filename.clone(),
            size: self.size,
            start_offset: 0,
            state: self.state,
            requested_at: self.requested_at,
            enqueued_at: self.enqueued_at,
            started_at: self.started_at,
            ended_at: self.ended_at,
            bytes_transferred: self.bytes_transferred,
            average_speed,
            bytes_remaining: self.size.saturating_sub(self.bytes_transferred),
            percent_complete,
            place_in_queue: self.place_in_queue,
            exception: self.exception.clone(),
            attempts: self.attempts,
        }
    }
}

/// slskd's `Transfer`; null fields omitted.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TransferJson {
    pub id: Uuid,
    pub username: String,
    pub direction: &'static str,
    pub filename: String,
    pub size: u64,
    pub start_offset: u64,
    pub state: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub enqueued_at: Option<OffsetDateTime>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub started_at: Option<OffsetDateTime>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub ended_at: Option<OffsetDateTime>,
    pub bytes_transferred: u64,
    pub average_speed: f64,
    pub bytes_remaining: u64,
    pub percent_complete: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place_in_queue: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception: Option<String>,
    pub attempts: u32,
}

/// `GET /transfers/downloads` groups by user, then by remote directory.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UserTransfers {
    pub username: String,
    pub directories: Vec<DirectoryTransfers>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DirectoryTransfers {
    pub directory: String,
    pub file_count: usize,
    pub files: Vec<TransferJson>,
}

/// Every download, in request order, plus attempt counts per (user, file).
#[derive(Debug, Default)]
pub(super) struct TransferStore {
    records: Vec<TransferRecord>,
    attempts: HashMap<(String, String), u32>,
}

impl TransferStore {
    /// Counts and returns the attempt number of a new download of this file.
    pub fn next_attempt(&mut self, username: &str, filename: &str) -> u32 {
        let count = self
            .attempts
            .entry((username.to_owned(), filename.to_owned()))
            .or_insert(0);
        *count += 1;
        *count
    }

    pub fn is_active(&self, username: &str, filename: &str) -> bool {
        self.records.iter().any(|record| {
            record.username == username && record.filename == filename && !record.is_complete()
        })
    }

    pub fn insert(&mut self, record: TransferRecord) {
        self.records.push(record);
    }

    pub fn get(&self, username: &str, id: Uuid) -> Option<&TransferRecord> {
        self.records
            .iter()
            .find(|record| record.id == id && record.username == username)
    }

    /// Applies `change` to a transfer; `false` once it no longer exists.
    pub fn update(&mut self, id: Uuid, change: impl FnOnce(&mut TransferRecord)) -> bool {
        match self.records.iter_mut().find(|record| record.id == id) {
            Some(record) => {
                change(record);
                true
            }
            None => false,
        }
    }

    pub fn remove(&mut self, id: Uuid) {
        self.records.retain(|record| record.id != id);
    }

    /// Grouped listing, optionally for one user.
    pub fn grouped(&self, only_user: Option<&str>) -> Vec<UserTransfers> {
        let mut users: Vec<UserTransfers> = Vec::new();
        let wanted = self
            .records
            .iter()
            .filter(|record| only_user.is_none_or(|user| record.username == user));
        for record in wanted {
            let directory = record
                .filename
                .rsplit_once('\\')
                .map_or("", |(directory, _)| directory)
                .to_owned();
            let user_index = match users
                .iter()
                .position(|user| user.username == record.username)
            {
                Some(index) => index,
                None => {
                    users.push(UserTransfers {
                        username: record.username.clone(),
                        directories: Vec::new(),
                    });
                    users.len() - 1
                }
            };
            let Some(user) = users.get_mut(user_index) else {
                continue;
            };
            match user
                .directories
                .iter_mut()
                .find(|group| group.directory == directory)
            {
                Some(group) => group.files.push(record.json()),
                None => user.directories.push(DirectoryTransfers {
                    directory,
                    file_count: 0,
                    files: vec![record.json()],
                }),
            }
        }
        for directory in users
            .iter_mut()
            .flat_map(|user| user.directories.iter_mut())
        {
            directory.file_count = directory.files.len();
        }
        users
    }
}
