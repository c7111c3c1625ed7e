//! What the emulators saw clients do, for tests to check behaviour the responses cannot show.

use std::sync::{Mutex, PoisonError};

/// Requests worth remembering, in arrival order.
#[derive(Debug, Default)]
pub struct Observed {
    search_texts: Mutex<Vec<String>>,
}

impl Observed {
    /// The text of every search started on the slskd emulator, deleted ones included.
    pub fn search_texts(&self) -> Vec<String> {
        self.search_texts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn record_search(&self, text: &str) {
        self.search_texts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(text.to_owned());
    }
}
