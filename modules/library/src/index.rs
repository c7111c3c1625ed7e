//! The SQLite index of the library: one row per filed track, with the folded keys that
//! duplicate detection and search use. Every call blocks; callers run it off the async runtime.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use soulspot_contracts::TrackRef;
use soulspot_contracts::payloads::LibraryStatsReply;

use soulspot_common::text::fold;

/// The schema; `user_version` tells which one a file holds.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS tracks (
    id               INTEGER PRIMARY KEY,
    path             TEXT NOT NULL UNIQUE,
    job_id           TEXT UNIQUE,
    file_id          TEXT,
    spotify_id       TEXT,
    musicbrainz_id   TEXT,
    isrc             TEXT,
    title            TEXT NOT NULL,
    artist           TEXT NOT NULL,
    album            TEXT,
    album_artist     TEXT,
    year             INTEGER,
    track_number     INTEGER,
    duration_ms      INTEGER,
    format           TEXT NOT NULL,
    bitrate_kbps     INTEGER,
    size_bytes       INTEGER NOT NULL,
    checksum         TEXT,
    imported_at      TEXT NOT NULL,
    artist_key       TEXT NOT NULL,
    title_key        TEXT NOT NULL,
    album_key        TEXT,
    album_artist_key TEXT NOT NULL,
    search_text      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tracks_by_artist_title ON tracks (artist_key, title_key);
CREATE INDEX IF NOT EXISTS tracks_by_recording ON tracks (musicbrainz_id);
CREATE INDEX IF NOT EXISTS tracks_by_isrc ON tracks (isrc);
CREATE INDEX IF NOT EXISTS tracks_by_spotify_id ON tracks (spotify_id);
CREATE TABLE IF NOT EXISTS pending_imports (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    destination TEXT NOT NULL,
    replaces_id INTEGER,
    old_file    TEXT,
    set_aside   TEXT,
    committed   INTEGER NOT NULL DEFAULT 0,
    record      TEXT NOT NULL
);
PRAGMA user_version = 2;
";

const COLUMNS: &str = "id, path, job_id, file_id, spotify_id, musicbrainz_id, isrc, title, artist, \
    album, album_artist, year, track_number, duration_ms, format, bitrate_kbps, size_bytes, \
    checksum, imported_at";

/// Most query words matched; the rest are ignored.
const MAX_QUERY_WORDS: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("cannot create the index folder {path}: {source}")]
    Folder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("index query failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("a pending import's record is unreadable: {0}")]
    PendingRecord(#[from] serde_json::Error),
}

/// One filed track as the index holds it.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct TrackRecord {
    /// Absolute path of the file in the library.
    pub path: String,
    pub job_id: Option<String>,
    pub file_id: Option<String>,
    pub spotify_id: Option<String>,
    pub musicbrainz_id: Option<String>,
    pub isrc: Option<String>,
    pub title: String,
    pub artist: String,
    pub album: Option<String>,
    pub album_artist: Option<String>,
    pub year: Option<i32>,
    pub track_number: Option<u32>,
    pub duration_ms: Option<u64>,
    pub format: String,
    pub bitrate_kbps: Option<u32>,
    pub size_bytes: u64,
    pub checksum: Option<String>,
    /// RFC 3339.
    pub imported_at: String,
}

/// A row of the index: its id and its record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedTrack {
    pub id: i64,
    pub record: TrackRecord,
}

/// What makes two tracks the same recording: a MusicBrainz recording id, an ISRC, a Spotify
/// id, or the same artist and title once case and diacritics are folded away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    pub artist_key: String,
    pub title_key: String,
    pub musicbrainz_id: Option<String>,
    pub isrc: Option<String>,
    pub spotify_id: Option<String>,
}

impl DuplicateKey {
    pub fn of(record: &TrackRecord) -> Self {
        Self {
            artist_key: fold(&record.artist),
            title_key: fold(&record.title),
            musicbrainz_id: record.musicbrainz_id.clone(),
            isrc: record.isrc.clone(),
            spotify_id: record.spotify_id.clone(),
        }
    }

    pub fn of_track(track: &TrackRef) -> Self {
        Self {
            artist_key: fold(&track.artist),
            title_key: fold(&track.title),
            musicbrainz_id: track.musicbrainz_id.clone(),
            isrc: track.isrc.clone(),
            spotify_id: track.spotify_id.clone(),
        }
    }
}

/// The index file, opened once and shared.
#[derive(Debug)]
pub struct Index {
    connection: Mutex<Connection>,
}

impl Index {
    /// Opens (creating when needed) the index at `path` in WAL mode.
    pub fn open(path: &Path) -> Result<Self, IndexError> {
        if let Some(folder) = path
            .parent()
            .filter(|folder| !folder.as_os_str().is_empty())
        {
            std::fs::create_dir_all(folder).map_err(|source| IndexError::Folder {
                path: folder.to_path_buf(),
                source,
            })?;
        }
        let connection = Connection::open(path)?;
        connection.busy_timeout(Duration::from_secs(5))?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        // FULL, not WAL's usual NORMAL: an import writes its pending row, then moves the file.
        // With NORMAL a commit reaches the disk only at the next checkpoint, so a power cut
        // could forget the pending row while the (synced) move survives: a file in the
        // library nobody knows of. FULL syncs the WAL at every commit, so the row is durable
        // before the move it announces. It costs one fsync per commit, and the index
        // commits a few times per imported track, not thousands of times a second.
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.execute_batch(SCHEMA)?;
        Ok(Self {
            connection: Mutex::new(connection),
        })
    }

    /// Whether the index still answers.
    pub fn ping(&self) -> Result<(), IndexError> {
        self.connection()
            .query_row("SELECT COUNT(*) FROM tracks", [], |row| {
                row.get::<_, i64>(0)
            })?;
        Ok(())
    }

    pub fn find_by_job(&self, job_id: &str) -> Result<Option<IndexedTrack>, IndexError> {
        let sql = format!("SELECT {COLUMNS} FROM tracks WHERE job_id = ?1");
        Ok(self
            .connection()
            .query_row(&sql, [job_id], read_track)
            .optional()?)
    }

    /// The earliest filed track that is the same recording as `key`.
    pub fn find_duplicate(&self, key: &DuplicateKey) -> Result<Option<IndexedTrack>, IndexError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM tracks
             WHERE (artist_key = ?1 AND title_key = ?2)
                OR (?3 IS NOT NULL AND musicbrainz_id = ?3)
                OR (?4 IS NOT NULL AND isrc = ?4)
                OR (?5 IS NOT NULL AND spotify_id = ?5)
             ORDER BY id LIMIT 1"
        );
        Ok(self
            .connection()
            .query_row(
                &sql,
                params![
                    key.artist_key,
                    key.title_key,
                    key.musicbrainz_id,
                    key.isrc,
                    key.spotify_id
                ],
                read_track,
            )
            .optional()?)
    }

    pub fn insert(&self, record: &TrackRecord) -> Result<i64, IndexError> {
        let connection = self.connection();
        insert_record(&connection, record)?;
        Ok(connection.last_insert_rowid())
    }

    /// Swaps the row `old_id` for `record` in one transaction.
    pub fn replace(&self, old_id: i64, record: &TrackRecord) -> Result<i64, IndexError> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        transaction.execute("DELETE FROM tracks WHERE id = ?1", [old_id])?;
        insert_record(&transaction, record)?;
        let id = transaction.last_insert_rowid();
        transaction.commit()?;
        Ok(id)
    }

    /// Tracks whose artist, title, album or album artist hold every word (already folded).
    pub fn search(&self, words: &[String], limit: usize) -> Result<Vec<TrackRecord>, IndexError> {
        let words = &words[..words.len().min(MAX_QUERY_WORDS)];
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let conditions: Vec<String> = (1..=words.len())
            .map(|position| format!("(' ' || search_text || ' ') LIKE ?{position} ESCAPE '\\'"))
            .collect();
        let sql = format!(
            "SELECT {COLUMNS} FROM tracks WHERE {} ORDER BY artist_key, album_key, track_number, title_key LIMIT {limit}",
            conditions.join(" AND ")
        );
        let patterns = words.iter().map(|word| format!("%{}%", escape_like(word)));
        let connection = self.connection();
        let mut statement = connection.prepare(&sql)?;
        let rows = statement.query_map(params_from_iter(patterns), read_track)?;
        rows.map(|row| row.map(|track| track.record).map_err(IndexError::from))
            .collect()
    }

    /// The counts `library.stats` replies with.
    pub fn stats(&self) -> Result<LibraryStatsReply, IndexError> {
        let connection = self.connection();
        let mut stats = connection.query_row(
            "SELECT COUNT(*), COUNT(DISTINCT artist_key),
                    COUNT(DISTINCT CASE WHEN album_key IS NOT NULL
                                        THEN album_artist_key || char(31) || album_key END),
                    COALESCE(SUM(size_bytes), 0)
             FROM tracks",
            [],
            |row| {
                Ok(LibraryStatsReply {
                    tracks: row.get(0)?,
                    artists: row.get(1)?,
                    albums: row.get(2)?,
                    total_bytes: row.get(3)?,
                    formats: None,
                })
            },
        )?;
        let mut statement =
            connection.prepare("SELECT format, COUNT(*) FROM tracks GROUP BY format")?;
        let formats = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        stats.formats = Some(formats.collect::<Result<_, _>>()?);
        Ok(stats)
    }

    /// The connection; a panic while it was held leaves nothing half-done (every write is
    /// one statement or one transaction), so a poisoned lock is taken over.
    fn connection(&self) -> MutexGuard<'_, Connection> {
        self.connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

pub(crate) fn insert_record(connection: &Connection, record: &TrackRecord) -> rusqlite::Result<()> {
    let album_artist = record.album_artist.as_deref().unwrap_or(&record.artist);
    let search_text = [
        Some(record.artist.as_str()),
        Some(record.title.as_str()),
        record.album.as_deref(),
        Some(album_artist),
    ]
    .into_iter()
    .flatten()
    .map(fold)
    .collect::<Vec<_>>()
    .join(" ");
    connection.execute(
        "INSERT INTO tracks (path, job_id, file_id, spotify_id, musicbrainz_id, isrc, title,
             artist, album, album_artist, year, track_number, duration_ms, format, bitrate_kbps,
             size_bytes, checksum, imported_at, artist_key, title_key, album_key,
             album_artist_key, search_text)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
             ?18, ?19, ?20, ?21, ?22, ?23)",
        params![
            record.path,
            record.job_id,
            record.file_id,
            record.spotify_id,
            record.musicbrainz_id,
            record.isrc,
            record.title,
            record.artist,
            record.album,
            record.album_artist,
            record.year,
            record.track_number,
            record.duration_ms,
            record.format,
            record.bitrate_kbps,
            record.size_bytes,
            record.checksum,
            record.imported_at,
            fold(&record.artist),
            fold(&record.title),
            record.album.as_deref().map(fold),
            fold(album_artist),
            search_text,
        ],
    )?;
    Ok(())
}

fn read_track(row: &Row<'_>) -> rusqlite::Result<IndexedTrack> {
    Ok(IndexedTrack {
        id: row.get(0)?,
        record: TrackRecord {
            path: row.get(1)?,
            job_id: row.get(2)?,
            file_id: row.get(3)?,
            spotify_id: row.get(4)?,
            musicbrainz_id: row.get(5)?,
            isrc: row.get(6)?,
            title: row.get(7)?,
            artist: row.get(8)?,
            album: row.get(9)?,
            album_artist: row.get(10)?,
            year: row.get(11)?,
            track_number: row.get(12)?,
            duration_ms: row.get(13)?,
            format: row.get(14)?,
            bitrate_kbps: row.get(15)?,
            size_bytes: row.get(16)?,
            checksum: row.get(17)?,
            imported_at: row.get(18)?,
        },
    })
}

fn escape_like(word: &str) -> String {
    word.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

mod pending;

pub use pending::{PendingImport, SetAside};

#[cfg(test)]
mod tests;
