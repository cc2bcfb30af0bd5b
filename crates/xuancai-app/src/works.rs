//! Works (IMG-6, DATA-3, R-8): saving a photo as a work, who may see one,
//! changing and deleting it, and the author as shown beside content.
//!
//! Who sees a work: public — anyone; link — the owner and whoever holds the
//! current share token (changing the link kills the old one); private — the
//! owner. Anyone else is told it does not exist ([`AppError::NotFound`]).
//! The HTTP layer (`xuancai-server`'s works, comments and blessings) only
//! parses, calls these and shapes the answer.

use std::collections::HashMap;

use xuancai_domain::privacy::Purpose;
use xuancai_domain::{UserId, WorkId};
use xuancai_store::{Authored, SealedColumn, Store, Visibility, WorkRecord};

use crate::App;
use crate::crypto::DataKey;
use crate::error::AppError;
use crate::photos::{Variant, owned};
use crate::privacy::permit;

/// Longest work title, characters.
pub const MAX_TITLE_CHARS: usize = 60;

/// A work id from a path; an id that cannot be one is a work that does not
/// exist (404, like any other unknown work).
pub fn parse_id(s: &str) -> Result<WorkId, AppError> {
    WorkId::parse(s).map_err(|_| AppError::NotFound)
}

/// Where the work's image is stored (under its owner's prefix, so erasure
/// and crypto-shredding reach it).
pub fn image_key(w: &WorkRecord) -> String {
    format!("{}image", WorkRecord::blob_prefix(&w.owner, &w.id))
}

/// The current share token of a link-only work (derived, not stored).
pub fn share_token<S>(state: &App<S>, w: &WorkRecord) -> String {
    state.keys.work_link_token(&w.id.to_string(), w.link_version)
}

/// The work if `viewer` may see it; [`AppError::NotFound`] otherwise.
pub async fn visible<S: Store>(
    state: &App<S>,
    viewer: Option<&UserId>,
    id: &str,
    share: Option<&str>,
) -> Result<WorkRecord, AppError> {
    let id = parse_id(id)?;
    let w = state.store.work(&id).await?.ok_or(AppError::NotFound)?;
    let owner = viewer == Some(&w.owner);
    let ok = match w.visibility {
        Visibility::Public => true,
        Visibility::Link => {
            owner || share.is_some_and(|s| state.keys.work_link_matches(&w.id.to_string(), w.link_version, s))
        }
        Visibility::Private => owner,
    };
    if ok { Ok(w) } else { Err(AppError::NotFound) }
}

/// DATA-3: authors as shown beside their content, and their data keys to
/// open what they wrote (titles, comments, messages: issue 19 item 16),
/// each looked up once per request (a feed page names the same few people
/// many times).
#[derive(Debug, Default)]
pub struct Authors {
    shown: HashMap<UserId, Author>,
    keys: HashMap<UserId, Option<DataKey>>,
}

impl Authors {
    pub async fn get<S: Store>(&mut self, state: &App<S>, user: &UserId) -> Author {
        if let Some(v) = self.shown.get(user) {
            return v.clone();
        }
        let key = self.key(state, user).await;
        let v = author(state, user, key.as_ref()).await;
        self.shown.insert(*user, v.clone());
        v
    }

    /// `user`'s data key, looked up once per request.
    async fn key<S: Store>(&mut self, state: &App<S>, user: &UserId) -> Option<DataKey> {
        if !self.keys.contains_key(user) {
            let key = state.data_key(user).await.ok();
            self.keys.insert(*user, key);
        }
        self.keys.get(user).cloned().flatten()
    }

    /// What `owner` wrote in `column` of row `row`, opened with their key;
    /// `None` if it does not open (logged: a bound ciphertext that does not
    /// open was moved or damaged).
    pub async fn text<S: Store>(
        &mut self,
        state: &App<S>,
        owner: &UserId,
        column: SealedColumn,
        row: &[u8],
        sealed: &[u8],
    ) -> Option<String> {
        let text = self.key(state, owner).await?.open_text(column, row, sealed);
        if text.is_none() {
            tracing::error!(%owner, column = column.name(), "a sealed value does not open");
        }
        text
    }

    /// A comment's text, opened with its author's key.
    pub async fn comment_text<S: Store>(
        &mut self,
        state: &App<S>,
        c: &xuancai_store::CommentRecord,
    ) -> Option<String> {
        self.text(
            state,
            &c.author,
            SealedColumn::CommentText,
            c.id.as_bytes(),
            &c.text_ciphertext,
        )
        .await
    }

    /// A blessing's message, opened with its sender's key.
    pub async fn blessing_message<S: Store>(
        &mut self,
        state: &App<S>,
        b: &xuancai_store::BlessingRecord,
    ) -> Option<String> {
        self.text(
            state,
            &b.sender,
            SealedColumn::BlessingMessage,
            b.id.as_bytes(),
            &b.message_ciphertext,
        )
        .await
    }

    /// The work's title, opened.
    pub async fn title<S: Store>(&mut self, state: &App<S>, w: &WorkRecord) -> String {
        self.text(
            state,
            &w.owner,
            SealedColumn::WorkTitle,
            w.id.as_bytes(),
            &w.title_ciphertext,
        )
        .await
        .unwrap_or_default()
    }
}

/// DATA-3: the author as shown beside their content: the nickname (or the
/// default name) and the public avatar's address, nothing else.
/// An author as shown beside public content (DATA-3): the nickname
/// ("炫彩用户" without one) and the avatar, nothing else.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct Author {
    pub id: String,
    pub nickname: String,
    pub avatar: Option<String>,
}

async fn author<S: Store>(state: &App<S>, user: &UserId, key: Option<&DataKey>) -> Author {
    let profile = state.store.profile(user).await.ok().flatten();
    let nickname = match (&profile, key) {
        (Some(p), Some(key)) => {
            crate::profile::decrypt_text(key, SealedColumn::UserNickname, p.nickname_ciphertext.as_ref())
        }
        _ => None,
    };
    let avatar = profile
        .and_then(|p| p.avatar_version)
        .map(|v| format!("/api/v1/users/{user}/avatar?v={v}"));
    Author {
        id: user.to_string(),
        nickname: nickname.unwrap_or_else(|| "炫彩用户".into()),
        avatar,
    }
}

fn title(t: Option<&str>) -> Result<String, AppError> {
    let t = t.unwrap_or("").trim();
    if t.chars().count() > MAX_TITLE_CHARS {
        return Err(AppError::BadRequest {
            code: "title_too_long",
            message: format!("a title has at most {MAX_TITLE_CHARS} characters"),
        });
    }
    Ok(t.to_string())
}

fn visibility(v: Option<&str>) -> Result<Visibility, AppError> {
    let v = v.unwrap_or("private");
    Visibility::parse(v).ok_or_else(|| AppError::BadRequest {
        code: "invalid_visibility",
        message: "visibility is public, link or private".into(),
    })
}

/// What a new work is made of: one of the user's photos (by id), a title
/// and a visibility (private unless said).
#[derive(Debug, Clone, Copy)]
pub struct NewWork<'a> {
    /// What the work is a copy of.
    pub from: WorkSource<'a>,
    pub title: Option<&'a str>,
    pub visibility: Option<&'a str>,
}

/// A work's image: a photo of the library, or a studio job's result not
/// saved to the library (issue 22 item 5: "保存为作品" adds nothing to it).
#[derive(Debug, Clone, Copy)]
pub enum WorkSource<'a> {
    Photo(&'a str),
    Job(&'a str),
}

/// The image bytes, type and size a new work copies.
async fn source_image<S: Store>(
    state: &App<S>,
    user: &UserId,
    from: WorkSource<'_>,
) -> Result<(Vec<u8>, String, u32, u32), AppError> {
    let key = state.data_key(user).await?;
    match from {
        WorkSource::Photo(p) => {
            let photo = owned(state, user, p).await.map_err(|_| AppError::Unprocessable {
                code: "photo_not_found",
                message: format!("no photo {p} in your library"),
            })?;
            let bytes = state.blobs.get(&Variant::Original.key(&photo), &key).await?;
            Ok((bytes, photo.mime, photo.width, photo.height))
        }
        WorkSource::Job(j) => {
            let id = xuancai_domain::JobId::parse(j).map_err(|_| AppError::Unprocessable {
                code: "invalid_job_id",
                message: format!("{j:?} is not a job id"),
            })?;
            let result = crate::studio::results::read_picture(state, user, &id)
                .await
                .map_err(|e| match e {
                    AppError::NotFound => AppError::Unprocessable {
                        code: "photo_not_found",
                        message: format!("no result of a job {j} of yours"),
                    },
                    other => other,
                })?;
            let limits = xuancai_imaging::decode::DecodeLimits {
                max_bytes: state.config.max_upload_bytes,
                max_pixels: state.config.max_upload_pixels,
                ..Default::default()
            };
            let (w, h) = xuancai_imaging::decode::probe(&result.bytes, &limits)?;
            Ok((result.bytes, result.mime.to_string(), w, h))
        }
    }
}

/// Save one of the user's photos as a work (a copy: the photo may be
/// deleted later and the work stays until it is deleted). The blob is
/// written under a collection entry first, so a crash before the row leaves
/// nothing behind.
pub async fn create<S: Store>(
    state: &App<S>,
    user: &UserId,
    new: NewWork<'_>,
) -> Result<WorkRecord, AppError> {
    permit(state, user, Purpose::Works).await?;
    crate::quotas::check_authored(state, user, Authored::Works).await?;
    let title = title(new.title)?;
    let visibility = visibility(new.visibility)?;
    let (bytes, mime, width, height) = source_image(state, user, new.from).await?;
    let key = state.data_key(user).await?;
    let id = WorkId::generate();
    // Issue 21 item 7: nothing becomes public or link-shared unreviewed.
    if visibility != Visibility::Private {
        crate::safety::review_before_sharing(state, bytes.clone(), "work", &id.to_string()).await?;
    }
    let now = state.now();
    let work = WorkRecord {
        id,
        owner: *user,
        title_ciphertext: key.seal(SealedColumn::WorkTitle, id.as_bytes(), title.as_bytes()),
        visibility,
        link_version: 0,
        mime,
        width,
        height,
        created_at: now,
        updated_at: now,
    };
    let prefix = WorkRecord::blob_prefix(user, &work.id);
    state
        .store
        .schedule_gc(&prefix, now + state.config.upload_grace_secs * 1000)
        .await?;
    state.blobs.put(&image_key(&work), &bytes, &key).await?;
    state.store.insert_work(&work, &prefix).await?;
    tracing::info!(work = %work.id, visibility = work.visibility.as_str(), "work saved");
    Ok(work)
}

/// A change to a work; `None` keeps what it was. `new_link` retires the
/// current share link.
#[derive(Debug, Clone, Copy, Default)]
pub struct WorkPatch<'a> {
    pub title: Option<&'a str>,
    pub visibility: Option<&'a str>,
    pub new_link: bool,
}

/// Change the owner's work; anyone else's is [`AppError::NotFound`].
pub async fn update<S: Store>(
    state: &App<S>,
    user: &UserId,
    id: &str,
    patch: WorkPatch<'_>,
) -> Result<WorkRecord, AppError> {
    let id = parse_id(id)?;
    let w = state
        .store
        .work(&id)
        .await?
        .filter(|w| w.owner == *user)
        .ok_or(AppError::NotFound)?;
    let title = match patch.title {
        Some(t) => {
            let key = state.data_key(user).await?;
            key.seal(SealedColumn::WorkTitle, id.as_bytes(), title(Some(t))?.as_bytes())
        }
        None => w.title_ciphertext.clone(),
    };
    let visibility = match patch.visibility {
        Some(v) => visibility(Some(v))?,
        None => w.visibility,
    };
    // Issue 21 item 7: a private work is reviewed before it is shared.
    if w.visibility == Visibility::Private && visibility != Visibility::Private {
        let key = state.data_key(user).await?;
        let bytes = state.blobs.get(&image_key(&w), &key).await?;
        crate::safety::review_before_sharing(state, bytes, "work", &id.to_string()).await?;
    }
    // Leaving link-only, or asking for it, retires the old share token.
    let rotate = patch.new_link || (w.visibility == Visibility::Link && visibility != Visibility::Link);
    let version = w.link_version + i64::from(rotate);
    state
        .store
        .update_work(user, &id, &title, visibility, version, state.now())
        .await?
        .ok_or(AppError::NotFound)
}

/// delete the work everywhere at once: the row and its comments in one
/// transaction, the blobs right after (the queue entry stays until done).
pub async fn remove<S: Store>(state: &App<S>, user: &UserId, id: &str) -> Result<(), AppError> {
    let id = parse_id(id)?;
    let prefix = WorkRecord::blob_prefix(user, &id);
    let now = state.now();
    if !state.store.delete_work(user, &id, &prefix, now).await? {
        return Err(AppError::NotFound);
    }
    crate::maintenance::collect_garbage(state, now).await;
    tracing::info!(work = %id, "work deleted");
    Ok(())
}
