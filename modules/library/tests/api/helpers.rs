//! `spawn_app()`: the library module over its own nats-server, with a temporary library root
//! and downloads directory, and typed helpers that call it through NATS.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use soulspot_bus::testing::NatsServer;
use soulspot_bus::{MessageContext, NatsSettings, RequestError, request_json};
use soulspot_contracts::HealthReport;
use soulspot_contracts::payloads::ImportTrackReply;
use soulspot_library::settings::LibrarySection;
use soulspot_library::{Application, DuplicatePolicy, LibrarySettings};
use soulspot_runtime::Validate;
use tempfile::TempDir;

const DEADLINE: Duration = Duration::from_secs(5);

pub struct TestApp {
    pub client: async_nats::Client,
    /// The library root, symlinks resolved, as replies report it.
    pub root: PathBuf,
    pub downloads: PathBuf,
    /// A folder beside the downloads that imports must never read from.
    pub elsewhere: PathBuf,
    /// What the module was started with (a second instance can be started from it).
    pub settings: LibrarySettings,
    _module: Application,
    _nats: NatsServer,
    _dir: TempDir,
}

pub async fn spawn_app(policy: DuplicatePolicy) -> TestApp {
    let nats = NatsServer::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(dir.path()).unwrap();
    let downloads = base.join("downloads");
    let elsewhere = base.join("elsewhere");
    std::fs::create_dir_all(&downloads).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    let root = base.join("music");
    let mut settings = LibrarySettings {
        library: LibrarySection {
            root: root.clone(),
            downloads_dir: downloads.clone(),
            duplicate_policy: policy,
            ..LibrarySection::default()
        },
        ..LibrarySettings::default()
    };
    settings.service.nats.url = nats.url();
    settings.validate().unwrap();
    let module = Application::build(settings.clone()).await.unwrap();
    let nats_settings = NatsSettings {
        url: nats.url(),
        ..NatsSettings::default()
    };
    let client = soulspot_bus::connect(&nats_settings, "library-test")
        .await
        .unwrap();
    TestApp {
        client,
        root,
        downloads,
        elsewhere,
        settings,
        _module: module,
        _nats: nats,
        _dir: dir,
    }
}

impl TestApp {
    /// Writes a downloaded audio file at `relative` under the downloads directory: the
    /// header its extension calls for, then `body`.
    pub fn download(&self, relative: &str, body: &[u8]) -> PathBuf {
        let format = Path::new(relative).extension().unwrap().to_str().unwrap();
        write_file(&self.downloads.join(relative), &audio_bytes(format, body))
    }

    /// Writes exactly `bytes` at `relative` under the downloads directory.
    pub fn download_raw(&self, relative: &str, bytes: &[u8]) -> PathBuf {
        write_file(&self.downloads.join(relative), bytes)
    }

    pub async fn import(&self, request: &Value) -> Result<ImportTrackReply, RequestError> {
        self.call("import.track", request).await
    }

    pub async fn search(&self, query: &str) -> Vec<Value> {
        let reply: Value = self
            .call("search.track", &json!({"query": query, "limit": 10}))
            .await
            .unwrap();
        reply["tracks"].as_array().unwrap().clone()
    }

    pub async fn contains(&self, tracks: Value) -> Vec<bool> {
        let reply: Value = self
            .call("library.contains", &json!({"tracks": tracks}))
            .await
            .unwrap();
        serde_json::from_value(reply["present"].clone()).unwrap()
    }

    pub async fn write_playlist(&self, request: &Value) -> Result<Value, RequestError> {
        self.call("playlist.write", request).await
    }

    pub async fn stats(&self) -> Value {
        self.call("library.stats", &json!({})).await.unwrap()
    }

    pub async fn health(&self) -> HealthReport {
        request_json(
            &self.client,
            "soulspot.library.health",
            &json!({}),
            &MessageContext::default(),
            DEADLINE,
        )
        .await
        .unwrap()
    }

    /// Every file under the library root, relative to it, sorted; the index folder excluded.
    pub fn library_files(&self) -> Vec<String> {
        crate::files::library_files(&self.root)
    }

    async fn call<Rep: serde::de::DeserializeOwned>(
        &self,
        operation: &str,
        request: &Value,
    ) -> Result<Rep, RequestError> {
        request_json(
            &self.client,
            &format!("soulspot.library.{operation}"),
            request,
            &MessageContext::default(),
            DEADLINE,
        )
        .await
    }
}

/// The smallest header a player accepts as FLAC (a 34-byte STREAMINFO: 4096-sample blocks,
/// 44.1 kHz, stereo, 16 bit), and an MPEG-1 Layer III frame header (128 kbit/s, 44.1 kHz).
const FLAC_HEADER: [u8; 42] = [
    b'f', b'L', b'a', b'C', 0x80, 0, 0, 34, 0x10, 0x00, 0x10, 0x00, 0, 0, 0, 0, 0, 0, 0x0A, 0xC4,
    0x42, 0xF0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];
const MP3_HEADER: [u8; 4] = [0xFF, 0xFB, 0x90, 0x64];

/// `body` behind the header of `format` (flac or mp3).
pub fn audio_bytes(format: &str, body: &[u8]) -> Vec<u8> {
    let header: &[u8] = match format {
        "flac" => &FLAC_HEADER,
        "mp3" => &MP3_HEADER,
        other => panic!("no test header for {other}"),
    };
    [header, body].concat()
}

/// What follows the audio header in the file at `path`: the `body` it was downloaded with.
pub fn body_of(path: impl AsRef<Path>) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap();
    let header = if bytes.starts_with(b"fLaC") {
        FLAC_HEADER.len()
    } else {
        MP3_HEADER.len()
    };
    bytes[header..].to_vec()
}

/// An `import.track` request for the file at `path`.
pub fn import_request(job_id: &str, path: &Path, artist: &str, title: &str) -> Value {
    let format = path.extension().unwrap().to_str().unwrap();
    json!({
        "job_id": job_id,
        "file": {
            "file_id": format!("file-{job_id}"),
            "path": path.to_str().unwrap(),
            "size": std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
            "format": format,
        },
        "track": {"title": title, "artist": artist},
    })
}

/// The error code of a refused request.
pub fn error_code(error: &RequestError) -> u16 {
    match error {
        RequestError::Service { code, .. } => *code,
        other => panic!("expected a service error, got {other}"),
    }
}

pub fn write_file(path: &Path, bytes: &[u8]) -> PathBuf {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
    path.to_path_buf()
}
