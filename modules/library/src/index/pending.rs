//! The import journal: a row written before an import touches any file, saying what it is
//! about to do, so that whatever point a crash stops it at, the next start can finish it or
//! undo it (see `crate::journal`).

use std::path::{Path, PathBuf};

use rusqlite::{Row, params};

use super::{Index, IndexError, TrackRecord, insert_record};

/// An import under way, as its journal row tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingImport {
    pub id: i64,
    /// The downloaded file.
    pub source: PathBuf,
    /// Where it goes in the library (a free name, or the path of the copy it replaces).
    pub destination: PathBuf,
    /// The row of the copy it replaces, if it replaces one.
    pub replaces_id: Option<i64>,
    /// The file to remove once the new row is committed: the replaced copy.
    pub old_file: Option<PathBuf>,
    /// Where the replaced copy waits while the new one takes its path.
    pub set_aside: Option<SetAside>,
    /// Whether the new row is in the index (only the old file is left to remove).
    pub committed: bool,
    /// The row to index, its path already the destination.
    pub record: TrackRecord,
}

/// A replaced copy moved out of the way of the new one: from `original` to `parked`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAside {
    pub original: PathBuf,
    pub parked: PathBuf,
}

impl Index {
    /// Journals an import before any file moves; returns its id.
    pub fn begin_import(&self, pending: &PendingImport) -> Result<i64, IndexError> {
        let record = serde_json::to_string(&pending.record)?;
        let connection = self.connection();
        connection.execute(
            "INSERT INTO pending_imports (source, destination, replaces_id, old_file, set_aside,
                 committed, record)
             VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6)",
            params![
                text(&pending.source),
                text(&pending.destination),
                pending.replaces_id,
                pending.old_file.as_deref().map(text),
                pending.set_aside.as_ref().map(|aside| text(&aside.parked)),
                record,
            ],
        )?;
        Ok(connection.last_insert_rowid())
    }

    /// In one transaction: the replaced row goes, the new row comes, the journal row is
    /// marked committed. Returns the new row's id.
    pub fn commit_import(&self, pending: &PendingImport) -> Result<i64, IndexError> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        if let Some(old_id) = pending.replaces_id {
            transaction.execute("DELETE FROM tracks WHERE id = ?1", [old_id])?;
        }
        insert_record(&transaction, &pending.record)?;
        let id = transaction.last_insert_rowid();
        transaction.execute(
            "UPDATE pending_imports SET committed = 1 WHERE id = ?1",
            [pending.id],
        )?;
        transaction.commit()?;
        Ok(id)
    }

    /// Forgets a journal row: the import is complete, or undone.
    pub fn end_import(&self, id: i64) -> Result<(), IndexError> {
        self.connection()
            .execute("DELETE FROM pending_imports WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Every journalled import, oldest first.
    pub fn pending_imports(&self) -> Result<Vec<PendingImport>, IndexError> {
        let connection = self.connection();
        let mut statement = connection.prepare(
            "SELECT id, source, destination, replaces_id, old_file, set_aside, committed, record
             FROM pending_imports ORDER BY id",
        )?;
        let rows = statement.query_map([], read_pending)?;
        rows.map(|row| {
            let (mut pending, record) = row?;
            pending.record = serde_json::from_str(&record)?;
            Ok(pending)
        })
        .collect()
    }
}

fn read_pending(row: &Row<'_>) -> rusqlite::Result<(PendingImport, String)> {
    let destination = PathBuf::from(row.get::<_, String>(2)?);
    let parked: Option<String> = row.get(5)?;
    Ok((
        PendingImport {
            id: row.get(0)?,
            source: PathBuf::from(row.get::<_, String>(1)?),
            set_aside: parked.map(|parked| SetAside {
                original: destination.clone(),
                parked: PathBuf::from(parked),
            }),
            destination,
            replaces_id: row.get(3)?,
            old_file: row.get::<_, Option<String>>(4)?.map(PathBuf::from),
            committed: row.get(6)?,
            record: TrackRecord::default(),
        },
        row.get(7)?,
    ))
}

fn text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}
