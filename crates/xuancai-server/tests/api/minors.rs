//! Children and minors through the API, on both backends (issue 20 item 1):
//! the declared age only protects (MIN-2, MIN-3), an operator's reviewed
//! correction is the one way down, the guardian's page (MIN-2,
//! MIN-5), the waiting period (MIN-2) and a cancelled child erased at once
//! (MIN-6).

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp};
use crate::privacy::OPERATOR;
use crate::rights::{app_on, fresh_code};

const CHILD: (&str, &str) = ("13800138000", "+8613800138000");
const GUARDIAN: (&str, &str) = ("13600136000", "+8613600136000");

/// Sign up with a birth date `years` years ago; returns the token.
async fn sign_up_aged(app: &TestApp, who: (&str, &str), years: i32) -> String {
    app.request_code(who.0).await;
    let code = app.last_code(who.1);
    let today = xuancai_domain::Date::from_unix_ms(app.control.now(), 480);
    let v: Value = app
        .post(
            "/api/v1/auth/login",
            &json!({ "phone": who.0, "code": code, "agree": app.agreement().await, "sensitive": ["phone"],
                     "birth_date": format!("{}-01-01", today.year() - years) }),
        )
        .await
        .json()
        .await
        .unwrap_or_default();
    v["token"].as_str().unwrap_or_default().to_string()
}

/// The guardian verifies by SMS and agrees to the children's documents.
async fn guardian_agrees(app: &TestApp, token: &str) {
    app.json(
        "POST",
        "/api/v1/me/guardian/code",
        token,
        Some(&json!({ "phone": GUARDIAN.0 })),
        202,
    )
    .await;
    let code = app.last_code(GUARDIAN.1);
    let agree = app.agreement_to(&["children_policy", "children_rules"]).await;
    app.json(
        "POST",
        "/api/v1/me/guardian",
        token,
        Some(&json!({ "phone": GUARDIAN.0, "code": code, "agree": agree })),
        200,
    )
    .await;
}

async fn min2_min3_story(backend: Backend) {
    let app = app_on(backend).await;
    let child = sign_up_aged(&app, CHILD, 10).await;
    guardian_agrees(&app, &child).await;
    let me = app.json("GET", "/api/v1/me", &child, None, 200).await;
    let declared = me["birth_date"].clone();
    assert!(declared.is_string(), "{me}");
    // The child cannot lower its own protection: not by clearing the date,
    // not by an adult's date, not by a minor's.
    let year = xuancai_domain::Date::from_unix_ms(app.control.now(), 480).year();
    for date in [
        Value::Null,
        json!(format!("{}-01-01", year - 30)),
        json!(format!("{}-01-01", year - 15)),
    ] {
        let r = app
            .call(
                "PATCH",
                "/api/v1/me",
                Some(&child),
                Some(&json!({ "birth_date": date })),
            )
            .await;
        assert_eq!(r.status(), 409, "{date}");
        let e: Value = r.json().await.unwrap_or_default();
        assert_eq!(e["code"], "age_correction_needs_review");
    }
    let me = app.json("GET", "/api/v1/me", &child, None, 200).await;
    assert_eq!(me["birth_date"], declared, "the stored date is unchanged");
    // Still a child: the children's rules apply (a child is locked when the
    // guardian's documents are missing — here they are agreed, so it works).
    app.json("GET", "/api/v1/photos", &child, None, 200).await;

    // An adult may declare a younger age (raising protection): locked until
    // a guardian agrees.
    let adult = app.login("13500135000", "+8613500135000").await;
    app.json(
        "PATCH",
        "/api/v1/me",
        &adult,
        Some(&json!({ "birth_date": format!("{}-01-01", year - 15) })),
        200,
    )
    .await;
    let r = app.call("GET", "/api/v1/photos", Some(&adult), None).await;
    assert_eq!(r.status(), 403);

    // the child files a correction request; an operator corrects the
    // date after review; the request is done and the change audited.
    let code = fresh_code(&app, &child, CHILD.1).await;
    let req = app
        .json(
            "POST",
            "/api/v1/me/requests",
            &child,
            Some(&json!({ "kind": "correction", "code": code, "detail": "my birth year was mistyped" })),
            201,
        )
        .await;
    let rid = req["id"].as_str().unwrap_or_default().to_string();
    let op = app.login(OPERATOR.0, OPERATOR.1).await;
    let child_id = me["user_id"].as_str().unwrap_or_default().to_string();
    let adult_date = format!("{}-02-03", year - 20);
    // The child's own token is no operator's.
    let r = app
        .call(
            "PUT",
            &format!("/api/v1/ops/users/{child_id}/birth-date"),
            Some(&child),
            Some(&json!({ "birth_date": adult_date, "request": rid })),
        )
        .await;
    assert_eq!(r.status(), 404);
    let v = app
        .json(
            "PUT",
            &format!("/api/v1/ops/users/{child_id}/birth-date"),
            &op,
            Some(&json!({ "birth_date": adult_date, "request": rid })),
            200,
        )
        .await;
    assert_eq!(v["age_group"], "adult");
    let me = app.json("GET", "/api/v1/me", &child, None, 200).await;
    assert_eq!(me["birth_date"], adult_date.as_str());
    let list = app.json("GET", "/api/v1/me/requests", &child, None, 200).await;
    assert_eq!(list["items"][0]["status"], "done", "{list}");
    let audit = app
        .json(
            "GET",
            &format!("/api/v1/ops/users/{child_id}/audit"),
            &op,
            None,
            200,
        )
        .await;
    assert!(audit.to_string().contains("correct:birth_date:adult"), "{audit}");
    // A request answered once cannot be used again.
    let r = app
        .call(
            "PUT",
            &format!("/api/v1/ops/users/{child_id}/birth-date"),
            Some(&op),
            Some(&json!({ "birth_date": null, "request": rid })),
        )
        .await;
    assert_eq!(r.status(), 409);
    app.cleanup().await;
}

#[tokio::test]
async fn min2_min3_r2_a_declared_minor_cannot_lower_its_protection_on_sqlite() {
    min2_min3_story(Backend::SqliteLocal).await;
}

#[tokio::test]
async fn min2_min3_r2_a_declared_minor_cannot_lower_its_protection_on_postgres() {
    min2_min3_story(Backend::PostgresS3).await;
}

async fn guardian_page_story(backend: Backend) {
    let app = app_on(backend).await;
    let child = sign_up_aged(&app, CHILD, 9).await;
    guardian_agrees(&app, &child).await;
    app.json("GET", "/api/v1/photos", &child, None, 200).await;
    let me = app.json("GET", "/api/v1/me", &child, None, 200).await;
    let child_id = me["user_id"].as_str().unwrap_or_default().to_string();

    // A number that guards nobody gets the same answer and no SMS.
    app.json_anon(
        "POST",
        "/api/v1/guardian/code",
        &json!({ "phone": "13300133000" }),
        202,
    )
    .await;
    assert!(app.sms_to("+8613300133000").is_empty());
    // The guardian's page code opens the page, never an account.
    app.json_anon(
        "POST",
        "/api/v1/guardian/code",
        &json!({ "phone": GUARDIAN.0 }),
        202,
    )
    .await;
    let (template, code, _) = app.last_sms(GUARDIAN.1);
    assert_eq!(template, "guardian_portal");
    let r = app
        .post(
            "/api/v1/auth/login",
            &json!({ "phone": GUARDIAN.0, "code": code, "agree": app.agreement().await, "sensitive": ["phone"] }),
        )
        .await;
    assert_eq!(r.status(), 401, "a guardian's page code signs no one in");
    // The failed sign-in did not consume the page code's only use? It did
    // not: codes are bound to their purpose, so the page code still opens.
    let page = app
        .json_anon(
            "POST",
            "/api/v1/guardian/session",
            &json!({ "phone": GUARDIAN.0, "code": code }),
            200,
        )
        .await;
    let token = page["token"].as_str().unwrap_or_default().to_string();
    assert!(token.starts_with("g1."));
    let r = app.call("GET", "/api/v1/me", Some(&token), None).await;
    assert_eq!(r.status(), 401, "the page token is no account session");
    let wards = app.json("GET", "/api/v1/guardian/wards", &token, None, 200).await;
    assert_eq!(wards["items"].as_array().map(Vec::len), Some(1), "{wards}");
    assert_eq!(wards["items"][0]["user_id"], child_id.as_str());
    assert_eq!(wards["items"][0]["age_group"], "child");
    assert_eq!(wards["items"][0]["phone"], "+86 138****8000");

    // Another account is not the guardian's to touch.
    let other = app.login("13500135000", "+8613500135000").await;
    let other_id = app.json("GET", "/api/v1/me", &other, None, 200).await["user_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let r = app
        .call(
            "POST",
            &format!("/api/v1/guardian/wards/{other_id}/withdraw"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status(), 404);

    // The guardian files an export for the child and downloads it.
    let req = app
        .json(
            "POST",
            &format!("/api/v1/guardian/wards/{child_id}/requests"),
            &token,
            Some(&json!({ "kind": "export" })),
            201,
        )
        .await;
    let download = req["download"].as_str().unwrap_or_default().to_string();
    let mut zip = Vec::new();
    for _ in 0..100 {
        let r = app.call("GET", &download, Some(&token), None).await;
        if r.status() == 200 {
            zip = r.bytes().await.unwrap_or_default().to_vec();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap_or_else(|e| panic!("{e}"));
    let mut data = String::new();
    std::io::Read::read_to_string(
        &mut archive
            .by_name("personal-data.json")
            .unwrap_or_else(|e| panic!("{e}")),
        &mut data,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let data: Value = serde_json::from_str(&data).unwrap_or_default();
    let section = |k: &str| data["categories"][k]["data"].clone();
    assert_eq!(
        section("birth_date"),
        me["birth_date"],
        "the child's data: {data}"
    );
    assert_eq!(
        section("guardian_phone")["phone"],
        GUARDIAN.1,
        "and the guardian's number"
    );

    // Withdrawal locks the account again at once, and is in the ledger.
    app.json(
        "POST",
        &format!("/api/v1/guardian/wards/{child_id}/withdraw"),
        &token,
        None,
        200,
    )
    .await;
    let r = app.call("GET", "/api/v1/photos", Some(&child), None).await;
    assert_eq!(r.status(), 403);
    let e: Value = r.json().await.unwrap_or_default();
    assert_eq!(e["code"], "guardian_required");
    let consents = app.json("GET", "/api/v1/me/consents", &child, None, 200).await;
    assert!(consents.to_string().contains("guardian_page"), "{consents}");
    let wards = app.json("GET", "/api/v1/guardian/wards", &token, None, 200).await;
    assert!(wards["items"][0]["guardian_verified_at"].is_null());
    assert!(wards["items"][0]["erased_unless_agreed_by"].is_i64());

    // MIN-6: the guardian cancels the child's account; it is erased at the
    // next run of the jobs, not months later.
    app.json(
        "POST",
        &format!("/api/v1/guardian/wards/{child_id}/requests"),
        &token,
        Some(&json!({ "kind": "cancellation", "detail": "we are leaving" })),
        201,
    )
    .await;
    let r = app.call("GET", "/api/v1/me", Some(&child), None).await;
    assert_eq!(r.status(), 401);
    let report = app.control.run_jobs_once().await;
    assert_eq!(report.erased_accounts, 1, "{report:?}");
    let wards = app.json("GET", "/api/v1/guardian/wards", &token, None, 200).await;
    assert_eq!(wards["items"].as_array().map(Vec::len), Some(0));
    // An expired page token opens nothing.
    app.control.advance(31 * 60 * 1000);
    let r = app
        .call("GET", "/api/v1/guardian/wards", Some(&token), None)
        .await;
    assert_eq!(r.status(), 401);
    app.cleanup().await;
}

#[tokio::test]
async fn min2_min5_min6_the_guardians_page_on_sqlite() {
    guardian_page_story(Backend::SqliteLocal).await;
}

#[tokio::test]
async fn min2_min5_min6_the_guardians_page_on_postgres() {
    guardian_page_story(Backend::PostgresS3).await;
}

async fn waiting_story(backend: Backend) {
    let app = app_on(backend).await;
    let child = sign_up_aged(&app, CHILD, 11).await;
    let adult = app.login("13500135000", "+8613500135000").await;
    app.control.advance(6 * 86_400_000);
    let report = app.control.run_jobs_once().await;
    assert_eq!((report.unconfirmed_minors, report.erased_accounts), (0, 0));
    let r = app.call("GET", "/api/v1/me", Some(&child), None).await;
    assert_eq!(r.status(), 200, "still there within the waiting period");
    app.control.advance(86_400_000 + 1);
    let report = app.control.run_jobs_once().await;
    assert_eq!(
        (report.unconfirmed_minors, report.erased_accounts),
        (1, 1),
        "{report:?}"
    );
    let r = app.call("GET", "/api/v1/me", Some(&child), None).await;
    assert_eq!(r.status(), 401, "erased");
    app.json("GET", "/api/v1/me", &adult, None, 200).await;
    // Signing in again starts a new account: nothing was kept.
    let v: Value = {
        app.request_code(CHILD.0).await;
        let code = app.last_code(CHILD.1);
        app.post(
            "/api/v1/auth/login",
            &json!({ "phone": CHILD.0, "code": code, "agree": app.agreement().await, "sensitive": ["phone"] }),
        )
        .await
        .json()
        .await
        .unwrap_or_default()
    };
    assert_eq!(v["new_account"], true, "{v}");
    app.cleanup().await;
}

#[tokio::test]
async fn min2_an_account_whose_guardian_never_agrees_is_erased_on_sqlite() {
    waiting_story(Backend::SqliteLocal).await;
}

#[tokio::test]
async fn min2_an_account_whose_guardian_never_agrees_is_erased_on_postgres() {
    waiting_story(Backend::PostgresS3).await;
}

/// MIN-5: the web app's guardian page rides on an HttpOnly cookie scoped to
/// the guardian's routes; a write through it needs the CSRF header, and
/// leaving the page clears it.
#[tokio::test]
async fn min5_the_guardians_page_cookie_is_httponly_scoped_and_csrf_bound() {
    let app = app_on(Backend::SqliteLocal).await;
    let child = sign_up_aged(&app, CHILD, 9).await;
    guardian_agrees(&app, &child).await;
    let child_id = app.json("GET", "/api/v1/me", &child, None, 200).await["user_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    app.json_anon(
        "POST",
        "/api/v1/guardian/code",
        &json!({ "phone": GUARDIAN.0 }),
        202,
    )
    .await;
    let (_, code, _) = app.last_sms(GUARDIAN.1);
    let r = app
        .post(
            "/api/v1/guardian/session",
            &json!({ "phone": GUARDIAN.0, "code": code }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let set = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    for part in [
        "HttpOnly",
        "Path=/api/v1/guardian",
        "SameSite=Strict",
        "Max-Age=1800",
    ] {
        assert!(set.contains(part), "{set}");
    }
    let cookie = set.split(';').next().unwrap_or_default().to_string();
    let with_cookie = |method: &str, path: &str, csrf: bool| {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let mut req = app
            .client
            .request(m, app.url(path))
            .header("cookie", cookie.clone());
        if csrf {
            req = req.header("x-xuancai-csrf", "1");
        }
        req.send()
    };
    let wards: Value = with_cookie("GET", "/api/v1/guardian/wards", false)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_default();
    assert_eq!(wards["items"][0]["user_id"], child_id.as_str(), "{wards}");
    let withdraw = format!("/api/v1/guardian/wards/{child_id}/withdraw");
    let r = with_cookie("POST", &withdraw, false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 403, "a cookie-carried write needs the CSRF header");
    let r = app.call("GET", "/api/v1/photos", Some(&child), None).await;
    assert_eq!(r.status(), 200, "nothing was withdrawn without the header");
    let r = with_cookie("POST", &withdraw, true)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 200);
    let r = app.call("GET", "/api/v1/photos", Some(&child), None).await;
    assert_eq!(r.status(), 403, "withdrawn: the child's account is locked again");
    let r = app.call("DELETE", "/api/v1/guardian/session", None, None).await;
    assert_eq!(r.status(), 204);
    let cleared = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        cleared.starts_with("xuancai_guardian=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    app.cleanup().await;
}
