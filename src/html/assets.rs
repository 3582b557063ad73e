//! The static assets, embedded in the binary so that one binary is the
//! whole service: our own scripts and styles (served under content-hashed
//! names, `map.1a2b3c4d.js`, so they can be cached for good) and the
//! vendored packages in `vendor/<package>@<version>/` (versioned paths, as
//! `scripts/vendor.sh` writes them). Text assets are sent gzip-compressed
//! when the client takes it, compressed once and kept.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{LazyLock, OnceLock};

use actix_web::http::header::{self, EntityTag};
use actix_web::{HttpRequest, HttpResponse, web};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "src/html/assets/"]
#[exclude = "*.md"]
struct Files;

/// One embedded file.
struct Asset {
    bytes: std::borrow::Cow<'static, [u8]>,
    /// The first 8 hex digits of its SHA-256.
    hash: String,
    mime: String,
    gzipped: OnceLock<Vec<u8>>,
}

static ASSETS: LazyLock<HashMap<String, Asset>> = LazyLock::new(|| {
    Files::iter()
        .filter_map(|name| {
            let file = Files::get(&name)?;
            let hash: String = file.metadata.sha256_hash()[..4]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            let mime = match file.metadata.mimetype() {
                "text/javascript" | "application/javascript" => {
                    "text/javascript; charset=utf-8".to_owned()
                }
                m if m.starts_with("text/") => format!("{m}; charset=utf-8"),
                m => m.to_owned(),
            };
            let asset = Asset {
                bytes: file.data,
                hash,
                mime,
                gzipped: OnceLock::new(),
            };
            Some((name.into_owned(), asset))
        })
        .collect()
});

const FOREVER: &str = "public, max-age=31536000, immutable";

/// The URL of the asset `name` (a path under `src/html/assets/`), below
/// `base`: content-hashed for our own files, as it is for vendored ones.
///
/// # Panics
/// When there is no such asset (a test renders every page).
pub fn url(base: &str, name: &str) -> String {
    let asset = ASSETS
        .get(name)
        .unwrap_or_else(|| panic!("no asset {name}"));
    if name.starts_with("vendor/") {
        return format!("{base}/assets/{name}");
    }
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    format!("{base}/assets/{stem}.{}.{ext}", asset.hash)
}

/// The URL of the file `file` of the vendored package `package`, whatever
/// version `scripts/vendor.sh` took.
///
/// # Panics
/// When no such package is vendored.
pub fn vendored(base: &str, package: &str, file: &str) -> String {
    let prefix = format!("vendor/{package}@");
    let suffix = format!("/{file}");
    let name = ASSETS
        .keys()
        .find(|k| k.starts_with(&prefix) && k.ends_with(&suffix))
        .unwrap_or_else(|| panic!("{package} has no vendored {file}"));
    format!("{base}/assets/{name}")
}

/// The size of `name` gzip-compressed, in bytes (for the page-weight budget).
pub fn compressed_size(name: &str) -> Option<usize> {
    ASSETS.get(name).map(|a| gzipped(a).len())
}

fn gzipped(asset: &Asset) -> &[u8] {
    asset.gzipped.get_or_init(|| {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&asset.bytes).expect("gzip into memory");
        encoder.finish().expect("gzip into memory")
    })
}

/// Finds the asset a path names, and whether the path is for good
/// (hashed or versioned).
fn find(path: &str) -> Option<(&'static Asset, bool)> {
    if let Some(asset) = ASSETS.get(path) {
        return Some((asset, path.starts_with("vendor/")));
    }
    // `dir/map.1a2b3c4d.js` → `dir/map.js`, if the hash is the file's.
    let (rest, ext) = path.rsplit_once('.')?;
    let (stem, hash) = rest.rsplit_once('.')?;
    let asset = ASSETS.get(&format!("{stem}.{ext}"))?;
    (asset.hash == hash).then_some((asset, true))
}

/// `GET /assets/{path}`.
pub async fn serve(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let Some((asset, for_good)) = find(&path) else {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body(format!("there is no asset {path}"));
    };
    // `http::cache` names the coding in the `ETag` and answers `If-None-Match`.
    let etag = EntityTag::new_strong(asset.hash.clone());
    let cache = if for_good { FOREVER } else { "no-cache" };
    let mut response = HttpResponse::Ok();
    response
        .content_type(asset.mime.as_str())
        .insert_header(header::ETag(etag))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    let compressible = asset.mime.starts_with("text/")
        || asset.mime.contains("json")
        || asset.mime.contains("svg");
    let takes_gzip = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    if compressible && takes_gzip {
        response
            .insert_header((header::CONTENT_ENCODING, "gzip"))
            .body(gzipped(asset).to_vec())
    } else {
        response.body(asset.bytes.clone().into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_assets_are_hashed_and_vendored_ones_versioned() {
        let map = url("", "map.js");
        assert!(
            map.starts_with("/assets/map.")
                && map.ends_with(".js")
                && map.len() == "/assets/map.12345678.js".len()
        );
        let (_, for_good) = find(map.trim_start_matches("/assets/")).unwrap();
        assert!(for_good);
        assert!(find("map.00000000.js").is_none());
        let (_, for_good) = find("map.js").unwrap();
        assert!(!for_good);
        let lib = vendored("", "maplibre-gl", "maplibre-gl.mjs");
        assert!(lib.starts_with("/assets/vendor/maplibre-gl@"), "{lib}");
        assert!(find(lib.trim_start_matches("/assets/")).unwrap().1);
    }
}
