//! Packs and templates (IMG-4): WhatsApp's contents.json layout, the other
//! platforms' folders, ZIP round trips, pack rules, deterministic templates.

use std::collections::BTreeMap;

use xuancai_stickers::pack::{self, Item, PackMeta};
use xuancai_stickers::preset::{self, Platform};
use xuancai_stickers::template::{self, Template};
use xuancai_stickers::{Animation, render};
use xuancai_vision::ModelChoice;

fn items(platform: Platform, n: usize) -> (Vec<Item>, Option<Vec<u8>>) {
    let maker = crate::common::maker();
    let bytes = crate::common::testdata("astronaut.png");
    let photo = maker.decode(&bytes).expect("decode");
    let (cut, _) = maker.cut(&photo, ModelChoice::Portrait).expect("cut");
    let mut out = Vec::new();
    let mut tray = None;
    for i in 0..n {
        let t = template::sticker(
            8.0,
            false,
            Some(template::CaptionAt::Bottom),
            Default::default(),
            None,
        );
        let texts: BTreeMap<String, String> = [("caption".to_string(), format!("第{}张", i + 1))].into();
        let frames = render::render(
            &t,
            crate::common::font(),
            platform.rules().side,
            render::Inputs {
                photo: &photo,
                cutout: Some(&cut),
                texts: &texts,
            },
        )
        .expect("render");
        if tray.is_none() {
            tray = preset::tray_icon(&frames.frames[0].image, platform).expect("tray");
        }
        let export = preset::export(frames, platform).expect("export");
        out.push(Item {
            export,
            emojis: vec!["😀".into()],
            accessibility_text: format!("sticker {i}"),
        });
    }
    (out, tray)
}

fn meta() -> PackMeta {
    PackMeta {
        identifier: "xuancai_test".into(),
        name: "炫彩测试".into(),
        publisher: "Xuancai".into(),
    }
}

#[test]
fn img4_whatsapp_pack_has_the_sample_apps_layout_and_passes() {
    let (its, tray) = items(Platform::WhatsApp, 3);
    let files = pack::build(Platform::WhatsApp, &meta(), &its, tray).expect("build");
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "contents.json",
            "xuancai_test/01.webp",
            "xuancai_test/02.webp",
            "xuancai_test/03.webp",
            "xuancai_test/tray.png"
        ]
    );
    let contents: serde_json::Value = serde_json::from_slice(&files["contents.json"]).expect("json");
    let p = &contents["sticker_packs"][0];
    assert_eq!(p["identifier"], "xuancai_test");
    assert_eq!(p["tray_image_file"], "tray.png");
    assert_eq!(p["animated_sticker_pack"], false);
    assert_eq!(p["stickers"][0]["image_file"], "01.webp");
    assert_eq!(p["stickers"][0]["emojis"][0], "😀");
    assert!(pack::validate(&files, Platform::WhatsApp).is_empty());

    // The same through a ZIP.
    let zip = pack::write_zip(&files).expect("zip");
    let back = pack::read_zip(&zip).expect("read");
    assert_eq!(back, files);

    // Two stickers are too few; a missing emoji and a missing file are named.
    let mut broken = files.clone();
    broken.remove("xuancai_test/03.webp");
    let mut c: serde_json::Value = serde_json::from_slice(&files["contents.json"]).expect("json");
    c["sticker_packs"][0]["stickers"][1]["emojis"] = serde_json::json!([]);
    broken.insert("contents.json".into(), serde_json::to_vec(&c).expect("json"));
    let rules: Vec<&str> = pack::validate(&broken, Platform::WhatsApp)
        .iter()
        .map(|v| v.rule)
        .collect();
    assert!(
        rules.contains(&"missing_file") && rules.contains(&"emojis"),
        "{rules:?}"
    );
    let (two, tray) = items(Platform::WhatsApp, 2);
    let small = pack::build(Platform::WhatsApp, &meta(), &two, tray).expect("build");
    let rules: Vec<&str> = pack::validate(&small, Platform::WhatsApp)
        .iter()
        .map(|v| v.rule)
        .collect();
    assert_eq!(rules, ["pack_size"]);
}

#[test]
fn img4_wechat_and_telegram_packs_pass_their_rules() {
    let (its, _) = items(Platform::WeChat, 2);
    let files = pack::build(Platform::WeChat, &meta(), &its, None).expect("build");
    assert!(
        files.contains_key("01.gif") && files.contains_key("01.thumb.png") && files.contains_key("pack.json")
    );
    assert!(
        pack::validate(&files, Platform::WeChat).is_empty(),
        "{:?}",
        pack::validate(&files, Platform::WeChat)
    );
    let mut no_thumb = files.clone();
    no_thumb.remove("02.thumb.png");
    let rules: Vec<&str> = pack::validate(&no_thumb, Platform::WeChat)
        .iter()
        .map(|v| v.rule)
        .collect();
    assert_eq!(rules, ["missing_file"]);

    let (its, _) = items(Platform::Telegram, 1);
    let files = pack::build(Platform::Telegram, &meta(), &its, None).expect("build");
    assert!(pack::validate(&files, Platform::Telegram).is_empty());
}

#[test]
fn img4_hostile_zips_are_refused() {
    let mut files = pack::Files::new();
    files.insert("../evil.webp".into(), vec![1, 2, 3]);
    let zip = pack::write_zip(&files).expect("zip");
    let e = pack::read_zip(&zip).expect_err("unsafe name");
    assert_eq!(e.code(), "pack_invalid");
    assert_eq!(
        pack::read_zip(b"PK\x03\x04garbage").expect_err("garbage").code(),
        "pack_invalid"
    );
}

#[test]
fn img4_builtin_templates_render_deterministically() {
    let maker = crate::common::maker();
    let bytes = crate::common::testdata("faceapi-sample2.jpg");
    let photo = maker.decode(&bytes).expect("decode");
    let (cut, _) = maker.cut(&photo, ModelChoice::Portrait).expect("cut");
    let texts: BTreeMap<String, String> = [
        ("top".to_string(), "当你终于".to_string()),
        ("bottom".to_string(), "下班了".to_string()),
    ]
    .into();
    for name in template::builtin_names() {
        let t = template::builtin(name).expect("builtin");
        let run = || {
            render::render(
                &t,
                crate::common::font(),
                512,
                render::Inputs {
                    photo: &photo,
                    cutout: Some(&cut),
                    texts: &texts,
                },
            )
            .expect(name)
        };
        let (a, b): (Animation, Animation) = (run(), run());
        assert_eq!(a, b, "{name} renders the same twice");
        crate::common::assert_golden(&format!("template-{name}"), &a.frames[0].image, 2.5);
        for platform in Platform::ALL {
            if platform == Platform::Telegram && a.is_animated() {
                continue;
            }
            let out = preset::export(a.clone(), platform).expect("export");
            assert!(
                preset::validate_sticker(&out.sticker.bytes, platform, name).is_empty(),
                "{name} {platform:?}"
            );
        }
    }
    // A template from JSON, as users write them.
    let t = Template::from_json(
        r##"{"name":"mine","size":256,"layers":[{"kind":"shape","shape":"heart","box":[8,8,240,220],"color":"#ff4d6d"},
            {"kind":"text","slot":"t","box":[16,80,224,96],"default":"爱你"}]}"##,
    )
    .expect("parse");
    let a = render::render(
        &t,
        crate::common::font(),
        512,
        render::Inputs {
            photo: &photo,
            cutout: None,
            texts: &BTreeMap::new(),
        },
    )
    .expect("render");
    assert_eq!(a.dimensions(), (512, 512));
    // A cut-out template without a cut-out is a typed error.
    let e = render::render(
        &template::builtin("reaction").expect("r"),
        crate::common::font(),
        512,
        render::Inputs {
            photo: &photo,
            cutout: None,
            texts: &BTreeMap::new(),
        },
    )
    .expect_err("needs cutout");
    assert_eq!(e.code(), "template_invalid");
}
