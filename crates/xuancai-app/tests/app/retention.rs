//! Retention (RET-2, RET-3, MIN-2, DATA-1, IMG-1) as the maintenance jobs
//! run it, at exact boundaries: the jobs take `now`, so a test can stand on
//! the millisecond where something becomes due.

use xuancai_app::maintenance::{JobReport, apply_retention, apply_shutdown, collect_garbage, purge_trash};
use xuancai_app::privacy::cookies::DEVICE_COOKIE_MAX_AGE_SECS;
use xuancai_domain::privacy::{ComplaintStatus, RequestKind, RequestStatus};
use xuancai_domain::{PhotoId, UserId};
use xuancai_store::{
    AccountStore, BlobGc, ConsentRecord, HoldRecord, PhotoRecord, PhotoStore, PrivacyStore, Subject,
    UsageEvent, UserRecord,
};

use crate::support::{TestApp, spawn};

const DAY: i64 = 86_400_000;

/// `n` accounts written straight to the store (the shutdown refuses sign-ups).
async fn accounts(t: &TestApp, tag: &str, n: usize) -> Vec<UserId> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let id = UserId::generate();
        let (_, wrapped) = t.app.keys.new_data_key(&id);
        let u = UserRecord {
            id,
            phone_hmac: t.app.keys.lookup_hash(&format!("{tag}-{i}")),
            phone_ciphertext: vec![1, 2, 3],
            wrapped_data_key: wrapped,
            created_at: t.app.now(),
        };
        t.app
            .store
            .insert_user(&u)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        out.push(u.id);
    }
    out
}

async fn cancel(t: &TestApp, user: &UserId, erase_after: i64) {
    let tomb = t.app.keys.lookup_hash(&format!("tomb-{user}"));
    assert!(
        t.app
            .store
            .cancel_account(user, &tomb, erase_after - DAY, erase_after, None)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    );
}

async fn hold(t: &TestApp, user: &UserId) {
    let hold = HoldRecord {
        id: *PhotoId::generate().as_bytes(),
        user: *user,
        reason: "公安机关调取".into(),
        placed_at: t.app.now(),
        released_at: None,
    };
    t.app
        .store
        .place_hold(&hold)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

async fn exists(t: &TestApp, user: &UserId) -> bool {
    t.app
        .store
        .user_by_id(user)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .is_some()
}

#[tokio::test]
async fn ret2_min2_data1_retention_erases_what_is_due_in_pages_and_keeps_the_rest() {
    let t = spawn(|_| {}).await;
    let now = t.app.now() + 8 * DAY;
    // 130 accounts due (more than one page of 100), one of them held,
    // one due in a month, one active.
    let due = accounts(&t, "due", 131).await;
    for u in &due {
        cancel(&t, u, now - 1).await;
    }
    hold(&t, &due[0]).await;
    let later = accounts(&t, "later", 1).await[0];
    cancel(&t, &later, now + 30 * DAY).await;
    let active = accounts(&t, "active", 1).await[0];
    // A child who signed up and whose guardian never agreed (7 days).
    let child = t
        .sign_up(
            "13900139000",
            Some(&format!("{}-01-01", t.app.today().year() - 9)),
        )
        .await;
    // Usage events on both sides of the 180 days, a browser's cookie choice
    // past the cookie's lifetime and one within it.
    for (i, age_days) in [181, 179].into_iter().enumerate() {
        let event = UsageEvent {
            id: *PhotoId::generate().as_bytes(),
            user: Some(active),
            kind: format!("page_view_{i}"),
            detail: "{}".into(),
            ip_prefix: None,
            device_ciphertext: None,
            at: now - age_days * DAY,
        };
        t.app
            .store
            .record_usage(&event)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    for (i, age_ms) in [DEVICE_COOKIE_MAX_AGE_SECS * 1000 + DAY, DAY]
        .into_iter()
        .enumerate()
    {
        let choice = ConsentRecord {
            id: *PhotoId::generate().as_bytes(),
            subject: Subject::Device(vec![i as u8; 32]),
            topic: "cookies:analytics".into(),
            granted: true,
            version: None,
            channel: "cookie_banner".into(),
            at: now - age_ms,
        };
        t.app
            .store
            .append_consent(&choice)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }

    let mut report = JobReport::default();
    apply_retention(&t.app, now, &mut report).await;
    assert_eq!(
        report,
        JobReport {
            // 130 due + the child, cancelled and erased at once (MIN-6).
            erased_accounts: 131,
            held_accounts: 1,
            unconfirmed_minors: 1,
            // One usage event, one cookie choice.
            expired_records: 2,
            ..JobReport::default()
        }
    );
    assert!(!exists(&t, &due[1]).await && !exists(&t, &due[130]).await && !exists(&t, &child).await);
    assert!(exists(&t, &due[0]).await, "held");
    assert!(exists(&t, &later).await && exists(&t, &active).await);
    let usage = t
        .app
        .store
        .usage_of(&active)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        usage.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        vec!["page_view_1"]
    );

    // The next run has nothing left but the held account; the one due later
    // goes on its day, not a millisecond before.
    let mut report = JobReport::default();
    apply_retention(&t.app, now + 30 * DAY - 1, &mut report).await;
    assert_eq!((report.erased_accounts, report.held_accounts), (0, 1));
    let mut report = JobReport::default();
    apply_retention(&t.app, now + 30 * DAY, &mut report).await;
    assert_eq!(report.erased_accounts, 1);
    assert!(!exists(&t, &later).await);
}

#[tokio::test]
async fn ret3_the_shutdown_erases_every_account_on_its_day_except_held_ones() {
    let today = xuancai_domain::Date::from_unix_ms(xuancai_app::clock::Clock::default().now(), 480);
    let t = spawn(|c| {
        c.shutdown_date = Some(today.to_string());
        c.shutdown_erase_days = 30;
    })
    .await;
    let Some(s) = t.app.shutdown else {
        panic!("no shutdown")
    };
    assert_eq!(s.erase_at - s.at, 30 * DAY);
    let users = accounts(&t, "s", 3).await;
    hold(&t, &users[2]).await;
    let mut report = JobReport::default();
    apply_shutdown(&t.app, s.erase_at - 1, &mut report).await;
    assert_eq!(report, JobReport::default(), "not before its day");
    apply_shutdown(&t.app, s.erase_at, &mut report).await;
    assert_eq!((report.erased_accounts, report.held_accounts), (2, 1));
    assert!(!exists(&t, &users[0]).await && !exists(&t, &users[1]).await);
    assert!(exists(&t, &users[2]).await);
}

async fn trashed_photo(t: &TestApp, owner: &UserId, at: i64) -> PhotoId {
    let key = t.app.data_key(owner).await.unwrap_or_else(|e| panic!("{e}"));
    let id = PhotoId::generate();
    let prefix = PhotoRecord::blob_prefix(owner, &id);
    t.app
        .blobs
        .put(&format!("{prefix}original"), b"jpeg bytes", &key)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let photo = PhotoRecord {
        id,
        owner: *owner,
        content_hash: PhotoId::generate().as_bytes().to_vec(),
        mime: "image/jpeg".into(),
        width: 1,
        height: 1,
        bytes: 10,
        meta_ciphertext: key.seal(xuancai_store::SealedColumn::PhotoMeta, id.as_bytes(), b"{}"),
        created_at: at,
        favourite: false,
        archived: false,
        trashed_at: None,
    };
    t.app
        .store
        .insert_photo(&photo, &prefix)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        t.app
            .store
            .set_trashed(owner, &id, Some(at))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    );
    id
}

#[tokio::test]
async fn img1_the_trash_is_purged_after_its_period_and_the_blobs_follow() {
    let t = spawn(|c| c.trash_retention_secs = 30 * 86_400).await;
    let owner = t.sign_up("13800138000", None).await;
    let at = t.app.now();
    let old = trashed_photo(&t, &owner, at).await;
    let young = trashed_photo(&t, &owner, at + DAY).await;
    // Kept for the whole 30 days, purged the millisecond after.
    assert_eq!(
        purge_trash(&t.app, at + 30 * DAY).await,
        0,
        "not a millisecond early"
    );
    assert_eq!(purge_trash(&t.app, at + 30 * DAY + 1).await, 1);
    let photo = |id| t.app.store.photo(&owner, id);
    assert!(photo(&old).await.unwrap_or_else(|e| panic!("{e}")).is_none());
    assert!(photo(&young).await.unwrap_or_else(|e| panic!("{e}")).is_some());
    // The blobs are queued and deleted by the clean-up.
    let prefix = PhotoRecord::blob_prefix(&owner, &old);
    assert_eq!(t.app.blobs.list(&prefix).await.map(|l| l.len()).ok(), Some(1));
    // Queued when the row went (a day of grace at most), then deleted.
    assert!(collect_garbage(&t.app, at + 32 * DAY).await >= 1);
    assert_eq!(t.app.blobs.list(&prefix).await.map(|l| l.len()).ok(), Some(0));
    let young_prefix = PhotoRecord::blob_prefix(&owner, &young);
    assert_eq!(
        t.app.blobs.list(&young_prefix).await.map(|l| l.len()).ok(),
        Some(1)
    );
}

#[tokio::test]
async fn img1_blob_clean_up_takes_only_what_is_due() {
    let t = spawn(|_| {}).await;
    let owner = t.sign_up("13800138000", None).await;
    let key = t.app.data_key(&owner).await.unwrap_or_else(|e| panic!("{e}"));
    let now = t.app.now();
    for (name, due) in [("a", now - 1), ("b", now + DAY)] {
        let prefix = format!("u/{owner}/gc-{name}/");
        t.app
            .blobs
            .put(&format!("{prefix}x"), b"x", &key)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        t.app
            .store
            .schedule_gc(&prefix, due)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    assert_eq!(collect_garbage(&t.app, now).await, 1);
    assert_eq!(collect_garbage(&t.app, now).await, 0, "dequeued");
    let blobs = &t.app.blobs;
    let left = |p: String| async move { blobs.list(&p).await.map(|l| l.len()).ok() };
    assert_eq!(left(format!("u/{owner}/gc-a/")).await, Some(0));
    assert_eq!(left(format!("u/{owner}/gc-b/")).await, Some(1));
}

/// The scheduler runs the jobs on its own (the first tick at once).
#[tokio::test]
async fn ret2_the_scheduler_runs_the_jobs_by_itself() {
    let t = spawn(|c| c.trash_retention_secs = 1).await;
    let owner = t.sign_up("13800138000", None).await;
    let id = trashed_photo(&t, &owner, t.app.now() - 10_000).await;
    let app = t.shared();
    let task = tokio::spawn(xuancai_app::maintenance::run(app.clone()));
    let mut gone = false;
    for _ in 0..100 {
        if app
            .store
            .photo(&owner, &id)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .is_none()
        {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    task.abort();
    assert!(gone, "purged by the scheduler");
}

async fn export_request(t: &TestApp, user: &UserId, status: RequestStatus, updated_at: i64) -> [u8; 16] {
    let id = *PhotoId::generate().as_bytes();
    let r = xuancai_store::RequestRecord {
        id,
        user: *user,
        kind: RequestKind::Export,
        status,
        detail_ciphertext: None,
        scope_ciphertext: None,
        resolution: None,
        received_at: updated_at,
        deadline_at: updated_at + 30 * DAY,
        updated_at,
    };
    t.app
        .store
        .insert_request(&r)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    id
}

async fn status(t: &TestApp, id: &[u8; 16]) -> Option<RequestStatus> {
    t.app
        .store
        .request(id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .map(|r| r.status)
}

/// exports waiting (after a restart) are built; one stuck in progress
/// for 10 minutes (its process died) is started again, a younger one is not.
#[tokio::test]
async fn r1_waiting_and_abandoned_exports_are_built_after_a_restart() {
    let t = spawn(|_| {}).await;
    let user = t.sign_up("13800138000", None).await;
    let now = t.app.now();
    let waiting = export_request(&t, &user, RequestStatus::Verified, now).await;
    let abandoned = export_request(&t, &user, RequestStatus::InProgress, now - 600_001).await;
    let running = export_request(&t, &user, RequestStatus::InProgress, now - 600_000).await;
    let received = export_request(&t, &user, RequestStatus::Received, now).await;
    xuancai_app::maintenance::resume_exports(&t.app, now).await;
    assert_eq!(status(&t, &waiting).await, Some(RequestStatus::Done));
    assert_eq!(status(&t, &abandoned).await, Some(RequestStatus::Done));
    assert_eq!(
        status(&t, &running).await,
        Some(RequestStatus::InProgress),
        "still within its 10 minutes"
    );
    assert_eq!(
        status(&t, &received).await,
        Some(RequestStatus::Received),
        "not verified: not built"
    );
}

/// One run of the jobs reports what it did (`xuancai jobs run-once`).
#[tokio::test]
async fn img1_a_run_of_the_jobs_reports_what_it_purged() {
    let t = spawn(|c| c.trash_retention_secs = 60).await;
    let owner = t.sign_up("13800138000", None).await;
    trashed_photo(&t, &owner, t.app.now() - 61_000).await;
    let report = xuancai_app::maintenance::run_once(&t.app).await;
    assert_eq!(report.purged_photos, 1, "{report:?}");
    assert_eq!(xuancai_app::maintenance::run_once(&t.app).await.purged_photos, 0);
}

/// R-7, RET-2: an answered complaint is erased after its retention (3
/// years), counted with the other expired records.
#[tokio::test]
async fn r7_ret2_answered_complaints_are_erased_after_their_retention() {
    let t = spawn(|_| {}).await;
    let receipt = xuancai_app::contact::submit(
        &t.app,
        "192.0.2.7".parse().unwrap_or_else(|e| panic!("{e}")),
        xuancai_app::contact::NewComplaint {
            topic: "privacy".into(),
            message: "请删除我孩子的照片".into(),
            reply_to: "parent@example.cn".into(),
            child: None,
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    xuancai_app::contact::answer(&t.app, &receipt.id, "已删除")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let keep = i64::from(t.app.config.contact.complaint_retention_days) * DAY;
    let answered = t.app.now();
    let answered_ones = || xuancai_app::contact::queue(&t.app, ComplaintStatus::Answered);
    let mut report = JobReport::default();
    apply_retention(&t.app, answered + keep - DAY, &mut report).await;
    // Only its two rate-limit counters (past their 180 days) went.
    assert_eq!(report.expired_records, 2, "{report:?}");
    assert_eq!(
        answered_ones().await.map(|q| q.len()).ok(),
        Some(1),
        "kept for its whole retention"
    );
    let mut report = JobReport::default();
    apply_retention(&t.app, answered + keep + DAY, &mut report).await;
    assert_eq!(report.expired_records, 1, "{report:?}");
    assert_eq!(answered_ones().await.map(|q| q.len()).ok(), Some(0));
}

/// RET-2: when erasure fails for a whole page of due accounts (the
/// database refuses the deletes), the run ends — it does not fetch the same
/// page for ever — and erases nothing; the next run, with the database
/// writable again, erases them all.
#[tokio::test]
async fn ret2_a_page_whose_erasure_fails_ends_the_run_and_is_retried_by_the_next() {
    let t = spawn(|_| {}).await;
    let now = t.app.now() + 8 * DAY;
    let due = accounts(&t, "refused", 100).await;
    for u in &due {
        cancel(&t, u, now - 1).await;
    }
    let xuancai_app::store::Backend::Sqlite(db) = &t.app.store else {
        panic!("SQLite expected")
    };
    let refuse = "CREATE TRIGGER refuse_erasure BEFORE DELETE ON users \
                  BEGIN SELECT RAISE(ABORT, 'refused by the test'); END";
    sqlx::query(refuse)
        .execute(db.pool())
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let mut report = JobReport::default();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        apply_retention(&t.app, now, &mut report),
    )
    .await
    .unwrap_or_else(|_| panic!("a run whose erasures all fail must end"));
    assert_eq!(report.erased_accounts, 0);
    assert!(exists(&t, &due[0]).await && exists(&t, &due[99]).await);

    sqlx::query("DROP TRIGGER refuse_erasure")
        .execute(db.pool())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut report = JobReport::default();
    apply_retention(&t.app, now, &mut report).await;
    assert_eq!(report.erased_accounts, 100);
    for u in &due {
        assert!(!exists(&t, u).await, "{u} erased by the next run");
    }
}
