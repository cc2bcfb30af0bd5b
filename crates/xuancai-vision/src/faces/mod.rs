//! Faces (IMG-3): detection ([`detect`], BlazeFace short and full range),
//! 468 landmarks ([`mesh`], FaceMesh) and the choice of faces a user means
//! ([`Selector`]).
//!
//! Faces are numbered left to right by the centre of their box, so index 0
//! is the leftmost face; `xuancai faces` prints the same numbering that
//! `xuancai swap --target-face` takes.

pub mod detect;
pub mod mesh;

use xuancai_imaging::RgbaImage;

pub use detect::{DetectOptions, Detection};
pub use mesh::{Mesh, inter_ocular};

use crate::assets::ModelId;
use crate::cutout::Studio;
use crate::error::{Result, VisionError};

/// The landmark model's face flag below which a detection is not a face:
/// between the loose second box around a face in a group photo (0.58,
/// issue 21 item 4) and the lowest real face seen (0.744, a 75 px face in
/// the tiled group shot of the tests; every other face of the test photos
/// has 1.0).
pub const MIN_MESH_SCORE: f32 = 0.65;

/// A face: where it is and its landmarks.
#[derive(Debug, Clone, PartialEq)]
pub struct Face {
    pub detection: Detection,
    pub mesh: Mesh,
}

impl Face {
    pub fn landmarks(&self) -> &[[f32; 3]] {
        &self.mesh.points
    }

    /// A shape signature for "the face closest to a reference": the 3-D mesh
    /// with position, scale and in-plane rotation removed. It compares face
    /// geometry (proportions, not identity) — enough to pick one person out
    /// of a photo given a crop of them, not a face-recognition model.
    pub fn signature(&self) -> Vec<f32> {
        let p = &self.mesh.points;
        let n = p.len().max(1) as f32;
        let c = p
            .iter()
            .fold([0.0f32; 3], |a, q| [a[0] + q[0], a[1] + q[1], a[2] + q[2]]);
        let c = [c[0] / n, c[1] / n, c[2] / n];
        let (r, l) = (p[mesh::idx::RIGHT_EYE_OUTER], p[mesh::idx::LEFT_EYE_OUTER]);
        let angle = (l[1] - r[1]).atan2(l[0] - r[0]);
        let (s, co) = angle.sin_cos();
        let scale = inter_ocular(p).max(f32::EPSILON);
        p.iter()
            .flat_map(|q| {
                let (x, y, z) = (q[0] - c[0], q[1] - c[1], q[2] - c[2]);
                [(co * x + s * y) / scale, (-s * x + co * y) / scale, z / scale]
            })
            .collect()
    }

    /// The box around the mesh's points (left, top, right, bottom).
    pub fn mesh_box(&self) -> [f32; 4] {
        self.landmarks().iter().fold(
            [f32::INFINITY, f32::INFINITY, f32::NEG_INFINITY, f32::NEG_INFINITY],
            |b, p| [b[0].min(p[0]), b[1].min(p[1]), b[2].max(p[0]), b[3].max(p[1])],
        )
    }

    /// Whether two meshes lie on the same face: their eye centres are closer
    /// than a third of the inter-ocular distance, or their boxes nest (the
    /// share of the smaller inside the larger is at least
    /// [`detect::NESTED`]).
    pub fn same_face(&self, other: &Face) -> bool {
        let (a, b) = (self.mesh_box(), other.mesh_box());
        let inter =
            ((a[2].min(b[2]) - a[0].max(b[0])).max(0.0)) * ((a[3].min(b[3]) - a[1].max(b[1])).max(0.0));
        let area = |r: [f32; 4]| (r[2] - r[0]).max(0.0) * (r[3] - r[1]).max(0.0);
        if inter / area(a).min(area(b)).max(f32::EPSILON) >= detect::NESTED {
            return true;
        }
        let eyes = |f: &Face| {
            let p = f.landmarks();
            let c = |a: usize, b: usize| [(p[a][0] + p[b][0]) / 2.0, (p[a][1] + p[b][1]) / 2.0];
            (
                c(mesh::idx::RIGHT_EYE_OUTER, mesh::idx::RIGHT_EYE_INNER),
                c(mesh::idx::LEFT_EYE_OUTER, mesh::idx::LEFT_EYE_INNER),
            )
        };
        let ((a1, a2), (b1, b2)) = (eyes(self), eyes(other));
        let d = |p: [f32; 2], q: [f32; 2]| ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt();
        let iod = inter_ocular(self.landmarks()).max(inter_ocular(other.landmarks()));
        d(a1, b1) < iod / 3.0 && d(a2, b2) < iod / 3.0
    }

    /// Root-mean-square distance between two signatures.
    pub fn distance(&self, other: &Face) -> f32 {
        let (a, b) = (self.signature(), other.signature());
        let sum: f32 = a.iter().zip(&b).map(|(x, y)| (x - y).powi(2)).sum();
        (sum / a.len().max(1) as f32).sqrt()
    }
}

/// Which faces of a photo an edit applies to.
#[derive(Debug, Clone, PartialEq)]
pub enum Selector {
    /// The n-th face, left to right, from 0.
    Index(usize),
    Largest,
    All,
    /// The face whose shape is closest to the reference face.
    Closest(Box<Face>),
}

impl Selector {
    /// The chosen faces, or `face_not_found` naming what was asked.
    pub fn pick<'a>(&self, faces: &'a [Face]) -> Result<Vec<&'a Face>> {
        let none = |wanted: String| VisionError::FaceNotFound {
            wanted,
            found: faces.len(),
        };
        if faces.is_empty() {
            return Err(none(self.describe()));
        }
        Ok(match self {
            Self::Index(i) => vec![faces.get(*i).ok_or_else(|| none(self.describe()))?],
            Self::Largest => faces
                .iter()
                .max_by(|a, b| a.detection.area().total_cmp(&b.detection.area()))
                .into_iter()
                .collect(),
            Self::All => faces.iter().collect(),
            Self::Closest(r) => faces
                .iter()
                .min_by(|a, b| a.distance(r).total_cmp(&b.distance(r)))
                .into_iter()
                .collect(),
        })
    }

    fn describe(&self) -> String {
        match self {
            Self::Index(i) => format!("face {i}"),
            Self::Largest => "the largest face".into(),
            Self::All => "any face".into(),
            Self::Closest(_) => "a face like the reference".into(),
        }
    }
}

impl Studio {
    /// Every face in `img` with its landmarks, numbered left to right.
    /// Detections whose landmark model doubts the face (face flag below
    /// [`MIN_MESH_SCORE`]) are dropped, and two detections of one face
    /// (nested boxes or meshes) are one.
    pub fn faces(&self, img: &RgbaImage, opts: &DetectOptions) -> Result<Vec<Face>> {
        let short = self.model(ModelId::FaceDetectionShort)?;
        let full = self.model(ModelId::FaceDetectionFull)?;
        let mesh_model = self.model(ModelId::FaceLandmark)?;
        let dets = detect::detect(
            detect::Detectors {
                short: &*short,
                full: &*full,
            },
            img,
            opts,
        )?;
        let mut faces: Vec<Face> = Vec::with_capacity(dets.len());
        for d in dets {
            let m = mesh::landmarks(&*mesh_model, img, &d)?;
            if m.score < MIN_MESH_SCORE {
                continue;
            }
            let face = Face {
                detection: d,
                mesh: m,
            };
            // Two detections of one face (say a loose box from the whole
            // image and a tight one from a tile) converge on the same mesh:
            // keep the one the landmark model is surer of.
            match faces.iter_mut().find(|f| f.same_face(&face)) {
                Some(f) if face.mesh.score > f.mesh.score => *f = face,
                Some(_) => {}
                None => faces.push(face),
            }
        }
        faces.sort_by(|a, b| a.detection.center()[0].total_cmp(&b.detection.center()[0]));
        Ok(faces)
    }
}
