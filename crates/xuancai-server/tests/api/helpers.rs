//! Spawning a server per test (port 0, fresh data dir), on the embedded
//! default (SQLite file + local blobs) or on PostgreSQL + S3: a fresh
//! database per test and a bucket on a real S3-compatible server (moto,
//! started once per test binary from the project's test venv, or given by
//! `XUANCAI_TEST_S3_ENDPOINT`).

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::Value;
use xuancai_server::{Application, Config};

/// Which storage a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    SqliteLocal,
    PostgresS3,
}

#[derive(Debug)]
pub struct TestApp {
    pub address: String,
    pub data_dir: PathBuf,
    pub client: reqwest::Client,
    pub config: Config,
    /// The server's clock and background jobs.
    pub control: xuancai_app::Control,
    pg: Option<(pg::Admin, String)>,
    _dir: tempfile::TempDir,
}

/// Evaluate `$body` with `$db` a fresh pool on the test's own database (the
/// SQLite file, or the PostgreSQL database), closed after: the body is
/// written once and compiled for both drivers.
macro_rules! on_db {
    ($app:expr, |$db:ident| $body:expr) => {
        match &$app.config.database_url {
            Some(url) => {
                let $db = sqlx::PgPool::connect(url).await.unwrap_or_else(|e| panic!("{e}"));
                let r = $body;
                $db.close().await;
                r
            }
            None => {
                let path = $app.data_dir.join("xuancai.db");
                let $db = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                let r = $body;
                $db.close().await;
                r
            }
        }
    };
}
pub(crate) use on_db;

pub async fn spawn_app() -> TestApp {
    spawn_with(Backend::SqliteLocal, |_| {}).await
}

pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut config = Config {
        listen: "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")),
        data_dir: dir.path().to_path_buf(),
        dev_mode: true,
        // Fast hashes keep tests quick; the parameters' own test uses OWASP's.
        argon2_m_cost_kib: 1024,
        argon2_t_cost: 1,
        ..Config::default()
    };
    let mut pg_db = None;
    if backend == Backend::PostgresS3 {
        let admin = pg::Admin::connect().await;
        let (url, name) = admin.fresh_database().await;
        config.database_url = Some(url);
        (config.blob_url, config.s3) = s3::bucket().await;
        pg_db = Some((admin, name));
    }
    tweak(&mut config);
    let app = Application::build(config.clone())
        .await
        .unwrap_or_else(|e| panic!("startup: {e}"));
    let address = format!("http://127.0.0.1:{}", app.port());
    let control = app.control();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        data_dir: config.data_dir.clone(),
        client: reqwest::Client::new(),
        config,
        control,
        pg: pg_db,
        _dir: dir,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Any method, with a bearer token (or none) and an optional JSON body.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let mut req = self.client.request(m, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        req.send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// `call` and parse the JSON answer, asserting the status.
    pub async fn json(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&Value>,
        status: u16,
    ) -> Value {
        let r = self.call(method, path, Some(token), body).await;
        let got = r.status().as_u16();
        let text = r.text().await.unwrap_or_default();
        assert_eq!(got, status, "{method} {path}: {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Queue an operator's message (`202` at once, issue 19 item 5) and
    /// wait until the queue has delivered it; the broadcast's final record.
    pub async fn broadcast(&self, op: &str, message: &Value) -> Value {
        let queued = self
            .json("POST", "/api/v1/ops/messages", op, Some(message), 202)
            .await;
        assert_eq!(queued["state"], "queued", "{queued}");
        self.wait_broadcast(op, queued["id"].as_str().unwrap_or_default())
            .await
    }

    /// Poll a queued broadcast until it is done (at most a minute).
    pub async fn wait_broadcast(&self, op: &str, id: &str) -> Value {
        let path = format!("/api/v1/ops/messages/{id}");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let b = self.json("GET", &path, op, None, 200).await;
            if b["state"] == "done" {
                return b;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the broadcast did not finish: {b}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// A JSON call without a token, asserting the status.
    pub async fn json_anon(&self, method: &str, path: &str, body: &Value, status: u16) -> Value {
        let r = self.call(method, path, None, Some(body)).await;
        let got = r.status().as_u16();
        let text = r.text().await.unwrap_or_default();
        assert_eq!(got, status, "{method} {path}: {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Every line of the development outbox to `e164`.
    pub fn sms_to(&self, e164: &str) -> Vec<String> {
        let outbox = std::fs::read_to_string(self.data_dir.join("sms-outbox.log")).unwrap_or_default();
        outbox
            .lines()
            .filter(|l| l.split(' ').next() == Some(e164))
            .map(str::to_string)
            .collect()
    }

    /// Upload bytes as the multipart field `file`.
    pub async fn upload(&self, token: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string());
        let form = reqwest::multipart::Form::new().part("file", part);
        self.client
            .post(self.url("/api/v1/photos"))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The last code the development SMS provider delivered to `e164`.
    pub fn last_code(&self, e164: &str) -> String {
        self.last_sms(e164).1
    }

    /// The last SMS to `e164` in the development outbox: (template, code, text).
    pub fn last_sms(&self, e164: &str) -> (String, String, String) {
        let outbox = std::fs::read_to_string(self.data_dir.join("sms-outbox.log")).unwrap_or_default();
        outbox
            .lines()
            .filter_map(|l| {
                let mut f = l.splitn(4, ' ');
                let (to, code) = (f.next()?, f.next()?);
                let (template, text) = (f.next().unwrap_or_default(), f.next().unwrap_or_default());
                (to == e164).then(|| (template.to_string(), code.to_string(), text.to_string()))
            })
            .next_back()
            .unwrap_or_else(|| panic!("no code was sent to {e164}"))
    }

    /// Ask for a sign-in code, agreeing to the documents in force (CON-1).
    pub async fn request_code(&self, phone: &str) -> reqwest::Response {
        let agree = self.agreement().await;
        self.post(
            "/api/v1/auth/code",
            &serde_json::json!({ "phone": phone, "agree": agree, "sensitive": ["phone"] }),
        )
        .await
    }

    /// Request a code and log in; returns the bearer token.
    pub async fn login(&self, phone: &str, e164: &str) -> String {
        let r = self.request_code(phone).await;
        assert_eq!(r.status(), 202);
        let code = self.last_code(e164);
        let agree = self.agreement().await;
        let r = self
            .post(
                "/api/v1/auth/login",
                &serde_json::json!({ "phone": phone, "code": code, "agree": agree, "sensitive": ["phone"] }),
            )
            .await;
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap_or_else(|e| panic!("{e}"));
        v["token"]
            .as_str()
            .unwrap_or_else(|| panic!("token in {v}"))
            .to_string()
    }

    /// Grant (or withdraw) `purpose`'s own consent (CON-3, CON-4).
    pub async fn consent(&self, token: &str, purpose: &str, granted: bool) -> Value {
        self.json(
            "PUT",
            &format!("/api/v1/me/consents/{purpose}"),
            token,
            Some(&serde_json::json!({ "granted": granted })),
            200,
        )
        .await
    }

    /// The first-use dialog's answer (CON-1): the versions in force of the
    /// User Agreement and the Privacy Policy.
    pub async fn agreement(&self) -> Value {
        self.agreement_to(&["user_agreement", "privacy_policy"]).await
    }

    /// `GET path` without signing in, as JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        self.client
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// `{kind: current version}` for the published documents `kinds`.
    pub async fn agreement_to(&self, kinds: &[&str]) -> Value {
        let docs = self.get_json("/api/v1/documents").await;
        let mut agree = serde_json::Map::new();
        for d in docs["documents"].as_array().into_iter().flatten() {
            let kind = d["kind"].as_str().unwrap_or_default();
            if kinds.contains(&kind) {
                agree.insert(kind.into(), d["current"]["version"].clone());
            }
        }
        Value::Object(agree)
    }

    /// Drop the test's PostgreSQL database, if it has one.
    pub async fn cleanup(self) {
        if let Some((admin, name)) = &self.pg {
            admin.drop_database(name).await;
        }
    }
}

/// Where `tools/assets/fetch.py` keeps models, test data and the test venv.
pub fn assets_dir() -> PathBuf {
    std::env::var_os("XUANCAI_ASSETS_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("xuancai")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/xuancai")))
        .unwrap_or_else(|| panic!("no asset dir: set XUANCAI_ASSETS_DIR"))
}

/// Real photos from the fetched test data (scikit-image, face-api demo photos).
pub fn testdata(name: &str) -> Vec<u8> {
    let path = assets_dir().join("testdata").join(name);
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run `make test`, which fetches it)", path.display()))
}

/// A JPEG made here, `w`×`h`, with a gradient (distinct per `seed`).
pub fn jpeg(w: u32, h: u32, seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 251) as u8 ^ seed, (y % 241) as u8, seed.wrapping_mul(7)])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .unwrap_or_else(|e| panic!("{e}"));
    out
}

pub mod pg {
    //! A throwaway PostgreSQL database per test, made and dropped (FORCE).
    #[derive(Debug)]
    pub struct Admin {
        pool: sqlx::PgPool,
        base: String,
    }

    impl Admin {
        pub async fn connect() -> Self {
            let base = std::env::var("XUANCAI_TEST_POSTGRES")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
            let pool = sqlx::PgPool::connect(&base)
                .await
                .unwrap_or_else(|e| panic!("PostgreSQL at {base} is required: {e}"));
            Self { pool, base }
        }

        pub async fn drop_database(&self, name: &str) {
            sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
                .execute(&self.pool)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }

        pub async fn fresh_database(&self) -> (String, String) {
            let name = format!(
                "xuancai_t_{}",
                xuancai_domain::UserId::generate()
                    .to_string()
                    .trim_start_matches("u_")
            );
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&self.pool)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let (prefix, _) = self
                .base
                .rsplit_once('/')
                .unwrap_or_else(|| panic!("database URL"));
            (format!("{prefix}/{name}"), name)
        }
    }
}

pub mod s3 {
    //! A real S3-compatible server (moto) for the test binary, and a fresh
    //! bucket per test.
    use super::*;

    static ENDPOINT: OnceLock<String> = OnceLock::new();

    fn moto_binary() -> PathBuf {
        let bin = super::assets_dir().join("venv/bin/moto_server");
        if bin.exists() {
            bin
        } else {
            PathBuf::from("moto_server")
        }
    }

    /// Start moto on a free port, watched by a shell that stops it when
    /// this test process exits.
    fn endpoint() -> &'static str {
        ENDPOINT.get_or_init(|| {
            if let Ok(e) = std::env::var("XUANCAI_TEST_S3_ENDPOINT") {
                return e;
            }
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map(|a| a.port())
                .unwrap_or_else(|e| panic!("{e}"));
            let script = format!(
                "{} -H 127.0.0.1 -p {port} >/dev/null 2>&1 & m=$!; \
                 while kill -0 {pid} 2>/dev/null; do sleep 1; done; kill $m",
                moto_binary().display(),
                pid = std::process::id()
            );
            let mut watchdog = std::process::Command::new("sh")
                .arg("-c")
                .arg(script)
                .spawn()
                .unwrap_or_else(|e| panic!("starting moto_server: {e}"));
            // Reap the watchdog when it ends (after this process does, in practice).
            std::thread::spawn(move || watchdog.wait());
            let endpoint = format!("http://127.0.0.1:{port}");
            for _ in 0..300 {
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return endpoint;
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            panic!("moto_server did not start on port {port} (run `make test`, which installs it)");
        })
    }

    /// A new bucket: its `s3://` URL and the S3 client's settings to reach it.
    pub async fn bucket() -> (Option<String>, xuancai_app::settings::S3Settings) {
        let endpoint = endpoint().to_string();
        let s3 = xuancai_app::settings::S3Settings {
            endpoint: Some(endpoint.clone()),
            region: Some("cn-north-1".into()),
            access_key_id: Some("testing".into()),
            secret_access_key: Some(xuancai_app::config::Secret::new(b"testing".to_vec())),
            session_token: None,
        };
        let name = format!(
            "xuancai-{}",
            xuancai_domain::UserId::generate()
                .to_string()
                .trim_start_matches("u_")
        );
        let r = reqwest::Client::new()
            .put(format!("{endpoint}/{name}"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("creating bucket: {e}"));
        assert!(r.status().is_success(), "creating bucket {name}: {}", r.status());
        (Some(format!("s3://{name}")), s3)
    }
}
