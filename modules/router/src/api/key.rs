//! Which API key the router expects: the configured one, else the one in the key file,
//! generated there at first start as the *arr apps do, so the API is never open.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use soulspot_runtime::Secret;

use crate::settings::{ApiSettings, MIN_API_KEY_CHARS};

/// Why no key could be settled on; the router does not start without one.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("failed to read the api key file {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("failed to write the api key file {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "the api key file {} holds fewer than {MIN_API_KEY_CHARS} characters",
        path.display()
    )]
    TooShort { path: PathBuf },
}

/// The configured key wins; otherwise the key file's, created with a fresh key when missing.
/// Logs where the key came from, never the key.
pub fn resolve(settings: &ApiSettings) -> Result<Secret, KeyError> {
    if !settings.api_key.is_empty() {
        tracing::info!("api key taken from the settings");
        return Ok(settings.api_key.clone());
    }
    let path = settings.key_file.as_path();
    match read(path)? {
        Some(key) => {
            tracing::info!(key_file = %path.display(), "api key read from its file");
            Ok(key)
        }
        None => {
            let key = create(path)?;
            tracing::info!(key_file = %path.display(), "api key generated into its file");
            Ok(key)
        }
    }
}

/// The key in `path`, `None` when there is no file yet.
fn read(path: &Path) -> Result<Option<Secret>, KeyError> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(KeyError::Read {
                path: path.to_owned(),
                source,
            });
        }
    };
    let key = text.trim();
    if key.chars().count() < MIN_API_KEY_CHARS {
        // Refused rather than replaced: the file may be someone's deliberate choice.
        return Err(KeyError::TooShort {
            path: path.to_owned(),
        });
    }
    Ok(Some(Secret::new(key)))
}

/// Writes a fresh key to a private temporary file beside `path`, then links it into place:
/// readers never see a half-written file, and when two routers start at once on the same
/// file the first link wins and the other reads the winner's key.
fn create(path: &Path) -> Result<Secret, KeyError> {
    let write_error = |source| KeyError::Write {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        fs::create_dir_all(parent).map_err(write_error)?;
    }
    let key = generate();
    let mut staging = path.as_os_str().to_owned();
    staging.push(format!(".{}.tmp", uuid::Uuid::new_v4().simple()));
    let staging = PathBuf::from(staging);
    let written =
        write_private(&staging, key.expose()).and_then(|()| fs::hard_link(&staging, path));
    // The staging name is removed whatever happened; a failure to remove it changes nothing.
    let _ = fs::remove_file(&staging);
    match written {
        Ok(()) => Ok(key),
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
            read(path)?.ok_or_else(|| write_error(error))
        }
        Err(error) => Err(write_error(error)),
    }
}

fn write_private(path: &Path, key: &str) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(format!("{key}\n").as_bytes())?;
    file.sync_all()
}

/// 64 hex characters from two version-4 UUIDs: 244 random bits from the OS generator,
/// without a dependency of its own.
fn generate() -> Secret {
    let first = uuid::Uuid::new_v4().simple();
    let second = uuid::Uuid::new_v4().simple();
    Secret::new(format!("{first}{second}"))
}

#[cfg(test)]
mod tests;
