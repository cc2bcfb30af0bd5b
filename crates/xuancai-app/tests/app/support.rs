//! An application on SQLite + local files in a temporary directory, with the
//! development SMS outbox; accounts are made through the sign-in use case.

use std::sync::Arc;

use xuancai_app::App;
use xuancai_app::blobs::Blobs;
use xuancai_app::config::Config;
use xuancai_app::crypto::Keys;
use xuancai_app::privacy::documents::{current, ensure_published};
use xuancai_app::sign_in::{CodeSignIn, with_code};
use xuancai_app::sms::DevSms;
use xuancai_app::startup::{Outbound, StartupError, open};
use xuancai_app::store::Backend;
use xuancai_domain::privacy::{Category, DocumentKind};
use xuancai_domain::{BirthDate, OneTimeCode, PhoneNumber, UserId};
use xuancai_store::PrivacyStore;

pub struct TestApp {
    pub app: Arc<App<Backend>>,
    _dir: tempfile::TempDir,
}

fn connect(config: &Config, _keys: &Keys) -> Result<Outbound, StartupError> {
    Ok(Outbound {
        blobs: Blobs::open_local(None, &config.data_dir).map_err(|e| StartupError::Config(e.to_string()))?,
        sms: Arc::new(DevSms::new(config.data_dir.join("sms-outbox.log"))),
        push: Arc::new(xuancai_app::push::Channels::new(Vec::new())),
        web_push_key: String::new(),
        processor: None,
    })
}

pub async fn spawn(tweak: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut config = Config {
        data_dir: dir.path().to_path_buf(),
        dev_mode: true,
        argon2_m_cost_kib: 1024,
        argon2_t_cost: 1,
        ..Config::default()
    };
    tweak(&mut config);
    let (backend, parts) = open(&config, connect)
        .await
        .unwrap_or_else(|e| panic!("startup: {e}"));
    assert!(matches!(backend, Backend::Sqlite(_)), "SQLite expected");
    let app = parts.with_store(backend);
    ensure_published(&app.store, app.now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    TestApp {
        app: Arc::new(app),
        _dir: dir,
    }
}

impl TestApp {
    /// Another node on the same database and blobs (a second process of a
    /// cluster): its own `App`, pool and node name.
    pub async fn node(&self) -> Arc<App<Backend>> {
        let (backend, parts) = open(&self.app.config, connect)
            .await
            .unwrap_or_else(|e| panic!("startup: {e}"));
        Arc::new(parts.with_store(backend))
    }

    /// Another node on the same database and blobs with its configuration
    /// changed (a restart with other settings); the start-up's error if it
    /// refuses to start.
    pub async fn node_with(
        &self,
        tweak: impl FnOnce(&mut Config),
    ) -> Result<Arc<App<Backend>>, StartupError> {
        let mut config = self.app.config.clone();
        tweak(&mut config);
        let (backend, parts) = open(&config, connect).await?;
        Ok(Arc::new(parts.with_store(backend)))
    }

    /// The application, to hand to a task (the scheduler).
    pub fn shared(&self) -> Arc<App<Backend>> {
        self.app.clone()
    }

    pub fn advance(&self, ms: i64) {
        self.app.clock.advance(ms);
    }

    fn last_code(&self, e164: &str) -> String {
        let outbox =
            std::fs::read_to_string(self.app.config.data_dir.join("sms-outbox.log")).unwrap_or_default();
        outbox
            .lines()
            .rev()
            .find(|l| l.contains(e164))
            .and_then(|l| l.split_whitespace().nth(1))
            .map(str::to_string)
            .unwrap_or_else(|| panic!("no code for {e164} in {outbox}"))
    }

    /// The documents in force, as the first-use dialog agrees to them.
    pub async fn agreements(&self, kinds: &[DocumentKind]) -> Vec<(DocumentKind, String)> {
        let docs = self.app.store.documents().await.unwrap_or_else(|e| panic!("{e}"));
        kinds
            .iter()
            .filter_map(|k| current(&docs, *k, self.app.now()).map(|d| (*k, d.version.clone())))
            .collect()
    }

    /// Sign up `phone` (11 digits) with the documents agreed and the tick for
    /// the number, optionally declaring a birth date.
    pub async fn sign_up(&self, phone: &str, birth: Option<&str>) -> UserId {
        let number = PhoneNumber::parse(phone).unwrap_or_else(|e| panic!("{e}"));
        xuancai_app::accounts::send_code(
            &self.app,
            &number,
            "192.0.2.1",
            xuancai_app::accounts::CodeFor::SIGN_IN,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let code = OneTimeCode::parse(&self.last_code(number.as_e164())).unwrap_or_else(|e| panic!("{e}"));
        let agreements = self
            .agreements(&[DocumentKind::UserAgreement, DocumentKind::PrivacyPolicy])
            .await;
        let birth = birth.map(|b| BirthDate::parse(b, self.app.today()).unwrap_or_else(|e| panic!("{e}")));
        let signed = with_code(
            &self.app,
            CodeSignIn {
                phone: &number,
                code: &code,
                agreements: &agreements,
                ticks: &[Category::Phone],
                birth,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("sign-up: {e}"));
        assert!(signed.created);
        // One code a minute per number.
        self.advance(61_000);
        signed.user
    }
}
