//! The privacy center's, the rights requests', the notifications' and the
//! operators' routes — kept apart from the table in `mod.rs` so that each
//! file stays readable.

use axum::routing::{delete, get, post, put};
use xuancai_store::Store;

use super::{Api, consents, contact, doc, documents, events, guardian, notify, ops, requests};

pub(super) fn routes<S: Store>(api: Api<S>) -> Api<S> {
    api.add(
        doc(
            "GET",
            "/api/v1/documents",
            "privacy",
            "Published documents: versions in force and announced",
        )
        .public()
        .keeps("CON-2 DATA-4")
        .returns::<documents::Documents>(),
        get(documents::list::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/documents/{kind}",
            "privacy",
            "A document rendered from the privacy inventory (HTML)",
        )
        .public()
        .keeps("CON-2 CON-5 DATA-4 RET-1")
        .query::<documents::Which>()
        .media("text/html"),
        get(documents::show::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/consent-state",
            "privacy",
            "This browser's cookie consent (sets a device cookie)",
        )
        .public()
        .keeps("COOK-1")
        .returns::<consents::CookieState>(),
        get(consents::cookie_get::<S>),
    )
    .add(
        doc(
            "PUT",
            "/api/v1/consent-state",
            "privacy",
            "Record the cookie banner's choice",
        )
        .public()
        .body::<consents::CookieChoice>()
        .keeps("COOK-1")
        .returns::<consents::CookieState>(),
        put(consents::cookie_put::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/me/consents",
            "privacy",
            "Consents per purpose, agreements, policy updates",
        )
        .keeps("CON-1 CON-2 CON-3 CON-5 CON-6")
        .returns::<consents::Consents>(),
        get(consents::list::<S>),
    )
    .add(
        doc(
            "PUT",
            "/api/v1/me/consents/{purpose}",
            "privacy",
            "Grant or withdraw a consent",
        )
        .body::<consents::Decision>()
        .keeps("CON-3 CON-4 CON-6 ADS-1 R-4")
        .may(&[409])
        .returns::<consents::Decided>(),
        put(consents::decide::<S>),
    )
    .add(
        doc(
            "POST",
            "/api/v1/me/agreements",
            "privacy",
            "Agree to the documents in force (again)",
        )
        .body::<consents::Agreements>()
        .keeps("CON-1 CON-2")
        .may(&[409])
        .returns::<consents::Agreed>(),
        post(consents::agree::<S>),
    )
    .add(
        doc(
            "POST",
            "/api/v1/me/guardian/code",
            "privacy",
            "Send a code to the guardian's phone",
        )
        .body::<guardian::GuardianPhone>()
        .ok(202)
        .keeps("MIN-4")
        .may(&[409, 429])
        .returns::<guardian::Sent>(),
        post(guardian::send::<S>),
    )
    .add(
        doc(
            "POST",
            "/api/v1/me/guardian",
            "privacy",
            "Guardian verification and consent",
        )
        .body::<guardian::GuardianConsent>()
        .keeps("MIN-2 MIN-3 MIN-4")
        .may(&[401, 409, 429])
        .returns::<guardian::Verified>(),
        post(guardian::consent::<S>),
    )
    .add(
        doc(
            "POST",
            "/api/v1/guardian/code",
            "guardian",
            "A code for the guardian's page (sent only to a guardian's number)",
        )
        .public()
        .body::<guardian::GuardianPhone>()
        .ok(202)
        .keeps("MIN-5")
        .may(&[409, 429])
        .returns::<guardian::PageCode>(),
        post(guardian::page_code::<S>),
    )
    .add(
        doc(
            "POST",
            "/api/v1/guardian/session",
            "guardian",
            "Open the guardian's page with the code (a page token, no account session)",
        )
        .public()
        .body::<guardian::PageSignIn>()
        .keeps("MIN-5")
        .may(&[401, 429])
        .returns::<guardian::PageOpened>(),
        post(guardian::page_open::<S>),
    )
    .add(
        doc(
            "DELETE",
            "/api/v1/guardian/session",
            "guardian",
            "Leave the guardian's page (clears its cookie)",
        )
        .public()
        .ok(204)
        .keeps("MIN-5"),
        delete(guardian::page_close::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/guardian/wards",
            "guardian",
            "The accounts the guardian agreed for (guardian's page token)",
        )
        .keeps("MIN-2 MIN-5")
        .returns::<guardian::Wards>(),
        get(guardian::wards::<S>),
    )
    .add(
        doc(
            "POST",
            "/api/v1/guardian/wards/{id}/withdraw",
            "guardian",
            "Withdraw the guardian's consent: the account is locked again",
        )
        .keeps("MIN-2")
        .returns::<guardian::Withdrawn>(),
        post(guardian::withdraw::<S>),
    )
    .add(
        doc(
            "POST",
            "/api/v1/guardian/wards/{id}/requests",
            "guardian",
            "A rights request for the child: export, correction, deletion, cancellation, complaint",
        )
        .body::<guardian::WardRequest>()
        .ok(201)
        .keeps("MIN-5 MIN-6")
        .returns::<xuancai_app::privacy::requests::RequestView>(),
        post(guardian::ward_request::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/guardian/wards/{id}/requests/{rid}/download",
            "guardian",
            "The child's export, once built",
        )
        .keeps("MIN-5 R-1")
        .media("application/zip"),
        get(guardian::ward_download::<S>),
    )
    .add(
        doc(
            "POST",
            "/api/v1/me/verify",
            "privacy",
            "Send a code to the account's own phone (identity check)",
        )
        .ok(202)
        .keeps("ACC-7")
        .may(&[429])
        .returns::<requests::CodeSent>(),
        post(requests::verify::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/me/requests",
            "privacy",
            "The user's rights requests with status and deadline",
        )
        .keeps("R-6")
        .returns::<requests::Requests>(),
        get(requests::list::<S>),
    )
    .add(
        doc(
            "POST",
            "/api/v1/me/requests",
            "privacy",
            "Make a rights request (export, correction, deletion, withdrawal, complaint)",
        )
        .body::<requests::NewRequest>()
        .ok(201)
        .keeps("R-1 R-2 R-3 R-4 R-6 R-7 MIN-5 ACC-7")
        .may(&[401, 409, 429])
        .returns::<xuancai_app::privacy::requests::RequestView>(),
        post(requests::create::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/me/requests/{id}/download",
            "privacy",
            "The export ZIP, once ready",
        )
        .keeps("R-1")
        .media("application/zip"),
        get(requests::download::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/me/cancellation",
            "privacy",
            "What cancelling the account loses",
        )
        .keeps("ACC-6")
        .returns::<requests::Preview>(),
        get(requests::cancellation_preview::<S>),
    )
    .add(
        doc(
            "POST",
            "/api/v1/me/cancellation",
            "privacy",
            "Cancel the account (fresh code, confirmations)",
        )
        .body::<requests::Cancel>()
        .keeps("ACC-6 R-5 RET-2")
        .may(&[401, 409, 429])
        .returns::<requests::Cancelled>(),
        post(requests::cancel::<S>),
    )
    .add(
        doc(
            "POST",
            "/api/v1/events",
            "privacy",
            "Usage and crash events (analytics consent)",
        )
        .body::<events::Batch>()
        .ok(202)
        .keeps("DATA-1 DATA-2")
        .returns::<events::Recorded>(),
        post(events::record::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/push/key",
            "messages",
            "The Web Push application server key (VAPID)",
        )
        .public()
        .keeps("DATA-5")
        .returns::<notify::PushKey>(),
        get(notify::key::<S>),
    )
    .add(
        doc(
            "PUT",
            "/api/v1/me/push",
            "messages",
            "Register this device for push (push consent)",
        )
        .body::<notify::Register>()
        .ok(201)
        .keeps("DATA-5 CON-3")
        .returns::<notify::Registered>(),
        put(notify::register::<S>),
    )
    .add(
        doc(
            "DELETE",
            "/api/v1/me/push",
            "messages",
            "Forget this account's devices",
        )
        .ok(204)
        .keeps("DATA-5"),
        delete(notify::unregister::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/me/inbox",
            "messages",
            "Service announcements and messages, newest first",
        )
        .keeps("ADS-3")
        .returns::<notify::Inbox>(),
        get(notify::inbox::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/me/activity",
            "messages",
            "Comments on your works and blessings to you, newest first",
        )
        .keeps("IMG-6 DATA-3")
        .returns::<notify::ActivityPage>(),
        get(notify::activity::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/unsubscribe",
            "messages",
            "Unsubscribe from marketing (signed link, no sign-in)",
        )
        .public()
        .keeps("ADS-2 CON-4")
        .query::<notify::Unsubscribe>()
        .may(&[422])
        .returns::<notify::UnsubscribeAnswer>(),
        get(notify::unsubscribe::<S>),
    )
    .add(
        doc(
            "POST",
            "/api/v1/ops/messages",
            "ops",
            "Queue a service announcement or a marketing message (operators)",
        )
        .body::<notify::MessageBody>()
        .ok(202)
        .keeps("ADS-2 ADS-3 DATA-6")
        .returns::<notify::Broadcast>(),
        post(notify::send::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/ops/messages/{id}",
            "ops",
            "How far a queued message has been delivered (operators)",
        )
        .keeps("ADS-2 ADS-3")
        .returns::<notify::Broadcast>(),
        get(notify::progress::<S>),
    )
    .add(
        doc(
            "POST",
            "/api/v1/ops/documents",
            "ops",
            "Publish a document version (operators)",
        )
        .body::<documents::Publish>()
        .ok(201)
        .keeps("CON-2")
        .returns::<documents::Published>(),
        post(documents::publish::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/ops/requests",
            "ops",
            "Open rights requests, overdue flagged (operators)",
        )
        .keeps("R-6 SEC-6")
        .returns::<ops::OpenRequests>(),
        get(ops::requests::<S>),
    )
    .add(
        doc(
            "POST",
            "/api/v1/ops/requests/{id}",
            "ops",
            "Move a request on; refusals state a reason (operators)",
        )
        .body::<ops::Move>()
        .keeps("R-6 SEC-6")
        .returns::<xuancai_app::privacy::requests::RequestView>(),
        post(ops::process::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/ops/users/{id}",
            "ops",
            "A user's personal data (audited read, operators)",
        )
        .keeps("SEC-6")
        .returns::<ops::UserData>(),
        get(ops::user::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/ops/users/{id}/audit",
            "ops",
            "Who read or changed a user's data (operators)",
        )
        .keeps("SEC-6")
        .returns::<ops::AuditLog>(),
        get(ops::audit_log::<S>),
    )
    .add(
        doc(
            "PUT",
            "/api/v1/ops/users/{id}/birth-date",
            "ops",
            "Correct a birth date after reviewing the user's correction request (operators)",
        )
        .body::<ops::BirthDateCorrection>()
        .keeps("R-2 MIN-2 MIN-3")
        .returns::<ops::Corrected>(),
        put(ops::correct_birth_date::<S>),
    )
    .add(
        doc(
            "POST",
            "/api/v1/ops/users/{id}/holds",
            "ops",
            "Place a legal hold (operators)",
        )
        .body::<ops::NewHold>()
        .ok(201)
        .keeps("RET-2")
        .returns::<ops::HoldView>(),
        post(ops::place_hold::<S>),
    )
    .add(
        doc(
            "DELETE",
            "/api/v1/ops/holds/{id}",
            "ops",
            "Release a legal hold (operators)",
        )
        .ok(204)
        .keeps("RET-2"),
        delete(ops::release_hold::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/contact",
            "privacy",
            "How to reach the operator and the personal-information protection officer",
        )
        .public()
        .keeps("R-7 MIN-5")
        .returns::<contact::Contact>(),
        get(contact::show::<S>),
    )
    .add(
        doc(
            "POST",
            "/api/v1/complaints",
            "privacy",
            "A complaint about personal information, without an account (a guardian about a child too)",
        )
        .public()
        .body::<xuancai_app::contact::NewComplaint>()
        .ok(201)
        .keeps("R-7 MIN-5")
        .may(&[429])
        .returns::<xuancai_app::contact::Receipt>(),
        post(contact::submit::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/ops/complaints",
            "ops",
            "Complaints, oldest deadline first, overdue flagged (operators)",
        )
        .keeps("R-7 SEC-6")
        .query::<contact::QueueQuery>()
        .returns::<contact::Queue>(),
        get(contact::queue::<S>),
    )
    .add(
        doc(
            "POST",
            "/api/v1/ops/complaints/{id}",
            "ops",
            "Record the answer to a complaint (operators)",
        )
        .body::<contact::Answer>()
        .keeps("R-7")
        .returns::<contact::Answered>(),
        post(contact::answer::<S>),
    )
}
