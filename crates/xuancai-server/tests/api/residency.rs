//! RET-1: personal information stays in the allowed regions (mainland
//! China by default). A server whose object store or configured third
//! party is elsewhere, or does not say where it is, does not start; the
//! published register lists every recipient with its region.

use xuancai_server::config::{Config, SmsConfig};
use xuancai_server::startup::Application;

use crate::helpers::{Backend, spawn_with};

fn base(dir: &tempfile::TempDir) -> Config {
    Config {
        listen: "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")),
        data_dir: dir.path().to_path_buf(),
        dev_mode: true,
        ..Config::default()
    }
}

async fn refusal(config: Config) -> String {
    match Application::build(config).await {
        Ok(_) => panic!("the server started"),
        Err(e) => e.to_string(),
    }
}

#[tokio::test]
async fn ret1_start_refuses_an_object_store_or_gateway_outside_the_allowed_regions() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // An S3 bucket in us-east-1 (the old silent default) or Hong Kong.
    for region in ["us-east-1", "cn-hongkong"] {
        let mut c = base(&dir);
        c.blob_url = Some("s3://photos".into());
        c.residency.object_store = Some(region.into());
        let e = refusal(c).await;
        assert!(e.contains("RET-1") && e.contains(region), "{e}");
    }
    // An SMS gateway that does not declare its region, or one abroad.
    let mut c = base(&dir);
    c.sms = SmsConfig::Http {
        url: "https://sms.example.cn/send".into(),
        token: None,
    };
    let e = refusal(c.clone()).await;
    assert!(e.contains("RET-1") && e.contains("sms_gateway"), "{e}");
    c.residency.sms_gateway = Some("ap-singapore".into());
    let e = refusal(c).await;
    assert!(e.contains("RET-1") && e.contains("ap-singapore"), "{e}");
}

#[tokio::test]
async fn ret1_the_register_lists_each_recipient_with_its_region() {
    // PostgreSQL + S3: the bucket's region comes from AWS_REGION (cn-north-1).
    let app = spawn_with(Backend::PostgresS3, |c| c.residency.server = "cn-beijing".into()).await;
    let r = app
        .call("GET", "/api/v1/documents/sdk_register", None, None)
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap_or_default();
    assert!(html.contains("对象存储（S3 兼容）"), "{html}");
    assert!(
        html.contains("data-region=\"cn-north-1\""),
        "the bucket's region: {html}"
    );
    assert!(
        html.contains("data-region=\"cn-beijing\""),
        "the server's region: {html}"
    );
    assert!(html.contains("data-region=\"cn\""), "the vendors' region: {html}");
    assert!(
        html.contains("data-region=\"global\""),
        "Web Push is shown as what it is: {html}"
    );
    app.cleanup().await;
}
