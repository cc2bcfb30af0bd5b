//! Sticker and greeting templates (IMG-4): the catalogue, each template as
//! data (the JSON format of `docs/STICKERS.md`), and recommendations that
//! rank by the user's own use only while personalisation consent stands
//! (CON-6, ADS-1); otherwise — from the same request on — by anonymous
//! global popularity.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};
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

fn summary(name: &str, t: &Template) -> Value {
    json!({
        "name": name,
        "title": t.title,
        "slots": t.slots().iter().map(|(slot, default)| json!({ "slot": slot, "default": default })).collect::<Vec<_>>(),
        "cutout": t.uses_cutout(),
        "animated": t.animation.is_some(),
        "url": format!("/api/v1/templates/{name}"),
    })
}

/// `GET /api/v1/templates`: the catalogue (public).
pub async fn list() -> Json<Value> {
    Json(json!({ "items": catalogue().iter().map(|(n, t)| summary(n, t)).collect::<Vec<_>>() }))
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

#[derive(Debug, Deserialize)]
pub struct RecommendQuery {
    limit: Option<usize>,
}

/// `GET /api/v1/templates/recommended`.
pub async fn recommended<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    AppQuery(q): AppQuery<RecommendQuery>,
) -> Result<Json<Value>, ApiError> {
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
    let limit = q.limit.unwrap_or(10).clamp(1, 50);
    let items: Vec<Value> = ranked
        .iter()
        .take(limit)
        .map(|(n, t, _, g)| {
            let mut v = summary(n, t);
            v["popularity"] = json!(g);
            v
        })
        .collect();
    Ok(Json(json!({
        "personalised": personalised,
        "basis": if personalised { "your use, then popularity" } else { "popularity (personalisation is off)" },
        "items": items,
    })))
}
