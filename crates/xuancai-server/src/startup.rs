//! Start-up of the HTTP side: the application is built by
//! `xuancai_app::startup` from a [`Config`]; here the router, the Oblivious
//! HTTP gateway and the listener are added. The listener is bound here, so
//! tests bind port 0 and read the port back.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tracing::Instrument;
use xuancai_app::crypto::random;
use xuancai_app::startup::{Started, shutdown_signal};
use xuancai_app::{App, Config, Control};
use xuancai_store::Store;

use crate::error::REQUEST_ID;
use crate::routes::router;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    App(#[from] xuancai_app::StartupError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("configuration: {0}")]
    Config(String),
}

/// A bound, ready-to-run server.
pub struct Application {
    port: u16,
    listener: TcpListener,
    /// TLS, when the configuration names a certificate and key.
    tls: Option<(Arc<rustls::ServerConfig>, Arc<crate::tls::Reloadable>)>,
    router: Router,
    /// The background jobs and the studio's workers.
    tasks: Vec<tokio::task::JoinHandle<()>>,
    control: Control,
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
    // Instrumented, not entered: a guard held across the `.await` would
    // leave the span entered on the thread while the request waits, and
    // every span made meanwhile would nest inside it.
    let mut resp = REQUEST_ID.scope(id.clone(), next.run(req).instrument(span)).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

async fn http<S: Store>(
    app: App<S>,
) -> Result<(Router, Vec<tokio::task::JoinHandle<()>>, Control), StartupError> {
    let gateway = crate::ohttp::Gateway::new(app.keys.ohttp_ikm()).map_err(StartupError::Config)?;
    let max_body = usize::try_from(app.config.max_upload_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(1024 * 1024);
    let Started { app, tasks, control } = xuancai_app::startup::start(app).await?;
    let api = router(app).layer(middleware::from_fn(crate::routes::metrics::track));
    let router = crate::ohttp::with_gateway(api, gateway, max_body).layer(middleware::from_fn(request_id));
    Ok((router, tasks, control))
}

impl Application {
    pub async fn build(mut config: Config) -> Result<Self, StartupError> {
        let tls = match (&config.tls_cert, &config.tls_key) {
            (Some(cert), Some(key)) => {
                let files = crate::tls::TlsFiles {
                    cert: cert.clone(),
                    key: key.clone(),
                };
                let certs =
                    crate::tls::Reloadable::new(files).map_err(|e| StartupError::Config(e.to_string()))?;
                let server = crate::tls::server_config(certs.clone())
                    .map_err(|e| StartupError::Config(format!("TLS: {e}")))?;
                // Cookies only over TLS once the server speaks it.
                config.secure_cookies = true;
                Some((server, certs))
            }
            (None, None) => None,
            _ => {
                return Err(StartupError::Config(
                    "TLS needs both a certificate (tls_cert) and its key (tls_key)".into(),
                ));
            }
        };
        let (backend, parts) = xuancai_app::startup::open(&config, xuancai_outbound::connect).await?;
        let (router, tasks, control) = http(parts.with_store(backend)).await?;
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
            tls,
            router,
            tasks,
            control,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `https` when serving TLS, else `http`.
    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() { "https" } else { "http" }
    }

    /// The clock and the background jobs of this server.
    pub fn control(&self) -> Control {
        self.control.clone()
    }

    /// Serve until Ctrl-C or SIGTERM, then finish in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        tracing::info!(port = self.port, scheme = self.scheme(), "listening");
        let stopped = async {
            shutdown_signal().await;
            // Let in-flight requests finish.
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        let service = self.router.into_make_service_with_connect_info::<SocketAddr>();
        let served = match self.tls {
            Some((server, certs)) => {
                crate::tls::reload_on_hangup(certs);
                let listener = crate::tls::TlsListener::new(self.listener, server)?.tap_io(|_| {});
                axum::serve(listener, service)
                    .with_graceful_shutdown(stopped)
                    .await
            }
            None => {
                axum::serve(self.listener, service)
                    .with_graceful_shutdown(stopped)
                    .await
            }
        };
        for t in &self.tasks {
            t.abort();
        }
        served
    }
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("port", &self.port)
            .field("tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;
    use tracing_subscriber::Layer;
    use tracing_subscriber::layer::{Context, SubscriberExt};
    use tracing_subscriber::registry::LookupSpan;

    use super::*;

    /// How many spans each event was logged inside.
    #[derive(Clone, Default)]
    struct Depths(Arc<Mutex<Vec<usize>>>);

    impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Depths {
        fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
            let depth = ctx.event_scope(event).map_or(0, Iterator::count);
            if let Ok(mut d) = self.0.lock() {
                d.push(depth);
            }
        }
    }

    /// A request's span is entered only while the request runs: it must
    /// not stay entered on the thread while the request waits, or every
    /// span made meanwhile (the next requests', the background tasks') is
    /// made inside it. Held across an `.await` it was, and under load the
    /// chain of nested spans grew until the server overflowed its stack
    /// (found by the cluster bench, issue 23).
    #[test]
    fn request_spans_do_not_nest_while_requests_wait() -> Result<(), Box<dyn std::error::Error>> {
        let depths = Depths::default();
        let subscriber = tracing_subscriber::registry().with(depths.clone());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        tracing::subscriber::with_default(subscriber, || {
            runtime.block_on(async {
                let app = Router::new()
                    .route(
                        "/",
                        get(|| async {
                            tokio::time::sleep(Duration::from_millis(5)).await;
                            tracing::info!("handled");
                        }),
                    )
                    .layer(middleware::from_fn(request_id));
                let calls = (0..20).map(|_| {
                    let req = Request::get("/").body(Body::empty());
                    let app = app.clone();
                    async move {
                        app.oneshot(req.map_err(|e| e.to_string())?)
                            .await
                            .map_err(|e| e.to_string())
                    }
                });
                for r in futures_util::future::join_all(calls).await {
                    r?;
                }
                Ok::<_, String>(())
            })
        })?;
        let depths = depths.0.lock().map_err(|e| e.to_string())?.clone();
        assert_eq!(depths.len(), 20, "one event per request");
        assert!(
            depths.iter().all(|&d| d == 1),
            "each event in its own request's span only: {depths:?}"
        );
        Ok(())
    }
}
