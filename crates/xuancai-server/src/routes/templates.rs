//! Sticker and greeting templates (IMG-4): the catalogue, each template as
//! data (the JSON format of `docs/STICKERS.md`), and recommendations that
//! rank by the user's own use only while personalisation consent stands
//! (CON-6, ADS-1); otherwise — from the same request on — by anonymous
//! global popularity.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use xuancai_domain::privacy::Purpose;
use xuancai_stickers::template::Template;
use xuancai_store::Store;

use crate::error::ApiError;
use crate::extract::Active;
use crate::extract::AppQuery;
use xuancai_app::App;
use xuancai_app::AppError;
use xuancai_app::privacy::consent_state;
use xuancai_app::templates::catalogue;

/// A template in the catalogue.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Summary {
    name: String,
    title: String,
    slots: Vec<Slot>,
    /// It cuts the subject out of the photo.
    cutout: bool,
    animated: bool,
    /// The template as data.
    url: String,
    /// Uses by everyone (in the recommendations only).
    #[serde(skip_serializing_if = "Option::is_none")]
    popularity: Option<u64>,
}

/// A text slot and its default text.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Slot {
    slot: String,
    default: String,
}

/// The catalogue.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Catalogue {
    items: Vec<Summary>,
}

/// Templates ranked for the user, and on what basis.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Recommended {
    /// Ranked by the user's own use (the personalisation consent is on).
    personalised: bool,
    basis: &'static str,
    items: Vec<Summary>,
}

fn summary(name: &str, t: &Template) -> Summary {
    Summary {
        name: name.to_string(),
        title: t.title.to_string(),
        slots: t
            .slots()
            .iter()
            .map(|(slot, default)| Slot {
                slot: slot.to_string(),
                default: default.to_string(),
            })
            .collect(),
        cutout: t.uses_cutout(),
        animated: t.animation.is_some(),
        url: format!("/api/v1/templates/{name}"),
        popularity: None,
    }
}

/// `GET /api/v1/templates`: the catalogue (public).
pub async fn list() -> Json<Catalogue> {
    Json(Catalogue {
        items: catalogue().iter().map(|(n, t)| summary(n, t)).collect(),
    })
}

/// `GET /api/v1/templates/{name}`: one template as data (public).
pub async fn get_one(Path(name): Path<String>) -> Result<Json<Value>, ApiError> {
    let (_, t) = catalogue()
        .into_iter()
        .find(|(n, _)| *n == name)
        .ok_or(AppError::NotFound)?;
    Ok(serde_json::from_str(&t.to_json())
        .map(Json)
        .map_err(|e| AppError::Internal(e.to_string()))?)
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct RecommendQuery {
    #[schemars(range(max = u32::MAX))]
    limit: Option<u32>,
}

/// `GET /api/v1/templates/recommended`.
pub async fn recommended<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    AppQuery(q): AppQuery<RecommendQuery>,
) -> Result<Json<Recommended>, ApiError> {
    let personalised = consent_state(&state, &session.user)
        .await?
        .allows(Purpose::Personalisation);
    let global: HashMap<String, u64> = state.store.template_popularity().await?.into_iter().collect();
    let own: HashMap<String, u64> = if personalised {
        state
            .store
            .user_template_use(&session.user)
            .await?
            .into_iter()
            .collect()
    } else {
        HashMap::new()
    };
    let mut ranked: Vec<(String, Template, u64, u64)> = catalogue()
        .into_iter()
        .map(|(n, t)| {
            let g = global.get(&n).copied().unwrap_or(0);
            let o = own.get(&n).copied().unwrap_or(0);
            (n, t, o, g)
        })
        .collect();
    // Own use first (only when personalised), then popularity, then name.
    ranked.sort_by(|a, b| b.2.cmp(&a.2).then(b.3.cmp(&a.3)).then(a.0.cmp(&b.0)));
    let limit = usize::try_from(q.limit.unwrap_or(10).clamp(1, 50)).unwrap_or(10);
    let items = ranked
        .iter()
        .take(limit)
        .map(|(n, t, _, g)| Summary {
            popularity: Some(*g),
            ..summary(n, t)
        })
        .collect();
    Ok(Json(Recommended {
        personalised,
        basis: if personalised {
            "your use, then popularity"
        } else {
            "popularity (personalisation is off)"
        },
        items,
    }))
}
