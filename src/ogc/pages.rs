//! The HTML forms of the landing page, conformance and the collections.

use askama::Template;

use super::wire::{Collection, Collections, Conformance, LandingPage};
use crate::html::format;
use crate::html::page::Page;
use crate::http::link::Link;

#[derive(Template)]
#[template(path = "landing.html")]
struct LandingView<'a> {
    page: &'a Page,
    links: &'a [Link],
}

#[derive(Template)]
#[template(path = "conformance.html")]
struct ConformanceView<'a> {
    page: &'a Page,
    classes: &'a [String],
}

#[derive(Template)]
#[template(path = "collections.html")]
struct CollectionsView<'a> {
    page: &'a Page,
    collections: &'a [Collection],
}

#[derive(Template)]
#[template(path = "collection.html")]
pub struct CollectionView<'a> {
    page: &'a Page,
    c: &'a Collection,
    bbox: String,
    interval: String,
}

pub fn landing(page: &Page, landing: &LandingPage) -> askama::Result<String> {
    LandingView {
        page,
        links: &landing.links,
    }
    .render()
}

pub fn conformance(page: &Page, conformance: &Conformance) -> askama::Result<String> {
    ConformanceView {
        page,
        classes: &conformance.conforms_to,
    }
    .render()
}

pub fn collections(page: &Page, collections: &Collections) -> askama::Result<String> {
    CollectionsView {
        page,
        collections: &collections.collections,
    }
    .render()
}

pub fn collection(page: &Page, c: &Collection) -> askama::Result<String> {
    let bbox = c
        .extent
        .spatial
        .bbox
        .first()
        .map(|b| b.map(|v| format!("{v:.4}")).join(", "))
        .unwrap_or_default();
    let when = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or("…".to_owned(), |t| {
            format::date(page.lang, t.date_naive())
        })
    };
    let interval = c
        .extent
        .temporal
        .interval
        .first()
        .map(|[a, b]| format!("{} – {}", when(*a), when(*b)))
        .unwrap_or_default();
    CollectionView {
        page,
        c,
        bbox,
        interval,
    }
    .render()
}
