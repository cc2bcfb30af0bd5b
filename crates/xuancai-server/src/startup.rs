//! Start-up: everything the server needs is built from a [`Config`]; the
//! listener is bound here, so tests bind port 0 and read the port back.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::Response;
use tokio::net::TcpListener;
use xuancai_store::Store;

use xuancai_domain::privacy::WorkingCalendar;
use xuancai_domain::{Date, PhoneNumber};

use crate::blobs::{BlobError, Blobs};
use crate::clock::Clock;
use crate::config::{Config, Secret, SmsConfig};
use crate::crypto::{Keys, random};
use crate::error::REQUEST_ID;
use crate::jobs::JobReport;
use crate::routes::{AppState, router};
use crate::sms::{DevSms, HttpSms, SmsSender};
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
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
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

/// A bound, ready-to-run server.
#[derive(Debug)]
pub struct Application {
    port: u16,
    listener: TcpListener,
    router: Router,
    /// The background jobs and the studio's workers.
    tasks: Vec<tokio::task::JoinHandle<()>>,
    control: Control,
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

/// Give every request an id (from `X-Request-Id` or fresh), make it
/// available to the error mapping, and echo it in the response.
async fn request_id(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .map(str::to_string)
        .unwrap_or_else(|| random::<12>().iter().map(|b| format!("{b:02x}")).collect());
    let span =
        tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path());
    let mut resp = REQUEST_ID
        .scope(id.clone(), async move {
            let _enter = span.enter();
            next.run(req).await
        })
        .await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

async fn app<S: Store>(
    state: AppState<S>,
) -> Result<(Router, Vec<tokio::task::JoinHandle<()>>, Control), StartupError> {
    crate::privacy::documents::ensure_published(&state.store, state.now()).await?;
    let gateway = crate::ohttp::Gateway::new(state.keys.ohttp_ikm()).map_err(StartupError::Config)?;
    let max_body = usize::try_from(state.config.max_upload_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(1024 * 1024);
    let state = Arc::new(state);
    let mut tasks = crate::studio::worker::spawn(&state);
    tasks.push(tokio::spawn(crate::jobs::run(state.clone())));
    let control = Control::new(state.clone());
    let api = router(state);
    let app = crate::ohttp::with_gateway(api, gateway, max_body).layer(middleware::from_fn(request_id));
    Ok((app, tasks, control))
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

type Tick = dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = JobReport> + Send>> + Send + Sync;

type Work = dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>> + Send + Sync;

/// A handle on a built server's clock and background jobs: `xuancai jobs
/// run-once` (for cron) and tests (which move the clock) use it.
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
    fn new<S: Store>(state: Arc<AppState<S>>) -> Self {
        let clock = state.clock.clone();
        let worker_state = state.clone();
        let tick: Arc<Tick> = Arc::new(move || {
            let state = state.clone();
            Box::pin(async move { crate::jobs::run_once(&state).await })
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

    /// Move the server's clock forward.
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

impl Application {
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|source| StartupError::DataDir {
            path: config.data_dir.display().to_string(),
            source,
        })?;
        let master = match (&config.master_key, config.dev_mode) {
            (Some(k), _) => k.clone(),
            (None, true) => dev_master_key(&config.data_dir)?,
            (None, false) => return Err(StartupError::NoMasterKey),
        };
        let keys = Keys::new(&master).map_err(|e| StartupError::BadMasterKey(e.to_string()))?;
        let sms: Arc<dyn SmsSender> = match &config.sms {
            SmsConfig::Log if config.dev_mode => {
                Arc::new(DevSms::new(config.data_dir.join("sms-outbox.log")))
            }
            SmsConfig::Log => return Err(StartupError::NoSms),
            SmsConfig::Http { url, token } => Arc::new(
                HttpSms::new(url.clone(), token.clone()).map_err(|e| StartupError::Sms(e.to_string()))?,
            ),
        };
        let blobs = Blobs::open(config.blob_url.as_deref(), &config.data_dir)?;
        // Failure injection for the crash tests only.
        let fault = std::env::var("XUANCAI_FAULT").ok().filter(|f| !f.is_empty());
        if let Some(f) = &fault {
            tracing::warn!(fault = %f, "XUANCAI_FAULT is set: this process will crash on purpose");
        }
        let backend = store::open(config.database_url.as_deref(), &config.data_dir).await?;
        let clock = Arc::new(Clock::default());
        let operators = config
            .operators
            .iter()
            .map(|p| {
                PhoneNumber::parse(p)
                    .map(|p| keys.lookup_hash(p.as_e164()))
                    .map_err(|e| StartupError::Config(format!("operator {p:?}: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let calendar = calendar(&config)?;
        let web_push = Arc::new(
            crate::push::WebPush::new(
                keys.vapid_seed(),
                config.push_contact.clone(),
                config.push_allow_loopback,
            )
            .map_err(|e| StartupError::Config(format!("VAPID key: {e}")))?,
        );
        // IMG-5: an external image API only when the operator configures one.
        let processor = config
            .studio
            .processor
            .as_ref()
            .map(|p| {
                crate::studio::external::HttpProcessor::new(p)
                    .map(|p| Arc::new(p) as Arc<dyn crate::studio::ImageProcessor>)
                    .map_err(StartupError::Config)
            })
            .transpose()?;
        // DATA-5: Web Push, and the phone vendors the operator configured.
        let mut channels: Vec<Arc<dyn crate::push::PushProvider>> = vec![web_push.clone()];
        for v in &config.push_vendors {
            channels.push(Arc::new(
                crate::push_vendors::VendorPush::new(v).map_err(StartupError::Config)?,
            ));
        }
        let push = Arc::new(crate::push::Channels::new(channels));
        let engines = Arc::new(crate::studio::Engines::new(
            xuancai_vision::AssetDir::from_env(),
            config.studio.threads,
            processor,
        ));
        let shutdown = config
            .shutdown_date
            .as_deref()
            .map(|d| {
                let at = Date::parse(d)
                    .map_err(|e| StartupError::Config(format!("shutdown_date {d:?}: {e}")))?
                    .start_ms(config.utc_offset_minutes);
                Ok::<_, StartupError>(crate::routes::Shutdown {
                    at,
                    erase_at: at + i64::from(config.shutdown_erase_days) * 86_400_000,
                })
            })
            .transpose()?;
        macro_rules! state {
            ($s:expr) => {
                AppState {
                    store: $s,
                    keys,
                    blobs,
                    sms,
                    config: config.clone(),
                    fault,
                    clock: clock.clone(),
                    operators,
                    calendar,
                    shutdown,
                    web_push,
                    push,
                    engines: engines.clone(),
                    job_wake: Arc::new(tokio::sync::Notify::new()),
                }
            };
        }
        let (router, tasks, control) = match backend {
            Backend::Sqlite(s) => app(state!(s)).await?,
            Backend::Postgres(s) => app(state!(s)).await?,
        };
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|source| StartupError::Bind {
                addr: config.listen,
                source,
            })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Bind {
                addr: config.listen,
                source,
            })?
            .port();
        Ok(Self {
            port,
            listener,
            router,
            tasks,
            control,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The clock and the background jobs of this server.
    pub fn control(&self) -> Control {
        self.control.clone()
    }

    /// Serve until Ctrl-C or SIGTERM, then finish in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        tracing::info!(port = self.port, "listening");
        let served = axum::serve(
            self.listener,
            self.router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await;
        for t in &self.tasks {
            t.abort();
        }
        served
    }

    /// `xuancai worker`: run the studio's workers and the background jobs
    /// without serving HTTP, until Ctrl-C or SIGTERM.
    pub async fn run_workers_until_stopped(self) {
        drop(self.listener);
        tracing::info!(
            workers = self.tasks.len().saturating_sub(1),
            "working on the job queue"
        );
        shutdown_signal().await;
        for t in &self.tasks {
            t.abort();
        }
    }
}

async fn shutdown_signal() {
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
    // Let in-flight requests finish.
    tokio::time::sleep(Duration::from_millis(10)).await;
}
