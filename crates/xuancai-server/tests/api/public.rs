//! What anyone can see of a user (R-8, ACC-6): the cancellation tests ask it.

use crate::helpers::TestApp;

/// What of `user` anyone (or the blessing's recipient `op`) can still see:
/// the public work, its image, the feed entry, the user page, the avatar,
/// the comment and the blessing sent.
pub async fn public_presence(app: &TestApp, op: &str, user: &str, work: &str) -> Vec<&'static str> {
    let mut seen = Vec::new();
    let anon = |path: String| async move {
        let r = app.call("GET", &path, None, None).await;
        let ok = r.status() == 200;
        (ok, r.text().await.unwrap_or_default())
    };
    if anon(format!("/api/v1/works/{work}")).await.0 {
        seen.push("work");
    }
    if anon(format!("/api/v1/works/{work}/image")).await.0 {
        seen.push("image");
    }
    if anon("/api/v1/works/feed".into()).await.1.contains(work) {
        seen.push("feed");
    }
    if anon(format!("/api/v1/users/{user}/works")).await.1.contains(work) {
        seen.push("user page");
    }
    if anon(format!("/api/v1/users/{user}/avatar")).await.0 {
        seen.push("avatar");
    }
    if anon(format!("/api/v1/works/{work}/comments"))
        .await
        .1
        .contains("注销测试评论")
    {
        seen.push("comment");
    }
    let inbox = app.call("GET", "/api/v1/blessings", Some(op), None).await;
    if inbox.text().await.unwrap_or_default().contains("注销测试祝福") {
        seen.push("blessing");
    }
    seen
}
