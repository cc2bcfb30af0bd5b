//! Children and their guardians at sign-up and after (MIN-1 to MIN-4:
//! the age asked, accounts under 14 waiting for a guardian's consent;
//! MIN-6: a cancelled child's account deleted, not anonymised), split from
//! `privacy.rs`.

use serde_json::{Value, json};

use crate::privacy::{count, send_code, spawn_privacy_app};

#[tokio::test]
async fn min1_to_min4_children_and_minors_wait_for_a_guardian() {
    let app = spawn_privacy_app().await;
    let today = xuancai_domain::Date::from_unix_ms(app.control.now(), 480);
    for (phone, e164, years, group) in [
        ("13800138000", "+8613800138000", 10, "child"),
        ("13900139000", "+8613900139000", 15, "minor"),
    ] {
        send_code(&app, phone).await;
        let code = app.last_code(e164);
        let birth = format!("{}-01-01", today.year() - years);
        let agree = app.agreement().await;
        let v: Value = app
            .post(
                "/api/v1/auth/login",
                &json!({ "phone": phone, "code": code, "agree": agree, "sensitive": ["phone"], "birth_date": birth }),
            )
            .await
            .json()
            .await
            .unwrap_or_default();
        let token = v["token"].as_str().unwrap_or_default().to_string();
        // Locked: nothing is processed, no coins change hands (MIN-2, MIN-3).
        for (m, path) in [("GET", "/api/v1/photos"), ("POST", "/api/v1/coins/check-in")] {
            let r = app.call(m, path, Some(&token), None).await;
            assert_eq!(r.status(), 403, "{group} {path}");
            let e: Value = r.json().await.unwrap_or_default();
            assert_eq!(e["code"], "guardian_required");
            assert_eq!(e["details"]["age_group"], group);
        }
        // MIN-4: the guardian's own phone, not the child's.
        let r = app
            .call(
                "POST",
                "/api/v1/me/guardian/code",
                Some(&token),
                Some(&json!({ "phone": phone })),
            )
            .await;
        assert_eq!(r.status(), 422);
        let guardian = ("13600136000", "+8613600136000");
        app.json(
            "POST",
            "/api/v1/me/guardian/code",
            &token,
            Some(&json!({ "phone": guardian.0 })),
            202,
        )
        .await;
        let gcode = app.last_code(guardian.1);
        let docs = app.get_json("/api/v1/documents").await;
        let version = |k: &str| {
            docs["documents"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|d| d["kind"] == k)
                .map(|d| d["current"]["version"].clone())
                .unwrap_or_default()
        };
        let r = app
            .call("POST", "/api/v1/me/guardian", Some(&token), Some(&json!({ "phone": guardian.0, "code": gcode, "agree": { "children_policy": version("children_policy") } })))
            .await;
        assert_eq!(r.status(), 403, "both children's documents");
        let bad = if gcode == "000000" { "111111" } else { "000000" };
        let r = app
            .call("POST", "/api/v1/me/guardian", Some(&token), Some(&json!({ "phone": guardian.0, "code": bad,
                "agree": { "children_policy": version("children_policy"), "children_rules": version("children_rules") } })))
            .await;
        assert_eq!(r.status(), 401);
        app.json("POST", "/api/v1/me/guardian", &token, Some(&json!({ "phone": guardian.0, "code": gcode,
                "agree": { "children_policy": version("children_policy"), "children_rules": version("children_rules") } })), 200)
            .await;
        app.json("GET", "/api/v1/photos", &token, None, 200).await;
        app.consent(&token, "coins", true).await;
        app.json("POST", "/api/v1/coins/check-in", &token, None, 201)
            .await;
    }
    // Recorded with the guardian channel (MIN-2).
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM consents WHERE channel = 'guardian_sms'"
        )
        .await,
        4
    );
    // An adult needs no guardian.
    let adult = app.login("13500135000", "+8613500135000").await;
    let r = app
        .call(
            "POST",
            "/api/v1/me/guardian/code",
            Some(&adult),
            Some(&json!({ "phone": "13600136000" })),
        )
        .await;
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn min6_a_cancelled_childs_account_is_deleted_not_anonymised() {
    let app = spawn_privacy_app().await;
    let today = xuancai_domain::Date::from_unix_ms(app.control.now(), 480);
    let (phone, e164) = ("13800138000", "+8613800138000");
    send_code(&app, phone).await;
    let code = app.last_code(e164);
    let agree = app.agreement().await;
    let v: Value = app
        .post(
            "/api/v1/auth/login",
            &json!({ "phone": phone, "code": code, "agree": agree, "sensitive": ["phone"],
                                             "birth_date": format!("{}-06-01", today.year() - 9) }),
        )
        .await
        .json()
        .await
        .unwrap_or_default();
    let token = v["token"].as_str().unwrap_or_default().to_string();
    // Locked: the profile stores nothing more until a guardian agrees
    // (issue 19 item 15) — the birth date and agreements are what is kept.
    app.json(
        "PATCH",
        "/api/v1/me",
        &token,
        Some(&json!({ "nickname": "小朋友" })),
        403,
    )
    .await;
    // A child may cancel even while locked (rights are never locked).
    app.json("POST", "/api/v1/me/verify", &token, None, 202).await;
    let code = app.last_code(e164);
    app.json(
        "POST",
        "/api/v1/me/cancellation",
        &token,
        Some(&json!({ "code": code, "confirm_exported": true, "confirm_forfeit": true })),
        200,
    )
    .await;
    app.control.advance(91 * 86_400_000);
    assert_eq!(app.control.run_jobs_once().await.erased_accounts, 1);
    // Deleted: no row, no profile, no ciphertext kept "anonymised".
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM consents").await, 0);
}
