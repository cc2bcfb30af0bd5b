//! C2PA content credentials (through the `c2pa` crate): a signed manifest
//! whose actions say what was done — an existing photo opened (`c2pa.opened`,
//! the original as the parent ingredient) and edited with a trained
//! algorithm (`c2pa.edited`, digital source type
//! `compositeWithTrainedAlgorithmicMedia`), in the claim's created
//! assertions — and reading a file's manifest back.
//!
//! Who signs ([`Credentials`]): the operator's certificate chain and key
//! (`aigc_signing_cert`, `aigc_signing_key`; a chain from a CA a validator
//! trusts makes the manifest `Trusted`), or, for development only, an
//! ephemeral chain made once per process (the SDK's `EphemeralSigner`,
//! Ed25519), which validators report as intact (`Valid`) with an untrusted
//! signer. The server refuses to start without `--dev` unless a chain is
//! configured.

use std::io::Cursor;
use std::sync::OnceLock;

use crate::error::{AigcError, Result};
use crate::xmp::Container;

/// IPTC digital source type for media edited with AI.
pub const AI_EDITED: &str =
    "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia";

fn err(e: impl std::fmt::Display) -> AigcError {
    AigcError::Manifest(e.to_string())
}

fn ephemeral() -> Result<&'static c2pa::EphemeralSigner> {
    static SIGNER: OnceLock<std::result::Result<c2pa::EphemeralSigner, String>> = OnceLock::new();
    SIGNER
        .get_or_init(|| c2pa::EphemeralSigner::new("xuancai.local").map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| AigcError::Manifest(e.clone()))
}

/// Who signs the manifests.
pub struct Credentials {
    chain: Option<c2pa::BoxedSigner>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("ephemeral", &self.is_ephemeral())
            .finish()
    }
}

impl Credentials {
    /// A per-process throwaway chain: for development and the CLI only.
    pub fn ephemeral() -> Self {
        Self { chain: None }
    }

    /// The operator's chain (PEM, the signing certificate first, then its
    /// intermediates) and private key (PEM, PKCS#8), with the algorithm
    /// `alg` (`es256`, `es384`, `es512`, `ps256`, `ps384`, `ps512`,
    /// `ed25519`). The key and chain are checked here by signing a test
    /// manifest and validating it, so a bad pair fails at start-up, not on a
    /// user's job.
    pub fn from_pem(chain: &[u8], key: &[u8], alg: &str) -> Result<Self> {
        let alg: c2pa::SigningAlg = alg
            .parse()
            .map_err(|_| AigcError::Manifest(format!("unknown signing algorithm {alg:?}")))?;
        let signer = c2pa::create_signer::from_keys(chain, key, alg, None).map_err(err)?;
        let credentials = Self { chain: Some(signer) };
        credentials.self_test()?;
        Ok(credentials)
    }

    pub fn is_ephemeral(&self) -> bool {
        self.chain.is_none()
    }

    fn signer(&self) -> Result<&dyn c2pa::Signer> {
        match &self.chain {
            Some(s) => Ok(s.as_ref()),
            None => Ok(ephemeral()?),
        }
    }

    /// Sign a one-pixel PNG: the key matches the chain and the SDK accepts both.
    fn self_test(&self) -> Result<()> {
        let mut png = Vec::new();
        let img = xuancai_imaging::RgbaImage::from_pixel(1, 1, image::Rgba([0, 0, 0, 255]));
        image::DynamicImage::ImageRgba8(img)
            .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .map_err(err)?;
        let claim = Claim {
            generator: "xuancai",
            version: env!("CARGO_PKG_VERSION"),
            title: "self-test",
            description: "signing self-test",
        };
        let signed = sign(&png, &claim, self, None)?;
        // Signing does not check that the key is the certificate's:
        // validating the result does.
        match read(&signed)? {
            Some(m) if m.validation_state != "Invalid" => Ok(()),
            Some(m) => Err(AigcError::Manifest(format!(
                "the chain and key do not make a valid manifest ({}): the key must be the signing \
                 certificate's, and the certificate must follow the C2PA profile (an organisation, O=, \
                 in its subject; key usage digitalSignature; extended key usage emailProtection or \
                 documentSigning)",
                m.validation_codes.join(", ")
            ))),
            None => Err(AigcError::Manifest(
                "the test manifest could not be read back".into(),
            )),
        }
    }
}

/// What the manifest says about the edit.
#[derive(Debug, Clone)]
pub struct Claim<'a> {
    /// The software, e.g. "xuancai 0.1.0".
    pub generator: &'a str,
    pub version: &'a str,
    /// A title for the asset.
    pub title: &'a str,
    /// The action, e.g. "face swap".
    pub description: &'a str,
}

/// Sign `bytes` (PNG, JPEG or WebP) with a manifest declaring AI editing.
/// With `parent` (the original file the edit was made from, PNG, JPEG or
/// WebP) the actions are `c2pa.opened` on that parent ingredient and
/// `c2pa.edited`; without it, `c2pa.created` and `c2pa.edited`. The parent
/// is recorded by its hash, format and a fixed title (never its file name),
/// and no thumbnail of it is embedded.
pub fn sign(
    bytes: &[u8],
    claim: &Claim<'_>,
    credentials: &Credentials,
    parent: Option<&[u8]>,
) -> Result<Vec<u8>> {
    let container = Container::sniff(bytes).ok_or(AigcError::UnsupportedFormat)?;
    let agent = serde_json::json!({"name": claim.generator, "version": claim.version});
    let edited = serde_json::json!({
        "action": "c2pa.edited", "digitalSourceType": AI_EDITED,
        "description": claim.description, "softwareAgent": agent,
    });
    // A parent in a format C2PA cannot read as an ingredient here (BMP, …)
    // is left out, and the output is recorded as created.
    let parent = parent.and_then(|p| parent_format(p).map(|f| (p, f)));
    let first = match parent {
        Some(_) => serde_json::json!({
            "action": "c2pa.opened", "softwareAgent": agent,
            "parameters": {"ingredientIds": [PARENT_ID]},
        }),
        None => serde_json::json!({
            "action": "c2pa.created", "digitalSourceType": AI_EDITED, "softwareAgent": agent,
        }),
    };
    let definition = serde_json::json!({
        "claim_generator_info": [agent],
        "title": claim.title,
        "assertions": [{
            "label": "c2pa.actions.v2",
            "created": true,
            "data": {"actions": [first, edited]},
        }],
    });
    let mut builder = c2pa::Builder::from_context(c2pa::Context::new())
        .with_definition(definition.to_string())
        .map_err(err)?;
    if let Some((original, format)) = parent {
        let ingredient = serde_json::json!({
            "title": "original photo", "relationship": "parentOf", "label": PARENT_ID,
        });
        builder
            .add_ingredient_from_stream(ingredient.to_string(), format, &mut Cursor::new(original))
            .map_err(err)?;
    }
    let mut source = Cursor::new(bytes);
    let mut dest = Cursor::new(Vec::with_capacity(bytes.len() + 32 * 1024));
    builder
        .sign(credentials.signer()?, container.mime(), &mut source, &mut dest)
        .map_err(err)?;
    Ok(dest.into_inner())
}

/// The media type of a parent C2PA can read: PNG, JPEG, WebP, GIF, TIFF.
fn parent_format(bytes: &[u8]) -> Option<&'static str> {
    if let Some(c) = Container::sniff(bytes) {
        return Some(c.mime());
    }
    match bytes {
        [b'G', b'I', b'F', b'8', ..] => Some("image/gif"),
        [b'I', b'I', 42, 0, ..] | [b'M', b'M', 0, 42, ..] => Some("image/tiff"),
        _ => None,
    }
}

/// The label linking the `c2pa.opened` action to its parent ingredient.
const PARENT_ID: &str = "xuancai.parent";

/// A manifest as `xuancai inspect` reports it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    pub title: Option<String>,
    pub generator: Vec<String>,
    pub actions: Vec<String>,
    pub digital_source_types: Vec<String>,
    pub signer: Option<String>,
    /// `Trusted`, `Valid` or `Invalid`, as the C2PA validator says.
    pub validation_state: String,
    pub validation_codes: Vec<String>,
    /// The manifest store as the SDK renders it.
    pub json: serde_json::Value,
}

impl Summary {
    /// Whether the manifest declares AI editing or generation.
    pub fn declares_ai(&self) -> bool {
        self.digital_source_types
            .iter()
            .any(|t| t.contains("trainedAlgorithmicMedia") || t.contains("TrainedAlgorithmicMedia"))
    }
}

/// The active manifest of a file, if it carries one.
pub fn read(bytes: &[u8]) -> Result<Option<Summary>> {
    let container = Container::sniff(bytes).ok_or(AigcError::UnsupportedFormat)?;
    let reader = match c2pa::Reader::from_context(c2pa::Context::new())
        .with_stream(container.mime(), Cursor::new(bytes))
    {
        Ok(r) => r,
        Err(c2pa::Error::JumbfNotFound) | Err(c2pa::Error::ProvenanceMissing) => return Ok(None),
        Err(e) => return Err(err(e)),
    };
    let json: serde_json::Value = serde_json::from_str(&reader.json()).map_err(err)?;
    let Some(m) = reader.active_manifest() else {
        return Ok(None);
    };
    let mut actions = Vec::new();
    let mut sources = Vec::new();
    if let Some(active) = json["active_manifest"].as_str() {
        for a in json["manifests"][active]["assertions"]
            .as_array()
            .into_iter()
            .flatten()
        {
            if a["label"].as_str().is_some_and(|l| l.starts_with("c2pa.actions")) {
                for act in a["data"]["actions"].as_array().into_iter().flatten() {
                    if let Some(name) = act["action"].as_str() {
                        actions.push(name.to_string());
                    }
                    if let Some(t) = act["digitalSourceType"].as_str() {
                        sources.push(t.to_string());
                    }
                }
            }
        }
    }
    sources.dedup();
    let codes = json["validation_status"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["code"].as_str().map(str::to_string))
        .collect();
    Ok(Some(Summary {
        title: m.title().map(str::to_string),
        generator: m
            .claim_generator_info
            .iter()
            .flatten()
            .map(|g| g.name.clone())
            .collect(),
        actions,
        digital_source_types: sources,
        signer: m.signature_info().and_then(|s| s.common_name.clone()),
        validation_state: format!("{:?}", reader.validation_state()),
        validation_codes: codes,
        json,
    }))
}
