//! The gate (CON-1..4, MIN-2, MIN-3, ACC-6, SEC-6) as the use cases see it.

use xuancai_app::AppError;
use xuancai_app::privacy::agreements::append;
use xuancai_app::privacy::gate::{active, age_group, consent_state, missing_agreements, operator, permit};
use xuancai_domain::UserId;
use xuancai_domain::privacy::{AgeGroup, DocumentKind, Purpose};
use xuancai_store::{DocumentRecord, PrivacyStore, Subject};

use crate::support::spawn;

const ADULT: &str = "13800138000";
const CHILD: &str = "13900139000";
const OPERATOR: &str = "13700137000";

#[tokio::test]
async fn con1_min2_acc6_the_gate_lets_through_only_an_active_account() {
    let t = spawn(|_| {}).await;
    let adult = t.sign_up(ADULT, None).await;
    let today = t.app.today();
    let child = t
        .sign_up(CHILD, Some(&format!("{}-01-01", today.year() - 9)))
        .await;

    // An adult who agreed: active, with the age group.
    let a = active(&t.app, adult).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((a.user, a.age), (adult, AgeGroup::Undeclared));
    assert_eq!(age_group(&t.app, &adult).await.ok(), Some(AgeGroup::Undeclared));

    // A child waiting for a guardian: refused, naming the group.
    assert_eq!(age_group(&t.app, &child).await.ok(), Some(AgeGroup::Child));
    match active(&t.app, child).await {
        Err(AppError::GuardianRequired { age }) => assert_eq!(age, "child"),
        other => panic!("{other:?}"),
    }
    // The child must also agree to the children's documents.
    let consents = consent_state(&t.app, &child)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let missing = missing_agreements(&t.app, &consents, AgeGroup::Child)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        missing,
        vec![DocumentKind::ChildrenPolicy, DocumentKind::ChildrenRules]
    );
    let consents = consent_state(&t.app, &adult)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        missing_agreements(&t.app, &consents, AgeGroup::Adult).await.ok(),
        Some(vec![])
    );

    // Unknown and cancelled accounts are not signed in.
    assert!(matches!(
        active(&t.app, UserId::generate()).await,
        Err(AppError::Unauthenticated)
    ));
    let now = t.app.now();
    assert!(
        t.app
            .store
            .cancel_account(&adult, b"tombstone-adult", now, now + 1000, None)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    );
    assert!(matches!(
        active(&t.app, adult).await,
        Err(AppError::Unauthenticated)
    ));
}

#[tokio::test]
async fn con2_a_material_update_in_force_needs_agreement_again() {
    let t = spawn(|_| {}).await;
    let adult = t.sign_up(ADULT, None).await;
    let now = t.app.now();
    t.app
        .store
        .publish_document(&DocumentRecord {
            kind: DocumentKind::PrivacyPolicy.key().into(),
            version: "2099.1".into(),
            effective_at: now + 1000,
            material: true,
            summary: "新增条款".into(),
            published_at: now,
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(active(&t.app, adult).await.is_ok(), "not in force yet");
    t.advance(2000);
    match active(&t.app, adult).await {
        Err(AppError::AgreementRequired { documents }) => assert_eq!(documents, vec!["privacy_policy"]),
        other => panic!("{other:?}"),
    }
    let agreed = t.agreements(&[DocumentKind::PrivacyPolicy]).await;
    assert_eq!(agreed[0].1, "2099.1");
    xuancai_app::privacy::agreements::record_agreements(&t.app, &adult, &agreed, "api")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(active(&t.app, adult).await.is_ok());
}

#[tokio::test]
async fn con3_con4_a_purpose_with_its_own_consent_needs_it_on_every_call() {
    let t = spawn(|_| {}).await;
    let user = t.sign_up(ADULT, None).await;
    let refused = |r: Result<(), AppError>| matches!(r, Err(AppError::ConsentRequired { purpose: "faces" }));
    assert!(
        refused(permit(&t.app, &user, Purpose::Faces).await),
        "no decision is no consent"
    );
    assert!(
        permit(&t.app, &user, Purpose::Studio).await.is_ok(),
        "contract purposes rest on the policy"
    );
    append(&t.app, Subject::User(user), "faces", true, None, "api")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(permit(&t.app, &user, Purpose::Faces).await.is_ok());
    append(&t.app, Subject::User(user), "faces", false, None, "api")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        refused(permit(&t.app, &user, Purpose::Faces).await),
        "withdrawn: the next call is refused"
    );
}

#[tokio::test]
async fn sec6_only_configured_operators_pass_and_others_are_told_nothing_exists() {
    let t = spawn(|c| c.operators = vec![OPERATOR.into()]).await;
    let op = t.sign_up(OPERATOR, None).await;
    let user = t.sign_up(ADULT, None).await;
    assert_eq!(operator(&t.app, op).await.ok(), Some(op));
    assert!(matches!(operator(&t.app, user).await, Err(AppError::NotFound)));
    assert!(matches!(
        operator(&t.app, UserId::generate()).await,
        Err(AppError::Unauthenticated)
    ));
}
