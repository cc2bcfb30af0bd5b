//! Start-up: the application is built from a [`Config`] — keys, blobs, the
//! store, SMS and push channels, the studio's engines — with no HTTP.
//! `xuancai serve` adds the router and a listener on top
//! (`xuancai_server::Application`); `xuancai worker` and `xuancai jobs
//! run-once` use this module alone and bind no port.

use std::path::Path;
use std::sync::Arc;

use xuancai_domain::privacy::WorkingCalendar;
use xuancai_domain::{Date, PhoneNumber};
use xuancai_store::Store;

use crate::App;
use crate::blobs::{BlobError, Blobs};
use crate::clock::Clock;
use crate::config::{Config, Secret};
use crate::crypto::{Keys, random};
use crate::maintenance::JobReport;
use crate::rotation::load_keys;
use crate::sms::SmsSender;
use crate::state::Shutdown;
use crate::store::{self, Backend};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(
        "no master key: set XUANCAI_MASTER_KEY (64 hex digits) or pass --dev to generate one in the data dir"
    )]
    NoMasterKey,
    #[error("the master key is invalid: {0}")]
    BadMasterKey(String),
    #[error("the data dir {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error("storage: {0}")]
    Store(#[from] xuancai_store::StoreError),
    #[error(
        "no SMS provider: the development provider (codes in the log) needs --dev; configure sms_http_url for a gateway"
    )]
    NoSms,
    #[error("SMS provider: {0}")]
    Sms(String),
    #[error("blob store: {0}")]
    Blobs(#[from] BlobError),
    #[error("configuration: {0}")]
    Config(String),
}

fn dev_master_key(data_dir: &Path) -> Result<Secret, StartupError> {
    let path = data_dir.join("master.key");
    let io = |source| StartupError::DataDir {
        path: path.display().to_string(),
        source,
    };
    if path.exists() {
        let hex = std::fs::read_to_string(&path).map_err(io)?;
        return Secret::from_hex(&hex).ok_or_else(|| StartupError::BadMasterKey(path.display().to_string()));
    }
    let key = Secret::new(random::<32>().to_vec());
    let tmp = data_dir.join(".master.key.tmp");
    std::fs::write(&tmp, key.to_hex()).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    }
    std::fs::rename(&tmp, &path).map_err(io)?;
    tracing::warn!(path = %path.display(), "development mode: generated a master key");
    Ok(key)
}

fn calendar(config: &Config) -> Result<WorkingCalendar, StartupError> {
    let dates = |list: &[String]| {
        list.iter()
            .map(|d| Date::parse(d).map_err(|e| StartupError::Config(format!("calendar date {d:?}: {e}"))))
            .collect::<Result<Vec<_>, _>>()
    };
    Ok(WorkingCalendar::new(
        dates(&config.holidays)?,
        dates(&config.make_up_days)?,
    ))
}

/// Everything the application needs besides its store, built from the
/// configuration; [`Parts::with_store`] completes it for the opened backend.
#[derive(Debug)]
pub struct Parts {
    keys: Keys,
    blobs: Blobs,
    sms: Arc<dyn SmsSender>,
    config: Config,
    fault: Option<String>,
    operators: Vec<Vec<u8>>,
    calendar: WorkingCalendar,
    shutdown: Option<Shutdown>,
    web_push_key: String,
    push: Arc<crate::push::Channels>,
    engines: Arc<crate::studio::Engines>,
}

impl Parts {
    /// The application on `store`.
    pub fn with_store<S: Store>(self, store: S) -> App<S> {
        let decodes = Arc::new(tokio::sync::Semaphore::new(
            self.config.security.decode_budget_mib.max(1) as usize,
        ));
        let passwords = Arc::new(crate::passwords::Pool::new(
            self.config.security.password_workers(),
            self.config.security.password_queue,
        ));
        let tag: String = crate::crypto::random::<4>()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        App {
            store,
            node: format!("{}-{tag}", std::process::id()),
            keys: self.keys,
            blobs: self.blobs,
            sms: self.sms,
            config: self.config,
            fault: self.fault,
            clock: Arc::new(Clock::default()),
            operators: self.operators,
            calendar: self.calendar,
            shutdown: self.shutdown,
            web_push_key: self.web_push_key,
            push: self.push,
            engines: self.engines,
            job_wake: Arc::new(tokio::sync::Notify::new()),
            passwords,
            decodes,
            streams: Arc::default(),
        }
    }
}

/// The outbound channels, built outside the application layer (the HTTP
/// adapters are in `xuancai-outbound`): SMS delivery, the push channels,
/// the Web Push key, and the external image processor if one is on.
#[derive(Debug)]
pub struct Outbound {
    pub blobs: Blobs,
    pub sms: Arc<dyn SmsSender>,
    pub push: Arc<crate::push::Channels>,
    pub web_push_key: String,
    pub processor: Option<Arc<dyn crate::studio::ImageProcessor>>,
}

/// Builds the outbound channels from the configuration and the keys.
pub type Connect = fn(&Config, &Keys) -> Result<Outbound, StartupError>;

/// The configured master key; in development, the one kept in the data dir.
fn master_key(config: &Config) -> Result<Secret, StartupError> {
    match (&config.master_key, config.dev_mode) {
        (Some(k), _) => Ok(k.clone()),
        (None, true) => dev_master_key(&config.data_dir),
        (None, false) => Err(StartupError::NoMasterKey),
    }
}

/// Issue 21 item 8: the operator's C2PA signing chain, checked by signing a
/// test manifest; the ephemeral development chain only with `--dev`.
fn aigc_credentials(config: &Config) -> Result<xuancai_aigc::Credentials, StartupError> {
    let Some(files) = &config.aigc_signing else {
        if config.dev_mode {
            return Ok(xuancai_aigc::Credentials::ephemeral());
        }
        return Err(StartupError::Config(
            "the C2PA signing certificate is missing: set aigc_signing_cert (the chain, PEM) and \
             aigc_signing_key (its key, PEM) — results of face swap are signed with it (issue 21 \
             item 8); only --dev signs with a throwaway certificate"
                .into(),
        ));
    };
    let read = |p: &std::path::Path| {
        std::fs::read(p).map_err(|e| StartupError::Config(format!("reading {}: {e}", p.display())))
    };
    xuancai_aigc::Credentials::from_pem(&read(&files.cert)?, &read(&files.key)?, &files.alg)
        .map_err(|e| StartupError::Config(format!("aigc_signing_cert / aigc_signing_key: {e}")))
}

/// `xuancai keys rotate` (issue 23 item 5): re-wrap every data key and the
/// derivation root under the configured `master_key`, opening them with
/// `previous_master_key`. Opens the database only: no blob store, no port.
pub async fn rotate_keys(config: &Config) -> Result<crate::rotation::Rotation, StartupError> {
    let master = master_key(config)?;
    let backend = store::open(config.database_url.as_deref(), &config.data_dir).await?;
    let keys = load_keys(&backend, &master, config.previous_master_key.as_ref())
        .await
        .map_err(|e| StartupError::BadMasterKey(e.to_string()))?;
    crate::rotation::rotate(&backend, &keys, crate::rotation::Limit::default())
        .await
        .map_err(|e| StartupError::BadMasterKey(e.to_string()))
}

/// Open the backend the configuration names and build the other parts,
/// with the outbound channels `connect` builds.
pub async fn open(config: &Config, connect: Connect) -> Result<(Backend, Parts), StartupError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|source| StartupError::DataDir {
        path: config.data_dir.display().to_string(),
        source,
    })?;
    let master = master_key(config)?;
    let backend = store::open(config.database_url.as_deref(), &config.data_dir).await?;
    let keys = load_keys(&backend, &master, config.previous_master_key.as_ref())
        .await
        .map_err(|e| StartupError::BadMasterKey(e.to_string()))?;
    if config.contact.is_example() && !config.dev_mode {
        tracing::warn!(
            "[contact] still holds the example channels: the policy and the app show them as \
             examples until the operator's own e-mail, address and officer are configured (R-7)"
        );
    }
    crate::residency::check(config).map_err(StartupError::Config)?;
    let outbound = connect(config, &keys)?;
    // Failure injection for the crash tests only.
    let fault = config.fault.clone();
    if let Some(f) = &fault {
        tracing::warn!(fault = %f, "XUANCAI_FAULT is set: this process will crash on purpose");
    }
    crate::accounts::bind_legacy_data_keys(&backend, &keys).await?;
    crate::sealing::reseal_legacy_rows(&backend, &keys).await?;
    let operators = config
        .operators
        .iter()
        .map(|p| {
            PhoneNumber::parse(p)
                .map(|p| keys.lookup_hash(p.as_e164()))
                .map_err(|e| StartupError::Config(format!("operator {p:?}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let calendar = calendar(config)?;
    let credentials = Arc::new(aigc_credentials(config)?);
    let engines = Arc::new(crate::studio::Engines::new(
        config
            .assets_dir
            .clone()
            .map_or_else(
                xuancai_vision::AssetDir::in_user_cache,
                xuancai_vision::AssetDir::new,
            )
            .with_runtime(config.onnxruntime.clone()),
        config.studio.threads,
        outbound.processor,
        credentials,
    ));
    let shutdown = config
        .shutdown_date
        .as_deref()
        .map(|d| {
            let at = Date::parse(d)
                .map_err(|e| StartupError::Config(format!("shutdown_date {d:?}: {e}")))?
                .start_ms(config.utc_offset_minutes);
            Ok::<_, StartupError>(Shutdown {
                at,
                erase_at: at + i64::from(config.shutdown_erase_days) * 86_400_000,
            })
        })
        .transpose()?;
    let parts = Parts {
        keys,
        blobs: outbound.blobs,
        sms: outbound.sms,
        config: config.clone(),
        fault,
        operators,
        calendar,
        shutdown,
        web_push_key: outbound.web_push_key,
        push: outbound.push,
        engines,
    };
    Ok((backend, parts))
}

/// A started application: the published documents are in the store, the
/// studio's workers and the maintenance jobs run as tasks.
#[derive(Debug)]
pub struct Started<S> {
    pub app: Arc<App<S>>,
    pub tasks: Vec<tokio::task::JoinHandle<()>>,
    pub control: Control,
}

/// Publish the documents in force and start the workers and the periodic
/// jobs of `app`.
pub async fn start<S: Store>(app: App<S>) -> Result<Started<S>, StartupError> {
    crate::privacy::documents::ensure_published(&app.store, app.now()).await?;
    let app = Arc::new(app);
    let mut tasks = crate::studio::worker::spawn(&app);
    tasks.push(tokio::spawn(crate::maintenance::run(app.clone())));
    let control = Control::new(app.clone());
    Ok(Started { app, tasks, control })
}

/// `xuancai worker`: the studio's workers and the periodic jobs, until
/// Ctrl-C or SIGTERM. No listener is bound.
pub async fn run_workers(config: &Config, connect: Connect) -> Result<(), StartupError> {
    let (backend, parts) = open(config, connect).await?;
    let tasks = start(parts.with_store(backend)).await?.tasks;
    tracing::info!(
        workers = tasks.len().saturating_sub(1),
        "working on the job queue"
    );
    shutdown_signal().await;
    for t in &tasks {
        t.abort();
    }
    Ok(())
}

/// `xuancai jobs run-once`: every maintenance job once, now; studio jobs
/// are left to the workers. No listener is bound.
pub async fn run_jobs_once(config: &Config, connect: Connect) -> Result<JobReport, StartupError> {
    let mut config = config.clone();
    config.studio.workers = 0;
    let (backend, parts) = open(&config, connect).await?;
    let control = start(parts.with_store(backend)).await?.control;
    Ok(control.run_jobs_once().await)
}

/// Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

type Tick = dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = JobReport> + Send>> + Send + Sync;

type Work = dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>> + Send + Sync;

/// A handle on a started application's clock and background jobs, whatever
/// its store: `xuancai jobs run-once` (for cron) and tests (which move the
/// clock) use it.
#[derive(Clone)]
pub struct Control {
    clock: Arc<Clock>,
    tick: Arc<Tick>,
    work: Arc<Work>,
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Control").finish_non_exhaustive()
    }
}

impl Control {
    fn new<S: Store>(state: Arc<App<S>>) -> Self {
        let clock = state.clock.clone();
        let worker_state = state.clone();
        let tick: Arc<Tick> = Arc::new(move || {
            let state = state.clone();
            Box::pin(async move { crate::maintenance::run_once(&state).await })
        });
        let work: Arc<Work> = Arc::new(move || {
            let state = worker_state.clone();
            Box::pin(async move {
                match crate::studio::worker::run_next(&state, "control").await {
                    Ok(ran) => ran,
                    Err(e) => {
                        tracing::error!(error = %e, "job queue unavailable");
                        false
                    }
                }
            })
        });
        Self { clock, tick, work }
    }

    /// Move the application's clock forward.
    pub fn advance(&self, ms: i64) {
        self.clock.advance(ms);
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Claim and run one due studio job here and now (tests that run with
    /// `studio.workers = 0`); `false` when none was due.
    pub async fn run_next_studio_job(&self) -> bool {
        (self.work)().await
    }

    /// Run every background job once, now.
    pub async fn run_jobs_once(&self) -> JobReport {
        (self.tick)().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 21 item 8: outside development the server signs with the
    /// operator's chain or does not start.
    #[test]
    fn img3_without_dev_the_server_needs_the_operators_signing_chain() {
        let dev = Config {
            dev_mode: true,
            ..Config::default()
        };
        assert!(aigc_credentials(&dev).is_ok_and(|c| c.is_ephemeral()));
        let prod = Config {
            dev_mode: false,
            ..Config::default()
        };
        let err = aigc_credentials(&prod)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("aigc_signing_cert"), "{err}");
        let missing = Config {
            dev_mode: false,
            aigc_signing: Some(crate::config::SigningFiles {
                cert: "/nonexistent/chain.pem".into(),
                key: "/nonexistent/key.pem".into(),
                alg: "es256".into(),
            }),
            ..Config::default()
        };
        let err = aigc_credentials(&missing)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("/nonexistent/chain.pem"), "{err}");
    }
}
