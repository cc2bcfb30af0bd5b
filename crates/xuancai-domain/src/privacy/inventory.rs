//! The privacy inventory: the one declarative list of what the product
//! processes, why, on which legal basis and for how long (CON-5, DATA-4,
//! RET-1, RET-2). The public documents are rendered from it and the request
//! handlers consult it, so the policy and the code cannot drift apart.

use super::necessity::{NECESSITY, Necessity};
use crate::DomainError;

/// Why personal information is processed (§4.4), each with its legal basis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Purpose {
    /// Registration, sign-in, security of the account (§4.4.1; contract).
    Account,
    /// Album management and image processing of the user's own photos (§4.3.3; contract).
    Studio,
    /// Face detection and face swap on the user's photos (§4.1, §11; separate consent — CON-3).
    Faces,
    /// Precise location (§11; separate consent — CON-3).
    Location,
    /// Device identifiers such as IMEI/OAID/Android ID (§4.3.2; separate consent — CON-3, DATA-2).
    DeviceIdentifiers,
    /// Usage logs and crash reports to improve the service (§4.3.1; consent — DATA-1).
    Analytics,
    /// Push notifications through vendor channels and Web Push (§4.3.6; consent — DATA-5).
    Push,
    /// Personalised recommendations and ads (§4.4.3, §12; consent, switchable — CON-6, ADS-1).
    Personalisation,
    /// Marketing messages (§13; consent, each with an unsubscribe — ADS-2).
    Marketing,
    /// Saving and publishing works, comments and blessings (§4.3.4; contract — DATA-3).
    Works,
    /// Transactions: coins and rewards (§6.4, §11; separate consent — ACC-8).
    Coins,
}

/// The legal basis of a purpose (PIPL Art. 13; the policy's §4.2 lists the
/// cases that need no consent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegalBasis {
    /// Consent to the Privacy Policy at sign-up is enough.
    Consent,
    /// A separate, explicit consent asked at the moment of use (sensitive data, CON-3).
    SeparateConsent,
    /// Necessary to conclude or perform the contract the user is party to (§4.2).
    Contract,
}

impl LegalBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Consent => "consent",
            Self::SeparateConsent => "separate_consent",
            Self::Contract => "contract",
        }
    }
}

/// How sensitive a category is (PIPL Art. 28; the policy's §11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sensitivity {
    Personal,
    Sensitive,
}

/// How long a category is kept (RET-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    /// While the account exists; deleted within 3 calendar months of cancellation.
    Account,
    /// This many days after collection, then deleted.
    Days(u32),
    /// As long as the consent it depends on stands; deleted when it is withdrawn.
    WhileConsented,
    /// Never stored: it exists only in memory while a request is processed
    /// (face landmarks and crops, CON-3).
    NotStored,
}

impl Retention {
    pub fn describe_zh(self) -> String {
        match self {
            Self::Account => "账号存续期间；注销后3个月内删除或匿名化".into(),
            Self::Days(d) => format!("收集后{d}天"),
            Self::WhileConsented => "同意存续期间；撤回同意即删除".into(),
            Self::NotStored => "不保存：仅在处理您的请求时存在于内存中".into(),
        }
    }
}

/// Calendar months within which a cancelled account's data is deleted
/// (RET-2: "within 3 months"; see [`crate::Date::plus_months`]).
pub const CANCELLED_ACCOUNT_RETENTION_MONTHS: u32 = 3;

/// MIN-2: days an account declared under 18 may wait for its guardian
/// before it is erased (a child's or minor's data is not kept without the
/// guardian's consent).
pub const GUARDIAN_WAIT_DAYS: u32 = 7;

/// What kind of personal information.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    Phone,
    Nickname,
    Avatar,
    BirthDate,
    PasswordHash,
    Photos,
    FaceData,
    PreciseLocation,
    DeviceInfo,
    DeviceIdentifiers,
    UsageLogs,
    IpAddress,
    PushToken,
    Works,
    CoinLedger,
    ConsentRecords,
    RightsRequests,
    GuardianPhone,
    StudioJobs,
    Messages,
    TemplateUse,
    Sessions,
}

/// One row of the inventory for a category.
#[derive(Debug, Clone, Copy)]
pub struct CategorySpec {
    pub category: Category,
    pub key: &'static str,
    pub name_zh: &'static str,
    pub sensitivity: Sensitivity,
    pub retention: Retention,
}

const fn cat(
    category: Category,
    key: &'static str,
    name_zh: &'static str,
    sensitivity: Sensitivity,
    retention: Retention,
) -> CategorySpec {
    CategorySpec {
        category,
        key,
        name_zh,
        sensitivity,
        retention,
    }
}

use Retention as R;
use Sensitivity::{Personal as P, Sensitive as S};

/// Every category, with its sensitivity and retention.
pub const CATEGORIES: &[CategorySpec] = &[
    cat(Category::Phone, "phone", "手机号码", S, R::Account),
    cat(Category::Nickname, "nickname", "昵称", P, R::Account),
    cat(Category::Avatar, "avatar", "头像", P, R::Account),
    cat(Category::BirthDate, "birth_date", "出生日期", P, R::Account),
    cat(
        Category::PasswordHash,
        "password_hash",
        "密码（不可逆散列）",
        P,
        R::Account,
    ),
    cat(Category::Photos, "photos", "照片及相册", P, R::Account),
    cat(
        Category::FaceData,
        "face_data",
        "人脸信息（关键点、人脸图像）",
        S,
        R::NotStored,
    ),
    cat(
        Category::PreciseLocation,
        "precise_location",
        "精确位置",
        S,
        R::WhileConsented,
    ),
    cat(
        Category::DeviceInfo,
        "device_info",
        "设备属性（品牌、型号、系统版本）",
        P,
        R::Days(180),
    ),
    cat(
        Category::DeviceIdentifiers,
        "device_identifiers",
        "设备标识符（IMEI、OAID、Android ID等）",
        S,
        R::WhileConsented,
    ),
    cat(
        Category::UsageLogs,
        "usage_logs",
        "使用日志（打开时间、时长、页面、崩溃）",
        P,
        R::Days(180),
    ),
    cat(
        Category::IpAddress,
        "ip_address",
        "IP地址（截断存储）",
        P,
        R::Days(180),
    ),
    cat(
        Category::PushToken,
        "push_token",
        "推送标识",
        P,
        R::WhileConsented,
    ),
    cat(Category::Works, "works", "作品、评论、祝福", P, R::Account),
    cat(
        Category::CoinLedger,
        "coin_ledger",
        "金币余额及收支记录（财产信息）",
        S,
        R::WhileConsented,
    ),
    cat(
        Category::ConsentRecords,
        "consent_records",
        "同意记录",
        P,
        R::Account,
    ),
    cat(
        Category::RightsRequests,
        "rights_requests",
        "个人信息权利请求记录",
        P,
        R::Account,
    ),
    cat(
        Category::GuardianPhone,
        "guardian_phone",
        "监护人手机号码",
        S,
        R::Account,
    ),
    cat(
        Category::StudioJobs,
        "studio_jobs",
        "编辑任务（请求参数、结果、生成的表情包）",
        P,
        R::Account,
    ),
    cat(Category::Messages, "messages", "站内消息", P, R::Account),
    cat(
        Category::TemplateUse,
        "template_use",
        "模板使用记录",
        P,
        R::WhileConsented,
    ),
    cat(
        Category::Sessions,
        "sessions",
        "登录会话（创建与到期时间）",
        P,
        R::Account,
    ),
];

/// One purpose of the inventory.
#[derive(Debug, Clone, Copy)]
pub struct PurposeSpec {
    pub purpose: Purpose,
    pub key: &'static str,
    pub name_zh: &'static str,
    pub basis: LegalBasis,
    pub categories: &'static [Category],
    /// Whether the user can switch it off and keep using the service.
    pub optional: bool,
    /// Where the policy describes it.
    pub policy_section: &'static str,
}

use Category as C;

/// Every purpose (CON-5).
pub const PURPOSES: &[PurposeSpec] = &[
    PurposeSpec {
        purpose: Purpose::Account,
        key: "account",
        name_zh: "注册、登录与账号安全",
        basis: LegalBasis::Contract,
        categories: &[
            C::Phone,
            C::PasswordHash,
            C::IpAddress,
            C::ConsentRecords,
            C::RightsRequests,
            C::GuardianPhone,
            C::BirthDate,
            C::Sessions,
            C::Messages,
        ],
        optional: false,
        policy_section: "§4.3.1, §8.3.1",
    },
    PurposeSpec {
        purpose: Purpose::Studio,
        key: "studio",
        name_zh: "相册管理与图片处理（抠图、换背景、表情包）",
        basis: LegalBasis::Contract,
        categories: &[C::Photos, C::StudioJobs],
        optional: false,
        policy_section: "§4.3.3",
    },
    PurposeSpec {
        purpose: Purpose::Faces,
        key: "faces",
        name_zh: "人脸识别与换脸编辑",
        basis: LegalBasis::SeparateConsent,
        categories: &[C::FaceData],
        optional: true,
        policy_section: "§4.1, §11",
    },
    PurposeSpec {
        purpose: Purpose::Location,
        key: "location",
        name_zh: "精确位置",
        basis: LegalBasis::SeparateConsent,
        categories: &[C::PreciseLocation],
        optional: true,
        policy_section: "§11",
    },
    PurposeSpec {
        purpose: Purpose::DeviceIdentifiers,
        key: "device_identifiers",
        name_zh: "设备标识符",
        basis: LegalBasis::SeparateConsent,
        categories: &[C::DeviceIdentifiers],
        optional: true,
        policy_section: "§4.3.2, §11",
    },
    PurposeSpec {
        purpose: Purpose::Analytics,
        key: "analytics",
        name_zh: "使用统计与崩溃分析",
        basis: LegalBasis::Consent,
        categories: &[C::UsageLogs, C::DeviceInfo, C::IpAddress],
        optional: true,
        policy_section: "§4.3.1, §5.5",
    },
    PurposeSpec {
        purpose: Purpose::Push,
        key: "push",
        name_zh: "消息推送",
        basis: LegalBasis::Consent,
        categories: &[C::PushToken, C::DeviceInfo],
        optional: true,
        policy_section: "§4.3.6",
    },
    PurposeSpec {
        purpose: Purpose::Personalisation,
        key: "personalisation",
        name_zh: "个性化推荐与广告",
        basis: LegalBasis::Consent,
        categories: &[C::UsageLogs, C::TemplateUse],
        optional: true,
        policy_section: "§4.4.3, §12",
    },
    PurposeSpec {
        purpose: Purpose::Marketing,
        key: "marketing",
        name_zh: "营销信息",
        // The phone number is sensitive (§11): marketing to it needs its own consent.
        basis: LegalBasis::SeparateConsent,
        categories: &[C::Phone, C::PushToken, C::Messages],
        optional: true,
        policy_section: "§13",
    },
    PurposeSpec {
        purpose: Purpose::Works,
        key: "works",
        name_zh: "保存与发布作品、评论、祝福",
        basis: LegalBasis::Contract,
        categories: &[C::Works, C::Nickname, C::Avatar],
        optional: false,
        policy_section: "§4.3.4",
    },
    PurposeSpec {
        purpose: Purpose::Coins,
        key: "coins",
        name_zh: "金币与奖励",
        // §11: coins are property information, and the studio works without
        // them, so they are an option with its own consent, asked at the
        // first check-in; withdrawing it erases the ledger and the balance.
        basis: LegalBasis::SeparateConsent,
        categories: &[C::CoinLedger],
        optional: true,
        policy_section: "§6.4",
    },
];

impl Purpose {
    /// Parse the stable key (`faces`, `analytics`, …).
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        PURPOSES
            .iter()
            .find(|p| p.key == s)
            .map(|p| p.purpose)
            .ok_or(DomainError::InvalidPurpose)
    }

    pub fn spec(self) -> &'static PurposeSpec {
        // Every variant has exactly one row (tested).
        PURPOSES
            .iter()
            .find(|p| p.purpose == self)
            .unwrap_or(&PURPOSES[0])
    }

    pub fn key(self) -> &'static str {
        self.spec().key
    }

    /// Whether processing for this purpose needs a consent beyond the
    /// Privacy Policy's (CON-3, CON-6): the ones a user can switch.
    pub fn needs_own_consent(self) -> bool {
        self.spec().optional
    }

    pub fn all() -> impl Iterator<Item = Purpose> {
        PURPOSES.iter().map(|p| p.purpose)
    }
}

impl Category {
    /// The necessity statement of a sensitive category a required purpose
    /// processes (PIPL Art. 30).
    pub fn necessity(self) -> Option<&'static Necessity> {
        NECESSITY.iter().find(|n| n.category == self)
    }

    /// The consent-ledger topic of the separate tick for this sensitive
    /// category at the moment it is collected (§11: "勾选“√”"), e.g.
    /// `sensitive:phone`.
    pub fn separate_consent_topic(self) -> String {
        format!("sensitive:{}", self.key())
    }

    pub fn spec(self) -> &'static CategorySpec {
        CATEGORIES
            .iter()
            .find(|c| c.category == self)
            .unwrap_or(&CATEGORIES[0])
    }

    pub fn key(self) -> &'static str {
        self.spec().key
    }

    /// The purposes that may process this category.
    pub fn purposes(self) -> impl Iterator<Item = &'static PurposeSpec> {
        PURPOSES.iter().filter(move |p| p.categories.contains(&self))
    }
}

/// A third party that receives personal information (DATA-4, IMG-5, DATA-6).
#[derive(Debug, Clone, Copy)]
pub struct Processor {
    pub key: &'static str,
    pub name: &'static str,
    pub purpose: Purpose,
    pub categories: &'static [Category],
    pub policy_url: &'static str,
    /// Off unless the operator configures it.
    pub enabled_by_default: bool,
    /// Where it receives the data (RET-1): a region code (`cn` for the
    /// mainland), `global` for services spread over the world, or `None`
    /// when the operator chooses the provider and declares its region.
    pub region: Option<&'static str>,
}

/// The register of third-party SDKs and processors (第三方SDK说明, DATA-4).
pub const PROCESSORS: &[Processor] = &[
    Processor {
        key: "sms_gateway",
        name: "短信网关（运营方配置）",
        purpose: Purpose::Account,
        categories: &[C::Phone],
        policy_url: "由运营方在配置中提供",
        region: None,
        enabled_by_default: true,
    },
    Processor {
        key: "xiaomi_push",
        name: "小米推送 SDK",
        purpose: Purpose::Push,
        categories: &[C::PushToken, C::DeviceInfo],
        policy_url: "https://dev.mi.com/console/doc/detail?pId=1822",
        region: Some("cn"),
        enabled_by_default: false,
    },
    Processor {
        key: "meizu_push",
        name: "魅族推送 SDK",
        purpose: Purpose::Push,
        categories: &[C::PushToken, C::DeviceInfo],
        policy_url: "https://open.flyme.cn/docs?id=202",
        region: Some("cn"),
        enabled_by_default: false,
    },
    Processor {
        key: "huawei_push",
        name: "华为推送服务 SDK",
        purpose: Purpose::Push,
        categories: &[C::PushToken, C::DeviceInfo],
        policy_url: "https://developer.huawei.com/consumer/cn/doc/development/HMSCore-Guides/sdk-data-security-0000001050042177",
        region: Some("cn"),
        enabled_by_default: false,
    },
    Processor {
        key: "oppo_push",
        name: "OPPO 推送 SDK",
        purpose: Purpose::Push,
        categories: &[C::PushToken, C::DeviceInfo],
        policy_url: "https://open.oppomobile.com/new/developmentDoc/info?id=10288",
        region: Some("cn"),
        enabled_by_default: false,
    },
    Processor {
        key: "vivo_push",
        name: "vivo 推送 SDK",
        purpose: Purpose::Push,
        categories: &[C::PushToken, C::DeviceInfo],
        policy_url: "https://dev.vivo.com.cn/documentCenter/doc/366",
        region: Some("cn"),
        enabled_by_default: false,
    },
    Processor {
        key: "web_push",
        name: "Web Push（浏览器厂商推送服务）",
        purpose: Purpose::Push,
        categories: &[C::PushToken],
        policy_url: "https://www.rfc-editor.org/rfc/rfc8030",
        region: Some("global"),
        enabled_by_default: true,
    },
    Processor {
        key: "baidu_image",
        name: "百度 图像处理 API",
        purpose: Purpose::Studio,
        categories: &[C::Photos, C::IpAddress],
        policy_url: "https://ai.baidu.com/ai-doc/REFERENCE/Kkru0oh8l",
        region: Some("cn"),
        enabled_by_default: false,
    },
    Processor {
        key: "aliyun_image",
        name: "阿里云 视觉智能 API",
        purpose: Purpose::Studio,
        categories: &[C::Photos, C::IpAddress],
        policy_url: "https://terms.aliyun.com/legal-agreement/terms/suit_bu1_ali_cloud/suit_bu1_ali_cloud201902141711_54837.html",
        region: Some("cn"),
        enabled_by_default: false,
    },
    Processor {
        key: "tencent_image",
        name: "腾讯云 图像处理 API",
        purpose: Purpose::Studio,
        categories: &[C::Photos, C::IpAddress],
        policy_url: "https://cloud.tencent.com/document/product/301/11470",
        region: Some("cn"),
        enabled_by_default: false,
    },
    Processor {
        key: "custom_image",
        name: "运营方配置的第三方图像处理 API",
        purpose: Purpose::Studio,
        categories: &[C::Photos, C::IpAddress],
        policy_url: "由运营方在配置中提供",
        region: None,
        enabled_by_default: false,
    },
];

/// The register entry of `key`.
pub fn processor(key: &str) -> Option<&'static Processor> {
    PROCESSORS.iter().find(|p| p.key == key)
}

/// Where personal information is stored (RET-1).
pub const DEFAULT_REGION: &str = "中华人民共和国境内（mainland China）";

#[cfg(test)]
#[path = "inventory_tests.rs"]
mod tests;
