//! The job queue's story every backend must pass (run on SQLite and
//! PostgreSQL): due order, leases, retries, final failure, owner-only
//! reads, erasure with the account (RET-2), and a race of many workers.

use std::collections::HashMap;
use std::sync::Arc;

use xuancai_domain::{JobId, UserId};

use crate::{
    AccountStore, JobFailure, JobKind, JobRecord, JobState, JobStore, NewJob, PrivacyStore, UserRecord,
};

fn ok<T, E: std::fmt::Display>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

async fn new_user<S: AccountStore>(store: &S, phone: &[u8]) -> UserId {
    let u = UserRecord {
        id: UserId::generate(),
        phone_hmac: phone.to_vec(),
        phone_ciphertext: b"ciphertext".to_vec(),
        wrapped_data_key: b"wrapped".to_vec(),
        created_at: 1_000,
    };
    ok(store.insert_user(&u).await);
    u.id
}

fn new_job(user: UserId, kind: JobKind, at: i64, max_attempts: u32) -> NewJob {
    NewJob {
        id: JobId::generate(),
        user,
        kind,
        params: format!("{{\"kind\":\"{kind}\"}}").into_bytes(),
        max_attempts,
        created_at: at,
        faces: kind == JobKind::FaceSwap,
    }
}

async fn claim<S: JobStore>(store: &S, worker: &str, now: i64) -> Option<JobRecord> {
    ok(store.claim(worker, now, 1_000).await)
}

/// Leases, retries and failures, in one story. Panics on any deviation.
pub async fn jobs<S: JobStore + AccountStore + PrivacyStore>(store: &S) {
    let owner = new_user(store, b"hmac-jobs-owner").await;
    let other = new_user(store, b"hmac-jobs-other").await;
    assert_eq!(
        claim(store, "w1", 10_000).await,
        None,
        "an empty queue gives nothing"
    );

    let first = new_job(owner, JobKind::Cutout, 10_000, 2);
    let second = new_job(owner, JobKind::Sticker, 10_001, 1);
    ok(store.enqueue(&first).await);
    ok(store.enqueue(&second).await);
    assert!(store.enqueue(&first).await.is_err(), "a job id is enqueued once");

    // Due order; the claim counts an attempt and takes the lease.
    let a = claim(store, "w1", 10_500)
        .await
        .unwrap_or_else(|| panic!("a due job"));
    assert_eq!((a.id, a.state, a.attempts), (first.id, JobState::Running, 1));
    assert_eq!(
        (a.locked_by.as_deref(), a.locked_until),
        (Some("w1"), Some(11_500))
    );
    assert_eq!(a.params, first.params);
    let b = claim(store, "w2", 10_500)
        .await
        .unwrap_or_else(|| panic!("the second job"));
    assert_eq!(b.id, second.id);
    assert_eq!(claim(store, "w3", 10_500).await, None, "both are leased");

    // Heartbeats extend the lease and record progress, for the holder only.
    assert!(ok(store.heartbeat(&a.id, "w1", 40, 11_000, 1_000).await));
    assert!(!ok(store.heartbeat(&a.id, "w2", 50, 11_000, 1_000).await));
    assert!(ok(store.heartbeat(&b.id, "w2", 10, 11_000, 1_000).await));
    let seen = ok(store.job(&owner, &a.id).await).unwrap_or_else(|| panic!("the job"));
    assert_eq!((seen.progress, seen.locked_until), (40, Some(12_000)));
    assert_eq!(claim(store, "w3", 11_900).await, None, "the lease was extended");

    // The lease runs out: another worker reclaims; the first one's late
    // heartbeat and completion are refused, so the job completes once.
    let again = claim(store, "w3", 12_001)
        .await
        .unwrap_or_else(|| panic!("the expired job"));
    assert_eq!(
        (again.id, again.attempts, again.locked_by.as_deref()),
        (a.id, 2, Some("w3"))
    );
    assert!(!ok(store.heartbeat(&a.id, "w1", 90, 12_002, 1_000).await));
    assert!(!ok(store.complete(&a.id, "w1", b"late", 12_002).await));
    assert!(ok(store.complete(&a.id, "w3", b"{\"photo\":1}", 12_003).await));
    assert!(
        !ok(store.complete(&a.id, "w3", b"twice", 12_004).await),
        "done is final"
    );
    let done = ok(store.job(&owner, &a.id).await).unwrap_or_else(|| panic!("the job"));
    assert_eq!(done.state, JobState::Done);
    assert_eq!(
        (done.progress, done.result.as_deref()),
        (100, Some(&b"{\"photo\":1}"[..]))
    );
    assert_eq!(done.locked_by, None);

    // A failure with no attempts left is final and keeps its error.
    let failure = JobFailure {
        code: "image_corrupt",
        message: "the photo does not decode",
        retry_at: Some(20_000),
    };
    assert!(
        !ok(store.fail(&b.id, "w1", &failure, 12_500).await),
        "only the holder"
    );
    assert!(ok(store.fail(&b.id, "w2", &failure, 12_500).await));
    let failed = ok(store.job(&owner, &b.id).await).unwrap_or_else(|| panic!("the job"));
    assert_eq!(failed.state, JobState::Failed);
    assert_eq!(failed.error_code.as_deref(), Some("image_corrupt"));
    assert_eq!(failed.error_message.as_deref(), Some("the photo does not decode"));

    // Retries wait for their backoff time, then run again; a later success
    // clears the error.
    let third = new_job(owner, JobKind::Cutout, 13_000, 3);
    ok(store.enqueue(&third).await);
    let c = claim(store, "w1", 13_000)
        .await
        .unwrap_or_else(|| panic!("the third job"));
    assert!(ok(store
        .fail(
            &c.id,
            "w1",
            &JobFailure {
                retry_at: Some(15_000),
                ..failure.clone()
            },
            13_100
        )
        .await));
    let queued = ok(store.job(&owner, &c.id).await).unwrap_or_else(|| panic!("the job"));
    assert_eq!((queued.state, queued.run_after), (JobState::Queued, 15_000));
    assert_eq!(
        queued.error_code.as_deref(),
        Some("image_corrupt"),
        "the last error is shown"
    );
    assert_eq!(claim(store, "w1", 14_999).await, None, "backoff holds it back");
    let c2 = claim(store, "w2", 15_000)
        .await
        .unwrap_or_else(|| panic!("the retried job"));
    assert_eq!((c2.id, c2.attempts), (c.id, 2));
    // A failure without a retry time is final even with attempts left.
    assert!(ok(store
        .fail(
            &c.id,
            "w2",
            &JobFailure {
                retry_at: None,
                ..failure.clone()
            },
            15_100
        )
        .await));
    let c3 = ok(store.job(&owner, &c.id).await).unwrap_or_else(|| panic!("the job"));
    assert_eq!((c3.state, c3.attempts), (JobState::Failed, 2));

    // Owner-only reads; newest first; counts.
    assert_eq!(
        ok(store.job(&other, &a.id).await),
        None,
        "another user's job is invisible"
    );
    assert!(ok(store.user_jobs(&other, 10).await).is_empty());
    let listed: Vec<JobId> = ok(store.user_jobs(&owner, 10).await)
        .iter()
        .map(|j| j.id)
        .collect();
    assert_eq!(listed, vec![third.id, second.id, first.id]);
    assert_eq!(ok(store.user_jobs(&owner, 1).await).len(), 1);
    assert_eq!(ok(store.pending_jobs(&owner).await), 0);
    let fourth = new_job(owner, JobKind::Sticker, 16_000, 1);
    ok(store.enqueue(&fourth).await);
    assert_eq!(ok(store.pending_jobs(&owner).await), 1);
    assert!(ok(store.count_jobs(JobState::Failed).await) >= 2);
    // Issue 23 item 4: the queue by kind and state, with its oldest job.
    let stats = ok(store.queue_stats().await);
    let sticker = stats
        .iter()
        .find(|s| s.kind == JobKind::Sticker && s.state == JobState::Queued)
        .unwrap_or_else(|| panic!("the queued sticker job in {stats:?}"));
    assert!(
        sticker.count >= 1 && sticker.oldest_created_at <= 16_000,
        "{stats:?}"
    );
    assert!(
        stats
            .iter()
            .all(|s| matches!(s.state, JobState::Queued | JobState::Running)),
        "only waiting and running jobs: {stats:?}"
    );

    // CON-4: a withdrawn face consent cancels the user's jobs that process
    // faces, of every kind, queued or running; the running one's worker can
    // no longer finish it. Other jobs (the sticker `fourth`) go on.
    let face_queued = new_job(owner, JobKind::FaceSwap, 16_100, 3);
    let face_running = new_job(owner, JobKind::FaceSwap, 15_900, 3);
    let others_face = new_job(other, JobKind::FaceSwap, 16_150, 3);
    let portrait_sticker = NewJob {
        faces: true,
        ..new_job(owner, JobKind::Sticker, 16_120, 3)
    };
    for j in [&face_queued, &face_running, &others_face, &portrait_sticker] {
        ok(store.enqueue(j).await);
    }
    let running = claim(store, "w9", 16_200)
        .await
        .unwrap_or_else(|| panic!("a due job"));
    assert_eq!(running.id, face_running.id);
    let cancel = JobFailure {
        code: "consent_withdrawn",
        message: "face consent withdrawn",
        retry_at: None,
    };
    assert_eq!(ok(store.cancel_face_jobs(&owner, &cancel, 16_300).await), 3);
    assert_eq!(
        ok(store.job(&owner, &fourth.id).await).map(|j| j.state),
        Some(JobState::Queued),
        "a job without faces goes on"
    );
    for j in [&face_queued, &face_running, &portrait_sticker] {
        let r = ok(store.job(&owner, &j.id).await).unwrap_or_else(|| panic!("the job"));
        assert_eq!(
            (r.state, r.error_code.as_deref(), r.locked_by),
            (JobState::Failed, Some("consent_withdrawn"), None)
        );
    }
    assert!(!ok(store.heartbeat(&running.id, "w9", 50, 16_400, 1000).await));
    assert!(!ok(store.complete(&running.id, "w9", b"{}", 16_400).await));
    let theirs = ok(store.job(&other, &others_face.id).await).unwrap_or_else(|| panic!("the job"));
    assert!(!theirs.state.is_final(), "another user's jobs are untouched");
    assert_eq!(ok(store.pending_jobs(&owner).await), 1, "the sticker job stays");
    // Issue 22 item 5: the owner deletes a finished job, never a live one
    // nor another user's.
    assert!(
        !ok(store.delete_job(&owner, &fourth.id).await),
        "a queued job stays"
    );
    assert!(
        !ok(store.delete_job(&owner, &others_face.id).await),
        "another user's job stays"
    );
    assert!(
        ok(store.delete_job(&owner, &face_queued.id).await),
        "a failed job goes"
    );
    assert_eq!(ok(store.job(&owner, &face_queued.id).await), None);
    assert!(!ok(store.delete_job(&owner, &face_queued.id).await), "once");

    // RET-2: the jobs go with the account.
    assert!(ok(store.erase_account(&owner, "u/owner/", 17_000).await));
    assert_eq!(ok(store.user_jobs(&owner, 10).await), Vec::new());
    let next = claim(store, "w1", 99_000).await;
    assert_eq!(
        next.map(|j| j.user),
        Some(other),
        "the erased owner's queued job is gone; another user's stays"
    );
}

/// Many workers drain one queue at once: every job is completed exactly
/// once, by the worker that claimed it.
pub async fn race<S: JobStore + AccountStore + 'static>(store: S, workers: usize, jobs: usize) {
    let owner = new_user(&store, b"hmac-jobs-race").await;
    for i in 0..jobs {
        ok(store
            .enqueue(&new_job(owner, JobKind::Cutout, i64::try_from(i).unwrap_or(0), 1))
            .await);
    }
    let store = Arc::new(store);
    let mut tasks = Vec::new();
    for w in 0..workers {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let name = format!("racer-{w}");
            let mut done = Vec::new();
            while let Some(j) = ok(store.claim(&name, 1_000_000, 60_000).await) {
                tokio::task::yield_now().await;
                assert!(ok(store.complete(&j.id, &name, name.as_bytes(), 1_000_001).await));
                done.push(j.id);
            }
            done
        }));
    }
    let mut seen: HashMap<JobId, usize> = HashMap::new();
    for t in tasks {
        for id in ok(t.await) {
            *seen.entry(id).or_default() += 1;
        }
    }
    assert_eq!(seen.len(), jobs, "every job was done");
    assert!(seen.values().all(|n| *n == 1), "no job was done twice");
    for j in ok(store
        .user_jobs(&owner, u32::try_from(jobs).unwrap_or(u32::MAX))
        .await)
    {
        assert_eq!(j.state, JobState::Done);
        assert_eq!(j.attempts, 1, "no job was claimed twice");
    }
}

/// Template use (IMG-4, CON-6): global counts always, the user's own only
/// when recorded with the user; withdrawal and erasure forget them.
pub async fn templates<S: crate::TemplateStore + AccountStore + PrivacyStore>(store: &S) {
    let fan = new_user(store, b"hmac-templates-fan").await;
    let quiet = new_user(store, b"hmac-templates-quiet").await;
    for _ in 0..3 {
        ok(store.record_template_use("greeting", None, 1_000).await);
    }
    ok(store.record_template_use("meme", Some(&fan), 1_001).await);
    ok(store.record_template_use("meme", Some(&fan), 1_002).await);
    ok(store.record_template_use("reaction", Some(&fan), 1_003).await);
    assert_eq!(
        ok(store.template_popularity().await),
        vec![("greeting".into(), 3), ("meme".into(), 2), ("reaction".into(), 1)]
    );
    assert_eq!(
        ok(store.user_template_use(&fan).await),
        vec![("meme".into(), 2), ("reaction".into(), 1)]
    );
    assert!(ok(store.user_template_use(&quiet).await).is_empty());
    assert_eq!(ok(store.delete_template_use(&fan).await), 2);
    assert!(ok(store.user_template_use(&fan).await).is_empty());
    assert_eq!(
        ok(store.template_popularity().await).len(),
        3,
        "the anonymous counts stay"
    );
    ok(store.record_template_use("meme", Some(&quiet), 1_004).await);
    assert!(ok(store.erase_account(&quiet, "u/quiet/", 2_000).await));
    assert!(ok(store.user_template_use(&quiet).await).is_empty(), "RET-2");
}

/// Works, comments and blessings (IMG-6, R-8, RET-2).
pub async fn works<S: crate::WorksStore + crate::BlobGc + AccountStore + PrivacyStore>(store: &S) {
    use crate::{BlessingRecord, CommentRecord, Visibility, WorkRecord};
    use xuancai_domain::{BlessingId, CommentId, WorkId};
    let owner = new_user(store, b"hmac-works-owner").await;
    let fan = new_user(store, b"hmac-works-fan").await;
    let work = |title: &str, visibility, at| WorkRecord {
        id: WorkId::generate(),
        owner,
        title_ciphertext: title.as_bytes().to_vec(),
        visibility,
        link_version: 0,
        mime: "image/png".into(),
        width: 512,
        height: 512,
        created_at: at,
        updated_at: at,
    };
    let public = work("公开", Visibility::Public, 1_000);
    let private = work("私密", Visibility::Private, 1_001);
    for w in [&public, &private] {
        let prefix = WorkRecord::blob_prefix(&owner, &w.id);
        ok(store.schedule_gc(&prefix, 5_000).await);
        ok(store.insert_work(w, &prefix).await);
    }
    let due = ok(store.due_gc(10_000, 100).await);
    assert!(
        !due.iter().any(|p| p.contains("/works/")),
        "inserting cancelled the clean-up: {due:?}"
    );
    assert_eq!(ok(store.work(&public.id).await).as_ref(), Some(&public));
    assert_eq!(
        ok(store.authored_since(&owner, crate::Authored::Works, 1_001).await),
        1
    );
    let feed: Vec<WorkId> = ok(store.public_works(None, 10).await)
        .iter()
        .map(|w| w.id)
        .collect();
    assert_eq!(feed, vec![public.id], "only public works in the feed");
    assert_eq!(ok(store.user_works(&owner, true, 10).await).len(), 2);
    assert_eq!(ok(store.user_works(&owner, false, 10).await).len(), 1);
    assert!(
        ok(store.public_works(Some(1_000), 10).await).is_empty(),
        "paged by time"
    );
    let changed = ok(store
        .update_work(&owner, &private.id, "链接".as_bytes(), Visibility::Link, 1, 2_000)
        .await);
    assert_eq!(
        changed.map(|w| (w.visibility, w.link_version)),
        Some((Visibility::Link, 1))
    );
    assert_eq!(
        ok(store
            .update_work(&fan, &private.id, b"x", Visibility::Public, 1, 2_000)
            .await),
        None,
        "only the owner changes a work"
    );

    let comment = CommentRecord {
        id: CommentId::generate(),
        work: public.id,
        author: fan,
        text_ciphertext: "好看".as_bytes().to_vec(),
        created_at: 3_000,
    };
    ok(store.add_comment(&comment).await);
    assert_eq!(ok(store.comments(&public.id, 10).await), vec![comment.clone()]);
    // Issue 22 item 14: what 消息 shows the owner — others' comments on
    // their works, not their own, and nothing on works of others.
    let own = CommentRecord {
        id: CommentId::generate(),
        work: public.id,
        author: owner,
        text_ciphertext: "谢谢".as_bytes().to_vec(),
        created_at: 3_050,
    };
    ok(store.add_comment(&own).await);
    assert_eq!(
        ok(store.comments_on_works_of(&owner, 10).await),
        vec![comment.clone()]
    );
    assert!(ok(store.comments_on_works_of(&fan, 10).await).is_empty());
    assert!(ok(store.delete_comment(&own.id).await));
    assert_eq!(
        ok(store.comment(&public.id, &comment.id).await).as_ref(),
        Some(&comment)
    );
    assert_eq!(
        ok(store.comment(&private.id, &comment.id).await),
        None,
        "scoped to its work"
    );
    assert_eq!(ok(store.count_comments_since(&fan, 3_000).await), 1);
    assert_eq!(ok(store.count_comments_since(&fan, 3_001).await), 0);
    assert_eq!(
        ok(store.authored_since(&fan, crate::Authored::Comments, 3_000).await),
        1
    );
    assert_eq!(
        ok(store.authored_since(&fan, crate::Authored::Comments, 3_001).await),
        0
    );
    ok(store.report_comment(&comment.id, &owner, "spam", 3_100).await);
    ok(store.report_comment(&comment.id, &owner, "spam", 3_200).await);

    let blessing = BlessingRecord {
        id: BlessingId::generate(),
        sender: owner,
        recipient: fan,
        work: Some(public.id),
        template: None,
        message_ciphertext: "新年快乐".as_bytes().to_vec(),
        share_hash: b"share-hash".to_vec(),
        created_at: 4_000,
    };
    ok(store.add_blessing(&blessing).await);
    assert_eq!(
        ok(store.blessings_received(&fan, 10).await),
        vec![blessing.clone()]
    );
    assert!(ok(store.blessings_received(&owner, 10).await).is_empty());
    assert_eq!(
        ok(store.blessing_by_share(b"share-hash").await).as_ref(),
        Some(&blessing)
    );
    assert_eq!(
        ok(store.blessing(&fan, &blessing.id).await).as_ref(),
        Some(&blessing)
    );
    assert_eq!(
        ok(store.blessing(&owner, &blessing.id).await),
        None,
        "the sender does not read it as an inbox item"
    );

    // deleting the work removes it and its comments at once, queues
    // its blobs, and leaves the blessing without it.
    let prefix = WorkRecord::blob_prefix(&owner, &public.id);
    assert!(
        !ok(store.delete_work(&fan, &public.id, &prefix, 5_000).await),
        "not the fan's"
    );
    assert!(ok(store.delete_work(&owner, &public.id, &prefix, 5_000).await));
    assert_eq!(ok(store.work(&public.id).await), None);
    assert!(ok(store.comments(&public.id, 10).await).is_empty());
    assert!(ok(store.due_gc(5_000, 100).await).contains(&prefix));
    let kept = ok(store.blessings_received(&fan, 10).await);
    assert_eq!(
        (kept.len(), kept[0].work, kept[0].message_ciphertext.as_slice()),
        (1, None, "新年快乐".as_bytes())
    );

    // RET-2: the owner's account goes with its works and blessings sent.
    assert!(ok(store
        .erase_account(&owner, &format!("u/{owner}/"), 6_000)
        .await));
    assert_eq!(ok(store.work(&private.id).await), None);
    assert!(ok(store.blessings_received(&fan, 10).await).is_empty());
}
