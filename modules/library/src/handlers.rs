//! The library's capabilities on NATS — `import.track` (10), `search.track` (5, the local
//! fallback), `library.contains`, `library.stats` and `playlist.write` — and its health
//! checks; errors become 4xx or 5xx here.

use std::sync::Arc;
use std::time::Instant;

use soulspot_contracts::operations::{
    IMPORT_TRACK, LIBRARY_CONTAINS, LIBRARY_STATS, PLAYLIST_WRITE, SEARCH_TRACK, modules,
};
use soulspot_contracts::payloads::{
    ImportTrackReply, ImportTrackRequest, LibraryContainsReply, LibraryContainsRequest,
    LibraryStatsReply, LibraryStatsRequest, PlaylistWriteReply, PlaylistWriteRequest,
    SearchTrackReply, SearchTrackRequest,
};
use soulspot_runtime::{CallContext, Capability, ModuleBuilder, ServiceError};

use crate::import::ImportError;
use crate::index::IndexError;
use crate::library::Library;
use crate::playlist::PlaylistError;

/// Routing priority of `import.track`.
pub const IMPORT_PRIORITY: u32 = 10;
/// Routing priority of `search.track`: below spotify's 10, so the index answers only when
/// spotify cannot.
pub const SEARCH_PRIORITY: u32 = 5;
/// Routing priority of `library.contains`.
pub const CONTAINS_PRIORITY: u32 = 10;
/// Routing priority of `library.stats`.
pub const STATS_PRIORITY: u32 = 10;
/// Routing priority of `playlist.write`.
pub const PLAYLIST_PRIORITY: u32 = 10;

/// Results of a search without a `limit`.
const DEFAULT_SEARCH_LIMIT: usize = 10;

/// The library module: its capabilities and health checks, ready to start.
pub fn module(library: Arc<Library>) -> ModuleBuilder {
    let importer = library.clone();
    let searcher = library.clone();
    let checker = library.clone();
    let counter = library.clone();
    let playlist_writer = library.clone();
    let root_checker = library.clone();
    let index_checker = library;
    ModuleBuilder::new(modules::LIBRARY, env!("CARGO_PKG_VERSION"))
        .description("files downloaded tracks into the music library and indexes them")
        .capability(Capability::new(
            IMPORT_TRACK,
            IMPORT_PRIORITY,
            move |_: CallContext, request: ImportTrackRequest| import(importer.clone(), request),
        ))
        .capability(Capability::new(
            SEARCH_TRACK,
            SEARCH_PRIORITY,
            move |_: CallContext, request: SearchTrackRequest| search(searcher.clone(), request),
        ))
        .capability(Capability::new(
            LIBRARY_CONTAINS,
            CONTAINS_PRIORITY,
            move |_: CallContext, request: LibraryContainsRequest| {
                contains(checker.clone(), request)
            },
        ))
        .capability(Capability::new(
            LIBRARY_STATS,
            STATS_PRIORITY,
            move |_: CallContext, _: LibraryStatsRequest| stats(counter.clone()),
        ))
        .capability(Capability::new(
            PLAYLIST_WRITE,
            PLAYLIST_PRIORITY,
            move |_: CallContext, request: PlaylistWriteRequest| {
                write_playlist(playlist_writer.clone(), request)
            },
        ))
        .health_check("library_root", move || {
            let library = root_checker.clone();
            async move { blocking(move || library.check_root_writable()).await? }
        })
        .health_check("index", move || {
            let library = index_checker.clone();
            async move { blocking(move || library.check_index()).await? }
        })
}

async fn import(
    library: Arc<Library>,
    request: ImportTrackRequest,
) -> Result<ImportTrackReply, ServiceError> {
    let started = Instant::now();
    let job_id = request.job_id.clone().unwrap_or_default();
    let source = request.file.path.clone();
    let outcome = blocking(move || library.import(&request))
        .await
        .map_err(ServiceError::internal)?;
    metrics::histogram!("soulspot_library_import_duration_seconds")
        .record(started.elapsed().as_secs_f64());
    match outcome {
        Ok(reply) => {
            metrics::counter!("soulspot_library_imports_total", "status" => reply.status.as_str())
                .increment(1);
            tracing::info!(%job_id, %source, path = %reply.path, status = reply.status.as_str(), "track imported");
            Ok(reply)
        }
        Err(error) => {
            metrics::counter!("soulspot_library_imports_total", "status" => "failed").increment(1);
            tracing::warn!(%job_id, %source, error = %error, "import failed");
            Err(import_error(&error))
        }
    }
}

async fn search(
    library: Arc<Library>,
    request: SearchTrackRequest,
) -> Result<SearchTrackReply, ServiceError> {
    let limit = request
        .limit
        .and_then(|limit| usize::try_from(limit).ok())
        .unwrap_or(DEFAULT_SEARCH_LIMIT);
    let tracks = blocking(move || library.search(&request.query, limit))
        .await
        .map_err(ServiceError::internal)?
        .map_err(|error| index_error(&error))?;
    metrics::counter!("soulspot_library_searches_total").increment(1);
    Ok(SearchTrackReply { tracks })
}

async fn contains(
    library: Arc<Library>,
    request: LibraryContainsRequest,
) -> Result<LibraryContainsReply, ServiceError> {
    let present = blocking(move || library.contains(&request.tracks))
        .await
        .map_err(ServiceError::internal)?
        .map_err(|error| index_error(&error))?;
    Ok(LibraryContainsReply { present })
}

async fn stats(library: Arc<Library>) -> Result<LibraryStatsReply, ServiceError> {
    blocking(move || library.stats())
        .await
        .map_err(ServiceError::internal)?
        .map_err(|error| index_error(&error))
}

async fn write_playlist(
    library: Arc<Library>,
    request: PlaylistWriteRequest,
) -> Result<PlaylistWriteReply, ServiceError> {
    blocking(move || library.write_playlist(&request))
        .await
        .map_err(ServiceError::internal)?
        .map_err(|error| {
            tracing::warn!(%error, "playlist file not written");
            match &error {
                PlaylistError::Index(index) => index_error(index),
                PlaylistError::UnsafeDestination(_) | PlaylistError::Io { .. } => {
                    ServiceError::internal(&error)
                }
            }
        })
}

/// Runs blocking file and database work off the async runtime.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| format!("blocking task failed: {error}"))
}

/// Bad input is the caller's (4xx, no fallback); a broken disk or index is ours (5xx).
fn import_error(error: &ImportError) -> ServiceError {
    match error {
        ImportError::SourceOutsideDownloads(_) => ServiceError::with_code(403, error),
        ImportError::SourceMissing(_) => ServiceError::not_found(error),
        ImportError::SourceNotAFile(_) => ServiceError::bad_request(error),
        ImportError::ChecksumMismatch { .. } | ImportError::NotAudio { .. } => {
            ServiceError::with_code(422, error)
        }
        ImportError::DownloadsUnavailable { .. } => ServiceError::unavailable(error),
        ImportError::UnsafeDestination(_) | ImportError::Io { .. } => ServiceError::internal(error),
        ImportError::Index(index) => index_error(index),
    }
}

fn index_error(error: &IndexError) -> ServiceError {
    ServiceError::internal(error)
}
