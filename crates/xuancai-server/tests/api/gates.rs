//! Issue 19 item 15 (MIN-2, MIN-3, CON-1): which gate each route passes.
//! The route table (the router's own, that OpenAPI is built from) is walked
//! as a child whose guardian has not agreed yet: every route that processes
//! or stores personal information answers 403 `guardian_required`; only the
//! routes listed here — the privacy center, rights, the guardian's own
//! verification, reading or deleting one's own data, signing out — stay
//! open, the operators' routes answer 404, and the guardian's page answers
//! 401 (an account's session is no guardian's page token). A new route is in this
//! matrix the day it is added: it must pass the gate or be listed.

use serde_json::{Value, json};
use xuancai_server::routes::route_docs;

use crate::helpers::spawn_app;

/// Routes a locked account may still use (a bare session): rights can
/// always be exercised, and one's own data read or removed.
const SESSION_ONLY: &[(&str, &str)] = &[
    ("POST", "/api/v1/auth/logout"),
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/me/avatar"),
    ("DELETE", "/api/v1/me/avatar"),
    ("DELETE", "/api/v1/me/password"),
    ("GET", "/api/v1/me/consents"),
    ("PUT", "/api/v1/me/consents/{purpose}"),
    ("POST", "/api/v1/me/agreements"),
    ("POST", "/api/v1/me/guardian/code"),
    ("POST", "/api/v1/me/guardian"),
    ("POST", "/api/v1/me/verify"),
    ("POST", "/api/v1/me/requests"),
    ("GET", "/api/v1/me/requests"),
    ("GET", "/api/v1/me/requests/{id}/download"),
    ("GET", "/api/v1/me/cancellation"),
    ("POST", "/api/v1/me/cancellation"),
];

#[tokio::test]
async fn sec6_min2_every_route_passes_its_declared_gate() {
    let app = spawn_app().await;
    // A child whose guardian has not agreed.
    app.request_code("13800138000").await;
    let code = app.last_code("+8613800138000");
    let today = xuancai_domain::Date::from_unix_ms(app.control.now(), 480);
    let v: Value = app
        .post(
            "/api/v1/auth/login",
            &json!({ "phone": "13800138000", "code": code, "agree": app.agreement().await, "sensitive": ["phone"],
                     "birth_date": format!("{}-01-01", today.year() - 9) }),
        )
        .await
        .json()
        .await
        .unwrap_or_default();
    let child = v["token"].as_str().unwrap_or_default().to_string();

    let mut docs = route_docs(&app.config);
    // Signing out goes last.
    docs.sort_by_key(|d| d.path == "/api/v1/auth/logout");
    let mut wrong = Vec::new();
    for d in docs.iter().filter(|d| d.auth) {
        let path = d
            .path
            .replace("{id}", "x")
            .replace("{photo_id}", "x")
            .replace("{comment_id}", "x")
            .replace("{variant}", "original")
            .replace("{purpose}", "analytics")
            .replace("{name}", "sticker");
        let r = app.call(d.method, &path, Some(&child), None).await;
        let status = r.status().as_u16();
        let v: Value = r.json().await.unwrap_or_default();
        let gated = status == 403 && v["code"] == "guardian_required";
        let operator = d.path.starts_with("/api/v1/ops/");
        let guardian_page = d.path.starts_with("/api/v1/guardian/");
        let listed = SESSION_ONLY.contains(&(d.method, d.path));
        let ok = if operator {
            status == 404
        } else if guardian_page {
            status == 401
        } else if listed {
            !gated
        } else {
            gated
        };
        if !ok {
            wrong.push(format!("{} {} answered {status} {}", d.method, d.path, v["code"]));
        }
    }
    assert!(
        wrong.is_empty(),
        "routes not behind the gate they should be:\n{}",
        wrong.join("\n")
    );
    for (m, p) in SESSION_ONLY {
        assert!(
            docs.iter().any(|d| d.method == *m && d.path == *p),
            "{m} {p} is in the route table"
        );
    }
}
