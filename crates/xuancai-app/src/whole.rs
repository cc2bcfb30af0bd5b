//! Whole numbers in JSON request bodies. JSON Schema's `integer` — what the
//! API's document says of a count or an index — includes `3.0`, so a field
//! read with [`option`] takes `3` and `3.0` alike, refuses `3.5`, and takes
//! nothing above 2⁵³ − 1 (the largest integer every JSON reader keeps
//! exactly; the schema says so with its `maximum`).

use serde::de::{Deserialize, Deserializer, Error};

/// The largest whole number a request may send.
pub const MAX: u64 = (1 << 53) - 1;

/// `#[serde(default, deserialize_with = "xuancai_app::whole::option")]`.
pub fn option<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64>,
{
    let Some(n) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    let whole = n.as_u64().or_else(|| {
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= MAX as f64)
            .map(|f| f as u64)
    });
    whole
        .filter(|v| *v <= MAX)
        .and_then(|v| T::try_from(v).ok())
        .map(Some)
        .ok_or_else(|| D::Error::custom(format!("{n} is not a whole number in range")))
}

#[cfg(test)]
mod tests {
    #[derive(Debug, serde::Deserialize)]
    struct T {
        #[serde(default, deserialize_with = "super::option")]
        n: Option<u8>,
    }

    fn n(json: &str) -> Option<Option<u8>> {
        serde_json::from_str::<T>(json).ok().map(|t| t.n)
    }

    #[test]
    fn integers_and_integral_floats_are_the_same_number() {
        assert_eq!(n(r#"{"n": 3}"#), Some(Some(3)));
        assert_eq!(n(r#"{"n": 3.0}"#), Some(Some(3)));
        assert_eq!(n(r#"{}"#), Some(None));
        assert_eq!(n(r#"{"n": null}"#), Some(None));
        assert_eq!(n(r#"{"n": 3.5}"#), None);
        assert_eq!(n(r#"{"n": -1}"#), None);
        assert_eq!(n(r#"{"n": 256}"#), None);
        assert_eq!(n(r#"{"n": "3"}"#), None);
    }
}
