//! Versioned documents (CON-2). The text is rendered from the privacy
//! inventory (`xuancai_domain::privacy`), so the purposes, categories,
//! retention periods and processors the public reads are the ones the code
//! enforces. Key clauses are emphasised (bold and underlined, §1.2).

use std::fmt::Write as _;

use xuancai_domain::Date;
use xuancai_domain::privacy::{
    CATEGORIES, DocumentKind, LegalBasis, NECESSITY, PROCESSORS, PURPOSES, Retention, Sensitivity,
};
use xuancai_store::{DocumentRecord, PrivacyStore, StoreError};

use crate::config::Config;

/// The version of the built-in texts; published on first start.
pub const BUILTIN_VERSION: &str = "2026.11";

/// Publish the built-in version of each document if none is published yet.
pub async fn ensure_published<S: PrivacyStore>(store: &S, now: i64) -> Result<(), StoreError> {
    let published = store.documents().await?;
    for kind in DocumentKind::ALL {
        if published.iter().any(|d| d.kind == kind.key()) {
            continue;
        }
        let doc = DocumentRecord {
            kind: kind.key().into(),
            version: BUILTIN_VERSION.into(),
            effective_at: now,
            material: true,
            summary: "首次发布".into(),
            published_at: now,
        };
        match store.publish_document(&doc).await {
            Ok(()) | Err(StoreError::Conflict) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The version of `kind` in force at `now`.
pub fn current(docs: &[DocumentRecord], kind: DocumentKind, now: i64) -> Option<&DocumentRecord> {
    docs.iter()
        .filter(|d| d.kind == kind.key() && d.effective_at <= now)
        .max_by_key(|d| (d.effective_at, d.published_at))
}

/// Whether agreeing to `agreed` still covers `kind` at `now`: no material
/// version took effect after it (§16: a change that reduces users' rights
/// needs agreement again).
pub fn agreement_covers(docs: &[DocumentRecord], kind: DocumentKind, agreed: &str, now: i64) -> bool {
    let Some(agreed_at) = docs
        .iter()
        .find(|d| d.kind == kind.key() && d.version == agreed)
        .map(|d| d.effective_at)
    else {
        return false;
    };
    !docs
        .iter()
        .any(|d| d.kind == kind.key() && d.material && d.effective_at > agreed_at && d.effective_at <= now)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn basis_zh(b: LegalBasis) -> &'static str {
    match b {
        LegalBasis::Contract => "订立、履行您作为一方当事人的合同所必需（§4.2）",
        LegalBasis::Consent => "您的同意（可随时撤回）",
        LegalBasis::SeparateConsent => "您的单独同意（使用时询问，可随时撤回）",
    }
}

/// Render a document version as an HTML page (no external resources).
pub fn render(kind: DocumentKind, doc: &DocumentRecord, config: &Config) -> String {
    let effective = Date::from_unix_ms(doc.effective_at, config.utc_offset_minutes);
    let mut body = String::new();
    match kind {
        DocumentKind::PrivacyPolicy | DocumentKind::ChildrenPolicy => privacy_body(&mut body, kind, config),
        DocumentKind::SdkRegister => sdk_body(&mut body, config),
        DocumentKind::UserAgreement => agreement_body(&mut body),
        DocumentKind::ChildrenRules => children_rules_body(&mut body, config),
    }
    format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>body{{font-family:sans-serif;max-width:46rem;margin:auto;padding:1rem;line-height:1.6}}\
         table{{border-collapse:collapse;width:100%}}td,th{{border:1px solid #888;padding:.3rem;text-align:left}}\
         .key{{font-weight:bold;text-decoration:underline}}</style></head><body>\
         <h1>炫彩 {title}</h1><p>版本 {version}，生效日期 {effective}。{material}</p>{body}</body></html>",
        title = kind.title_zh(),
        version = esc(&doc.version),
        material = if doc.material {
            "<strong class=\"key\">本版本包含重要变更，继续使用前需要您重新同意。</strong>"
        } else {
            ""
        },
    )
}

fn privacy_body(out: &mut String, kind: DocumentKind, config: &Config) {
    if kind == DocumentKind::ChildrenPolicy {
        out.push_str(
            "<p><strong class=\"key\">不满十四周岁的儿童须在监护人同意本政策及《儿童个人信息保护规则》后方可使用本服务；\
             十四至十八周岁的未成年人注册和交易须经监护人同意。监护人以本人手机号码接收验证码完成验证。</strong></p>",
        );
    }
    out.push_str("<h2>我们处理的个人信息、目的与法律依据</h2><table><tr><th>目的</th><th>法律依据</th><th>个人信息</th></tr>");
    for p in PURPOSES {
        let cats: Vec<&str> = p.categories.iter().map(|c| c.spec().name_zh).collect();
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(p.name_zh),
            basis_zh(p.basis),
            esc(&cats.join("、"))
        );
    }
    out.push_str("</table><h2>敏感个人信息与保存期限</h2><table><tr><th>个人信息</th><th>敏感</th><th>保存期限</th></tr>");
    for c in CATEGORIES {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(c.name_zh),
            if c.sensitivity == Sensitivity::Sensitive {
                "<strong class=\"key\">是</strong>"
            } else {
                "否"
            },
            esc(&match c.retention {
                Retention::Days(_) => c
                    .retention
                    .describe_zh()
                    .replace("180", &config.usage_retention_days.to_string(),),
                _ => c.retention.describe_zh(),
            })
        );
    }
    // PIPL Art. 30: the sensitive information the service cannot do without,
    // with its necessity and impact, and where the separate tick is asked.
    out.push_str(
        "</table><h2>必要的敏感个人信息</h2><p>以下敏感个人信息是提供服务所必需的；我们在收集时以显著方式提示，并请您单独勾选同意：</p>\
         <table><tr><th>个人信息</th><th>必要性</th><th>对您的影响</th><th>何时征得同意</th></tr>",
    );
    for n in NECESSITY {
        let _ = write!(
            out,
            "<tr><td><strong class=\"key\">{}</strong></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(n.category.spec().name_zh),
            esc(n.why_zh),
            esc(n.impact_zh),
            esc(n.collected_at_zh)
        );
    }
    let _ = write!(
        out,
        "</table><p><strong class=\"key\">人脸、人像、设备标识符、金币等敏感个人信息，我们仅在您使用相应功能时单独征得您的同意后处理；\
         您可随时在隐私中心撤回，撤回后的效果如下：</strong></p>\
         <ul><li><strong class=\"key\">人脸与人像：</strong>人像抠图、自动识别人像、换脸、人像贴纸与表情包均需此同意；\
         未同意时，“自动”抠图只使用通用模型，不做人脸检测，照片也不会发送给第三方图像处理方。\
         我们不保存人脸关键点或人脸图像，它们只在处理您的请求时存在于内存中。\
         撤回后，排队中和进行中的上述任务立即取消，不保存结果；您已保存在图库中的作品不会自动删除，您可随时自行删除。</li>\
         <li><strong class=\"key\">设备标识符：</strong>撤回后删除已记录的设备标识符。</li>\
         <li><strong class=\"key\">精确位置：</strong>我们不收集；上传照片中的位置信息一律在保存前删除。</li>\
         <li><strong class=\"key\">金币及收支记录（财产信息）：</strong>金币是可选功能，首次签到时单独征得您的同意；\
         余额与每笔记录均以您的数据密钥加密保存。撤回后不再记录，已有的金币记录和余额立即删除（余额清零）。</li>\
         <li><strong class=\"key\">营销短信：</strong>手机号码仅在您单独同意营销信息后用于营销，可随时退订。</li></ul>\
         <h2>存储地点</h2><p>您的个人信息存储于{}，不向境外传输；每个接收方及其所在地区见《第三方SDK说明》。\
         如您在浏览器中开启推送通知，通知经由您的浏览器厂商的推送服务送达，该服务可能位于境外；通知内容端到端加密，该服务无法读取。</p>\
         <h2>您的权利</h2><p>您可以查阅、复制（导出）、更正、删除个人信息，撤回同意，注销账号；\
         <strong class=\"key\">请求在身份验证后15个工作日内处理，注销在1个工作日内完成，注销后3个月内删除或匿名化您的个人信息。</strong></p>\
         <p>个性化推荐与广告可随时关闭。营销信息均附退订方式。</p>",
        esc(&config.region)
    );
    contact_section(out, config);
}

/// R-7, MIN-5: §18 联系方式, from `[contact]`; example values say so.
fn contact_section(out: &mut String, config: &Config) {
    let c = &config.contact;
    let mark = if c.is_example() {
        crate::contact::EXAMPLE_MARK
    } else {
        ""
    };
    let _ = write!(
        out,
        "<h2 id=\"contact\">联系方式</h2><p>如您对本政策或个人信息处理有任何疑问、意见或投诉，或发现您的个人信息受到侵害，\
         请通过以下方式联系我们。{mark}</p><ul>\
         <li>运营者：{}</li><li>客服邮箱：{}</li><li>未成年人投诉举报邮箱：{}</li>\
         <li>文件收寄地址：{}</li><li>个人信息保护负责人：{}（{}）</li>{}</ul>\
         <p><strong class=\"key\">无需登录即可在应用的“联系我们”页面提交投诉；监护人可就儿童的个人信息投诉，无需使用儿童的账号。\
         我们在收到后15个工作日内答复。</strong></p>",
        esc(&c.operator),
        esc(&c.email),
        esc(&c.minors_email),
        esc(&c.address),
        esc(&c.officer),
        esc(&c.officer_email),
        c.phone
            .as_deref()
            .map(|p| format!("<li>电话：{}</li>", esc(p)))
            .unwrap_or_default(),
    );
}

/// Whether the operator turned the processor on (DATA-4, IMG-5).
pub fn processor_enabled(p: &xuancai_domain::privacy::Processor, config: &Config) -> bool {
    p.enabled_by_default
        || config.studio.processor.as_ref().is_some_and(|c| c.key == p.key)
        || config.push_vendors.iter().any(|v| v.vendor.key() == p.key)
}

/// RET-1: a recipient's region as the register prints it.
fn region_zh(region: Option<&str>) -> String {
    match region {
        Some("cn") => "中国大陆".into(),
        Some("global") => "境外（各浏览器厂商的推送服务）".into(),
        Some(code) => format!(
            "{}（{}）",
            if code.starts_with("cn-") || code.starts_with("ap-") {
                "云服务地域"
            } else {
                "地域"
            },
            esc(code)
        ),
        None => "由运营方声明".into(),
    }
}

fn sdk_body(out: &mut String, config: &Config) {
    let recipients = crate::residency::recipients(config);
    let declared = |key: &str| recipients.iter().find(|r| r.key == key).map(|r| r.region.clone());
    out.push_str("<h2 id=\"storage\">存储地点</h2><table><tr><th>存储</th><th>所在地区</th></tr>");
    for r in recipients
        .iter()
        .filter(|r| r.key == "server" || r.key == "object_store")
    {
        let _ = write!(
            out,
            "<tr><td>{}</td><td data-region=\"{}\">{}</td></tr>",
            esc(&r.name),
            esc(r.region.as_deref().unwrap_or("")),
            region_zh(r.region.as_deref())
        );
    }
    out.push_str(
        "</table><h2>第三方</h2><table><tr><th>第三方</th><th>目的</th><th>个人信息</th><th>默认</th><th>所在地区</th><th>隐私政策</th></tr>",
    );
    for p in PROCESSORS {
        let cats: Vec<&str> = p.categories.iter().map(|c| c.spec().name_zh).collect();
        // An enabled recipient shows the region it was started with.
        let region = declared(p.key).unwrap_or_else(|| p.region.map(str::to_string));
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td data-region=\"{}\">{}</td><td>{}</td></tr>",
            esc(p.name),
            esc(p.purpose.spec().name_zh),
            esc(&cats.join("、")),
            if processor_enabled(p, config) {
                "启用"
            } else {
                "未启用（运营方配置后启用）"
            },
            esc(region.as_deref().unwrap_or("")),
            region_zh(region.as_deref()),
            esc(p.policy_url)
        );
    }
    out.push_str("</table>");
    match config
        .studio
        .processor
        .as_ref()
        .and_then(|c| xuancai_domain::privacy::processor(&c.key))
    {
        Some(p) => {
            let _ = write!(
                out,
                "<p><strong class=\"key\">抠图时您的照片将发送给{}处理；每次发送均有记录。</strong></p>",
                esc(p.name)
            );
        }
        None => out.push_str("<p>图片在本服务器本地处理，不发送给第三方。</p>"),
    }
}

fn agreement_body(out: &mut String) {
    out.push_str(
        "<p>本协议是您与炫彩之间关于使用相册管理、抠图换背景、换脸编辑、表情包制作及作品发布等服务的协议。</p>\
         <p><strong class=\"key\">换脸编辑须取得被编辑人物的同意；生成内容将按规定添加人工智能生成标识，不得删除或篡改。</strong></p>\
         <p>您发布的作品、评论与祝福将展示您的昵称与头像；您可以设置作品的可见范围并随时删除。</p>",
    );
}

fn children_rules_body(out: &mut String, config: &Config) {
    out.push_str(
        "<p>我们仅在监护人同意后收集和使用儿童个人信息，并仅限于提供服务所必需。</p>\
         <p><strong class=\"key\">儿童账号注销时，其个人信息将被删除而非仅匿名化。</strong></p>\
         <p>监护人或儿童可通过“联系我们”页面（无需登录）或下列联系方式反映儿童个人信息问题，我们在15个工作日内答复。</p>",
    );
    contact_section(out, config);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(kind: &str, version: &str, at: i64, material: bool) -> DocumentRecord {
        DocumentRecord {
            kind: kind.into(),
            version: version.into(),
            effective_at: at,
            material,
            summary: String::new(),
            published_at: at,
        }
    }

    #[test]
    fn con2_material_changes_need_agreement_again_once_in_force() {
        let docs = vec![
            doc("privacy_policy", "1", 10, true),
            doc("privacy_policy", "1.1", 20, false),
            doc("privacy_policy", "2", 30, true),
        ];
        let k = DocumentKind::PrivacyPolicy;
        assert_eq!(current(&docs, k, 25).map(|d| d.version.as_str()), Some("1.1"));
        assert!(
            agreement_covers(&docs, k, "1", 25),
            "a minor change keeps the agreement"
        );
        assert!(agreement_covers(&docs, k, "1", 29), "announced, not yet in force");
        assert!(!agreement_covers(&docs, k, "1", 30));
        assert!(agreement_covers(&docs, k, "2", 30));
        assert!(
            !agreement_covers(&docs, k, "9", 30),
            "an unknown version covers nothing"
        );
    }

    #[test]
    fn con5_the_policy_lists_every_purpose_category_and_processor() {
        let config = Config::default();
        let d = doc("privacy_policy", "1", 0, true);
        let html = render(DocumentKind::PrivacyPolicy, &d, &config);
        for p in PURPOSES {
            assert!(html.contains(p.name_zh), "{}", p.key);
        }
        for c in CATEGORIES {
            assert!(html.contains(&esc(c.name_zh)), "{}", c.key);
        }
        assert!(html.contains(&config.region), "RET-1");
        for n in NECESSITY {
            assert!(
                html.contains(&esc(n.why_zh)),
                "§11, PIPL Art. 30: {}",
                n.category.key()
            );
        }
        assert!(html.contains("class=\"key\""), "key clauses emphasised");
        let sdk = render(DocumentKind::SdkRegister, &d, &config);
        for p in PROCESSORS {
            assert!(sdk.contains(&esc(p.name)), "DATA-4: {}", p.key);
        }
    }

    #[test]
    fn img5_the_register_shows_a_configured_image_processor_as_enabled() {
        let d = doc("sdk_register", "1", 0, false);
        let local = Config::default();
        let sdk = render(DocumentKind::SdkRegister, &d, &local);
        assert!(sdk.contains("图片在本服务器本地处理"), "IMG-5: local by default");
        assert!(
            !PROCESSORS.iter().any(
                |p| p.purpose == xuancai_domain::privacy::Purpose::Studio && processor_enabled(p, &local)
            )
        );
        let mut on = Config::default();
        on.studio.processor = Some(crate::config::ProcessorConfig {
            key: "baidu_image".into(),
            url: "https://gateway.example/cutout".into(),
            token: None,
        });
        let sdk = render(DocumentKind::SdkRegister, &d, &on);
        let baidu = xuancai_domain::privacy::processor("baidu_image").map(|p| processor_enabled(p, &on));
        assert_eq!(baidu, Some(true), "DATA-4: the configured processor is enabled");
        assert!(
            sdk.contains("抠图时您的照片将发送给百度 图像处理 API处理"),
            "{sdk}"
        );
    }
}
