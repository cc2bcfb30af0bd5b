//! Portraits and the face consent (CON-3, CON-4, issue 20 item 2): person
//! cutout is portrait processing. Which jobs need the `faces` consent, which
//! process faces (and are cancelled when it is withdrawn), and how a job
//! runs without it (`auto` becomes the general model: no face detection).

use xuancai_domain::privacy::Purpose;
use xuancai_vision::ModelChoice;

use super::spec::{Job, JobRequest};

impl JobRequest {
    /// The segmentation model asked for (`auto` when absent); none for a
    /// face swap, for a cutout that reuses an earlier cut-out (`from`: no
    /// model runs, issue 22 item 3), or for a sticker made from one
    /// (`cutout`, issue 22 item 4).
    fn model_asked(&self) -> Option<&str> {
        match self {
            Self::Cutout(c) if c.from.is_some() => None,
            Self::Cutout(c) => Some(c.model.as_deref().unwrap_or("auto")),
            Self::Sticker(s) if s.cutout.is_some() => None,
            Self::Sticker(s) => Some(s.model.as_deref().unwrap_or("auto")),
            Self::Pack(p) => Some(p.model.as_deref().unwrap_or("auto")),
            Self::FaceSwap(_) => None,
        }
    }

    /// The purposes the job needs consent for: the studio (the contract,
    /// §4.3.3) and, for a face swap or a `portrait` cutout, sticker or pack,
    /// faces and portraits (a separate consent, CON-3: person cutout is
    /// portrait processing). `auto` needs no more than the studio: without
    /// the face consent it runs the general model and no face detection.
    pub fn purposes(&self) -> &'static [Purpose] {
        match (self, self.model_asked()) {
            (Self::FaceSwap(_), _) | (_, Some("portrait")) => &[Purpose::Studio, Purpose::Faces],
            _ => &[Purpose::Studio],
        }
    }

    /// CON-3, CON-4: whether the job will process faces or portraits when
    /// it runs for a user who has (`faces_consent`) or has not the face
    /// consent: a face swap, `portrait`, or `auto` with the consent.
    pub fn processes_faces(&self, faces_consent: bool) -> bool {
        match (self, self.model_asked()) {
            (Self::FaceSwap(_), _) | (_, Some("portrait")) => true,
            (_, Some("auto")) => faces_consent,
            _ => false,
        }
    }
}

impl Job {
    /// CON-3: the job as it runs without the face consent: `auto` becomes
    /// the general model, so no face detection runs and no portrait model.
    /// (A `portrait` job or a face swap is refused before it gets here.)
    pub fn without_faces(self) -> Self {
        let general = |m: ModelChoice| match m {
            ModelChoice::Auto => ModelChoice::General,
            other => other,
        };
        match self {
            Self::Cutout {
                photo,
                background,
                model,
                crop,
                shadow,
                from,
                touchup,
            } => Self::Cutout {
                photo,
                background,
                model: general(model),
                crop,
                shadow,
                from,
                touchup,
            },
            Self::Sticker {
                photo,
                platform,
                template,
                texts,
                model,
                cutout,
            } => Self::Sticker {
                photo,
                platform,
                template,
                texts,
                model: general(model),
                cutout,
            },
            Self::Pack {
                photos,
                platform,
                name,
                publisher,
                looks,
                model,
            } => Self::Pack {
                photos,
                platform,
                name,
                publisher,
                looks,
                model: general(model),
            },
            other @ Self::FaceSwap { .. } => other,
        }
    }
}
