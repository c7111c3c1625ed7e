//! A headless Chromium driven through `chromedriver` over the W3C WebDriver protocol (JSON
//! over HTTP, https://www.w3.org/TR/webdriver2/): just the commands the dashboard tests use.
//! Debian's `chromium` and `chromium-driver` must be installed (`make chromium`); without
//! them every test fails, it does not skip.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use base64::Engine;
use serde_json::{Value, json};
use tokio::process::{Child, Command};

/// The key under which WebDriver names an element in its answers.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
const DRIVER_START: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(100);

/// Flags for a quiet, isolated headless browser (the profile is added per session).
const CHROMIUM_FLAGS: [&str; 7] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--window-size=1400,1300",
];

/// One browser session; the browser and its driver end when it is dropped.
pub struct Browser {
    http: reqwest::Client,
    /// `http://127.0.0.1:<port>/session/<id>`.
    session: String,
    port: u16,
    session_id: String,
    _driver: Child,
    _profile: tempfile::TempDir,
}

/// An element found on the page.
#[derive(Debug, Clone)]
pub struct Element(String);

impl Browser {
    /// Starts `chromedriver` on a free port and opens a session with a fresh profile.
    pub async fn start() -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("chromedriver is not installed: run `make chromium` (scripts/chromium.sh)")?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()?;
        let base = format!("http://127.0.0.1:{port}");
        wait_until_ready(&http, &base).await?;
        let profile = tempfile::tempdir()?;
        let mut args: Vec<String> = CHROMIUM_FLAGS
            .iter()
            .map(|flag| (*flag).to_owned())
            .collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let mut options = json!({"args": args});
        if Path::new("/usr/bin/chromium").exists() {
            options["binary"] = json!("/usr/bin/chromium");
        }
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": options,
        }}});
        let reply = command(
            &http,
            reqwest::Method::POST,
            &format!("{base}/session"),
            Some(&capabilities),
        )
        .await
        .context("chromedriver could not start chromium")?;
        let session = reply["sessionId"]
            .as_str()
            .context("no session id in chromedriver's answer")?;
        Ok(Self {
            http,
            session: format!("{base}/session/{session}"),
            port,
            session_id: session.to_owned(),
            _driver: driver,
            _profile: profile,
        })
    }

    async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.session);
        command(&self.http, reqwest::Method::POST, &url, Some(&body)).await
    }

    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.session);
        command(&self.http, reqwest::Method::GET, &url, None).await
    }

    pub async fn open(&self, url: &str) -> anyhow::Result<()> {
        self.post("/url", json!({"url": url})).await.map(drop)
    }

    pub async fn find(&self, css: &str) -> anyhow::Result<Element> {
        let found = self
            .post("/element", json!({"using": "css selector", "value": css}))
            .await
            .with_context(|| format!("no element matches `{css}`"))?;
        found[ELEMENT_KEY]
            .as_str()
            .map(|id| Element(id.to_owned()))
            .context("no element id in the answer")
    }

    pub async fn click(&self, element: &Element) -> anyhow::Result<()> {
        self.post(&format!("/element/{}/click", element.0), json!({}))
            .await
            .map(drop)
    }

    pub async fn type_into(&self, element: &Element, text: &str) -> anyhow::Result<()> {
        self.post(
            &format!("/element/{}/value", element.0),
            json!({"text": text}),
        )
        .await
        .map(drop)
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page.
    pub async fn run(&self, script: &str, args: Value) -> anyhow::Result<Value> {
        self.post("/execute/sync", json!({"script": script, "args": args}))
            .await
    }

    /// Runs `script` until it returns something truthy, and returns that; fails after
    /// `limit` with the last value and a screenshot named `what`.
    pub async fn wait_for(
        &self,
        what: &str,
        script: &str,
        limit: Duration,
    ) -> anyhow::Result<Value> {
        let started = Instant::now();
        loop {
            let value = self.run(script, json!([])).await?;
            let truthy = !matches!(&value, Value::Null | Value::Bool(false))
                && value != json!("")
                && value != json!(0);
            if truthy {
                return Ok(value);
            }
            if started.elapsed() > limit {
                let shot = self.screenshot(&format!("timeout-{what}")).await;
                bail!("{what}: not seen within {limit:?} (last: {value}); screenshot: {shot:?}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Saves the page as `<target>/ui-screenshots/<name>.png` and returns the path.
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<PathBuf> {
        let encoded = self.get("/screenshot").await?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().unwrap_or_default())
            .context("the screenshot is not base64")?;
        let folder = screenshots_folder()?;
        std::fs::create_dir_all(&folder)?;
        let path = folder.join(format!("{name}.png"));
        std::fs::write(&path, png)?;
        Ok(path)
    }
}

impl Drop for Browser {
    /// Ends the session, which closes the browser, before the driver is killed (a killed
    /// driver would leave its browser running). Blocking, so it also runs while a failed
    /// test unwinds.
    fn drop(&mut self) {
        let _ = delete_session(self.port, &self.session_id);
    }
}

fn delete_session(port: u16, session: &str) -> std::io::Result<()> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Content-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    // The answer comes once the browser is closed.
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).map(drop)
}

/// `target/ui-screenshots`, next to the test binary's `debug` folder (so under
/// `CARGO_TARGET_DIR` when it is set).
fn screenshots_folder() -> anyhow::Result<PathBuf> {
    let binary = std::env::current_exe()?;
    let target = binary
        .ancestors()
        .nth(3)
        .context("the test binary is not in a cargo target folder")?;
    Ok(target.join("ui-screenshots"))
}

async fn wait_until_ready(http: &reqwest::Client, base: &str) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        let ready = match http.get(format!("{base}/status")).send().await {
            Ok(response) => response
                .json::<Value>()
                .await
                .is_ok_and(|status| status["value"]["ready"] == true),
            Err(_) => false,
        };
        if ready {
            return Ok(());
        }
        if started.elapsed() > DRIVER_START {
            bail!("chromedriver did not answer within {DRIVER_START:?}");
        }
        tokio::time::sleep(POLL).await;
    }
}

/// One WebDriver command: the answer's `value`, or its error as an error.
async fn command(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<&Value>,
) -> anyhow::Result<Value> {
    let mut request = http.request(method, url);
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await?;
    let status = response.status();
    let mut answer: Value = response.json().await?;
    let value = answer["value"].take();
    if !status.is_success() {
        bail!(
            "webdriver {status}: {} {}",
            value["error"].as_str().unwrap_or_default(),
            value["message"].as_str().unwrap_or_default()
        );
    }
    Ok(value)
}
