//! The language of a page, Norwegian bokmål unless the reader asks for
//! English, and the message catalogue of each language: every text of the
//! pages and the map, and the labels of properties and code lists, keyed
//! alike in `messages/nb.json` and `messages/en.json`.
//!
//! The reader chooses with the switch on every page (`?lang=en`), which
//! the [`remember_choice`] middleware turns into a cookie and a redirect to
//! the same URL without it; without a choice, `Accept-Language` decides.

use std::collections::HashMap;
use std::sync::LazyLock;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse};

/// The name of the cookie and of the query parameter that choose a language.
pub const CHOICE: &str = "lang";

/// A language of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Norwegian bokmål, the default.
    Nb,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Nb, Lang::En];

    /// The BCP 47 tag (`lang` attribute, `Content-Language`).
    pub fn tag(self) -> &'static str {
        match self {
            Self::Nb => "nb",
            Self::En => "en",
        }
    }

    /// The other language (the switch offers it).
    pub fn other(self) -> Self {
        match self {
            Self::Nb => Self::En,
            Self::En => Self::Nb,
        }
    }

    /// The language of a tag (`nb`, `no`, `nn`, `en`, `en-GB`, …), if we speak it.
    pub fn parse(tag: &str) -> Option<Self> {
        match tag.trim().to_ascii_lowercase().as_str() {
            "nb" | "no" | "nn" | "nb-no" | "nn-no" | "no-no" => Some(Self::Nb),
            t if t == "en" || t.starts_with("en-") => Some(Self::En),
            _ => None,
        }
    }

    /// The reader's language: the cookie of an earlier choice, else the
    /// first of `Accept-Language` we speak (by quality), else bokmål.
    pub fn of(req: &HttpRequest) -> Self {
        Self::asked(req).unwrap_or(Self::Nb)
    }

    /// The language the request asks for, if any: the cookie of an earlier
    /// choice, else the first of `Accept-Language` we speak.
    pub fn asked(req: &HttpRequest) -> Option<Self> {
        if let Some(lang) = req.cookie(CHOICE).and_then(|c| Self::parse(c.value())) {
            return Some(lang);
        }
        let accept = req
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        from_accept_language(accept)
    }

    /// This language's catalogue.
    pub fn messages(self) -> &'static Messages {
        match self {
            Self::Nb => &NB,
            Self::En => &EN,
        }
    }
}

fn from_accept_language(accept: &str) -> Option<Lang> {
    let mut best: Option<(f32, Lang)> = None;
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let Some(lang) = parts.next().and_then(Lang::parse) else {
            continue;
        };
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, lang)| lang)
}

/// `text` with each `{name}` of `values` replaced, in one pass (a value
/// that itself holds `{…}` is left as it is).
pub fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len() + 256);
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let value = after.find('}').and_then(|end| {
            let name = &after[..end];
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v, end))
        });
        match value {
            Some((value, end)) => {
                out.push_str(value);
                rest = &after[end + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// One language's texts by key.
#[derive(Debug)]
pub struct Messages {
    texts: HashMap<String, String>,
}

impl Messages {
    fn load(json: &str) -> Self {
        let texts =
            serde_json::from_str(json).expect("a message catalogue is a JSON object of texts");
        Self { texts }
    }

    /// The text of `key`; the key itself when the catalogue lacks it (a
    /// test keeps the catalogues complete).
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.texts.get(key).map_or(key, String::as_str)
    }

    /// The text of `key` with each `{name}` of `values` filled in (one pass).
    pub fn fill(&self, key: &str, values: &[(&str, &str)]) -> String {
        fill(self.get(key), values)
    }

    /// The text of `key`, if the catalogue has it.
    pub fn find(&self, key: &str) -> Option<&str> {
        self.texts.get(key).map(String::as_str)
    }

    /// The texts whose keys start with `prefix`, for the map's script.
    pub fn with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.texts
            .iter()
            .filter(move |(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Every key.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.texts.keys().map(String::as_str)
    }
}

static NB: LazyLock<Messages> = LazyLock::new(|| Messages::load(include_str!("messages/nb.json")));
static EN: LazyLock<Messages> = LazyLock::new(|| Messages::load(include_str!("messages/en.json")));

/// A GET with `?lang=nb|en` (the language switch) is answered with a
/// redirect to the same URL without it, setting the choice as a cookie.
pub async fn remember_choice(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let choice = (req.method() == actix_web::http::Method::GET)
        .then(|| {
            url::form_urlencoded::parse(req.query_string().as_bytes())
                .find(|(name, _)| name == CHOICE)
                .and_then(|(_, v)| Lang::parse(&v))
        })
        .flatten();
    let Some(lang) = choice else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let rest: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .filter(|(name, _)| name != CHOICE)
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect();
    let mut location = req.path().to_owned();
    if !rest.is_empty() {
        location.push('?');
        location.push_str(
            &url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(rest)
                .finish(),
        );
    }
    let cookie = Cookie::build(CHOICE, lang.tag())
        .path("/")
        .max_age(Duration::days(365))
        .same_site(SameSite::Lax)
        .http_only(true)
        .finish();
    let response = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .cookie(cookie)
        .finish();
    Ok(req.into_response(response))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_best_we_speak() {
        assert_eq!(from_accept_language("en-GB,en;q=0.9"), Some(Lang::En));
        assert_eq!(
            from_accept_language("nb-NO,nb;q=0.9,en;q=0.8"),
            Some(Lang::Nb)
        );
        assert_eq!(
            from_accept_language("de-DE, en;q=0.5, nn;q=0.7"),
            Some(Lang::Nb)
        );
        assert_eq!(from_accept_language("de"), None);
        assert_eq!(from_accept_language(""), None);
    }

    #[test]
    fn the_catalogues_have_the_same_keys() {
        let mut nb: Vec<_> = NB.keys().collect();
        let mut en: Vec<_> = EN.keys().collect();
        nb.sort_unstable();
        en.sort_unstable();
        let only_nb: Vec<_> = nb.iter().filter(|k| !en.contains(k)).collect();
        let only_en: Vec<_> = en.iter().filter(|k| !nb.contains(k)).collect();
        assert!(
            only_nb.is_empty() && only_en.is_empty(),
            "only in nb: {only_nb:?}; only in en: {only_en:?}"
        );
    }

    /// Every `t.get("…")` of the templates names a text of the catalogues.
    #[test]
    fn templates_use_only_known_texts() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/html");
        let mut missing = vec![];
        for entry in walk(std::path::Path::new(dir)) {
            let text = std::fs::read_to_string(&entry).unwrap();
            for piece in text.split("t.get(\"").skip(1) {
                let key = piece.split('"').next().unwrap();
                if NB.find(key).is_none() {
                    missing.push(format!("{}: {key}", entry.display()));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "texts not in the catalogue: {missing:?}"
        );
    }

    fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut files = vec![];
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() && !path.ends_with("vendor") {
                files.extend(walk(&path));
            } else if path.extension().is_some_and(|e| e == "html" || e == "js") {
                files.push(path);
            }
        }
        files
    }
}
