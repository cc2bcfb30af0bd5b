//! Touch-up strokes as a client sends them (issue 22 item 4), parsed into
//! `xuancai_imaging::brush` strokes with bounds: a request holds at most
//! [`MAX_STROKES`] strokes and [`MAX_POINTS`] points in all, so what an
//! edit costs at full resolution is bounded by the photo's size.

use serde::{Deserialize, Serialize};
use xuancai_imaging::brush::{Mode, Stroke};

use crate::error::AppError;

/// Most strokes in one request.
pub const MAX_STROKES: usize = 200;
/// Most points over all strokes of one request.
pub const MAX_POINTS: usize = 20_000;

/// One stroke, in fractions of the photo (so the preview's strokes land in
/// the same place at full resolution).
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StrokeRequest {
    /// `erase` (take the subject away) or `restore` (bring the photo back).
    #[schemars(regex(pattern = "^(erase|restore)$"))]
    pub mode: String,
    /// The brush's diameter as a fraction of the photo's longer side,
    /// above 0 and at most 0.5.
    pub width: f32,
    /// Points along the stroke, each `[x, y]` as fractions of the photo's
    /// width and height (0 to 1); one point is a dot.
    pub points: Vec<[f32; 2]>,
}

fn invalid(message: impl Into<String>) -> AppError {
    AppError::Unprocessable {
        code: "invalid_job",
        message: message.into(),
    }
}

/// The strokes, checked: modes, widths, points inside the photo, bounds.
pub fn parse(strokes: &[StrokeRequest]) -> Result<Vec<Stroke>, AppError> {
    if strokes.len() > MAX_STROKES {
        return Err(invalid(format!("at most {MAX_STROKES} touch-up strokes")));
    }
    let points: usize = strokes.iter().map(|s| s.points.len()).sum();
    if points > MAX_POINTS {
        return Err(invalid(format!("at most {MAX_POINTS} touch-up points in all")));
    }
    strokes
        .iter()
        .map(|s| {
            let mode = match s.mode.as_str() {
                "erase" => Mode::Erase,
                "restore" => Mode::Restore,
                m => return Err(invalid(format!("touch-up mode {m:?}: use erase or restore"))),
            };
            if !(s.width.is_finite() && s.width > 0.0 && s.width <= 0.5) {
                return Err(invalid("a touch-up stroke's width is above 0 and at most 0.5"));
            }
            if s.points.is_empty() {
                return Err(invalid("a touch-up stroke has at least one point"));
            }
            if s.points
                .iter()
                .flatten()
                .any(|v| !(v.is_finite() && (0.0..=1.0).contains(v)))
            {
                return Err(invalid("touch-up points are fractions of the photo, 0 to 1"));
            }
            Ok(Stroke {
                mode,
                width: s.width,
                points: s.points.clone(),
            })
        })
        .collect()
}
