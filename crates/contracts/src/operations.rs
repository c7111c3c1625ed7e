//! Names of modules and of the operations (capabilities) they offer.
//!
//! An operation name is also the tail of its NATS subject: `soulspot.<module>.<operation>`.

/// Resolve free text or partial ids into `TrackRef`s (spotify at priority 10, library at 5).
pub const SEARCH_TRACK: &str = "search.track";
/// List the tracks of a Spotify playlist.
pub const PLAYLIST_TRACKS: &str = "playlist.tracks";
/// Start a download; replies at once with a `download_id` and reports through events.
pub const DOWNLOAD_TRACK: &str = "download.track";
/// Look up MusicBrainz metadata and cover art and write tags into a file.
pub const ENRICH_METADATA: &str = "enrich.metadata";
/// Move a file into the library and index it.
pub const IMPORT_TRACK: &str = "import.track";
/// Which of some tracks the library already holds (playlist sync skips those).
pub const LIBRARY_CONTAINS: &str = "library.contains";
/// Counts of the library's contents.
pub const LIBRARY_STATS: &str = "library.stats";
/// Write a synced playlist's M3U8 file inside the library.
pub const PLAYLIST_WRITE: &str = "playlist.write";
/// Tell the user a track is ready, on every configured channel.
pub const NOTIFY_TRACK_READY: &str = "notify.track_ready";

/// The operation name of every module's health endpoint (not a routable capability).
pub const HEALTH: &str = "health";

/// Every routable operation, in pipeline order.
pub const ALL: [&str; 9] = [
    SEARCH_TRACK,
    PLAYLIST_TRACKS,
    DOWNLOAD_TRACK,
    ENRICH_METADATA,
    IMPORT_TRACK,
    LIBRARY_CONTAINS,
    LIBRARY_STATS,
    PLAYLIST_WRITE,
    NOTIFY_TRACK_READY,
];

/// Module names; each is also the NATS micro service name of its instances.
pub mod modules {
    pub const ROUTER: &str = "router";
    pub const SPOTIFY: &str = "spotify";
    pub const SOULSEEK: &str = "soulseek";
    pub const METADATA: &str = "metadata";
    pub const LIBRARY: &str = "library";
    pub const NOTIFICATIONS: &str = "notifications";
    /// Every service, each with a NATS user of its own name (`deploy/nats/nats.conf`).
    pub const ALL: [&str; 6] = [ROUTER, SPOTIFY, SOULSEEK, METADATA, LIBRARY, NOTIFICATIONS];
}

/// Keys of the NATS micro endpoint metadata through which capabilities are discovered.
pub mod metadata_keys {
    pub const OPERATION: &str = "operation";
    pub const PRIORITY: &str = "priority";
    pub const REQUIRED_MODULES: &str = "required_modules";
    pub const SCHEMA_VERSION: &str = "schema_version";
    /// Service-level metadata: the subject of the module's health endpoint.
    pub const HEALTH_SUBJECT: &str = "health_subject";
}
