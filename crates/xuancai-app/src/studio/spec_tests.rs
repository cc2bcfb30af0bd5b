//! Tests of `spec`: job requests parsed into jobs, and the refusals made
//! before a job is queued (issue 22 item 8).

use super::*;

fn parse(json: &str) -> Result<Job, AppError> {
    let r: JobRequest = serde_json::from_str(json).map_err(|e| invalid(e.to_string()))?;
    r.parse()
}

#[test]
fn requests_parse_into_jobs() {
    let p = PhotoId::generate();
    let j = parse(&format!(
        r##"{{"kind":"cutout","photo":"{p}","background":{{"color":"#ff0000"}},"crop":true}}"##
    ));
    assert!(
        matches!(
            j,
            Ok(Job::Cutout {
                background: BackgroundChoice::Color([255, 0, 0, 255]),
                crop: true,
                ..
            })
        ),
        "{j:?}"
    );
    let j = parse(&format!(
        r#"{{"kind":"sticker","photo":"{p}","template":"meme","caption":"好","animate":"shake"}}"#
    ));
    assert!(
        matches!(
            j,
            Ok(Job::Sticker {
                platform: Platform::WhatsApp,
                ..
            })
        ),
        "{j:?}"
    );
    // A still Telegram sticker, and a symbol the font draws, are fine.
    let j = parse(&format!(
        r#"{{"kind":"sticker","photo":"{p}","platform":"telegram","caption":"★好"}}"#
    ));
    assert!(
        matches!(
            j,
            Ok(Job::Sticker {
                platform: Platform::Telegram,
                ..
            })
        ),
        "{j:?}"
    );
    // Issue 22 item 9a: Telegram takes moving stickers now, as WebM video.
    let j = parse(&format!(
        r#"{{"kind":"sticker","photo":"{p}","platform":"telegram","animate":"shake"}}"#
    ));
    assert!(
        matches!(
            &j,
            Ok(Job::Sticker {
                platform: Platform::Telegram,
                template,
                ..
            }) if template.animation.is_some()
        ),
        "{j:?}"
    );
    let j = parse(&format!(
        r#"{{"kind":"face_swap","source":"{p}","target":"{p}","subject_consent":true,"target_face":2}}"#
    ));
    assert!(
        matches!(
            j,
            Ok(Job::FaceSwap {
                source_face: 0,
                faces: TargetFaces::Index(2),
                ..
            })
        ),
        "{j:?}"
    );
    let j = parse(&format!(
        r#"{{"kind":"pack","photos":["{p}","{p}"],"name":" 我的表情 ","platform":"telegram"}}"#
    ));
    match j {
        Ok(Job::Pack {
            photos,
            platform,
            name,
            publisher,
            looks,
            ..
        }) => {
            assert_eq!(
                (photos.len(), platform, name.as_str(), publisher.as_str()),
                (2, Platform::Telegram, "我的表情", "炫彩")
            );
            assert_eq!(looks.len(), 2);
            assert!(looks.iter().all(|l| l.emojis == ["🙂"]));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn bad_requests_are_refused_with_a_code() {
    let p = PhotoId::generate();
    for (json, code) in [
        (r#"{"kind":"cutout","photo":"nope"}"#.to_string(), "invalid_job"),
        (
            format!(r#"{{"kind":"cutout","photo":"{p}","background":{{"blur":-1}}}}"#),
            "invalid_job",
        ),
        (
            format!(r#"{{"kind":"cutout","photo":"{p}","model":"huge"}}"#),
            "invalid_job",
        ),
        (
            format!(r#"{{"kind":"sticker","photo":"{p}","platform":"myspace"}}"#),
            "invalid_job",
        ),
        (
            format!(r#"{{"kind":"sticker","photo":"{p}","template":"nope"}}"#),
            "template_unknown",
        ),
        (
            format!(
                r#"{{"kind":"sticker","photo":"{p}","caption":"{}"}}"#,
                "长".repeat(121)
            ),
            "caption_too_long",
        ),
        (
            format!(r#"{{"kind":"sticker","photo":"{p}","texts":{{"nope":"x"}}}}"#),
            "invalid_job",
        ),
        // Issue 22 item 8: checked before the job runs.
        (
            format!(r#"{{"kind":"sticker","photo":"{p}","caption":"好耶😀"}}"#),
            "caption_emoji_unsupported",
        ),
        (
            format!(r#"{{"kind":"sticker","photo":"{p}","caption":"赞👍🏻"}}"#),
            "caption_emoji_unsupported",
        ),
        (
            format!(r#"{{"kind":"cutout","photo":"{p}","extra":1}}"#),
            "invalid_job",
        ),
        (format!(r#"{{"kind":"paint","photo":"{p}"}}"#), "invalid_job"),
        (
            format!(r#"{{"kind":"face_swap","source":"{p}","target":"{p}"}}"#),
            "subject_consent_required",
        ),
        (
            format!(
                r#"{{"kind":"face_swap","source":"{p}","target":"{p}","subject_consent":true,"all":true,"target_face":1}}"#
            ),
            "invalid_job",
        ),
        (
            r#"{"kind":"pack","photos":[],"name":"x"}"#.to_string(),
            "invalid_job",
        ),
        (
            format!(
                r#"{{"kind":"pack","photos":[{}],"name":"x"}}"#,
                vec![format!("\"{p}\""); 31].join(",")
            ),
            "invalid_job",
        ),
        (
            format!(r#"{{"kind":"pack","photos":["{p}"],"platform":"telegram","name":"  "}}"#),
            "invalid_job",
        ),
        (
            format!(
                r#"{{"kind":"pack","photos":["{p}"],"platform":"signal","name":"x","emojis":["a","b","c","d"]}}"#
            ),
            "invalid_job",
        ),
        (
            format!(
                r#"{{"kind":"pack","photos":["{p}"],"platform":"telegram","name":"x","template":"nope"}}"#
            ),
            "template_unknown",
        ),
    ] {
        let e = parse(&json).expect_err(&json);
        assert_eq!(e.code(), code, "{json}: {e}");
    }
}
