//! Children and minors (MIN-1..MIN-6).
//!
//! - The declared age only protects: once an account declared an age under
//!   18, the account holder cannot lower that protection by editing or
//!   clearing the birth date ([`set_own_birth_date`]); an operator corrects
//!   it after reviewing a correction request (R-2,
//!   [`correct_birth_date_after_review`]). Raising it is always allowed and
//!   locks the account until a guardian agrees.
//! - An account waiting for its guardian records since when; one whose
//!   guardian never agrees is erased after `guardian_wait_days`
//!   ([`erase_unconfirmed`]), and a cancelled child's account is erased at
//!   the next run of the jobs, not after the adults' months ([`erase_after`]).
//! - The guardian's page ([`send_page_code`], [`open_page`]): a guardian
//!   signs in with a code of its own purpose (it signs no one in to an
//!   account), sees the accounts they agreed for, withdraws their consent
//!   (the account is locked again) and files rights requests for the child
//!   (MIN-5).

use xuancai_domain::privacy::{AgeGroup, DocumentKind, RequestKind, RequestMove, RequestStatus};
use xuancai_domain::{BirthDate, PhoneNumber, UserId};
use xuancai_store::{AuditRecord, CancellationRequest, FieldValue, ProfileField, RequestRecord, Store};

use super::agreements;
use super::gate::age_group;
use super::requests::deadline;
use crate::App;
use crate::accounts::{CodeFor, check_code, send_code};
use crate::crypto::random;
use crate::error::AppError;
use xuancai_store::SealedColumn;

/// How long a guardian's page stays open after the code (30 minutes).
pub const PAGE_TTL_MS: i64 = 30 * 60 * 1000;

/// Store `birth` (encrypted with the user's key) and start or stop waiting
/// for a guardian accordingly. No rule is checked here.
async fn write_birth_date<S: Store>(
    state: &App<S>,
    user: &UserId,
    birth: Option<BirthDate>,
) -> Result<AgeGroup, AppError> {
    let key = state.data_key(user).await?;
    let value = birth.map(|b| {
        FieldValue::Bytes(key.seal(
            SealedColumn::UserBirthDate,
            user.as_bytes(),
            b.date().to_string().as_bytes(),
        ))
    });
    state
        .store
        .set_profile_field(user, ProfileField::BirthDate, value)
        .await?;
    let group = AgeGroup::of(birth, state.today());
    let since = group.needs_guardian().then(|| state.now());
    state.store.set_guardian_wait(user, since).await?;
    Ok(group)
}

/// The birth date given at sign-up (MIN-1): an account under 18 starts
/// waiting for its guardian.
pub async fn record_sign_up_birth_date<S: Store>(
    state: &App<S>,
    user: &UserId,
    birth: BirthDate,
) -> Result<(), AppError> {
    write_birth_date(state, user, Some(birth)).await.map(|_| ())
}

/// ACC-5 with MIN-2, MIN-3: the account holder sets or clears their birth
/// date. A change that would lower the protection of an account declared
/// under 18 is refused with `age_correction_needs_review`.
pub async fn set_own_birth_date<S: Store>(
    state: &App<S>,
    user: &UserId,
    birth: Option<BirthDate>,
) -> Result<(), AppError> {
    let from = age_group(state, user).await?;
    let to = AgeGroup::of(birth, state.today());
    if from.lowered_by(to) {
        return Err(AppError::Conflict {
            code: "age_correction_needs_review",
            message: format!(
                "this account was declared {}; a birth date that lowers the protection is \
                 corrected by us after review: file a correction request (R-2) with the right date",
                from.as_str()
            ),
        });
    }
    write_birth_date(state, user, birth).await.map(|_| ())
}

/// R-2 for the birth date: an operator, reviewing the correction request
/// `request` of `user`, sets the date (any direction). The request is done
/// and the change is audited.
pub async fn correct_birth_date_after_review<S: Store>(
    state: &App<S>,
    operator: &UserId,
    user: &UserId,
    request: &[u8; 16],
    birth: Option<BirthDate>,
) -> Result<AgeGroup, AppError> {
    let r = state
        .store
        .request(request)
        .await?
        .filter(|r| r.user == *user && r.kind == RequestKind::Correction)
        .ok_or(AppError::NotFound)?;
    let step = r.status.move_to(RequestStatus::Done)?;
    let group = write_birth_date(state, user, birth).await?;
    let now = state.now();
    state
        .store
        .move_request(request, step, Some("birth date corrected after review"), now)
        .await?;
    state
        .store
        .append_audit(&AuditRecord {
            id: random::<16>(),
            actor: *operator,
            subject: *user,
            action: format!("correct:birth_date:{}", group.as_str()),
            at: now,
        })
        .await?;
    Ok(group)
}

/// When a cancelled account is due for erasure: a child's at once (MIN-6),
/// anyone else's after the configured calendar months (RET-2).
pub async fn erase_after<S: Store>(state: &App<S>, user: &UserId) -> Result<i64, AppError> {
    if age_group(state, user).await? == AgeGroup::Child {
        return Ok(state.now());
    }
    Ok(retention_end(state, state.now()))
}

/// The start of the day `cancelled_retention_months` calendar months after `at`.
pub fn retention_end<S: Store>(state: &App<S>, at: i64) -> i64 {
    let offset = state.config.utc_offset_minutes;
    xuancai_domain::Date::from_unix_ms(at, offset)
        .plus_months(state.config.cancelled_retention_months)
        .start_ms(offset)
}

/// MIN-2: accounts declared under 18 whose guardian has not agreed within
/// `guardian_wait_days` are cancelled for erasure at once. One that has
/// grown up meanwhile stops waiting instead. Returns how many were cancelled.
pub async fn erase_unconfirmed<S: Store>(state: &App<S>, now: i64) -> Result<usize, AppError> {
    let cutoff = now - i64::from(state.config.guardian_wait_days) * 86_400_000;
    let mut cancelled = 0;
    for user in state.store.waiting_for_guardian_before(cutoff, 100).await? {
        if !age_group(state, &user).await?.needs_guardian() {
            state.store.set_guardian_wait(&user, None).await?;
            continue;
        }
        if state
            .store
            .cancel_account(&user, &random::<32>(), now, now, None)
            .await?
        {
            tracing::info!(%user, "no guardian agreed in time: account cancelled for erasure (MIN-2)");
            cancelled += 1;
        }
    }
    Ok(cancelled)
}

/// `POST /guardian/code`: a code to a number that is a guardian of at least
/// one account. Any other number gets the same answer and no SMS.
pub async fn send_page_code<S: Store>(state: &App<S>, phone: &PhoneNumber, ip: &str) -> Result<(), AppError> {
    let hmac = state.keys.lookup_hash(phone.as_e164());
    if state.store.wards_of(&hmac).await?.is_empty() {
        return Ok(());
    }
    send_code(state, phone, ip, CodeFor::GUARDIAN_PAGE).await
}

/// The guardian's page is open: a sealed token naming the guardian's number.
#[derive(Debug, Clone)]
pub struct PageToken {
    pub token: String,
    pub expires_at: i64,
}

/// Check the guardian's code and open the page.
pub async fn open_page<S: Store>(
    state: &App<S>,
    phone: &PhoneNumber,
    code: &str,
) -> Result<PageToken, AppError> {
    let hmac = state.keys.lookup_hash(phone.as_e164());
    check_code(state, &hmac, CodeFor::GUARDIAN_PAGE, code).await?;
    let expires_at = state.now() + PAGE_TTL_MS;
    Ok(PageToken {
        token: state.keys.seal_guardian_token(&hmac, expires_at),
        expires_at,
    })
}

/// A guardian whose page is open (the keyed hash of their number).
#[derive(Debug, Clone)]
pub struct Guardian {
    phone_hmac: Vec<u8>,
}

/// The guardian a page token names, while it is valid.
pub fn guardian<S: Store>(state: &App<S>, token: &str) -> Result<Guardian, AppError> {
    state
        .keys
        .open_guardian_token(token, state.now())
        .map(|phone_hmac| Guardian { phone_hmac })
        .ok_or(AppError::Unauthenticated)
}

/// One account a guardian agreed for, as the guardian's page shows it.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct Ward {
    pub user_id: String,
    pub nickname: Option<String>,
    pub phone: String,
    pub age_group: &'static str,
    /// Null after the guardian withdrew (the account is locked).
    pub guardian_verified_at: Option<i64>,
    /// When the account is erased if no guardian agrees (MIN-2).
    pub erased_unless_agreed_by: Option<i64>,
}

pub async fn wards<S: Store>(state: &App<S>, guardian: &Guardian) -> Result<Vec<Ward>, AppError> {
    let mut out = Vec::new();
    for user in state.store.wards_of(&guardian.phone_hmac).await? {
        let account = state.store.account_state(&user).await?.unwrap_or_default();
        let profile = state.store.profile(&user).await?;
        let key = state.data_key(&user).await?;
        let nickname = profile
            .and_then(|p| p.nickname_ciphertext)
            .and_then(|c| key.open_text(SealedColumn::UserNickname, user.as_bytes(), &c));
        let phone = super::requests::own_phone(state, &user).await?.masked();
        out.push(Ward {
            user_id: user.to_string(),
            nickname,
            phone,
            age_group: age_group(state, &user).await?.as_str(),
            guardian_verified_at: account.guardian_verified_at,
            erased_unless_agreed_by: account
                .guardian_required_since
                .map(|s| s + i64::from(state.config.guardian_wait_days) * 86_400_000),
        });
    }
    Ok(out)
}

/// The ward `child` of `guardian`, or not found.
async fn ward<S: Store>(state: &App<S>, guardian: &Guardian, child: &UserId) -> Result<(), AppError> {
    if state.store.wards_of(&guardian.phone_hmac).await?.contains(child) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// MIN-2: the guardian withdraws their consent. The account is locked again
/// at once (and erased if no guardian agrees within the waiting period);
/// the withdrawal is in the ledger with the channel `guardian_page`.
pub async fn withdraw<S: Store>(state: &App<S>, guardian: &Guardian, child: &UserId) -> Result<(), AppError> {
    ward(state, guardian, child).await?;
    if !state.store.withdraw_guardian(child, state.now()).await? {
        return Err(AppError::Conflict {
            code: "already_withdrawn",
            message: "the consent for this account is already withdrawn".into(),
        });
    }
    for kind in [DocumentKind::ChildrenPolicy, DocumentKind::ChildrenRules] {
        agreements::append(
            state,
            xuancai_store::Subject::User(*child),
            &kind.topic(),
            false,
            None,
            "guardian_page",
        )
        .await?;
    }
    tracing::info!(user = %child, "guardian withdrew consent: account locked (MIN-2)");
    Ok(())
}

/// MIN-5: a rights request the guardian files for the child (export,
/// correction, deletion, cancellation or complaint). The guardian's fresh
/// code is the identity check, so it starts verified; a cancellation takes
/// effect at once.
pub async fn request_for<S: Store>(
    state: &App<S>,
    guardian: &Guardian,
    child: &UserId,
    kind: RequestKind,
    detail: &str,
) -> Result<RequestRecord, AppError> {
    ward(state, guardian, child).await?;
    if kind == RequestKind::Withdrawal {
        return Err(AppError::bad_request(
            "use_withdraw_endpoint",
            "withdraw the guardian's consent with POST /api/v1/guardian/wards/{id}/withdraw",
        ));
    }
    if detail.chars().count() > 2000 {
        return Err(AppError::bad_request(
            "detail_too_long",
            "describe the request in at most 2000 characters",
        ));
    }
    let now = state.now();
    let key = state.data_key(child).await?;
    let text = format!("[监护人提出] {}", detail.trim());
    let id = random::<16>();
    let mut record = RequestRecord {
        scope_ciphertext: None,
        id,
        user: *child,
        kind,
        status: RequestStatus::Received,
        detail_ciphertext: Some(key.seal(SealedColumn::RequestDetail, &id, text.trim().as_bytes())),
        resolution: None,
        received_at: now,
        deadline_at: deadline(state, kind, now),
        updated_at: now,
    };
    if kind == RequestKind::Cancellation {
        // the request and the cancellation are written together.
        let erase = erase_after(state, child).await?;
        let resolution = "cancelled by the guardian";
        let request = CancellationRequest {
            record: &record,
            resolution,
        };
        if !state
            .store
            .cancel_account(child, &random::<32>(), now, erase, Some(request))
            .await?
        {
            return Err(AppError::NotFound);
        }
        record.status = RequestStatus::Done;
        record.resolution = Some(resolution.into());
        return Ok(record);
    }
    state.store.insert_request(&record).await?;
    state
        .store
        .move_request(&record.id, RequestMove::VERIFY, None, now)
        .await?;
    record.status = RequestStatus::Verified;
    Ok(record)
}

/// The export of a ward, once built (R-1 for the guardian, MIN-5).
pub async fn ward_export<S: Store>(
    state: &App<S>,
    guardian: &Guardian,
    child: &UserId,
    request: &[u8; 16],
) -> Result<crate::blobs::PlainStream, AppError> {
    ward(state, guardian, child).await?;
    super::export::download(state, child, request).await
}
