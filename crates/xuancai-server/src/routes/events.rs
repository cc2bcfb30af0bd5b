//! Usage and crash events (DATA-1, DATA-2): accepted only with the user's
//! analytics consent; the IP address is truncated to its network before it
//! is stored; device identifiers are stored (encrypted) only with their own
//! consent and otherwise dropped, never stored. Each is kept for its
//! retention period (RET-2).

use std::net::IpAddr;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use xuancai_domain::privacy::Purpose;
use xuancai_store::{Store, UsageEvent};

use crate::error::ApiError;
use crate::extract::Active;
use crate::extract::AppJson;
use xuancai_app::App;
use xuancai_app::AppError;
use xuancai_app::crypto::random;
use xuancai_app::privacy::consent_state;
use xuancai_store::SealedColumn;

const KINDS: [&str; 5] = ["app_open", "app_close", "page_view", "crash", "system"];

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Event {
    #[schemars(extend("enum" = KINDS))]
    kind: String,
    page: Option<String>,
    #[serde(default, deserialize_with = "xuancai_app::whole::option")]
    #[schemars(range(max = xuancai_app::whole::MAX))]
    duration_ms: Option<u64>,
    message: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    #[schemars(length(min = 1, max = 100))]
    events: Vec<Event>,
    /// IMEI, OAID, Android ID, … (DATA-2).
    #[serde(default)]
    device_ids: std::collections::BTreeMap<String, String>,
}

/// An IP address without its host part: IPv4 /24, IPv6 /48 (§5: IP addresses are personal).
pub fn truncate_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.0/24", o[0], o[1], o[2])
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
        }
    }
}

/// What was recorded.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct Recorded {
    accepted: usize,
    /// `none` sent, `stored` (with their own consent, DATA-2) or `dropped`.
    device_ids: &'static str,
}

/// `POST /api/v1/events`
pub async fn record<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    crate::extract::ClientIp(peer): crate::extract::ClientIp,
    AppJson(batch): AppJson<Batch>,
) -> Result<Response, ApiError> {
    if batch.events.is_empty() || batch.events.len() > 100 {
        return Err(AppError::BadRequest {
            code: "invalid_events",
            message: "send 1 to 100 events".into(),
        }
        .into());
    }
    for e in &batch.events {
        if !KINDS.contains(&e.kind.as_str()) {
            return Err(AppError::BadRequest {
                code: "invalid_events",
                message: format!("unknown kind {:?}; one of {}", e.kind, KINDS.join(", ")),
            }
            .into());
        }
    }
    let consents = consent_state(&state, &session.user).await?;
    if !consents.allows(Purpose::Analytics) {
        return Err(AppError::ConsentRequired {
            purpose: Purpose::Analytics.key(),
        }
        .into());
    }
    // DATA-2: identifiers only with their own consent; otherwise dropped here.
    let keep_ids = !batch.device_ids.is_empty() && consents.allows(Purpose::DeviceIdentifiers);
    let device_ids = if keep_ids {
        let key = state.data_key(&session.user).await?;
        let text = serde_json::to_string(&batch.device_ids).map_err(|e| AppError::Internal(e.to_string()))?;
        Some((key, text))
    } else {
        None
    };
    let ip = truncate_ip(peer);
    let now = state.now();
    for e in &batch.events {
        let clip = |s: &Option<String>, n: usize| s.as_ref().map(|s| s.chars().take(n).collect::<String>());
        let detail = json!({
            "page": clip(&e.page, 200),
            "duration_ms": e.duration_ms,
            "message": clip(&e.message, 1000),
        });
        let id = random::<16>();
        state
            .store
            .record_usage(&UsageEvent {
                id,
                user: Some(session.user),
                kind: e.kind.clone(),
                detail: detail.to_string(),
                ip_prefix: Some(ip.clone()),
                device_ciphertext: device_ids
                    .as_ref()
                    .map(|(key, text)| key.seal(SealedColumn::UsageDevice, &id, text.as_bytes())),
                at: now,
            })
            .await?;
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(Recorded {
            accepted: batch.events.len(),
            device_ids: if batch.device_ids.is_empty() {
                "none"
            } else if keep_ids {
                "stored"
            } else {
                "dropped"
            },
        }),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data1_ips_lose_their_host_part() {
        assert_eq!(
            truncate_ip(
                "203.0.113.77"
                    .parse()
                    .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
            ),
            "203.0.113.0/24"
        );
        let v6: IpAddr = "2001:db8:1234:5678::1"
            .parse()
            .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        assert_eq!(truncate_ip(v6), "2001:db8:1234::/48");
    }
}
