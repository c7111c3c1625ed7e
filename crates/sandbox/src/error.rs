//! The crate's error type for starting the sandbox and loading its catalog.

use std::path::PathBuf;

/// Everything that can stop the sandbox from starting.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The catalog file could not be read.
    #[error("failed to read catalog {path}")]
    ReadCatalog {
        /// Path of the catalog file.
        path: PathBuf,
        /// Underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The catalog is not valid TOML or does not match the schema.
    #[error("failed to parse catalog")]
    ParseCatalog(#[source] toml::de::Error),
    /// The catalog parsed but refers to things it does not define.
    #[error("invalid catalog: {0}")]
    InvalidCatalog(String),
    /// A listener could not be bound.
    #[error("failed to bind {service} on {address}")]
    Bind {
        /// Which emulated service.
        service: &'static str,
        /// The address asked for.
        address: std::net::SocketAddr,
        /// Underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The downloads directory could not be created.
    #[error("failed to prepare downloads directory {path}")]
    DownloadsDir {
        /// The directory.
        path: PathBuf,
        /// Underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A configuration value is malformed.
    #[error("invalid setting {key}: {message}")]
    InvalidSetting {
        /// The environment key.
        key: String,
        /// What is wrong with it.
        message: String,
    },
}
