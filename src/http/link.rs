//! Links to related resources, and the links between the pages of a listing.

use serde::Serialize;
use utoipa::ToSchema;

/// Relation types of OGC API that are not IANA's.
pub mod rel {
    /// A collection's vector tilesets.
    pub const TILESETS_VECTOR: &str = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector";
    /// The tile matrix sets of an API.
    pub const TILING_SCHEMES: &str = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes";
    /// A tileset's tile matrix set.
    pub const TILING_SCHEME: &str = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme";
}

/// A link to a related resource.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Link {
    /// The URL.
    pub href: String,
    /// How it relates: `self`, `alternate`, `next`, `prev`, `collection`, `items`, …
    pub rel: String,
    /// Media type of the target.
    #[serde(rename = "type")]
    pub media_type: String,
    /// A title for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// True when `href` is a URI template (RFC 6570), e.g. of a tile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub templated: Option<bool>,
}

impl Link {
    /// A link with a title.
    pub fn new(href: impl Into<String>, rel: &str, media_type: &str, title: &str) -> Self {
        Self {
            href: href.into(),
            rel: rel.to_owned(),
            media_type: media_type.to_owned(),
            title: Some(title.to_owned()),
            templated: None,
        }
    }
}

/// `url` with the query `pairs` (as given) less the parameters `without`,
/// and `extra` appended.
pub fn url_with(
    url: &str,
    pairs: &[(String, String)],
    without: &[&str],
    extra: &[(&str, &str)],
) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs.iter().filter(|(n, _)| !without.contains(&n.as_str())) {
        query.append_pair(name, value);
    }
    for (name, value) in extra {
        query.append_pair(name, value);
    }
    let query = query.finish();
    if query.is_empty() {
        url.to_owned()
    } else {
        format!("{url}?{query}")
    }
}

/// The URL of the page at `cursor` of the listing at `url` asked for with
/// `pairs` (the query as given; its own `cursor` is replaced).
pub fn page_url(url: &str, pairs: &[(String, String)], cursor: Option<&str>) -> String {
    let extra: Vec<(&str, &str)> = cursor.map(|c| ("cursor", c)).into_iter().collect();
    url_with(url, pairs, &["cursor"], &extra)
}

/// The links of one page of a listing at `url` in `media_type`: `self` (at
/// `this`), and `next`/`prev` where there are such pages.
pub struct PageLinks<'a> {
    pub url: &'a str,
    pub pairs: &'a [(String, String)],
    pub media_type: &'a str,
}

impl PageLinks<'_> {
    /// `self` at the cursor `this`.
    pub fn this(&self, this: Option<&str>) -> Link {
        Link::new(
            page_url(self.url, self.pairs, this),
            "self",
            self.media_type,
            "This page",
        )
    }

    /// `next` at the cursor `next`.
    pub fn next(&self, next: &str) -> Link {
        Link::new(
            page_url(self.url, self.pairs, Some(next)),
            "next",
            self.media_type,
            "Next page",
        )
    }

    /// `prev` at the cursor `prev`.
    pub fn prev(&self, prev: &str) -> Link {
        Link::new(
            page_url(self.url, self.pairs, Some(prev)),
            "prev",
            self.media_type,
            "Previous page",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_url_keeps_the_query_and_replaces_the_cursor() {
        let pairs = vec![
            ("limit".to_owned(), "2".to_owned()),
            ("cursor".to_owned(), "old".to_owned()),
            ("q".to_owned(), "a b&c".to_owned()),
        ];
        assert_eq!(
            page_url("http://x/items", &pairs, Some("new")),
            "http://x/items?limit=2&q=a+b%26c&cursor=new"
        );
        assert_eq!(page_url("http://x/items", &[], None), "http://x/items");
    }
}
