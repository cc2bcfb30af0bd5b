//! Cursor pagination shared by every listing: `?cursor=…&limit=…`, with
//! cursors opaque to clients; and the page of photos that the library and
//! an album both answer with.

use serde::{Deserialize, Serialize};
use xuancai_app::crypto::DataKey;
use xuancai_app::photos::{PhotoView, photo_view};
use xuancai_store::{Cursor, PhotoRecord};

use crate::error::ApiError;
use xuancai_app::AppError;

/// `?cursor=…&limit=…` on every listing (`limit` 1–200, default 50).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct Page {
    #[schemars(regex(pattern = super::schema::CURSOR))]
    pub cursor: Option<String>,
    /// Any number; 1 to 200 are used (fewer or more are clamped).
    #[schemars(range(max = u32::MAX))]
    pub limit: Option<u32>,
}

impl Page {
    pub fn limit(&self) -> u32 {
        self.limit.unwrap_or(50).clamp(1, 200)
    }

    pub fn cursor(&self) -> Result<Option<Cursor>, ApiError> {
        self.cursor.as_deref().map(decode_cursor).transpose()
    }
}

/// Cursors are opaque to clients: 16 hex digits of time, 32 of id.
pub fn encode_cursor(at: i64, id: &[u8; 16]) -> String {
    let mut s = format!("{:016x}", at.cast_unsigned());
    for b in id {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

fn decode_cursor(s: &str) -> Result<Cursor, ApiError> {
    let bad = || AppError::BadRequest {
        code: "invalid_cursor",
        message: "the cursor is not one this server gave out".into(),
    };
    if s.len() != 48 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad().into());
    }
    let at = u64::from_str_radix(&s[..16], 16)
        .map_err(|_| bad())?
        .cast_signed();
    let mut id = [0u8; 16];
    for (i, b) in id.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[16 + i * 2..18 + i * 2], 16).map_err(|_| bad())?;
    }
    Ok(Cursor { at, id })
}

/// The `next_cursor` of a page: present when the page is full.
pub fn next_cursor<T>(items: &[T], limit: u32, key: impl Fn(&T) -> (i64, [u8; 16])) -> Option<String> {
    if items.len() < limit as usize {
        return None;
    }
    items.last().map(|last| {
        let (at, id) = key(last);
        encode_cursor(at, &id)
    })
}

/// A page of photos, newest first.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct PhotosPage<'a> {
    items: Vec<PhotoView<'a>>,
    next_cursor: Option<String>,
}

pub fn photos_page<'a>(items: &'a [PhotoRecord], limit: u32, key: &DataKey) -> PhotosPage<'a> {
    PhotosPage {
        items: items.iter().map(|p| photo_view(p, key)).collect(),
        next_cursor: next_cursor(items, limit, |p| (p.created_at, *p.id.as_bytes())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() -> Result<(), ApiError> {
        let c = decode_cursor(&encode_cursor(1_700_000_000_123, &[7; 16]))?;
        assert_eq!((c.at, c.id), (1_700_000_000_123, [7; 16]));
        assert!(decode_cursor("zz").is_err());
        assert!(decode_cursor(&"g".repeat(48)).is_err());
        Ok(())
    }
}
