//! PIPL Art. 30 (§11): the sensitive categories the service cannot do
//! without, with why they are needed and what that means for the person —
//! rendered in the policy and shown where each is collected.

use super::inventory::Category;

/// PIPL Art. 30 (§11): why a sensitive category that the service cannot do
/// without is necessary, and what processing it means for the person. Shown
/// at the moment it is collected, next to the separate tick that is asked
/// there (recorded in the consent ledger as [`Category::separate_consent_topic`]).
#[derive(Debug, Clone, Copy)]
pub struct Necessity {
    pub category: Category,
    pub why_zh: &'static str,
    pub impact_zh: &'static str,
    /// Where it is collected and the tick asked.
    pub collected_at_zh: &'static str,
}

/// The sensitive categories a required purpose processes (§11).
pub const NECESSITY: &[Necessity] = &[
    Necessity {
        category: Category::Phone,
        why_zh: "手机号码用于注册、登录（短信验证码）、核验您的身份（行使权利、注销）和账号安全；没有手机号码无法创建账号",
        impact_zh: "手机号码一旦泄露，可能导致骚扰、诈骗或账号被盗用；我们加密保存，仅用于上述目的，不用于营销（除非您另行单独同意营销短信）",
        collected_at_zh: "登录页：获取验证码前单独勾选同意",
    },
    Necessity {
        category: Category::GuardianPhone,
        why_zh: "未满14周岁（及未满18周岁需监护人同意）的账号必须取得监护人同意；监护人手机号码用于向监护人发送验证码并核验其同意",
        impact_zh: "监护人手机号码一旦泄露，可能导致骚扰或诈骗；我们加密保存，仅用于监护人验证与通知，不用于营销",
        collected_at_zh: "监护人验证：验证码发送至监护人本人，监护人核验后自行同意",
    },
];
