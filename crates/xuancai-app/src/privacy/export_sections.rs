//! What the export holds, built from the privacy inventory itself:
//! every category the inventory declares is one section of
//! `personal-data.json` (`categories.<key>`), with its name, retention and
//! data. [`section`] matches every [`Category`] (a new category does not
//! compile until it has a section), and the API test enumerates the
//! inventory against a built export. The schema is in docs/EXPORT.md.

use serde_json::{Value, json};
use xuancai_domain::UserId;
use xuancai_domain::privacy::{CATEGORIES, Category, CategorySpec};
use xuancai_store::{
    AccountState, AlbumRecord, BlessingRecord, CommentRecord, ConsentRecord, Cursor, DisclosureRecord,
    InboxItem, JobKind, JobRecord, JobState, PhotoFilter, PhotoRecord, ProfileRecord, PushToken,
    RequestRecord, Store, Subject, UsageEvent, UserRecord, WorkRecord,
};

use super::requests::request_view;
use crate::App;
use crate::crypto::DataKey;
use crate::error::AppError;
use xuancai_store::SealedColumn;

/// Everything stored about one user, read once.
#[derive(Debug)]
pub struct Gathered {
    pub user: UserId,
    pub key: DataKey,
    pub now: i64,
    pub account: UserRecord,
    pub state: AccountState,
    pub profile: ProfileRecord,
    pub photos: Vec<PhotoRecord>,
    pub albums: Vec<AlbumRecord>,
    /// §11: opened from the sealed ledger.
    pub ledger: Vec<crate::coins::Entry>,
    pub coin_balance: i64,
    pub consents: Vec<ConsentRecord>,
    pub requests: Vec<RequestRecord>,
    pub usage: Vec<UsageEvent>,
    pub disclosures: Vec<DisclosureRecord>,
    pub audit: Vec<xuancai_store::AuditRecord>,
    pub works: Vec<WorkRecord>,
    pub comments: Vec<CommentRecord>,
    pub blessings_sent: Vec<BlessingRecord>,
    pub blessings_received: Vec<BlessingRecord>,
    /// The data keys of the people whose blessings were received (each
    /// message is sealed under its sender's key).
    pub senders: std::collections::HashMap<UserId, DataKey>,
    pub jobs: Vec<JobRecord>,
    pub push: Vec<PushToken>,
    pub inbox: Vec<InboxItem>,
    pub template_use: Vec<(String, u64)>,
    pub sessions: Vec<(i64, i64)>,
}

/// No user has more than this many rows of one kind in an export; the
/// counts in the index show when a list was cut.
const MAX_ROWS: u32 = 10_000;

async fn all_photos<S: Store>(state: &App<S>, user: &UserId) -> Result<Vec<PhotoRecord>, AppError> {
    let mut photos = Vec::new();
    for filter in [PhotoFilter::Library, PhotoFilter::Archived, PhotoFilter::Trash] {
        let mut after: Option<Cursor> = None;
        loop {
            let page = state.store.list_photos(user, filter, after, 200).await?;
            after = page.last().map(|p| Cursor {
                at: p.created_at,
                id: *p.id.as_bytes(),
            });
            let done = page.len() < 200;
            photos.extend(page);
            if done {
                break;
            }
        }
    }
    Ok(photos)
}

async fn all_albums<S: Store>(state: &App<S>, user: &UserId) -> Result<Vec<AlbumRecord>, AppError> {
    let mut albums = Vec::new();
    let mut after = None;
    loop {
        let page = state.store.list_albums(user, after, 200).await?;
        after = page.last().map(|a| Cursor {
            at: a.created_at,
            id: *a.id.as_bytes(),
        });
        let done = page.len() < 200;
        albums.extend(page);
        if done {
            return Ok(albums);
        }
    }
}

pub async fn gather<S: Store>(state: &App<S>, user: &UserId) -> Result<Gathered, AppError> {
    let store = &state.store;
    let blessings_received = store.blessings_received(user, MAX_ROWS).await?;
    let mut senders = std::collections::HashMap::new();
    for b in &blessings_received {
        // A sender whose account is gone has no key: the message is shown as null.
        if !senders.contains_key(&b.sender)
            && let Ok(key) = state.data_key(&b.sender).await
        {
            senders.insert(b.sender, key);
        }
    }
    Ok(Gathered {
        user: *user,
        key: state.data_key(user).await?,
        now: state.now(),
        account: store.user_by_id(user).await?.ok_or(AppError::NotFound)?,
        state: store.account_state(user).await?.unwrap_or_default(),
        profile: store.profile(user).await?.unwrap_or_default(),
        photos: all_photos(state, user).await?,
        albums: all_albums(state, user).await?,
        ledger: crate::coins::entries(state, user, None, MAX_ROWS).await?,
        coin_balance: crate::coins::balance(state, user).await?,
        consents: store.consents(&Subject::User(*user)).await?,
        requests: store.requests_of(user).await?,
        usage: store.usage_of(user).await?,
        disclosures: store.disclosures_of(user).await?,
        audit: store.audit_of(user).await?,
        works: store.user_works(user, true, MAX_ROWS).await?,
        comments: store.comments_by(user, MAX_ROWS).await?,
        blessings_sent: store.blessings_sent(user, MAX_ROWS).await?,
        blessings_received,
        senders,
        jobs: store.user_jobs(user, MAX_ROWS).await?,
        push: store.push_tokens(user).await?,
        inbox: store.inbox(user, MAX_ROWS).await?,
        template_use: store.user_template_use(user).await?,
        sessions: store.sessions_of(user).await?,
    })
}

impl Gathered {
    /// The user's own sealed text in `column` of row `row`.
    fn text(&self, column: SealedColumn, row: &[u8], ct: Option<&Vec<u8>>) -> Option<String> {
        ct.and_then(|c| self.key.open_text(column, row, c))
    }

    /// One of the account's own columns of `users`.
    fn own(&self, column: SealedColumn, ct: Option<&Vec<u8>>) -> Option<String> {
        self.text(column, self.user.as_bytes(), ct)
    }

    fn blessing_json(&self, b: &BlessingRecord) -> Value {
        let key = if b.sender == self.user {
            Some(&self.key)
        } else {
            self.senders.get(&b.sender)
        };
        let message = key.and_then(|k| {
            k.open_text(
                SealedColumn::BlessingMessage,
                b.id.as_bytes(),
                &b.message_ciphertext,
            )
        });
        json!({
            "id": b.id.to_string(), "from": b.sender.to_string(), "to": b.recipient.to_string(),
            "work": b.work.map(|w| w.to_string()), "template": b.template, "message": message, "at": b.created_at,
        })
    }
}

fn job_json(j: &JobRecord, key: &DataKey) -> Value {
    let request = crate::studio::worker::open_request(j, key)
        .ok()
        .and_then(|r| serde_json::to_value(r).ok());
    let result = j
        .result
        .as_deref()
        .and_then(|r| serde_json::from_slice::<Value>(r).ok());
    json!({
        "id": j.id.to_string(), "kind": j.kind.as_str(), "state": j.state.as_str(), "request": request,
        "result": result, "error": j.error_code, "created_at": j.created_at, "updated_at": j.updated_at,
        "pack_file": (j.kind == JobKind::Pack && j.state == JobState::Done).then(|| format!("packs/{}.zip", j.id)),
    })
}

/// The data of one category (see the module docs). Every category has one.
pub fn section(c: Category, g: &Gathered) -> Value {
    let key = &g.key;
    match c {
        Category::Phone => json!(g.own(SealedColumn::UserPhone, Some(&g.account.phone_ciphertext))),
        Category::Nickname => json!(g.own(SealedColumn::UserNickname, g.profile.nickname_ciphertext.as_ref())),
        Category::Avatar => json!(g.profile.avatar_version.as_ref().map(|_| "avatar.webp")),
        Category::BirthDate => json!(g.own(SealedColumn::UserBirthDate, g.profile.birth_date_ciphertext.as_ref())),
        // The hash itself would help no one and is a secret: whether one is set.
        Category::PasswordHash => json!({ "password_set": g.profile.password_hash.is_some() }),
        Category::Photos => json!({
            "photos": g.photos.iter().map(|p| {
                let mut v = serde_json::to_value(crate::photos::photo_view(p, key)).unwrap_or(Value::Null);
                v["file"] = json!(format!("photos/{}", super::export::photo_file(p)));
                v
            }).collect::<Vec<_>>(),
            "albums": g.albums.iter().map(|a| json!({
                "id": a.id.to_string(), "name": g.text(SealedColumn::AlbumName, a.id.as_bytes(), Some(&a.name_ciphertext)), "created_at": a.created_at,
            })).collect::<Vec<_>>(),
        }),
        Category::FaceData => json!({ "stored": false,
            "note": "face landmarks and crops exist only in memory while a job runs; none are stored" }),
        Category::PreciseLocation => json!({ "stored": false,
            "note": "location metadata is removed from every photo before it is stored" }),
        Category::DeviceInfo | Category::UsageLogs | Category::IpAddress => {
            json!(g.usage.iter().map(|u| json!({
                "kind": u.kind, "detail": serde_json::from_str::<Value>(&u.detail).unwrap_or(Value::Null),
                "ip_prefix": u.ip_prefix, "at": u.at,
            })).collect::<Vec<_>>())
        }
        Category::DeviceIdentifiers => json!(
            g.usage
                .iter()
                .filter_map(|u| {
                    g.text(SealedColumn::UsageDevice, &u.id, u.device_ciphertext.as_ref())
                        .map(|ids| json!({ "ids": ids, "at": u.at }))
                })
                .collect::<Vec<_>>()
        ),
        Category::PushToken => json!(g.push.iter().map(|t| json!({
            "provider": t.provider, "token": g.text(SealedColumn::PushToken, &t.id, Some(&t.token_ciphertext)), "created_at": t.created_at,
        })).collect::<Vec<_>>()),
        Category::Works => json!({
            "works": g.works.iter().map(|w| json!({
                "id": w.id.to_string(), "title": g.text(SealedColumn::WorkTitle, w.id.as_bytes(), Some(&w.title_ciphertext)), "visibility": w.visibility.as_str(),
                "created_at": w.created_at, "updated_at": w.updated_at, "file": format!("works/{}.{}", w.id, ext(&w.mime)),
            })).collect::<Vec<_>>(),
            "comments": g.comments.iter().map(|c| json!({
                "id": c.id.to_string(), "work": c.work.to_string(), "text": g.text(SealedColumn::CommentText, c.id.as_bytes(), Some(&c.text_ciphertext)), "at": c.created_at,
            })).collect::<Vec<_>>(),
            "blessings_sent": g.blessings_sent.iter().map(|b| g.blessing_json(b)).collect::<Vec<_>>(),
            "blessings_received": g.blessings_received.iter().map(|b| g.blessing_json(b)).collect::<Vec<_>>(),
        }),
        Category::CoinLedger => json!({
            "balance": g.coin_balance,
            "entries": g.ledger.iter().map(|l| json!({
                "delta": l.delta, "reason": l.reason, "reference": l.reference, "at": l.created_at,
            })).collect::<Vec<_>>(),
        }),
        Category::ConsentRecords => json!(g.consents.iter().map(|c| json!({
            "topic": c.topic, "granted": c.granted, "version": c.version, "channel": c.channel, "at": c.at,
        })).collect::<Vec<_>>()),
        Category::RightsRequests => json!({
            "requests": g.requests.iter().map(|r| request_view(r, Some(key), g.now)).collect::<Vec<_>>(),
            "disclosures": g.disclosures.iter().map(|d| json!({
                "recipient": d.recipient, "purpose": d.purpose, "categories": d.categories, "at": d.at,
            })).collect::<Vec<_>>(),
            "access_log": g.audit.iter().map(|a| json!({ "action": a.action, "at": a.at })).collect::<Vec<_>>(),
        }),
        Category::GuardianPhone => json!({
            "phone": g.own(SealedColumn::UserGuardianPhone, g.state.guardian_phone_ciphertext.as_ref()),
            "verified_at": g.state.guardian_verified_at,
        }),
        Category::StudioJobs => json!(g.jobs.iter().map(|j| job_json(j, key)).collect::<Vec<_>>()),
        Category::Messages => json!(
            g.inbox
                .iter()
                .map(|m| json!({
                    "kind": m.kind, "title": m.title, "body": m.body, "at": m.at,
                }))
                .collect::<Vec<_>>()
        ),
        Category::TemplateUse => json!(
            g.template_use
                .iter()
                .map(|(t, n)| json!({ "template": t, "uses": n }))
                .collect::<Vec<_>>()
        ),
        Category::Sessions => json!(
            g.sessions
                .iter()
                .map(|(c, e)| json!({ "created_at": c, "expires_at": e }))
                .collect::<Vec<_>>()
        ),
    }
}

pub fn ext(mime: &str) -> &'static str {
    match mime {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "image/gif" => "gif",
        "video/webm" => "webm",
        _ => "bin",
    }
}

/// How many entries a section holds (for the index).
fn count(v: &Value) -> usize {
    match v {
        Value::Null => 0,
        Value::Array(a) => a.len(),
        Value::Object(o) => o
            .values()
            .map(|v| if v.is_array() { count(v) } else { 0 })
            .sum::<usize>()
            .max(1),
        _ => 1,
    }
}

/// `personal-data.json` (format 2) and `index.md`, the human-readable guide.
pub fn documents(g: &Gathered) -> (Value, String) {
    let mut categories = serde_json::Map::new();
    let mut index = format!(
        "# 您的个人信息 / Your personal information\n\n账号 {} · 导出时间（Unix 毫秒）{}\n\n\
         `personal-data.json` 按《隐私政策》的个人信息清单分节（`categories.<key>`），\
         照片原图在 `photos/`，作品在 `works/`，表情包在 `packs/`。\n\n\
         | 类别 key | 名称 | 保存期限 | 条目 |\n| --- | --- | --- | --- |\n",
        g.user, g.now
    );
    for CategorySpec {
        category,
        key,
        name_zh,
        retention,
        ..
    } in CATEGORIES
    {
        let data = section(*category, g);
        index.push_str(&format!(
            "| `{key}` | {name_zh} | {} | {} |\n",
            retention.describe_zh(),
            count(&data)
        ));
        categories.insert(
            (*key).to_string(),
            json!({ "name": name_zh, "retention": retention.describe_zh(), "data": data }),
        );
    }
    let data = json!({
        "format": "xuancai-personal-data/2",
        "generated_at": g.now,
        "user_id": g.user.to_string(),
        "created_at": g.account.created_at,
        "categories": categories,
    });
    (data, index)
}
