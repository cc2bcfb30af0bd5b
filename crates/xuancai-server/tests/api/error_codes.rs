//! Issue 22 item 10: every stable error code the service can return is
//! listed once (`xuancai_app::error::CODES`), published by the server in the
//! OpenAPI document, and has a Chinese and an English text in the web app's
//! dictionaries as the server serves them — so the UI never has to show a
//! server message.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::helpers::spawn_app;

/// The code literals of the service's sources (not the CLI's, not tests):
/// `code: "…"`, `bad_request("…"`, `unprocessable("…"`, `conflict("…"`,
/// the arms of every `fn code(&self) -> &'static str`, and the HTTP
/// layer's own `return (StatusCode::…, "…")`.
fn codes_in_sources() -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for krate in std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{e}"))
        .flatten()
    {
        if krate.file_name() != "xuancai-cli" {
            rust_files(&krate.path().join("src"), &mut files);
        }
    }
    assert!(files.len() > 100, "found {} source files", files.len());
    let mut codes = BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let text = match text.find("#[cfg(test)]\nmod") {
            Some(i) => &text[..i],
            None => &text[..],
        };
        for prefix in ["code: \"", "bad_request(\"", "unprocessable(\"", "conflict(\""] {
            codes.extend(literals_after(text, prefix));
        }
        for body in text.split("fn code(&self) -> &'static str {").skip(1) {
            let body = body.split("\n    }\n").next().unwrap_or_default();
            codes.extend(literals_after(body, "\""));
        }
        for tail in text.split("=> return (StatusCode::").skip(1) {
            let line = tail.lines().next().unwrap_or_default();
            codes.extend(literals_after(line, ", \""));
        }
    }
    codes
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") && !p.to_string_lossy().ends_with("_tests.rs") {
            out.push(p);
        }
    }
}

/// Each snake_case literal that starts right after `prefix` (a literal
/// ends at the next `"`).
fn literals_after(text: &str, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(prefix) {
        rest = &rest[i + prefix.len()..];
        let lit = rest.split('"').next().unwrap_or_default();
        if !lit.is_empty()
            && lit
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit())
        {
            out.push(lit.to_string());
        }
        // Skip past the literal's closing quote.
        rest = rest.get(lit.len() + 1..).unwrap_or_default();
    }
    out
}

/// The dictionary the server hands the browser for `lang` ("zh", "en").
async fn dictionary(app: &crate::helpers::TestApp, lang: &str) -> String {
    let r = app
        .client
        .get(app.url(&format!("/app/js/i18n-{lang}.js")))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 200, "i18n-{lang}.js");
    r.text().await.unwrap_or_default()
}

#[tokio::test]
async fn every_error_code_is_listed_published_and_translated() {
    let listed: BTreeSet<String> = xuancai_app::error::CODES.iter().map(|c| c.to_string()).collect();
    assert_eq!(
        listed.len(),
        xuancai_app::error::CODES.len(),
        "a code is listed twice"
    );

    // 1. The list is the sources' codes, no more and no fewer.
    let used = codes_in_sources();
    let unlisted: Vec<_> = used.difference(&listed).collect();
    let unused: Vec<_> = listed.difference(&used).collect();
    assert!(
        unlisted.is_empty(),
        "used but not in xuancai_app::error::CODES: {unlisted:?}"
    );
    assert!(unused.is_empty(), "listed but used nowhere: {unused:?}");

    // 2. The server publishes it.
    let app = spawn_app().await;
    let doc = app.get_json("/api/v1/openapi.json").await;
    let published: BTreeSet<String> = doc["components"]["schemas"]["Error"]["properties"]["code"]["enum"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    assert_eq!(published, listed, "the OpenAPI document's Error.code enum");

    // 3. Both dictionaries the server hands the browser have a text for each.
    for lang in ["zh", "en"] {
        let dict = dictionary(&app, lang).await;
        let missing: Vec<_> = published
            .iter()
            .filter(|c| !dict.contains(&format!("'err.{c}':")))
            .collect();
        assert!(missing.is_empty(), "i18n-{lang}.js has no text for {missing:?}");
    }
    app.cleanup().await;
}

/// Issue 22: a deletion request's outcome is shown in the user's language —
/// every refusal ground the operators can record, and the counts of an
/// approved deletion, have a text in both dictionaries the server serves.
#[tokio::test]
async fn r3_every_deletion_outcome_has_a_text_in_both_languages() {
    let app = spawn_app().await;
    for lang in ["zh", "en"] {
        let dict = dictionary(&app, lang).await;
        let grounds = xuancai_app::privacy::deletion::REFUSAL_GROUNDS
            .iter()
            .map(|(code, _)| format!("ground.{code}"));
        let missing: Vec<String> = grounds
            .chain(["req.deleted".to_string(), "req.deleted_missing".to_string()])
            .filter(|k| !dict.contains(&format!("'{k}':")))
            .collect();
        assert!(missing.is_empty(), "i18n-{lang}.js has no text for {missing:?}");
        for field in ["photos", "works", "comments", "records"] {
            assert!(
                dict.contains(&format!("{{{field}}}")),
                "i18n-{lang}.js: req.deleted lacks {{{field}}}"
            );
        }
    }
    app.cleanup().await;
}
