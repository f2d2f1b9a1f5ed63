//! A real Chromium, driven through ChromeDriver, with axe-core for accessibility and the Nu Html
//! Checker for validity. The test script installs all three; without them a plain `cargo test`
//! skips the browser suite with a note, and `DOCKET_REQUIRE_BROWSER=1` makes that a failure.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};

/// Where a tool is: its environment variable, else the default path.
fn tool(variable: &str, default: PathBuf) -> PathBuf {
    std::env::var_os(variable).map_or(default, PathBuf::from)
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Paths of the browser tools.
#[derive(Debug, Clone)]
pub struct Tools {
    pub chromedriver: PathBuf,
    pub chromium: PathBuf,
    pub axe_js: PathBuf,
    pub vnu_jar: PathBuf,
}

impl Tools {
    /// The tools from `DOCKET_CHROMEDRIVER`, `DOCKET_CHROMIUM`, `DOCKET_AXE_JS`, `DOCKET_VNU_JAR`,
    /// or their usual places (Debian's packages; npm packages under `.tools/` as the test script
    /// installs them).
    pub fn locate() -> Self {
        let modules = workspace().join(".tools/node_modules");
        Self {
            chromedriver: tool("DOCKET_CHROMEDRIVER", "/usr/bin/chromedriver".into()),
            chromium: tool("DOCKET_CHROMIUM", "/usr/bin/chromium".into()),
            axe_js: tool("DOCKET_AXE_JS", modules.join("axe-core/axe.min.js")),
            vnu_jar: tool("DOCKET_VNU_JAR", modules.join("vnu-jar/build/dist/vnu.jar")),
        }
    }

    fn missing(&self) -> Vec<String> {
        [
            &self.chromedriver,
            &self.chromium,
            &self.axe_js,
            &self.vnu_jar,
        ]
        .into_iter()
        .filter(|path| !path.exists())
        .map(|path| path.display().to_string())
        .collect()
    }
}

/// One Chromium session.
pub struct Browser {
    pub client: Client,
    driver: Child,
    axe_source: String,
    _profile: tempfile::TempDir,
}

/// One axe-core rule a page breaks, with the elements that break it.
#[derive(Debug, Clone)]
pub struct Violation {
    pub id: String,
    pub impact: String,
    pub help: String,
    pub targets: Vec<String>,
}

impl Browser {
    /// Starts ChromeDriver on a free loopback port and opens a headless Chromium session, or
    /// returns `None` (with a note) when the tools are missing and not required.
    pub async fn start() -> Option<Self> {
        let tools = Tools::locate();
        let missing = tools.missing();
        if !missing.is_empty() {
            if crate::required("DOCKET_REQUIRE_BROWSER") {
                panic!(
                    "the browser tests are required (DOCKET_REQUIRE_BROWSER=1) but these are missing: {missing:?}. Run scripts/test."
                );
            }
            crate::announce_skip(
                "the browser tests",
                &format!("missing {missing:?}; run scripts/test to install them"),
            );
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(&tools.chromedriver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let driver_url = format!("http://127.0.0.1:{port}");
        wait_until_ready(&driver_url).await;
        let profile = tempfile::tempdir().expect("profile folder");
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": tools.chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--disable-quic", "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver_url)
            .await
            .expect("open a Chromium session");
        let axe_source = std::fs::read_to_string(&tools.axe_js).expect("read axe.min.js");
        Some(Self {
            client,
            driver,
            axe_source,
            _profile: profile,
        })
    }

    /// Opens `url` and returns the axe-core WCAG 2.2 AA violations on it.
    pub async fn axe(&self, url: &str) -> Vec<Violation> {
        self.client.goto(url).await.expect("open the page");
        self.client
            .execute(&self.axe_source, vec![])
            .await
            .expect("inject axe-core");
        let result = self
            .client
            .execute(
                "return await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a','wcag2aa','wcag21a','wcag21aa','wcag22aa']}});",
                vec![],
            )
            .await
            .expect("run axe-core");
        result["violations"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|violation| Violation {
                id: violation["id"].as_str().unwrap_or_default().to_owned(),
                impact: violation["impact"].as_str().unwrap_or_default().to_owned(),
                help: violation["help"].as_str().unwrap_or_default().to_owned(),
                targets: violation["nodes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|node| node["target"].to_string())
                    .collect(),
            })
            .collect()
    }

    /// The axe-core source, for injecting into the current page.
    pub fn axe_source(&self) -> &str {
        &self.axe_source
    }

    /// Ends the session and ChromeDriver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

async fn wait_until_ready(driver_url: &str) {
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(response) = http.get(format!("{driver_url}/status")).send().await
            && let Ok(status) = response.json::<Value>().await
            && status["value"]["ready"].as_bool() == Some(true)
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "chromedriver did not become ready within 20 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Checks HTML documents with the Nu Html Checker in one run; returns "name:line: message" for
/// each error.
pub fn validate_html(documents: &[(String, String)]) -> Vec<String> {
    let tools = Tools::locate();
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut files = Vec::new();
    for (index, (name, html)) in documents.iter().enumerate() {
        let file = dir.path().join(format!("{index:02}.html"));
        std::fs::write(&file, html).expect("write the page");
        files.push((file, name.clone()));
    }
    let output = Command::new("java")
        .arg("-jar")
        .arg(&tools.vnu_jar)
        .args(["--errors-only", "--format", "json", "--stdout"])
        .args(files.iter().map(|(file, _)| file))
        .output()
        .expect("run the Nu Html Checker (java)");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "the Nu Html Checker gave no JSON ({error}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    report["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|message| message["type"] == "error" || message["subType"] == "fatal")
        .map(|message| {
            let url = message["url"].as_str().unwrap_or_default();
            let name = files
                .iter()
                .find(|(file, _)| {
                    url.ends_with(&*file.file_name().unwrap_or_default().to_string_lossy())
                })
                .map_or(url, |(_, name)| name.as_str());
            format!(
                "{name}:{}: {}",
                message["lastLine"],
                message["message"].as_str().unwrap_or_default()
            )
        })
        .collect()
}
