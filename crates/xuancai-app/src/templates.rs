//! The sticker templates: the catalogue (the plain sticker, then the
//! built-ins) and the use counts behind recommendations (CON-6).

use xuancai_domain::UserId;
use xuancai_domain::privacy::Purpose;
use xuancai_stickers::caption::TextStyle;
use xuancai_stickers::template::{self, CaptionAt, Template};
use xuancai_store::Store;

use crate::App;
use crate::error::AppError;
use crate::privacy::consent_state;

/// The plain cut-out sticker (no template named in a sticker job).
pub const PLAIN: &str = "sticker";

pub fn plain() -> Template {
    template::sticker(8.0, false, Some(CaptionAt::Bottom), TextStyle::default(), None)
}

/// Every template by name: the plain sticker, then the built-ins.
pub fn catalogue() -> Vec<(String, Template)> {
    let mut all = vec![(PLAIN.to_string(), plain())];
    for name in template::builtin_names() {
        if let Ok(t) = template::builtin(name) {
            all.push((name.to_string(), t));
        }
    }
    all
}

/// Count a sticker job's template: globally, and for the user only with
/// personalisation consent (CON-6).
pub async fn record_use<S: Store>(state: &App<S>, user: &UserId, template: &str) -> Result<(), AppError> {
    let personal = consent_state(state, user).await?.allows(Purpose::Personalisation);
    state
        .store
        .record_template_use(template, personal.then_some(user), state.now())
        .await?;
    Ok(())
}
