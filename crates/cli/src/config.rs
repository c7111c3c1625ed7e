//! Where the router is and which key to send: flags, then the environment, then the config
//! file, then the default. The environment is passed in as a map, so tests never touch the
//! process environment.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use soulspot_common::Secret;

use crate::args::ConnectionFlags;

pub const DEFAULT_URL: &str = "http://127.0.0.1:8080";
pub const URL_VARIABLE: &str = "SOULSPOT_URL";
pub const KEY_VARIABLE: &str = "SOULSPOT_API_KEY";

/// The resolved connection.
#[derive(Debug, Clone)]
pub struct Connection {
    /// The router's base URL, without a trailing slash.
    pub url: String,
    /// Empty when none was given anywhere: the router then answers 401.
    pub api_key: Secret,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the config file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("`{0}` is not an http:// or https:// URL")]
    Url(String),
    #[error("the API key is not a valid header value (it has control characters)")]
    Key,
}

/// `cli.toml`: both keys optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    url: Option<String>,
    api_key: Option<Secret>,
}

/// Resolves the connection from `flags`, the environment `env` and the config file
/// (`--config`, which must exist, else the default location, which may be missing).
pub fn resolve(
    flags: &ConnectionFlags,
    env: &HashMap<String, String>,
) -> Result<Connection, ConfigError> {
    let file = match &flags.config {
        Some(path) => read_file(path)?,
        None => match default_path(env) {
            Some(path) if path.is_file() => read_file(&path)?,
            _ => FileConfig::default(),
        },
    };
    let from_env = |name: &str| env.get(name).filter(|value| !value.is_empty()).cloned();
    let url = flags
        .url
        .clone()
        .or_else(|| from_env(URL_VARIABLE))
        .or(file.url)
        .unwrap_or_else(|| DEFAULT_URL.to_owned());
    let api_key = flags
        .api_key
        .clone()
        .map(Secret::new)
        .or_else(|| from_env(KEY_VARIABLE).map(Secret::new))
        .or(file.api_key)
        .unwrap_or_default();
    validate(Connection {
        url: url.trim().trim_end_matches('/').to_owned(),
        api_key,
    })
}

/// `$XDG_CONFIG_HOME/soulspot/cli.toml`, else `$HOME/.config/soulspot/cli.toml`.
pub fn default_path(env: &HashMap<String, String>) -> Option<PathBuf> {
    let present = |name: &str| env.get(name).filter(|value| !value.is_empty());
    let base = match present("XDG_CONFIG_HOME") {
        Some(config) => PathBuf::from(config),
        None => Path::new(present("HOME")?).join(".config"),
    };
    Some(base.join("soulspot").join("cli.toml"))
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    toml::from_str(&text).map_err(|error| ConfigError::Parse {
        path: path.to_owned(),
        message: error.message().to_owned(),
    })
}

fn validate(connection: Connection) -> Result<Connection, ConfigError> {
    let parsed = reqwest::Url::parse(&connection.url)
        .map_err(|_| ConfigError::Url(connection.url.clone()))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(ConfigError::Url(connection.url));
    }
    if reqwest::header::HeaderValue::from_str(connection.api_key.expose()).is_err() {
        return Err(ConfigError::Key);
    }
    Ok(connection)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    }

    fn config_file(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        file
    }

    #[test]
    fn flags_win_over_environment_and_file() {
        let file = config_file("url = \"http://file:1\"\napi_key = \"file-key\"\n");
        let flags = ConnectionFlags {
            url: Some("http://flag:3/".to_owned()),
            api_key: Some("flag-key".to_owned()),
            config: Some(file.path().to_owned()),
        };
        let environment = env(&[(URL_VARIABLE, "http://env:2"), (KEY_VARIABLE, "env-key")]);

        let connection = resolve(&flags, &environment).unwrap();

        assert_eq!(connection.url, "http://flag:3");
        assert_eq!(connection.api_key.expose(), "flag-key");
    }

    #[test]
    fn environment_wins_over_the_file() {
        let file = config_file("url = \"http://file:1\"\napi_key = \"file-key\"\n");
        let flags = ConnectionFlags {
            config: Some(file.path().to_owned()),
            ..ConnectionFlags::default()
        };
        let environment = env(&[(URL_VARIABLE, "http://env:2"), (KEY_VARIABLE, "env-key")]);

        let connection = resolve(&flags, &environment).unwrap();

        assert_eq!(connection.url, "http://env:2");
        assert_eq!(connection.api_key.expose(), "env-key");
    }

    #[test]
    fn the_file_in_the_xdg_folder_wins_over_the_default() {
        let folder = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(folder.path().join("soulspot")).unwrap();
        std::fs::write(
            folder.path().join("soulspot/cli.toml"),
            "url = \"http://file:1\"\napi_key = \"file-key\"\n",
        )
        .unwrap();
        let environment = env(&[("XDG_CONFIG_HOME", folder.path().to_str().unwrap())]);

        let connection = resolve(&ConnectionFlags::default(), &environment).unwrap();

        assert_eq!(connection.url, "http://file:1");
        assert_eq!(connection.api_key.expose(), "file-key");
    }

    #[test]
    fn nothing_given_means_the_local_router_and_no_key() {
        let folder = tempfile::tempdir().unwrap();
        let environment = env(&[("HOME", folder.path().to_str().unwrap())]);

        let connection = resolve(&ConnectionFlags::default(), &environment).unwrap();

        assert_eq!(connection.url, DEFAULT_URL);
        assert!(connection.api_key.is_empty());
    }

    #[test]
    fn a_named_config_file_that_is_missing_is_an_error() {
        let flags = ConnectionFlags {
            config: Some(PathBuf::from("/nonexistent/soulspot/cli.toml")),
            ..ConnectionFlags::default()
        };

        let error = resolve(&flags, &HashMap::new()).unwrap_err();

        assert!(matches!(error, ConfigError::Read { .. }), "{error}");
    }

    #[test]
    fn unknown_keys_and_bad_urls_are_refused() {
        let file = config_file("uri = \"http://typo:1\"\n");
        let flags = ConnectionFlags {
            config: Some(file.path().to_owned()),
            ..ConnectionFlags::default()
        };
        assert!(matches!(
            resolve(&flags, &HashMap::new()),
            Err(ConfigError::Parse { .. })
        ));
        let flags = ConnectionFlags {
            url: Some("ftp://router".to_owned()),
            ..ConnectionFlags::default()
        };
        assert!(matches!(
            resolve(&flags, &HashMap::new()),
            Err(ConfigError::Url(_))
        ));
    }
}
