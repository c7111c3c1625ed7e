//! The one error of `enrich.metadata` and its mapping to a service error: the caller's
//! fault when the request names a file that cannot be tagged, MusicBrainz's failure by its
//! kind, ours otherwise.

use soulspot_contracts::ErrorKind;
use soulspot_runtime::ServiceError;

use crate::musicbrainz::MusicBrainzError;
use crate::paths::PathError;
use crate::tags::TagError;

#[derive(Debug, thiserror::Error)]
pub enum EnrichError {
    #[error(transparent)]
    Path(#[from] PathError),
    #[error(transparent)]
    Tags(#[from] TagError),
    #[error(transparent)]
    MusicBrainz(#[from] MusicBrainzError),
}

impl From<EnrichError> for ServiceError {
    fn from(error: EnrichError) -> Self {
        match &error {
            EnrichError::Path(PathError::OutsideDownloads(_) | PathError::Unreadable { .. }) => {
                ServiceError::with_code(403, error)
            }
            EnrichError::Path(PathError::Missing(_)) => ServiceError::not_found(error),
            EnrichError::Path(PathError::NotAFile(_)) => ServiceError::bad_request(error),
            EnrichError::Tags(TagError::Unreadable { .. }) => ServiceError::with_code(422, error),
            EnrichError::Path(PathError::DownloadsDirUnavailable { .. }) => {
                ServiceError::unavailable(error)
            }
            EnrichError::Tags(TagError::DeadlinePassed { .. }) => {
                ServiceError::new(ErrorKind::Timeout, error)
            }
            EnrichError::Tags(_) => ServiceError::internal(error),
            EnrichError::MusicBrainz(musicbrainz) => ServiceError::new(musicbrainz.kind(), error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_files_are_the_callers_fault_and_outages_are_not() {
        let outside: ServiceError =
            EnrichError::from(PathError::OutsideDownloads("/etc/passwd".into())).into();
        assert_eq!(outside.code(), 403);
        assert!(outside.kind().is_callers_fault());
        let missing: ServiceError = EnrichError::from(PathError::Missing("a.flac".into())).into();
        assert_eq!(
            (missing.code(), missing.message()),
            (404, "file not found: a.flac")
        );
        let throttled: ServiceError = EnrichError::from(MusicBrainzError::Throttled {
            status: 503,
            attempts: 4,
        })
        .into();
        assert_eq!(throttled.kind(), ErrorKind::Busy);
    }
}
