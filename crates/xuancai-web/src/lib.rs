//! Xuancai's web app: the files the browser loads, embedded in the binary.
//!
//! The app is plain HTML, CSS and JavaScript modules under `static/` — no
//! JavaScript build step, nothing generated is committed, and nothing is
//! fetched from a third party at run time (fonts are the system's, icons are
//! inline SVG). The server (`xuancai-server`'s `routes::web`) serves
//! [`get`] under `/app/` and `index.html` at `/`, with a Content Security
//! Policy that allows only the app's own origin.
//!
//! This crate owns the files and their types; it depends on nothing, so the
//! client can change without touching the server's code.

/// One embedded file.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    /// The path under `static/`, e.g. `js/app.js`.
    pub path: &'static str,
    pub bytes: &'static [u8],
    /// A strong validator (quoted), from the contents.
    pub etag: &'static str,
    /// The `Content-Type`.
    pub mime: &'static str,
}

const FILES: &[(&str, &[u8], &str)] = include!(concat!(env!("OUT_DIR"), "/assets.rs"));

fn mime(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, e)| e) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("json") | Some("webmanifest") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    }
}

/// The file at `path` (relative to `static/`), if the app has it.
pub fn get(path: &str) -> Option<Asset> {
    FILES
        .binary_search_by(|(p, _, _)| (*p).cmp(path))
        .ok()
        .and_then(|i| FILES.get(i))
        .map(|(p, bytes, etag)| Asset {
            path: p,
            bytes,
            etag,
            mime: mime(p),
        })
}

/// The page every app route loads.
pub fn index() -> Option<Asset> {
    get("index.html")
}

/// Every embedded file.
pub fn all() -> impl Iterator<Item = Asset> {
    FILES.iter().filter_map(|(p, _, _)| get(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_is_found_by_its_path_and_typed() {
        assert!(index().is_some());
        for a in all() {
            assert_eq!(get(a.path).map(|b| b.bytes.len()), Some(a.bytes.len()));
            assert_ne!(a.mime, "application/octet-stream", "{}", a.path);
        }
        assert!(get("../Cargo.toml").is_none());
        assert!(get("missing.js").is_none());
    }

    /// COOK-1 / the rule: nothing is loaded from a third party. Every
    /// URL the app's files name is the app's own (relative or rooted).
    #[test]
    fn no_file_names_a_third_party_url() {
        for a in all() {
            let text = String::from_utf8_lossy(a.bytes);
            for (i, _) in text.match_indices("//") {
                let before = &text[..i];
                if before.ends_with("http:") || before.ends_with("https:") {
                    let host: String = text[i + 2..]
                        .chars()
                        .take_while(|c| *c != '/' && *c != '"')
                        .collect();
                    assert!(
                        host == "www.w3.org",
                        "{} names a third-party URL (//{host})",
                        a.path
                    );
                }
            }
        }
    }
}
