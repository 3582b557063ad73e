//! Where a request carries a key: the Authorization header, or in a
//! browser the sign-in cookie. Read by the caller (who is calling) and by
//! the caching layer (an answer to a key is private).

use actix_web::HttpRequest;
use actix_web::http::header;

/// The cookie that holds a planner's key in a browser (set by `/sign-in`).
pub const KEY_COOKIE: &str = "naeringsareal_key";

/// Whether the request carries a key, in the header or the cookie.
pub fn carries_key(req: &HttpRequest) -> bool {
    req.headers().contains_key(header::AUTHORIZATION) || req.cookie(KEY_COOKIE).is_some()
}
