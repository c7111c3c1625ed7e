//! Searches: matching the catalog's peers, slskd's JSON shapes, and time-derived state.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use soulspot_common::text::{fold, words};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::catalog::{Peer, PeerFile};
use crate::state::Shared;

/// `POST /api/v0/searches` body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SearchRequest {
    pub id: Option<Uuid>,
    pub search_text: Option<String>,
    /// Milliseconds.
    pub search_timeout: Option<u64>,
    pub response_limit: Option<usize>,
    pub file_limit: Option<usize>,
    pub filter_responses: Option<bool>,
    pub maximum_peer_queue_length: Option<u32>,
    pub minimum_peer_upload_speed: Option<u64>,
    pub minimum_response_file_count: Option<usize>,
}

/// One peer's answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SearchResponse {
    pub username: String,
    pub file_count: usize,
    pub files: Vec<FileJson>,
    pub has_free_upload_slot: bool,
    pub locked_file_count: usize,
    pub locked_files: Vec<FileJson>,
    pub queue_length: u32,
    pub token: u32,
    pub upload_speed: u64,
}

/// A file in a search response; unknown attributes are omitted, not null.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FileJson {
    pub filename: String,
    pub size: u64,
    pub code: u32,
    pub extension: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bit_rate: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bit_depth: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample_rate: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_variable_bit_rate: Option<bool>,
    pub is_locked: bool,
}

/// The `Search` object.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SearchJson {
    pub id: Uuid,
    pub search_text: String,
    pub state: &'static str,
    pub is_complete: bool,
    pub file_count: usize,
    pub locked_file_count: usize,
    pub response_count: usize,
    pub responses: Vec<SearchResponse>,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub ended_at: Option<OffsetDateTime>,
    pub token: u32,
}

/// A search as stored: all responses are known up front and revealed as time passes.
#[derive(Debug)]
struct SearchRecord {
    id: Uuid,
    search_text: String,
    token: u32,
    started_at: OffsetDateTime,
    started: Instant,
    runs_for: Duration,
    completion_state: &'static str,
    responses: Vec<SearchResponse>,
}

impl SearchRecord {
    fn view(&self, include_responses: bool) -> SearchJson {
        let elapsed = self.started.elapsed();
        let is_complete = elapsed >= self.runs_for;
        let visible = if is_complete {
            self.responses.len()
        } else {
            let share = elapsed.as_secs_f64() / self.runs_for.as_secs_f64().max(f64::EPSILON);
            (self.responses.len() as f64 * share).floor() as usize
        };
        let shown = &self.responses[..visible.min(self.responses.len())];
        SearchJson {
            id: self.id,
            search_text: self.search_text.clone(),
            state: if is_complete {
                self.completion_state
            } else {
                "InProgress"
            },
            is_complete,
            file_count: shown.iter().map(|response| response.file_count).sum(),
            locked_file_count: shown
                .iter()
                .map(|response| response.locked_file_count)
                .sum(),
            response_count: shown.len(),
            responses: if include_responses {
                shown.to_vec()
            } else {
                Vec::new()
            },
            started_at: self.started_at,
            ended_at: is_complete.then(|| self.started_at + self.runs_for),
            token: self.token,
        }
    }
}

/// All searches, in creation order.
#[derive(Debug, Default)]
pub(super) struct SearchStore {
    records: Vec<SearchRecord>,
    next_token: u32,
    by_id: HashMap<Uuid, usize>,
}

impl SearchStore {
    pub fn contains(&self, id: Uuid) -> bool {
        self.by_id.contains_key(&id)
    }

    /// The token the next search will carry.
    pub fn next_token(&mut self) -> u32 {
        self.next_token += 1;
        self.next_token
    }

    /// Records a new search with its precomputed answers and returns its first view.
    pub fn start(
        &mut self,
        shared: &Shared,
        id: Uuid,
        text: &str,
        request: &SearchRequest,
        answers: Answers,
    ) -> SearchJson {
        let Answers {
            token,
            responses,
            completion_state,
        } = answers;
        let timeout = request
            .search_timeout
            .map_or(Duration::MAX, Duration::from_millis);
        let record = SearchRecord {
            id,
            search_text: text.to_owned(),
            token,
            started_at: OffsetDateTime::now_utc(),
            started: Instant::now(),
            runs_for: shared.config.timing.search_duration.min(timeout),
            completion_state,
            responses,
        };
        let view = record.view(false);
        self.by_id.insert(id, self.records.len());
        self.records.push(record);
        view
    }

    pub fn view(&self, id: Uuid, include_responses: bool) -> Option<SearchJson> {
        let index = *self.by_id.get(&id)?;
        Some(self.records.get(index)?.view(include_responses))
    }

    pub fn list(&self) -> Vec<SearchJson> {
        self.records
            .iter()
            .map(|record| record.view(false))
            .collect()
    }

    pub fn remove(&mut self, id: Uuid) -> bool {
        let Some(index) = self.by_id.remove(&id) else {
            return false;
        };
        self.records.remove(index);
        self.by_id = self
            .records
            .iter()
            .enumerate()
            .map(|(position, record)| (record.id, position))
            .collect();
        true
    }
}

/// What the network answered to one search.
#[derive(Debug)]
pub(super) struct Answers {
    token: u32,
    responses: Vec<SearchResponse>,
    completion_state: &'static str,
}

/// Peers' answers to `text`, after slskd's response filters and limits. Computed
/// outside the store's lock because it renders audio to learn file sizes.
pub(super) fn find_answers(
    shared: &Shared,
    text: &str,
    request: &SearchRequest,
    token: u32,
) -> Answers {
    let (responses, completion_state) = find_responses(shared, text, request, token);
    Answers {
        token,
        responses,
        completion_state,
    }
}

fn find_responses(
    shared: &Shared,
    text: &str,
    request: &SearchRequest,
    token: u32,
) -> (Vec<SearchResponse>, &'static str) {
    let catalog = shared.catalog();
    let terms = SearchTerms::parse(text);
    if terms.is_blocked(&catalog.blocked_search_terms) {
        tracing::info!(text, "search silently dropped by the server");
        return (Vec::new(), "Completed, TimedOut");
    }
    let filter = request.filter_responses.unwrap_or(true);
    let max_queue = request.maximum_peer_queue_length.unwrap_or(1_000_000);
    let min_speed = request.minimum_peer_upload_speed.unwrap_or(0);
    let min_files = request.minimum_response_file_count.unwrap_or(1);
    let response_limit = request.response_limit.unwrap_or(100);
    let file_limit = request.file_limit.unwrap_or(10_000);
    let mut responses = Vec::new();
    let mut file_total = 0;
    for peer in &catalog.peers {
        let response = peer_response(shared, peer, &terms, token);
        let total_files = response.file_count + response.locked_file_count;
        if total_files == 0 {
            continue;
        }
        let passes = !filter
            || (response.queue_length <= max_queue
                && response.upload_speed >= min_speed
                && total_files >= min_files);
        if !passes {
            continue;
        }
        file_total += response.file_count;
        responses.push(response);
        if responses.len() >= response_limit {
            return (responses, "Completed, ResponseLimitReached");
        }
        if file_total >= file_limit {
            return (responses, "Completed, FileLimitReached");
        }
    }
    (responses, "Completed, TimedOut")
}

fn peer_response(shared: &Shared, peer: &Peer, terms: &SearchTerms, token: u32) -> SearchResponse {
    let (locked, unlocked): (Vec<&PeerFile>, Vec<&PeerFile>) = peer
        .files
        .iter()
        .filter(|file| terms.matches(&file.filename))
        .partition(|file| file.locked);
    let files: Vec<FileJson> = unlocked
        .iter()
        .map(|file| file_json(shared, file))
        .collect();
    let locked_files: Vec<FileJson> = locked.iter().map(|file| file_json(shared, file)).collect();
    SearchResponse {
        username: peer.username.clone(),
        file_count: files.len(),
        files,
        has_free_upload_slot: peer.free_upload_slot,
        locked_file_count: locked_files.len(),
        locked_files,
        queue_length: peer.queue_length,
        token,
        upload_speed: peer.upload_speed,
    }
}

fn file_json(shared: &Shared, file: &PeerFile) -> FileJson {
    let track = shared.catalog().track(&file.track_id);
    let seconds = track.map_or(0, |track| {
        i64::from(track.duration_ms).saturating_add(500) / 1000
    });
    let length = u32::try_from((seconds + i64::from(file.length_offset_secs)).max(0)).ok();
    let is_flac = file.format == crate::audio::AudioFormat::Flac;
    let attributes = file.report_attributes;
    FileJson {
        filename: file.filename.clone(),
        size: shared.file_size(file),
        code: 1,
        extension: if file.report_extension {
            file.format.extension().to_owned()
        } else {
            String::new()
        },
        bit_rate: if is_flac {
            file.bit_rate
        } else {
            Some(file.bit_rate.unwrap_or(320))
        }
        .filter(|_| attributes),
        bit_depth: (is_flac && attributes).then_some(16),
        sample_rate: (is_flac && attributes).then_some(44_100),
        length: length.filter(|_| attributes),
        is_variable_bit_rate: (!is_flac && attributes).then_some(file.variable_bit_rate),
        is_locked: file.locked,
    }
}

/// Soulseek-style terms: words must all appear in the path; `-word` excludes; `*ord`
/// matches any word ending in "ord" (the known workaround for blocked terms).
#[derive(Debug)]
struct SearchTerms {
    required: Vec<String>,
    excluded: Vec<String>,
}

impl SearchTerms {
    fn parse(text: &str) -> Self {
        let mut terms = Self {
            required: Vec::new(),
            excluded: Vec::new(),
        };
        for raw in text.split_whitespace() {
            match raw.strip_prefix('-') {
                Some(word) => terms.excluded.extend(words(word)),
                None => match raw.strip_prefix('*') {
                    Some(suffix) => terms.required.push(format!("*{}", fold(suffix))),
                    None => terms.required.extend(words(raw)),
                },
            }
        }
        terms
    }

    fn is_blocked(&self, blocked: &[String]) -> bool {
        self.required
            .iter()
            .any(|word| blocked.iter().any(|term| fold(term) == *word))
    }

    fn matches(&self, filename: &str) -> bool {
        let path_words = words(filename);
        let has = |term: &String| match term.strip_prefix('*') {
            Some(suffix) => path_words.iter().any(|word| word.ends_with(suffix)),
            None => path_words.contains(term),
        };
        !self.required.is_empty() && self.required.iter().all(has) && !self.excluded.iter().any(has)
    }
}

#[cfg(test)]
mod tests;
