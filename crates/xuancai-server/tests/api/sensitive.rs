//! Issue 20 item 11 (§11, CON-3, SEC-4, ACC-8): the policy calls the phone
//! number and property information (coins) sensitive, and the product treats
//! them so — the number leaves only with its separate tick, shown with its
//! necessity and impact; coins are an option with their own consent, sealed
//! at rest (amounts, reasons and days), and erased when it is withdrawn.

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, on_db, spawn_with};

const PHONE: (&str, &str) = ("13700137000", "+8613700137000");

/// Ledger rows `(delta, reason, reference, sealed)` and the user's
/// `(coin_balance, sealed balance)` straight from the database.
type Rows = (Vec<(i64, String, String, bool)>, Vec<(i64, bool)>);

async fn raw_coins(app: &TestApp) -> Rows {
    let ledger =
        "SELECT delta, reason, reference, entry_ciphertext IS NOT NULL FROM coin_ledger ORDER BY created_at";
    let users = "SELECT coin_balance, coin_balance_ciphertext IS NOT NULL FROM users ORDER BY created_at";
    on_db!(app, |db| {
        let l = sqlx::query_as(ledger).fetch_all(&db).await;
        let u = sqlx::query_as(users).fetch_all(&db).await;
        (
            l.unwrap_or_else(|e| panic!("{e}")),
            u.unwrap_or_else(|e| panic!("{e}")),
        )
    })
}

async fn phone_tick_story(backend: Backend) {
    let app = spawn_with(backend, |_| {}).await;
    let agree = app.agreement().await;

    // Without the tick: refused, naming the category with its necessity and
    // impact, and the number goes nowhere.
    let r = app
        .post("/api/v1/auth/code", &json!({ "phone": PHONE.0, "agree": agree }))
        .await;
    assert_eq!(r.status(), 403);
    let v: Value = r.json().await.unwrap_or_default();
    assert_eq!(v["code"], "sensitive_consent_required", "{v}");
    assert_eq!(v["details"]["category"], "phone", "{v}");
    assert!(
        v["details"]["necessity"]
            .as_str()
            .is_some_and(|s| s.contains("手机号码")),
        "{v}"
    );
    assert!(
        v["details"]["impact"].as_str().is_some_and(|s| !s.is_empty()),
        "{v}"
    );
    assert!(app.sms_to(PHONE.1).is_empty(), "no SMS without the tick");
    // An unknown tick is a clear error, not a silent pass.
    let r = app
        .post(
            "/api/v1/auth/code",
            &json!({ "phone": PHONE.0, "agree": agree, "sensitive": ["phone", "soul"] }),
        )
        .await;
    assert_eq!(r.status(), 400);

    // With it: sent. Creating the account needs the tick again (the login
    // is where the number is stored).
    let r = app
        .post(
            "/api/v1/auth/code",
            &json!({ "phone": PHONE.0, "agree": agree, "sensitive": ["phone"] }),
        )
        .await;
    assert_eq!(r.status(), 202);
    let code = app.last_code(PHONE.1);
    let r = app
        .post(
            "/api/v1/auth/login",
            &json!({ "phone": PHONE.0, "code": code, "agree": agree }),
        )
        .await;
    let v: Value = r.json().await.unwrap_or_default();
    assert_eq!(v["code"], "sensitive_consent_required", "{v}");
    assert_eq!(
        raw_coins(&app).await.1.len(),
        0,
        "no account row without the tick"
    );
    app.control.advance(61_000); // one code a minute per number
    let token = app.login(PHONE.0, PHONE.1).await;

    // The tick is in the consent ledger, against the policy in force.
    let c = app.json("GET", "/api/v1/me/consents", &token, None, 200).await;
    let ticks: Vec<&Value> = c["history"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|h| h["topic"] == "sensitive:phone")
        .collect();
    assert!(
        !ticks.is_empty()
            && ticks
                .iter()
                .all(|h| h["granted"] == true && h["version"].is_string()),
        "{c}"
    );
    // Marketing to the number and coins each need their own consent.
    for (purpose, optional) in [("marketing", true), ("coins", true), ("account", false)] {
        let p = c["purposes"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["purpose"] == purpose)
            .cloned()
            .unwrap_or_default();
        assert_eq!(p["optional"], optional, "{p}");
        if optional {
            assert_eq!(p["basis"], "separate_consent", "{p}");
        }
    }
    // The policy states the necessity and the impact (PIPL Art. 30).
    let policy = app
        .call("GET", "/api/v1/documents/privacy_policy", None, None)
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(
        policy.contains("必要的敏感个人信息") && policy.contains("监护人手机号码"),
        "{policy}"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn con3_sec4_the_phone_number_leaves_only_with_its_separate_tick_on_sqlite() {
    phone_tick_story(Backend::SqliteLocal).await;
}

#[tokio::test]
async fn con3_sec4_the_phone_number_leaves_only_with_its_separate_tick_on_postgres() {
    phone_tick_story(Backend::PostgresS3).await;
}

async fn coins_story(backend: Backend) {
    let app = spawn_with(backend, |_| {}).await;
    let token = app.login(PHONE.0, PHONE.1).await;

    // An option with its own consent: refused until granted.
    let v = app
        .json("POST", "/api/v1/coins/check-in", &token, None, 403)
        .await;
    assert_eq!(
        (v["code"].as_str(), v["details"]["purpose"].as_str()),
        (Some("consent_required"), Some("coins"))
    );
    assert_eq!(raw_coins(&app).await.0.len(), 0);
    app.consent(&token, "coins", true).await;
    let v = app
        .json("POST", "/api/v1/coins/check-in", &token, None, 201)
        .await;
    assert_eq!(v["balance"], 10, "{v}");
    app.control.advance(86_400_000);
    let v = app
        .json("POST", "/api/v1/coins/check-in", &token, None, 201)
        .await;
    assert_eq!(v["balance"], 20, "{v}");
    let v = app
        .json("POST", "/api/v1/coins/check-in", &token, None, 200)
        .await;
    assert_eq!(
        (v["balance"].as_i64(), v["awarded"].as_i64()),
        (Some(20), Some(0))
    );

    // The user sees amounts, reasons and days ...
    let v = app.json("GET", "/api/v1/coins", &token, None, 200).await;
    assert_eq!(v["balance"], 20);
    let refs: Vec<&str> = v["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["reference"].as_str())
        .collect();
    assert_eq!(refs.len(), 2);
    assert!(refs.iter().all(|r| r.starts_with("check_in:")), "{v}");
    // ... the database neither: sealed entries and a sealed balance.
    let (ledger, users) = raw_coins(&app).await;
    assert_eq!(ledger.len(), 2);
    for (delta, reason, reference, sealed) in &ledger {
        assert_eq!(
            (*delta, reason.as_str(), *sealed),
            (0, "sealed", true),
            "{ledger:?}"
        );
        assert!(
            !reference.contains("check_in") && reference.len() == 32,
            "{reference}"
        );
    }
    assert_eq!(users, vec![(0, true)]);
    assert_eq!(
        app.json("GET", "/api/v1/me", &token, None, 200).await["coins"],
        20
    );

    // Withdrawn: the ledger and the balance are erased at once.
    let v = app.consent(&token, "coins", false).await;
    assert_eq!(v["removed_records"], 2, "{v}");
    let (ledger, users) = raw_coins(&app).await;
    assert!(ledger.is_empty());
    assert_eq!(users, vec![(0, false)]);
    let v = app.json("GET", "/api/v1/coins", &token, None, 200).await;
    assert_eq!(
        (v["balance"].as_i64(), v["entries"].as_array().map(Vec::len)),
        (Some(0), Some(0))
    );
    app.json("POST", "/api/v1/coins/check-in", &token, None, 403)
        .await;
    app.cleanup().await;
}

#[tokio::test]
async fn acc8_con3_coins_need_their_own_consent_are_sealed_and_erased_on_withdrawal_on_sqlite() {
    coins_story(Backend::SqliteLocal).await;
}

#[tokio::test]
async fn acc8_con3_coins_need_their_own_consent_are_sealed_and_erased_on_withdrawal_on_postgres() {
    coins_story(Backend::PostgresS3).await;
}

/// Rows written before sealing (plain amount, reason, day and balance) are
/// read as they were and sealed at the user's next use of coins.
#[tokio::test]
async fn acc8_sec4_coins_written_before_sealing_are_sealed_on_next_use() {
    let app = spawn_with(Backend::SqliteLocal, |_| {}).await;
    let token = app.login(PHONE.0, PHONE.1).await;
    app.consent(&token, "coins", true).await;
    let path = app.data_dir.join("xuancai.db");
    let db = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let queries = [
        "INSERT INTO coin_ledger (id, user_id, delta, reason, reference, created_at) \
         SELECT x'00112233445566778899aabbccddeeff', id, 30, 'check_in', 'check_in:2026-01-01', 1 FROM users",
        "UPDATE users SET coin_balance = 30",
    ];
    for q in queries {
        sqlx::query(q)
            .execute(&db)
            .await
            .unwrap_or_else(|e| panic!("{q}: {e}"));
    }
    db.close().await;
    let v = app.json("GET", "/api/v1/coins", &token, None, 200).await;
    assert_eq!(v["balance"], 30, "{v}");
    assert_eq!(v["entries"][0]["reference"], "check_in:2026-01-01", "{v}");
    let (ledger, _) = raw_coins(&app).await;
    assert_eq!(ledger[0].1, "sealed", "re-sealed on read: {ledger:?}");
    let v = app
        .json("POST", "/api/v1/coins/check-in", &token, None, 201)
        .await;
    assert_eq!(v["balance"], 40, "{v}");
    let (ledger, users) = raw_coins(&app).await;
    assert!(ledger.iter().all(|l| l.3 && l.0 == 0), "{ledger:?}");
    assert_eq!(users, vec![(0, true)], "the plain balance is gone");
}
