//! C2PA content credentials (through the `c2pa` crate): a signed manifest
//! whose actions declare the file was made with a trained algorithm
//! (`compositeWithTrainedAlgorithmicMedia`, the IPTC digital source type
//! for AI-edited media), and reading a file's manifest back.
//!
//! The signer is an ephemeral certificate chain made once per process (the
//! SDK's `EphemeralSigner`, Ed25519): validators report such a manifest as
//! well-formed and intact (`Valid`) but its signer as untrusted, which is
//! honest for a self-hosted install. An operator with a certificate from a
//! C2PA trust list can plug in their own `c2pa::Signer`.

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

fn signer() -> Result<&'static c2pa::EphemeralSigner> {
    static SIGNER: OnceLock<std::result::Result<c2pa::EphemeralSigner, String>> = OnceLock::new();
    SIGNER
        .get_or_init(|| c2pa::EphemeralSigner::new("xuancai.local").map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| AigcError::Manifest(e.clone()))
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
pub fn sign(bytes: &[u8], claim: &Claim<'_>) -> Result<Vec<u8>> {
    let container = Container::sniff(bytes).ok_or(AigcError::UnsupportedFormat)?;
    let definition = serde_json::json!({
        "claim_generator_info": [{"name": claim.generator, "version": claim.version}],
        "title": claim.title,
        "assertions": [{
            "label": "c2pa.actions",
            "data": {"actions": [
                {"action": "c2pa.created", "digitalSourceType": AI_EDITED,
                 "softwareAgent": {"name": claim.generator, "version": claim.version}},
                {"action": "c2pa.edited", "digitalSourceType": AI_EDITED,
                 "description": claim.description,
                 "softwareAgent": {"name": claim.generator, "version": claim.version}}
            ]}
        }]
    });
    let mut builder = c2pa::Builder::default()
        .with_definition(definition.to_string())
        .map_err(err)?;
    let mut source = Cursor::new(bytes);
    let mut dest = Cursor::new(Vec::with_capacity(bytes.len() + 32 * 1024));
    builder
        .sign(signer()?, container.mime(), &mut source, &mut dest)
        .map_err(err)?;
    Ok(dest.into_inner())
}

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
