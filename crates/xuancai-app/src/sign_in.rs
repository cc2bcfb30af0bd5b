//! Signing in with a one-time code (ACC-1), and creating the account on the
//! first sign-in: only with the documents agreed to (CON-1) and the separate
//! tick for the phone number (§11), never while the service is closing
//! (RET-3). The HTTP handler parses the request, calls [`with_code`] and
//! starts the session.

use xuancai_domain::privacy::{Category, DocumentKind};
use xuancai_domain::{BirthDate, OneTimeCode, PhoneNumber, UserId};
use xuancai_store::{Store, StoreError, UserRecord};

use crate::App;
use crate::accounts::{CodeFor, check_code, disclose_sign_in_code};
use crate::error::AppError;
use crate::privacy::agreements::{missing_for_sign_up, record_agreements, record_ticks, require_tick};
use xuancai_store::SealedColumn;

/// What a code sign-in carries, parsed.
#[derive(Debug, Clone, Copy)]
pub struct CodeSignIn<'a> {
    pub phone: &'a PhoneNumber,
    pub code: &'a OneTimeCode,
    /// The documents the first-use dialog showed and the user agreed to.
    pub agreements: &'a [(DocumentKind, String)],
    /// The separate ticks for sensitive categories (`phone`).
    pub ticks: &'a [Category],
    /// MIN-1: the optional birth date asked at sign-up.
    pub birth: Option<BirthDate>,
}

/// Who signed in, and whether the account was made now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedIn {
    pub user: UserId,
    pub created: bool,
}

/// Check the code and sign in, creating the account on the first sign-in.
pub async fn with_code<S: Store>(state: &App<S>, req: CodeSignIn<'_>) -> Result<SignedIn, AppError> {
    let hmac = state.keys.lookup_hash(req.phone.as_e164());
    check_code(state, &hmac, CodeFor::SIGN_IN, req.code.expose()).await?;
    // The number's owner proved it: others' wrong passwords no longer lock it.
    crate::password_login::clear_number_lock(state, &hmac).await?;
    let existing = state.store.user_by_phone(&hmac).await?;
    let (user, created) = match existing {
        Some(u) => (u.id, false),
        None => {
            if let Some(s) = state.shutdown {
                return Err(AppError::Conflict {
                    code: "service_closing",
                    message: format!(
                        "the service closes on {}; new accounts are not accepted (RET-3)",
                        xuancai_domain::Date::from_unix_ms(s.at, state.config.utc_offset_minutes)
                    ),
                });
            }
            // CON-1, §11: nothing is stored before the User Agreement and the
            // Privacy Policy in force are agreed to and the number is ticked.
            let missing = missing_for_sign_up(req.agreements);
            if !missing.is_empty() {
                return Err(AppError::AgreementRequired { documents: missing });
            }
            require_tick(req.ticks, Category::Phone)?;
            find_or_create(state, req.phone, &hmac).await?
        }
    };
    record_agreements(state, &user, req.agreements, "login").await?;
    record_ticks(state, &user, req.ticks, "login").await?;
    if created {
        // DATA-6: the code just used went to the SMS gateway before the
        // account existed; it is logged against the account it created.
        disclose_sign_in_code(state, &user).await?;
        if let Some(b) = req.birth {
            crate::privacy::minors::record_sign_up_birth_date(state, &user, b).await?;
        }
    }
    Ok(SignedIn { user, created })
}

/// The account of `phone`, made with a fresh data key if there is none.
async fn find_or_create<S: Store>(
    state: &App<S>,
    phone: &PhoneNumber,
    hmac: &[u8],
) -> Result<(UserId, bool), AppError> {
    let id = UserId::generate();
    let (data_key, wrapped) = state.keys.new_data_key(&id);
    let record = UserRecord {
        id,
        phone_hmac: hmac.to_vec(),
        phone_ciphertext: data_key.seal(SealedColumn::UserPhone, id.as_bytes(), phone.as_e164().as_bytes()),
        wrapped_data_key: wrapped,
        created_at: state.now(),
    };
    match state.store.insert_user(&record).await {
        Ok(()) => Ok((record.id, true)),
        // Two logins raced to create the account: use the winner's.
        Err(StoreError::Conflict) => match state.store.user_by_phone(hmac).await? {
            Some(u) => Ok((u.id, false)),
            None => Err(AppError::Internal("account vanished after a conflict".into())),
        },
        Err(e) => Err(e.into()),
    }
}
