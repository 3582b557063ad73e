//! Content codings: which one actix's `Compress` middleware will give an
//! answer (so that an answer's strong `ETag` can name it before the body is
//! compressed), and the marker that keeps tiny answers uncompressed.
//!
//! `Compress` leaves alone an answer that already has `Content-Encoding`
//! (tiles and assets that are kept gzipped), an empty one (304, HEAD's
//! 304) and images other than SVG; everything else it encodes in the coding
//! `Accept-Encoding` prefers among br, gzip, deflate and zstd.

use actix_web::http::header::{self, AcceptEncoding, ContentEncoding, Encoding, HeaderValue};
use actix_web::http::{StatusCode, header::HeaderMap};
use actix_web::{HttpMessage, HttpRequest};

/// Bodies shorter than this are sent as they are: compressing them saves
/// next to nothing (a problem, a small JSON document fit in one packet).
pub const MIN_COMPRESSED_BYTES: usize = 1024;

/// What an answer that must not be compressed carries until [`unmark`]
/// takes it away: `Compress` leaves answers with a `Content-Encoding`.
const IDENTITY: HeaderValue = HeaderValue::from_static("identity");

/// The codings `Compress` offers, as actix-web's default features build it.
const SUPPORTED: &[Encoding] = &[
    Encoding::identity(),
    Encoding::brotli(),
    Encoding::gzip(),
    Encoding::deflate(),
    Encoding::zstd(),
];

/// The coding `Compress` picks for a request by its `Accept-Encoding`
/// (`None` when it takes none of them: `Compress` answers 406).
pub fn negotiated(req: &HttpRequest) -> Option<ContentEncoding> {
    let Some(accept) = req.get_header::<AcceptEncoding>() else {
        return Some(ContentEncoding::Identity);
    };
    match AcceptEncoding::negotiate(&accept, SUPPORTED.iter()) {
        Some(Encoding::Known(coding)) => Some(coding),
        Some(Encoding::Unknown(_)) | None => None,
    }
}

/// The coding a response will be sent in: the one its handler gave it,
/// else the negotiated one when `Compress` will apply it. Marks bodies too
/// small to compress (see [`unmark`]).
pub fn of_response(
    status: StatusCode,
    headers: &mut HeaderMap,
    body_len: Option<usize>,
    negotiated: ContentEncoding,
) -> Coding {
    if let Some(coding) = headers.get(header::CONTENT_ENCODING) {
        let coding = coding
            .to_str()
            .ok()
            .and_then(|c| ContentEncoding::try_from(c).ok())
            .unwrap_or(ContentEncoding::Identity);
        return Coding::ByHandler(coding);
    }
    let compressible = !matches!(
        status,
        StatusCode::SWITCHING_PROTOCOLS | StatusCode::NO_CONTENT | StatusCode::PARTIAL_CONTENT
    ) && compressible_type(headers.get(header::CONTENT_TYPE));
    match body_len {
        Some(0) => Coding::Identity,
        _ if !compressible => Coding::Identity,
        Some(n) if n < MIN_COMPRESSED_BYTES => {
            headers.insert(header::CONTENT_ENCODING, IDENTITY);
            Coding::Identity
        }
        _ => Coding::Negotiated(negotiated),
    }
}

/// How a response's body is coded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// As it is, whatever the request accepts.
    Identity,
    /// By its handler (a gzipped tile or asset), after `Accept-Encoding`.
    ByHandler(ContentEncoding),
    /// By `Compress`, after `Accept-Encoding` (identity if it takes no other).
    Negotiated(ContentEncoding),
}

impl Coding {
    /// The coding applied.
    pub fn applied(self) -> ContentEncoding {
        match self {
            Self::Identity => ContentEncoding::Identity,
            Self::ByHandler(c) | Self::Negotiated(c) => c,
        }
    }

    /// Whether the body would differ with another `Accept-Encoding`.
    pub fn varies(self) -> bool {
        !matches!(self, Self::Identity)
    }
}

/// `Compress`'s own rule: images (but SVG) and video are left alone.
fn compressible_type(content_type: Option<&HeaderValue>) -> bool {
    let Some(media) = content_type.and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let media = media.split(';').next().unwrap_or("").trim();
    let (kind, subtype) = media.split_once('/').unwrap_or((media, ""));
    if kind.eq_ignore_ascii_case("image") {
        return subtype.eq_ignore_ascii_case("svg+xml");
    }
    !kind.eq_ignore_ascii_case("video")
}

/// Takes away the marker of answers left uncompressed (outside `Compress`).
pub fn unmark(headers: &mut HeaderMap) {
    if headers.get(header::CONTENT_ENCODING) == Some(&IDENTITY) {
        headers.remove(header::CONTENT_ENCODING);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn picked(accept: Option<&str>) -> Option<ContentEncoding> {
        let mut req = TestRequest::get();
        if let Some(a) = accept {
            req = req.insert_header((header::ACCEPT_ENCODING, a));
        }
        negotiated(&req.to_http_request())
    }

    #[test]
    fn negotiation_follows_accept_encoding() {
        assert_eq!(picked(None), Some(ContentEncoding::Identity));
        assert_eq!(picked(Some("gzip, br")), Some(ContentEncoding::Brotli));
        assert_eq!(picked(Some("gzip")), Some(ContentEncoding::Gzip));
        assert_eq!(picked(Some("br;q=0.5, gzip")), Some(ContentEncoding::Gzip));
        assert_eq!(picked(Some("compress")), Some(ContentEncoding::Identity));
        assert_eq!(picked(Some("compress, identity;q=0")), None);
    }

    #[test]
    fn small_bodies_and_images_stay_as_they_are() {
        let mut headers = HeaderMap::new();
        let br = ContentEncoding::Brotli;
        let coding = of_response(StatusCode::OK, &mut headers, Some(100), br);
        assert_eq!(coding, Coding::Identity);
        assert_eq!(headers.get(header::CONTENT_ENCODING), Some(&IDENTITY));
        unmark(&mut headers);
        assert!(headers.is_empty());
        let coding = of_response(StatusCode::OK, &mut headers, Some(5000), br);
        assert_eq!(coding, Coding::Negotiated(br));
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
        let coding = of_response(StatusCode::OK, &mut headers, Some(5000), br);
        assert_eq!(coding, Coding::Identity);
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        let coding = of_response(StatusCode::OK, &mut headers, Some(5000), br);
        assert_eq!(coding, Coding::ByHandler(ContentEncoding::Gzip));
    }
}
