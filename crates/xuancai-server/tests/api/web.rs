//! The web app's files (issue 8; COOK-1: nothing third-party): served at `/`
//! and under `/app/`, typed, revalidated by ETag, behind a Content Security
//! Policy that allows only the server's own origin.

use crate::helpers::spawn_app;

#[tokio::test]
async fn cook1_the_web_app_is_served_with_a_same_origin_csp_and_etags() {
    let app = spawn_app().await;
    let r = app.call("GET", "/", None, None).await;
    assert_eq!(r.status(), 200);
    let header = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    assert!(header(&r, "content-type").starts_with("text/html"));
    let csp = header(&r, "content-security-policy");
    assert!(
        csp.contains("default-src 'self'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline") && !csp.contains("http"), "{csp}");
    assert_eq!(header(&r, "x-content-type-options"), "nosniff");
    let html = r.text().await.unwrap_or_default();
    assert!(html.contains("/app/js/app.js"));

    let js = app.call("GET", "/app/js/app.js", None, None).await;
    assert_eq!(js.status(), 200);
    assert!(header(&js, "content-type").starts_with("text/javascript"));
    let etag = header(&js, "etag");
    assert!(etag.starts_with('"'), "{etag}");
    let again = app
        .client
        .get(app.url("/app/js/app.js"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.status(), 304);

    // Only embedded files: nothing else on disk is reachable.
    for path in [
        "/app/../Cargo.toml",
        "/app/%2e%2e/Cargo.toml",
        "/app/missing.js",
        "/app/",
    ] {
        let r = app.call("GET", path, None, None).await;
        assert_eq!(r.status(), 404, "{path}");
    }
    // The API keeps its JSON errors.
    let r = app.call("GET", "/api/v1/nope", None, None).await;
    assert_eq!(r.status(), 404);
    app.cleanup().await;
}
