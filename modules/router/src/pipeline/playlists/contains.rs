//! Asking the library which tracks it holds, in requests that fit its limits: at most 1,000
//! tracks (the contract's `maxItems`) and `[pipeline] contains_batch_bytes` encoded bytes
//! each. A batch the module still refuses as too large (413, its own limit being lower) is
//! halved and asked again, so a playlist of any size syncs.

use std::ops::Range;

use serde_json::json;
use soulspot_bus::MessageContext;
use soulspot_contracts::TrackRef;
use soulspot_contracts::operations::LIBRARY_CONTAINS;

use super::SyncError;
use crate::pipeline::Pipeline;
use crate::route::RouteError;

/// `library.contains` takes at most this many tracks per request (its contract's `maxItems`).
const CONTAINS_MAX_TRACKS: usize = 1_000;
/// The request around its tracks: `{"tracks":[` … `]}`.
const ENVELOPE_BYTES: usize = r#"{"tracks":[]}"#.len();
/// A module's refusal of a request larger than its limit.
const TOO_LARGE: u16 = 413;

/// Consecutive ranges of `tracks`, each of at most `max_tracks` tracks whose request encodes
/// to at most `max_bytes` (a track too large on its own is a batch of its own).
pub(super) fn batches(
    tracks: &[TrackRef],
    max_tracks: usize,
    max_bytes: usize,
) -> Vec<Range<usize>> {
    let mut batches = Vec::new();
    let mut start = 0;
    let mut bytes = ENVELOPE_BYTES;
    for (index, track) in tracks.iter().enumerate() {
        let size = serde_json::to_vec(track).map_or(max_bytes, |encoded| encoded.len());
        let count = index - start;
        let separator = usize::from(count > 0);
        if count > 0 && (count == max_tracks || bytes + separator + size > max_bytes) {
            batches.push(start..index);
            start = index;
            bytes = ENVELOPE_BYTES + size;
        } else {
            bytes += separator + size;
        }
    }
    if start < tracks.len() {
        batches.push(start..tracks.len());
    }
    batches
}

impl Pipeline {
    /// Which tracks the library holds; all `false` (with a warning) when no library answers,
    /// so the sync still queues what it must.
    pub(super) async fn library_holds(
        &self,
        tracks: &[TrackRef],
        context: &MessageContext,
    ) -> Result<Vec<bool>, SyncError> {
        let mut present = Vec::with_capacity(tracks.len());
        // A stack of batches still to ask, the next on top.
        let mut pending = batches(tracks, CONTAINS_MAX_TRACKS, self.contains_batch_bytes);
        pending.reverse();
        while let Some(range) = pending.pop() {
            let batch = &tracks[range.clone()];
            match self
                .router
                .route(LIBRARY_CONTAINS, &json!({"tracks": batch}), context)
                .await
            {
                Ok(reply) => {
                    let answers: Vec<bool> = serde_json::from_value(reply["present"].clone())
                        .map_err(|error| SyncError::Reply(error.to_string()))?;
                    if answers.len() != batch.len() {
                        return Err(SyncError::Reply(format!(
                            "library answered {} of {} tracks",
                            answers.len(),
                            batch.len()
                        )));
                    }
                    present.extend(answers);
                }
                Err(RouteError::Rejected {
                    code: TOO_LARGE, ..
                }) if batch.len() > 1 => {
                    let middle = range.start + batch.len() / 2;
                    tracing::debug!(
                        tracks = batch.len(),
                        "library.contains batch too large for the module, halved"
                    );
                    pending.push(middle..range.end);
                    pending.push(range.start..middle);
                }
                Err(RouteError::ModuleNotAvailable { .. }) => {
                    tracing::warn!(
                        module = "library",
                        operation = LIBRARY_CONTAINS,
                        status = "inactive",
                        impact = "tracks already in the library may be downloaded again",
                        action = "start the library module",
                        "library not consulted"
                    );
                    present.extend(std::iter::repeat_n(false, batch.len()));
                }
                Err(error) => return Err(error.into()),
            }
        }
        Ok(present)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(n: usize) -> TrackRef {
        serde_json::from_value(json!({
            "title": format!("Track number {n} with a long enough title"),
            "artist": format!("Artist {}", n % 7),
            "spotify_id": format!("{n:022}"),
        }))
        .unwrap()
    }

    #[test]
    fn batches_cover_every_track_in_order_and_each_request_fits_the_byte_limit() {
        let tracks: Vec<TrackRef> = (0..2_500).map(track).collect();
        let limit = 16 * 1024;

        let ranges = batches(&tracks, CONTAINS_MAX_TRACKS, limit);

        assert!(ranges.len() > 3, "{ranges:?}");
        let mut next = 0;
        for range in &ranges {
            assert_eq!(range.start, next);
            next = range.end;
            let request = serde_json::to_vec(&json!({"tracks": &tracks[range.clone()]})).unwrap();
            assert!(request.len() <= limit, "{} bytes", request.len());
            let one_more = (range.end < tracks.len()).then(|| {
                serde_json::to_vec(&json!({"tracks": &tracks[range.start..=range.end]})).unwrap()
            });
            if let Some(one_more) = one_more {
                assert!(one_more.len() > limit, "batches are as full as they may be");
            }
        }
        assert_eq!(next, tracks.len());
    }

    #[test]
    fn batches_hold_at_most_the_contract_s_track_count() {
        let tracks: Vec<TrackRef> = (0..2_001).map(track).collect();

        let ranges = batches(&tracks, CONTAINS_MAX_TRACKS, usize::MAX);

        assert_eq!(ranges, vec![0..1_000, 1_000..2_000, 2_000..2_001]);
    }
}
