//! The inventory's own tests (CON-3, CON-5, DATA-4).
use super::*;

#[test]
fn con5_every_purpose_has_one_row_and_every_category_a_purpose() {
    for p in PURPOSES {
        assert_eq!(PURPOSES.iter().filter(|q| q.purpose == p.purpose).count(), 1);
        assert_eq!(Purpose::parse(p.key), Ok(p.purpose));
        assert!(!p.categories.is_empty(), "{} names no category", p.key);
    }
    for c in CATEGORIES {
        assert_eq!(CATEGORIES.iter().filter(|d| d.category == c.category).count(), 1);
        assert!(
            c.category.purposes().next().is_some(),
            "{} is collected for no purpose",
            c.key
        );
    }
    assert_eq!(Purpose::parse("telemetry"), Err(DomainError::InvalidPurpose));
}

/// CON-3, §11: a sensitive category is processed only with a separate
/// consent — its own switch where the purpose is optional; where the service
/// cannot do without it, a stated necessity and impact (PIPL Art. 30) and a
/// separate tick where it is collected.
#[test]
fn con3_sensitive_categories_need_a_separate_consent() {
    for c in CATEGORIES
        .iter()
        .filter(|c| c.sensitivity == Sensitivity::Sensitive)
    {
        for p in c.category.purposes() {
            if p.optional {
                assert_eq!(p.basis, LegalBasis::SeparateConsent, "{} for {}", c.key, p.key);
            } else {
                let n = c.category.necessity().unwrap_or_else(|| {
                    panic!("{} is needed for {} without a necessity statement", c.key, p.key)
                });
                assert!(!n.why_zh.is_empty() && !n.impact_zh.is_empty() && !n.collected_at_zh.is_empty());
            }
        }
    }
    for n in NECESSITY {
        assert_eq!(
            n.category.spec().sensitivity,
            Sensitivity::Sensitive,
            "{}",
            n.category.key()
        );
    }
}

/// §11: the policy names the phone number and property/transaction
/// information (coins) sensitive; so does the inventory.
#[test]
fn con3_the_policys_sensitive_categories_are_sensitive_in_the_inventory() {
    for c in [
        Category::Phone,
        Category::GuardianPhone,
        Category::CoinLedger,
        Category::FaceData,
    ] {
        assert_eq!(c.spec().sensitivity, Sensitivity::Sensitive, "{}", c.key());
    }
    assert_eq!(Category::Phone.separate_consent_topic(), "sensitive:phone");
    assert!(
        Purpose::Coins.needs_own_consent(),
        "coins are an option (§11, PIPL Art. 16)"
    );
}

#[test]
fn data4_every_processor_serves_a_declared_purpose_with_its_categories() {
    for proc_ in PROCESSORS {
        let spec = proc_.purpose.spec();
        for c in proc_.categories {
            assert!(
                spec.categories.contains(c) || *c == Category::IpAddress || *c == Category::DeviceInfo,
                "{} receives {} outside {}",
                proc_.key,
                c.key(),
                spec.key
            );
        }
    }
    // IMG-5: external image APIs are off unless configured.
    assert!(
        PROCESSORS
            .iter()
            .filter(|p| p.purpose == Purpose::Studio)
            .all(|p| !p.enabled_by_default)
    );
}
