//! Spawning a server per test, and reading the development SMS outbox.

use std::path::PathBuf;

use xuancai_server::{Application, Config};

#[derive(Debug)]
pub struct TestApp {
    pub address: String,
    pub data_dir: PathBuf,
    pub client: reqwest::Client,
    _dir: Option<tempfile::TempDir>,
}

pub async fn spawn_app() -> TestApp {
    spawn_with(None).await
}

pub async fn spawn_with(database_url: Option<String>) -> TestApp {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")),
        data_dir: dir.path().to_path_buf(),
        database_url,
        dev_mode: true,
        ..Config::default()
    };
    let app = Application::build(config)
        .await
        .unwrap_or_else(|e| panic!("startup: {e}"));
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        data_dir: dir.path().to_path_buf(),
        client: reqwest::Client::new(),
        _dir: Some(dir),
    }
}

impl TestApp {
    pub async fn post(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.address))
            .json(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The last code the development SMS provider delivered to `e164`.
    pub fn last_code(&self, e164: &str) -> String {
        let outbox = std::fs::read_to_string(self.data_dir.join("sms-outbox.log")).unwrap_or_default();
        outbox
            .lines()
            .filter_map(|l| l.split_once(' '))
            .filter(|(to, _)| *to == e164)
            .map(|(_, code)| code.to_string())
            .next_back()
            .unwrap_or_else(|| panic!("no code was sent to {e164}"))
    }

    /// Request a code and log in; returns the bearer token.
    pub async fn login(&self, phone: &str, e164: &str) -> String {
        let r = self
            .post("/api/v1/auth/code", &serde_json::json!({ "phone": phone }))
            .await;
        assert_eq!(r.status(), 202);
        let code = self.last_code(e164);
        let r = self
            .post(
                "/api/v1/auth/login",
                &serde_json::json!({ "phone": phone, "code": code }),
            )
            .await;
        assert_eq!(r.status(), 200);
        let v: serde_json::Value = r.json().await.unwrap_or_else(|e| panic!("{e}"));
        v["token"]
            .as_str()
            .unwrap_or_else(|| panic!("token in {v}"))
            .to_string()
    }
}
