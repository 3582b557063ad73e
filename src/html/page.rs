//! What every page shares: the base layout's context ([`Page`]: language,
//! title, breadcrumbs, the JSON form of the page and the language switch)
//! and the HTML response with its headers.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use super::assets;
use super::i18n::{self, Lang, Messages};
use crate::error::ApiError;

/// The base layout's context.
pub struct Page {
    pub lang: Lang,
    /// The page's language's texts.
    pub t: &'static Messages,
    /// The `<title>` and `<h1>`.
    pub title: String,
    /// The service's base URL.
    pub base: String,
    /// From the landing page down to this page's parent: (label, URL).
    pub crumbs: Vec<(String, String)>,
    /// The same resource as JSON (`alternate`), with its media type.
    pub json: Option<(String, &'static str)>,
    /// This URL with the other language chosen.
    pub switch: String,
    /// Which part of the navigation this page belongs to.
    pub section: &'static str,
    /// The site's stylesheet.
    pub css: String,
}

impl Page {
    /// A page titled `title`, in the reader's language.
    pub fn new(req: &HttpRequest, base: &str, title: impl Into<String>) -> Self {
        let lang = Lang::of(req);
        let mut switch = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
            if name != i18n::CHOICE {
                switch.append_pair(&name, &value);
            }
        }
        switch.append_pair(i18n::CHOICE, lang.other().tag());
        Self {
            lang,
            t: lang.messages(),
            title: title.into(),
            base: base.to_owned(),
            crumbs: vec![],
            json: None,
            switch: format!("{}?{}", req.path(), switch.finish()),
            section: "",
            css: assets::url(base, "site.css"),
        }
    }

    /// The texts of the reader's language for a page being built.
    pub fn texts(req: &HttpRequest) -> &'static Messages {
        Lang::of(req).messages()
    }

    /// Adds a breadcrumb above this page.
    pub fn crumb(mut self, label: impl Into<String>, url: impl Into<String>) -> Self {
        self.crumbs.push((label.into(), url.into()));
        self
    }

    /// Links the JSON form of this page.
    pub fn json(mut self, url: impl Into<String>, media_type: &'static str) -> Self {
        self.json = Some((url.into(), media_type));
        self
    }

    /// Marks the navigation section.
    pub fn section(mut self, section: &'static str) -> Self {
        self.section = section;
        self
    }

    /// The URL of an asset.
    pub fn asset(&self, name: &str) -> String {
        assets::url(&self.base, name)
    }
}

/// The headers of every HTML answer. The policy lets a page load only
/// what the service serves (and the configured basemap's host, `extra`).
pub fn headers(lang: Lang, extra_sources: &str) -> Vec<(header::HeaderName, String)> {
    vec![
        (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
        (header::CONTENT_LANGUAGE, lang.tag().to_owned()),
        (header::VARY, "Accept, Accept-Language, Cookie".to_owned()),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        (header::REFERRER_POLICY, "same-origin".to_owned()),
        // `frame-ancestors` below, for browsers that know only this.
        (header::X_FRAME_OPTIONS, "SAMEORIGIN".to_owned()),
        (
            header::CONTENT_SECURITY_POLICY,
            format!(
                "default-src 'self'; img-src 'self' data: blob:{extra_sources}; \
                 connect-src 'self'{extra_sources}; worker-src 'self' blob:; child-src blob:; \
                 style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'; \
                 form-action 'self'; frame-ancestors 'self'"
            ),
        ),
    ]
}

/// `response` as the page of a secret link (an alert's, a rating's): never
/// cached, never told to another site.
pub fn no_store(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// A rendered template as the answer.
pub fn respond(lang: Lang, rendered: askama::Result<String>) -> Result<HttpResponse, ApiError> {
    respond_with(lang, "", rendered)
}

/// A rendered template as the answer, allowing the page to load from
/// `extra_sources` too (e.g. ` https://cache.kartverket.no`).
pub fn respond_with(
    lang: Lang,
    extra_sources: &str,
    rendered: askama::Result<String>,
) -> Result<HttpResponse, ApiError> {
    let body = rendered.map_err(|e| anyhow::anyhow!("rendering a page: {e}"))?;
    let mut response = HttpResponse::Ok();
    for (name, value) in headers(lang, extra_sources) {
        response.insert_header((name, value));
    }
    Ok(response.body(body))
}
