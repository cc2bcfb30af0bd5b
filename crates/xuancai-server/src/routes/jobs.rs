//! Studio jobs (issue 7; IMG-2 cutout and background replacement, IMG-4
//! stickers): create one on a stored photo (answered at once with 202),
//! follow it by polling or by server-sent events, read its result (and its
//! preview) from the job, and save it to the library when the user asks
//! (issue 22 item 5). Every call is scoped to the job's owner; another
//! user's job reads as 404 (SEC-6).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use xuancai_domain::privacy::Purpose;
use xuancai_domain::{JobId, UserId};
use xuancai_store::{JobKind, JobRecord, JobState, NewJob, Store};

use crate::error::ApiError;
use crate::extract::Active;
use crate::extract::{AppJson, AppQuery};
use xuancai_app::App;
use xuancai_app::AppError;
use xuancai_app::crypto::DataKey;
use xuancai_app::photos::owned;
use xuancai_app::privacy::consent_state;
use xuancai_app::studio::JobRequest;
use xuancai_app::studio::results::{self, PackFormat, ResultFile};
use xuancai_app::studio::worker::{JobResult, Step, open_request};
use xuancai_store::SealedColumn;

/// How often an event stream looks at its job.
const EVENT_POLL: Duration = Duration::from_millis(500);

fn parse_job_id(s: &str) -> Result<JobId, ApiError> {
    JobId::parse(s).map_err(|_| ApiError::NOT_FOUND)
}

/// A job as the API shows it.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct JobView {
    id: String,
    /// `cutout`, `sticker`, `face_swap` or `pack`.
    kind: String,
    /// `queued`, `running`, `done` or `failed`.
    state: &'static str,
    /// 0–100.
    progress: u8,
    /// What a running job is doing (issue 22 item 6); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    step: Option<Step>,
    attempts: u32,
    max_attempts: u32,
    /// What was asked (null if it no longer opens).
    request: Option<JobRequest>,
    result: Option<JobOutcome>,
    error: Option<JobFailure>,
    created_at: i64,
    updated_at: i64,
    urls: JobUrls,
}

/// What a finished job produced, and where to fetch it.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct JobOutcome {
    #[serde(flatten)]
    result: JobResult,
    urls: ResultUrls,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum ResultUrls {
    /// A job finished before results were kept with their job: the photo
    /// it added to the library.
    Photo {
        photo: String,
        original: String,
        thumbnail: String,
    },
    /// The result, kept with the job until the user saves it (issue 22
    /// item 5): the file, its preview (alpha kept) and where to `POST` to
    /// add it to the library.
    File {
        original: String,
        preview: String,
        save: String,
    },
    /// A pack: its ZIP, each sticker (for a grid preview) and, for a
    /// WhatsApp pack, the `.wastickers` file.
    Download {
        download: String,
        stickers: Vec<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        wastickers: Option<String>,
    },
}

/// Why a job failed: a stable code and a message.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct JobFailure {
    code: String,
    message: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct JobUrls {
    #[serde(rename = "self")]
    this: String,
    events: String,
}

/// The user's jobs, newest first.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Jobs {
    items: Vec<JobView>,
}

pub fn job_json(j: &JobRecord, key: &DataKey) -> JobView {
    let id = j.id.to_string();
    let request = open_request(j, key).ok();
    let (stickers, whatsapp) = match &request {
        Some(JobRequest::Pack(p)) => (
            p.photos.len(),
            p.platform.as_deref().is_none_or(|p| p == "whatsapp"),
        ),
        _ => (0, false),
    };
    let result = j
        .result
        .as_deref()
        .and_then(|r| serde_json::from_slice::<JobResult>(r).ok())
        .map(|result| {
            let urls = match &result.photo {
                Some(photo) => {
                    let base = format!("/api/v1/photos/{photo}");
                    ResultUrls::Photo {
                        original: format!("{base}/original"),
                        thumbnail: format!("{base}/thumbnail"),
                        photo: base,
                    }
                }
                None if j.kind == JobKind::Pack => ResultUrls::Download {
                    download: format!("/api/v1/jobs/{id}/download"),
                    stickers: (1..=result.stickers.unwrap_or(0))
                        .map(|n| format!("/api/v1/jobs/{id}/stickers/{n}"))
                        .collect(),
                    wastickers: whatsapp.then(|| format!("/api/v1/jobs/{id}/download?format=wastickers")),
                },
                None => ResultUrls::File {
                    original: format!("/api/v1/jobs/{id}/result"),
                    preview: format!("/api/v1/jobs/{id}/result/preview"),
                    save: format!("/api/v1/jobs/{id}/save"),
                },
            };
            JobOutcome { result, urls }
        });
    JobView {
        step: (j.state == JobState::Running).then(|| Step::of(j.kind, j.progress, stickers)),
        kind: j.kind.as_str().into(),
        state: j.state.as_str(),
        progress: j.progress,
        attempts: j.attempts,
        max_attempts: j.max_attempts,
        request,
        result,
        error: j.error_code.as_ref().map(|code| JobFailure {
            code: code.clone(),
            message: j.error_message.clone(),
        }),
        created_at: j.created_at,
        updated_at: j.updated_at,
        urls: JobUrls {
            this: format!("/api/v1/jobs/{id}"),
            events: format!("/api/v1/jobs/{id}/events"),
        },
        id,
    }
}

pub async fn create<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    AppJson(raw): AppJson<Value>,
) -> Result<Response, ApiError> {
    let request: JobRequest = serde_json::from_value(raw).map_err(|e| AppError::BadRequest {
        code: "invalid_job",
        message: format!("{e}: send {{\"kind\": \"cutout\" | \"sticker\", \"photo\": \"p_…\", …}}"),
    })?;
    let user = session.user;
    // Editing the user's own photos is the contract's purpose (§4.3.3); a
    // face swap or a portrait cutout needs the separate face consent too
    // (CON-3), asked for by the `consent_required` answer naming `faces`.
    let consents = consent_state(&state, &user).await?;
    if let Some(p) = request.purposes().iter().find(|p| !consents.allows(**p)) {
        return Err(AppError::ConsentRequired { purpose: p.key() }.into());
    }
    let parsed = request.parse()?;
    match &parsed {
        xuancai_app::studio::Job::Cutout {
            from: Some(from),
            photo,
            ..
        } => results::check_reusable(&state, &user, from, photo, results::Reuse::Recompose).await?,
        xuancai_app::studio::Job::Sticker {
            cutout: Some(from),
            photo,
            ..
        } => results::check_reusable(&state, &user, from, photo, results::Reuse::Sticker).await?,
        _ => {}
    }
    for p in request.photos() {
        owned(&state, &user, p)
            .await
            .map_err(|_| AppError::Unprocessable {
                code: "photo_not_found",
                message: format!("no photo {p} in your library"),
            })?;
    }
    let cfg = &state.config.studio;
    if state.store.pending_jobs(&user).await? >= cfg.max_pending_per_user {
        return Err(AppError::Conflict {
            code: "too_many_jobs",
            message: format!(
                "you have {} jobs waiting or running; wait for one to finish",
                cfg.max_pending_per_user
            ),
        }
        .into());
    }
    let key = state.data_key(&user).await?;
    let params = serde_json::to_vec(&request).map_err(|e| AppError::Internal(e.to_string()))?;
    let id = JobId::generate();
    let job = NewJob {
        id,
        user,
        kind: request.kind(),
        params: key.seal(SealedColumn::JobParams, id.as_bytes(), &params),
        max_attempts: cfg.max_attempts.max(1),
        created_at: state.now(),
        // CON-4: marked, so a withdrawal of the face consent cancels it.
        faces: request.processes_faces(consents.allows(Purpose::Faces)),
    };
    state.store.enqueue(&job).await?;
    state.job_wake.notify_one();
    tracing::info!(job = %job.id, kind = %job.kind, "job queued");
    let record = state.store.job(&user, &job.id).await?.ok_or(AppError::NotFound)?;
    let mut resp = (StatusCode::ACCEPTED, Json(job_json(&record, &key))).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/jobs/{}", job.id)) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct ListQuery {
    /// Any number; 1 to 200 are used.
    #[schemars(range(max = u32::MAX))]
    limit: Option<u32>,
}

pub async fn list<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    AppQuery(q): AppQuery<ListQuery>,
) -> Result<Json<Jobs>, ApiError> {
    let limit = q.limit.unwrap_or(50).clamp(1, 200);
    let jobs = state.store.user_jobs(&session.user, limit).await?;
    let key = state.data_key(&session.user).await?;
    Ok(Json(Jobs {
        items: jobs.iter().map(|j| job_json(j, &key)).collect(),
    }))
}

async fn owned_job<S: Store>(state: &App<S>, user: &UserId, id: &str) -> Result<JobRecord, ApiError> {
    let id = parse_job_id(id)?;
    state.store.job(user, &id).await?.ok_or(ApiError::NOT_FOUND)
}

pub async fn get_one<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    Path(id): Path<String>,
) -> Result<Json<JobView>, ApiError> {
    let job = owned_job(&state, &session.user, &id).await?;
    let key = state.data_key(&session.user).await?;
    Ok(Json(job_json(&job, &key)))
}

/// `text/event-stream`: an `event: job` with the job's JSON whenever it
/// changes, the last one when it is done or failed. Streams are limited per
/// account and in all (`429` beyond), and end when the job ends, when the
/// session that opened one is revoked (logout, password change,
/// cancellation) and when the job vanishes (issue 19 item 12).
pub async fn events<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let job = owned_job(&state, &session.user, &id).await?;
    let key = state.data_key(&session.user).await?;
    let limits = &state.config.security;
    let slot = state
        .streams
        .open(session.user, limits.streams_per_user, limits.streams_total)?;
    let follow = Follow {
        state,
        user: session.user,
        token_hash: session.token_hash,
        id: job.id,
        key,
        last: String::new(),
        _slot: slot,
    };
    let stream = futures_util::stream::unfold(Some(follow), |next| async move {
        let mut f = next?;
        loop {
            // A revoked session ends the stream.
            let now = f.state.now();
            f.state
                .store
                .session_user(&f.token_hash, now)
                .await
                .ok()
                .flatten()?;
            // A job that vanished (its owner was erased) ends the stream.
            let job = f.state.store.job(&f.user, &f.id).await.ok().flatten()?;
            let view = serde_json::to_string(&job_json(&job, &f.key)).unwrap_or_default();
            if view != f.last {
                let event = Event::default().event("job").data(&view);
                let done = job.state.is_final();
                f.last = view;
                return Some((Ok(event), (!done).then_some(f)));
            }
            tokio::time::sleep(EVENT_POLL).await;
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// What an open event stream follows, and the place it holds.
struct Follow<S> {
    state: Arc<App<S>>,
    user: UserId,
    token_hash: Vec<u8>,
    id: JobId,
    key: DataKey,
    last: String,
    _slot: xuancai_app::streams::Slot,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct DownloadQuery {
    /// `zip` (default: the platform's import layout) or, for a WhatsApp
    /// pack, `wastickers` (the file WhatsApp's sticker-import apps open).
    #[schemars(regex(pattern = "^(zip|wastickers)$"))]
    format: Option<String>,
}

/// `GET /api/v1/jobs/{id}/download`: a finished pack job's ZIP (or
/// `.wastickers`), named after the pack.
pub async fn download<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    Path(id): Path<String>,
    AppQuery(q): AppQuery<DownloadQuery>,
) -> Result<Response, ApiError> {
    let id = parse_job_id(&id)?;
    let format = match q.format.as_deref() {
        None | Some("zip") => PackFormat::Zip,
        Some("wastickers") => PackFormat::Wastickers,
        Some(other) => {
            return Err(AppError::Unprocessable {
                code: "invalid_parameter",
                message: format!("format {other:?}: zip or wastickers"),
            }
            .into());
        }
    };
    let r = results::pack_download(&state, &session.user, &id, format).await?;
    let mut resp = axum::body::Body::from(r.bytes).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(r.mime));
    if let Some(name) = &r.file_name
        && let Ok(v) = HeaderValue::from_str(&disposition("attachment", name))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(resp)
}

/// `GET /api/v1/jobs/{id}/stickers/{n}`: sticker `n` (from 1) of a finished
/// pack, for the grid preview before the download.
pub async fn sticker<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    Path((id, n)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = parse_job_id(&id)?;
    let n: usize = n.parse().map_err(|_| ApiError::NOT_FOUND)?;
    let r = results::pack_sticker(&state, &session.user, &id, n).await?;
    crate::respond::image(r.bytes, r.mime, "private, max-age=31536000, immutable")
}

/// A `Content-Disposition` value with an ASCII fallback and the UTF-8 name.
fn disposition(kind: &str, name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "{kind}; filename=\"{ascii}\"; filename*=UTF-8''{}",
        url_encode(name)
    )
}

/// `GET /api/v1/jobs/{id}/result` and `…/result/preview`: a finished job's
/// result (every kind but a pack), named after the photo it was made from.
async fn result_file<S: Store>(
    state: &App<S>,
    user: &UserId,
    id: &str,
    file: ResultFile,
) -> Result<Response, ApiError> {
    let id = parse_job_id(id)?;
    let r = results::read(state, user, &id, file).await?;
    let mut resp = crate::respond::image(r.bytes, r.mime, "private, max-age=31536000, immutable")?;
    if let Some(name) = &r.file_name
        && let Ok(v) = HeaderValue::from_str(&disposition("inline", name))
    {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

/// RFC 5987's percent-encoding of a file name.
fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub async fn result<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    result_file(&state, &session.user, &id, ResultFile::Original).await
}

pub async fn result_preview<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    result_file(&state, &session.user, &id, ResultFile::Preview).await
}

/// What saving a result answers: the photo in the library, and whether it
/// was there already (200) or is new (201).
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Saved<'a> {
    photo: xuancai_app::photos::PhotoView<'a>,
    duplicate: bool,
}

/// `POST /api/v1/jobs/{id}/save`: add a finished job's result to the
/// library (issue 22 item 5); saving again answers the same photo.
pub async fn save<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_job_id(&id)?;
    let added = results::save(&state, &session.user, &id).await?;
    let key = state.data_key(&session.user).await?;
    let status = if added.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let view = xuancai_app::photos::photo_view(&added.photo, &key);
    Ok((
        status,
        Json(Saved {
            photo: view,
            duplicate: added.duplicate,
        }),
    )
        .into_response())
}

/// `DELETE /api/v1/jobs/{id}`: a finished or failed job, with its result.
pub async fn remove<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = parse_job_id(&id)?;
    results::delete(&state, &session.user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
