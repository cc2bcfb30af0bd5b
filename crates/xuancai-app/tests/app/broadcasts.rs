//! Issue 19 item 5 (ADS-2, ADS-3): operators' messages go out from the
//! queue. A broadcast cut short (its node died after a page) is taken up by
//! the next run once its lease has run out, resumes after the recorded
//! page, and puts the message in each inbox exactly once.

use xuancai_app::broadcasts::{LEASE_MS, Progress, Run, queue, run_due, status};
use xuancai_domain::Message;
use xuancai_store::NotifyStore;

use crate::support::spawn;

#[tokio::test]
async fn ads3_a_broadcast_cut_short_resumes_after_its_lease_and_reaches_each_inbox_once() {
    let t = spawn(|_| {}).await;
    let mut users = Vec::new();
    for phone in ["13800138010", "13800138011", "13800138012"] {
        users.push(t.sign_up(phone, None).await);
    }
    let message = Message::parse("service", "维护通知", "今晚两点").unwrap_or_else(|e| panic!("{e}"));
    let b = queue(&t.app, &users[0], &message)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(Progress::of(&b), Progress::Queued);

    // A node delivers one page of one account, then dies holding the lease.
    let crash = Run {
        page: 1,
        max_pages: Some(1),
    };
    assert_eq!(run_due(&t.app, crash).await, 0, "not finished");
    let after_crash = status(&t.app, &b.id).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (Progress::of(&after_crash), after_crash.delivered),
        (Progress::Sending, 1)
    );
    // While the lease runs, no other run takes it.
    t.advance(LEASE_MS - 1_000);
    assert_eq!(run_due(&t.app, Run::default()).await, 0);
    assert_eq!(
        status(&t.app, &b.id)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .delivered,
        1
    );
    // Then the next run resumes after the recorded page.
    t.advance(2_000);
    assert_eq!(run_due(&t.app, Run::default()).await, 1);
    let done = status(&t.app, &b.id).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (Progress::of(&done), done.delivered, done.skipped),
        (Progress::Done, 3, 0)
    );
    for u in &users {
        let inbox = t.app.store.inbox(u, 10).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            inbox.iter().map(|i| i.title.as_str()).collect::<Vec<_>>(),
            ["维护通知"],
            "exactly once in every inbox"
        );
    }
    assert_eq!(
        run_due(&t.app, Run::default()).await,
        0,
        "a finished broadcast is not sent again"
    );
}

/// ADS-2: marketing reaches only those who agreed; the others are counted.
#[tokio::test]
async fn ads2_marketing_from_the_queue_reaches_only_those_who_agreed() {
    let t = spawn(|_| {}).await;
    let agreed = t.sign_up("13800138020", None).await;
    let other = t.sign_up("13800138021", None).await;
    xuancai_app::privacy::agreements::append(
        &t.app,
        xuancai_store::Subject::User(agreed),
        xuancai_domain::privacy::Purpose::Marketing.key(),
        true,
        None,
        "settings",
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let message = Message::parse("marketing", "新模板", "快来").unwrap_or_else(|e| panic!("{e}"));
    let b = queue(&t.app, &agreed, &message)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(run_due(&t.app, Run::default()).await, 1);
    let done = status(&t.app, &b.id).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((done.delivered, done.skipped), (1, 1));
    let inbox = t
        .app
        .store
        .inbox(&agreed, 10)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        inbox[0].body.contains("/api/v1/unsubscribe?u="),
        "{}",
        inbox[0].body
    );
    assert!(
        t.app
            .store
            .inbox(&other, 10)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .is_empty()
    );
}
