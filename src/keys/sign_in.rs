//! Planners in a browser: `/sign-in` takes an API key in a form and keeps
//! it in a cookie (HttpOnly, SameSite=Strict, Secure over https) that the
//! browser then sends with every read, so that planners' pages (the demand
//! report) open like any other; `/sign-out` forgets it. The cookie counts
//! for GET and HEAD only ([`Caller`]): writes still need the Authorization
//! header, so no page on another site can make a browser write with it.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;

use super::store;
use crate::error::ApiError;
use crate::html::page::{Page, headers};
use crate::http::caller::{Caller, KEY_COOKIE};
use crate::http::params::QueryParams;
use crate::state::AppState;

/// The largest sign-in form taken.
const MAX_FORM_BYTES: usize = 4096;

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInView<'a> {
    page: &'a Page,
    next: String,
    wrong: bool,
    signed_in_as: Option<String>,
}

/// Where to go after signing in: a path of this service (never another
/// site), the landing page otherwise.
fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.to_owned(),
        _ => "/".to_owned(),
    }
}

fn page(
    req: &HttpRequest,
    state: &AppState,
    next: String,
    wrong: bool,
    signed_in_as: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let base = state.base_url(req);
    let t = Page::texts(req);
    let page = Page::new(req, &base, t.get("sign_in.title"))
        .crumb(t.get("landing.title"), format!("{base}/"));
    let html = SignInView {
        page: &page,
        next,
        wrong,
        signed_in_as,
    }
    .render()
    .map_err(|e| anyhow::anyhow!("rendering a page: {e}"))?;
    let mut response = HttpResponse::Ok();
    for (name, value) in headers(page.lang, "") {
        response.insert_header((name, value));
    }
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    Ok(response.body(html))
}

/// The sign-in page for planners: a form for the API key.
#[utoipa::path(tag = "Pages", params(("next" = Option<String>, Query, description = "The path to go to after signing in"),
        ("wrong" = Option<String>, Query, description = "`1`: the key just given was not valid")),
    responses((status = 200, description = "The sign-in page", content_type = "text/html"),
        crate::http::problems::BadQueryNamed, crate::http::problems::Unavailable))]
#[get("/sign-in")]
pub async fn sign_in_page(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let p = QueryParams::parse(req.query_string());
    let next = local_path(p.get("next"));
    let wrong = p.get("wrong") == Some("1");
    p.finish(&["next", "wrong", "lang"])?;
    let signed_in_as = match caller {
        Caller::Key { name, .. } => Some(name),
        Caller::Anonymous => None,
    };
    page(&req, &state, next, wrong, signed_in_as)
}

/// Signs a planner in: the key from the form (`key`, `next`), checked, kept
/// in the cookie; then on to `next` (303). A wrong key: back to the form,
/// which says so (303 to `/sign-in?wrong=1`).
#[utoipa::path(tag = "Pages",
    request_body(content_type = "application/x-www-form-urlencoded", content = String, description = "`key=<API key>&next=<path>`"),
    responses((status = 303, description = "Signed in: on to `next`; or not a valid key: back to the form, which says so"),
              crate::http::problems::TooLarge, crate::http::problems::NotAForm,
              crate::http::problems::Unavailable))]
#[post("/sign-in")]
pub async fn sign_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    crate::http::body::check_content_type(&req, &["application/x-www-form-urlencoded"])?;
    let body = crate::http::body::read_body(&req, body, MAX_FORM_BYTES).await?;
    let mut key = String::new();
    let mut next = None;
    for (name, value) in url::form_urlencoded::parse(&body) {
        match name.as_ref() {
            "key" => key = value.trim().to_owned(),
            "next" => next = Some(value.into_owned()),
            _ => {}
        }
    }
    let next = local_path(next.as_deref());
    let found = if key.is_empty() {
        None
    } else {
        let mut conn = state.conn().await?;
        store::find_active(&mut conn, &key).await?
    };
    let base = state.base_url(&req);
    if found.is_none() {
        // Back to the form, which says so (and a reload does not post the
        // key again).
        let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
        return Ok(HttpResponse::SeeOther()
            .insert_header((
                header::LOCATION,
                format!("{base}/sign-in?wrong=1&next={next}"),
            ))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish());
    }
    let secure = base.starts_with("https://");
    let cookie = Cookie::build(KEY_COOKIE, key)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .finish();
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("{base}{next}")))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .cookie(cookie)
        .finish())
}

/// Signs out: the cookie is forgotten; on to the landing page (303).
#[utoipa::path(tag = "Pages", responses((status = 303, description = "Signed out")))]
#[post("/sign-out")]
pub async fn sign_out(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let mut gone = Cookie::build(KEY_COOKIE, "").path("/").finish();
    gone.make_removal();
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("{}/", state.base_url(&req))))
        .cookie(gone)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_this_services_paths_are_followed() {
        assert_eq!(
            local_path(Some("/demand?from=2026-01-01")),
            "/demand?from=2026-01-01"
        );
        for other in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "demand",
            "",
        ] {
            assert_eq!(local_path(Some(other)), "/", "{other}");
        }
        assert_eq!(local_path(None), "/");
    }
}
