//! The one error of `enrich.metadata` and its mapping to a service error: 4xx when the
//! request names a file that cannot be tagged, 5xx when this module or MusicBrainz fails.

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
        let code = match &error {
            EnrichError::Path(PathError::OutsideDownloads(_)) => 403,
            EnrichError::Path(PathError::Missing(_)) => 404,
            EnrichError::Path(PathError::NotAFile(_)) => 400,
            EnrichError::Path(PathError::Unreadable { .. }) => 403,
            EnrichError::Tags(TagError::Unreadable { .. }) => 422,
            EnrichError::Path(PathError::DownloadsDirUnavailable { .. }) => 503,
            EnrichError::Tags(_) => 500,
            // MusicBrainz refused a request this module built: a bug here, not the caller's.
            EnrichError::MusicBrainz(
                MusicBrainzError::Status { .. } | MusicBrainzError::MalformedJson(_),
            ) => 502,
            EnrichError::MusicBrainz(_) => 503,
        };
        ServiceError::new(code, error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_files_are_the_callers_fault_and_outages_are_not() {
        let outside: ServiceError =
            EnrichError::from(PathError::OutsideDownloads("/etc/passwd".into())).into();
        assert_eq!(outside.code, 403);
        let missing: ServiceError = EnrichError::from(PathError::Missing("a.flac".into())).into();
        assert_eq!(
            (missing.code, missing.message.as_str()),
            (404, "file not found: a.flac")
        );
        let throttled: ServiceError = EnrichError::from(MusicBrainzError::Throttled {
            status: 503,
            attempts: 4,
        })
        .into();
        assert!(!throttled.is_client_error());
    }
}
