//! What a job's stages produced beyond its steps' results: the download's state and the
//! events the job keeps so that a resumed job sends them again under the same id.

use serde::{Deserialize, Serialize};
use soulspot_contracts::{EventEnvelope, FileRef};

/// The job's current download.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DownloadState {
    /// `download.track` was sent; no module's reply is recorded yet.
    Requested,
    /// A module accepted download `download_id`; its outcome has not arrived.
    Pending { download_id: String },
    /// The file arrived.
    Completed { download_id: String, file: FileRef },
}

/// What the job's stages produced beyond its steps' results, for later stages.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JobContext {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "legacy::download"
    )]
    pub download: Option<DownloadState>,
    /// `download.completed.for_source`, stored before it is sent so that a resumed job sends
    /// the same event id again (which JetStream deduplicates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_source_event: Option<EventEnvelope>,
    /// `pipeline.completed` or `pipeline.failed`, stored the same way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_event: Option<EventEnvelope>,
    /// The ids of the kept events the store confirmed, written after its acknowledgement: a
    /// resumed job does not send them again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<String>)]
    pub published: Vec<uuid::Uuid>,
}

impl JobContext {
    /// The file of the completed download, if it completed.
    pub fn downloaded_file(&self) -> Option<&FileRef> {
        match &self.download {
            Some(DownloadState::Completed { file, .. }) => Some(file),
            _ => None,
        }
    }
}

/// Records written before the download state was tagged: `{download_id}` while pending,
/// `{download_id, file}` once completed.
mod legacy {
    use serde::{Deserialize, Deserializer};
    use soulspot_contracts::FileRef;

    use super::DownloadState;

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Stored {
        Tagged(DownloadState),
        Untagged {
            download_id: String,
            file: Option<FileRef>,
        },
    }

    pub(super) fn download<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DownloadState>, D::Error> {
        Ok(
            Option::<Stored>::deserialize(deserializer)?.map(|stored| match stored {
                Stored::Tagged(state) => state,
                Stored::Untagged {
                    download_id,
                    file: Some(file),
                } => DownloadState::Completed { download_id, file },
                Stored::Untagged {
                    download_id,
                    file: None,
                } => DownloadState::Pending { download_id },
            }),
        )
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn file() -> FileRef {
        serde_json::from_value(
            json!({"file_id": "f1", "path": "/downloads/a.flac", "size": 10, "format": "flac"}),
        )
        .unwrap()
    }

    #[test]
    fn the_download_state_is_tagged_and_keeps_its_fields_where_they_were() {
        let context = JobContext {
            download: Some(DownloadState::Completed {
                download_id: "d1".to_owned(),
                file: file(),
            }),
            ..JobContext::default()
        };

        let record = serde_json::to_value(&context).unwrap();

        assert_eq!(record["download"]["state"], "completed");
        assert_eq!(record["download"]["download_id"], "d1");
        assert_eq!(record["download"]["file"]["path"], "/downloads/a.flac");
        assert_eq!(
            serde_json::from_value::<JobContext>(record).unwrap(),
            context
        );
        let requested = JobContext {
            download: Some(DownloadState::Requested),
            ..JobContext::default()
        };
        assert_eq!(
            serde_json::to_value(&requested).unwrap(),
            json!({"download": {"state": "requested"}})
        );
    }

    #[test]
    fn records_written_before_the_tag_are_read_by_their_fields() {
        let pending: JobContext = serde_json::from_value(
            json!({"download": {"download_id": "d1"}, "steps": {"enrich": {}}}),
        )
        .unwrap();
        let completed: JobContext =
            serde_json::from_value(json!({"download": {"download_id": "d1", "file": file()}}))
                .unwrap();

        assert_eq!(
            pending.download,
            Some(DownloadState::Pending {
                download_id: "d1".to_owned()
            })
        );
        assert_eq!(completed.downloaded_file(), Some(&file()));
    }
}
