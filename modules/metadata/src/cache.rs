//! A bounded map that forgets the least recently used entry when full: look-ups are cached
//! because MusicBrainz allows one request per second and a playlist often repeats albums.

use std::collections::HashMap;

/// At most `capacity` entries; capacity 0 caches nothing.
#[derive(Debug)]
pub struct LruCache<V> {
    capacity: usize,
    /// Each value with the tick of its last use.
    entries: HashMap<String, (V, u64)>,
    clock: u64,
}

impl<V: Clone> LruCache<V> {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: HashMap::new(),
            clock: 0,
        }
    }

    /// The value under `key`, which becomes the most recently used.
    pub fn get(&mut self, key: &str) -> Option<V> {
        self.clock += 1;
        let clock = self.clock;
        self.entries.get_mut(key).map(|(value, used)| {
            *used = clock;
            value.clone()
        })
    }

    /// Stores `value`, evicting the least recently used entry if the cache is full.
    /// Eviction scans every entry: fine for the few thousand entries this cache holds.
    pub fn insert(&mut self, key: String, value: V) {
        if self.capacity == 0 {
            return;
        }
        if !self.entries.contains_key(&key) && self.entries.len() >= self.capacity {
            self.evict_least_recently_used();
        }
        self.clock += 1;
        self.entries.insert(key, (value, self.clock));
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    fn evict_least_recently_used(&mut self) {
        let oldest = self
            .entries
            .iter()
            .min_by_key(|(_, (_, used))| *used)
            .map(|(key, _)| key.clone());
        if let Some(key) = oldest {
            self.entries.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_at_most_capacity_entries_dropping_the_least_recently_used() {
        let mut cache = LruCache::new(2);
        cache.insert("a".to_owned(), 1);
        cache.insert("b".to_owned(), 2);
        assert_eq!(cache.get("a"), Some(1));
        cache.insert("c".to_owned(), 3);
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.get("b"), None, "b was the least recently used");
        assert_eq!(cache.get("a"), Some(1));
        assert_eq!(cache.get("c"), Some(3));
    }

    #[test]
    fn replacing_a_key_does_not_evict_another() {
        let mut cache = LruCache::new(2);
        cache.insert("a".to_owned(), 1);
        cache.insert("b".to_owned(), 2);
        cache.insert("a".to_owned(), 10);
        assert_eq!(cache.get("a"), Some(10));
        assert_eq!(cache.get("b"), Some(2));
    }

    #[test]
    fn capacity_zero_caches_nothing() {
        let mut cache = LruCache::new(0);
        cache.insert("a".to_owned(), 1);
        assert_eq!(cache.get("a"), None);
    }
}
