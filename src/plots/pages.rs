//! The HTML forms of the plots collection: the collection, a page of
//! plots (a map of the page and a table) and one plot's fact sheet (its
//! boundary on a map and every characteristic, grouped as the catalogue
//! groups them, labelled in the reader's language).

use askama::Template;
use serde_json::Value;

use super::catalogue::{self, COLLECTION_ID, Group, Kind, PROPERTIES, Property};
use super::codes::STATUS_COLOURS;
use super::queries::LandUseCode;
use crate::html::i18n::{Lang, Messages};
use crate::html::page::Page;
use crate::html::{assets, format};

/// Distances shown with the name of the place they are measured to.
const DISTANCE_PLACES: &[(&str, &str)] = &[
    ("port_distance_m", "port_name"),
    ("rail_terminal_distance_m", "rail_terminal_name"),
    ("motorway_distance_m", "motorway_junction_name"),
    ("station_distance_m", "station_name"),
];

/// Labels in one language: the catalogue's texts and the land-use names.
pub struct Labels<'a> {
    pub lang: Lang,
    pub t: &'static Messages,
    land_uses: &'a [LandUseCode],
}

/// One shown piece of a value: text, perhaps a link.
pub struct Cell {
    pub text: String,
    pub href: Option<String>,
}

impl Cell {
    fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            href: None,
        }
    }

    fn link(text: impl Into<String>, href: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            href: Some(href.into()),
        }
    }
}

impl<'a> Labels<'a> {
    pub fn new(lang: Lang, land_uses: &'a [LandUseCode]) -> Self {
        Self {
            lang,
            t: lang.messages(),
            land_uses,
        }
    }

    /// A property's label.
    pub fn property(&self, p: &Property) -> String {
        self.t
            .find(&format!("prop.{}", p.name))
            .unwrap_or(p.title)
            .to_owned()
    }

    /// A group's heading.
    pub fn group(&self, g: Group) -> String {
        let key = format!("group.{}", format!("{g:?}").to_lowercase());
        self.t.find(&key).unwrap_or(&key).to_owned()
    }

    /// The label of a code of a property's code list.
    pub fn code(&self, property: &str, value: &str) -> String {
        self.t
            .find(&format!("code.{property}.{value}"))
            .unwrap_or(value)
            .to_owned()
    }

    /// A land-use code with its name, `1340 Industri`.
    pub fn land_use(&self, code: i64) -> String {
        match self.land_uses.iter().find(|c| i64::from(c.code) == code) {
            Some(c) => format!(
                "{code} {}",
                match self.lang {
                    Lang::Nb => &c.name_nb,
                    Lang::En => &c.name_en,
                }
            ),
            None => code.to_string(),
        }
    }

    fn number(&self, v: f64) -> String {
        if v.fract() == 0.0 {
            format::number(self.lang, v, 0)
        } else {
            format::number(self.lang, v, 1)
        }
    }

    /// A property's value, as shown; empty when it has none.
    pub fn value(&self, p: &Property, v: &Value, props: &Value) -> Vec<Cell> {
        let t = self.t;
        match (p.kind, v) {
            (_, Value::Null) => vec![],
            (Kind::Text, Value::String(s)) if p.codes.is_some() => {
                vec![Cell::text(self.code(p.name, s))]
            }
            (Kind::Text, Value::String(s)) if p.name == "contact_email" => {
                vec![Cell::link(s.clone(), format!("mailto:{s}"))]
            }
            (Kind::Text, Value::String(s)) if p.name == "contact_phone" => {
                vec![Cell::link(s.clone(), format!("tel:{}", s.replace(' ', "")))]
            }
            (Kind::Integer, Value::Number(n)) if p.name == "land_use" => {
                vec![Cell::text(self.land_use(n.as_i64().unwrap_or_default()))]
            }
            (Kind::Integer | Kind::Number, Value::Number(n)) => {
                let mut text = self.number(n.as_f64().unwrap_or_default());
                if let Some((_, place)) = DISTANCE_PLACES.iter().find(|(d, _)| *d == p.name)
                    && let Some(name) = props[*place].as_str()
                {
                    text = format!("{text} ({name})");
                }
                vec![Cell::text(text)]
            }
            (Kind::Boolean, Value::Bool(b)) => {
                vec![Cell::text(t.get(if *b { "value.yes" } else { "value.no" }))]
            }
            (Kind::Date, Value::String(s)) => match s.parse() {
                Ok(d) => vec![Cell::text(format::date(self.lang, d))],
                Err(_) => vec![Cell::text(s.clone())],
            },
            (Kind::Timestamp, Value::String(s)) => match s.parse::<chrono::DateTime<chrono::Utc>>()
            {
                Ok(d) => vec![Cell::text(format::date(self.lang, d.date_naive()))],
                Err(_) => vec![Cell::text(s.clone())],
            },
            (Kind::TextList, Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(|s| {
                    Cell::text(match p.codes {
                        Some(_) => self.code(p.name, s),
                        None => s.to_owned(),
                    })
                })
                .collect(),
            (Kind::Uuids, Value::Array(ids)) => ids
                .iter()
                .filter_map(Value::as_str)
                .map(|id| Cell::link(id.to_owned(), format!("{id}?f=html")))
                .collect(),
            (Kind::Documents, Value::Array(docs)) => docs
                .iter()
                .filter_map(|d| {
                    let url = d["url"].as_str()?;
                    Some(Cell::link(
                        d["title"].as_str().unwrap_or(url).to_owned(),
                        url.to_owned(),
                    ))
                })
                .collect(),
            (_, Value::String(s)) => vec![Cell::text(s.clone())],
            (_, other) => vec![Cell::text(other.to_string())],
        }
    }
}

/// One row of a fact sheet.
pub struct Row {
    pub label: String,
    pub cells: Vec<Cell>,
}

/// One group of a fact sheet.
pub struct Section {
    pub id: String,
    pub title: String,
    pub rows: Vec<Row>,
}

/// Every property of a plot by group, in the catalogue's order; the names
/// of the places distances are measured to are shown with the distances.
fn sections(labels: &Labels, props: &Value) -> Vec<Section> {
    let mut shown: Vec<&Property> = PROPERTIES
        .iter()
        .filter(|p| !DISTANCE_PLACES.iter().any(|(_, place)| *place == p.name))
        .collect();
    // By group, in the catalogue's order within each.
    shown.sort_by_key(|p| p.group);
    let mut sections: Vec<Section> = vec![];
    for p in shown {
        let row = Row {
            label: labels.property(p),
            cells: labels.value(p, &props[p.name], props),
        };
        let id = format!("{:?}", p.group).to_lowercase();
        match sections.last_mut() {
            Some(s) if s.id == id => s.rows.push(row),
            _ => sections.push(Section {
                id,
                title: labels.group(p.group),
                rows: vec![row],
            }),
        }
    }
    sections
}

/// A status as shown: its label and colours.
pub struct Badge {
    pub label: String,
    pub status: String,
}

fn badge(labels: &Labels, props: &Value) -> Badge {
    let status = props["status"].as_str().unwrap_or_default().to_owned();
    Badge {
        label: labels.code("status", &status),
        status,
    }
}

/// What the page's map script needs: where MapLibre and the tiles are,
/// and the colours of the statuses (the map page adds its bounds, language
/// and basemap).
pub fn map_config(page: &Page) -> serde_json::Value {
    let colours: Vec<_> = STATUS_COLOURS
        .iter()
        .map(|(status, colours)| serde_json::json!([status, colours]))
        .collect();
    serde_json::json!({
        "base": page.base,
        "maplibre": assets::vendored(&page.base, "maplibre-gl", "maplibre-gl.mjs"),
        "maplibreCss": assets::vendored(&page.base, "maplibre-gl", "maplibre-gl.css"),
        "tiles": format!("{}/collections/{COLLECTION_ID}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}", page.base),
        "layer": "plots",
        "colours": colours,
    })
}

/// The statuses with their colours, for legends.
pub fn legend(labels: &Labels) -> Vec<(String, String, &'static str)> {
    STATUS_COLOURS
        .iter()
        .map(|(status, [fill, _])| ((*status).to_owned(), labels.code("status", status), *fill))
        .collect()
}

#[derive(Template)]
#[template(path = "plot.html")]
struct PlotView<'a> {
    page: &'a Page,
    reference: String,
    badge: Badge,
    summary: Vec<Row>,
    sections: Vec<Section>,
    feature: String,
    map_config: String,
    map_script: String,
    id: String,
}

/// The facts people look for first.
const SUMMARY: &[&str] = &[
    "area_daa",
    "land_use",
    "location_class",
    "available_from",
    "offer_type",
    "price_nok_per_m2",
    "lease_nok_per_m2_year",
    "locality",
];

/// One plot's page.
pub fn plot(page: &Page, labels: &Labels, feature: &Value) -> askama::Result<String> {
    let props = &feature["properties"];
    let summary = SUMMARY
        .iter()
        .filter_map(|name| catalogue::property(name))
        .map(|p| Row {
            label: labels.property(p),
            cells: labels.value(p, &props[p.name], props),
        })
        .filter(|r| !r.cells.is_empty())
        .collect();
    PlotView {
        page,
        reference: props["reference"].as_str().unwrap_or_default().to_owned(),
        badge: badge(labels, props),
        summary,
        sections: sections(labels, props),
        feature: feature.to_string(),
        map_config: map_config(page).to_string(),
        map_script: page.asset("pages.js"),
        id: feature["id"].as_str().unwrap_or_default().to_owned(),
    }
    .render()
}

/// One line of the items table.
pub struct Line {
    pub href: String,
    pub reference: String,
    pub name: String,
    pub locality: String,
    pub area_daa: String,
    pub land_use: String,
    pub badge: Badge,
    pub available_from: String,
    pub distance: Option<String>,
}

/// The choices of a select of the filter form: (value, label, chosen).
pub struct Choice {
    pub name: &'static str,
    pub label: String,
    pub options: Vec<(String, String, bool)>,
}

#[derive(Template)]
#[template(path = "items.html")]
struct ItemsView<'a> {
    page: &'a Page,
    lines: Vec<Line>,
    matched: Option<String>,
    returned: usize,
    /// Whether the lines have distances (a `near` search).
    measured: bool,
    next: Option<String>,
    prev: Option<String>,
    choices: Vec<Choice>,
    collection: String,
    map_config: String,
    map_script: String,
    legend: Vec<(String, String, &'static str)>,
}

/// A page of plots: `collection` is the FeatureCollection as served;
/// `pairs` the query as given (for the filter form's current values).
pub fn items(
    page: &Page,
    labels: &Labels,
    collection: &Value,
    pairs: &[(String, String)],
) -> askama::Result<String> {
    let features = collection["features"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let lines: Vec<Line> = features
        .iter()
        .map(|f| {
            let props = &f["properties"];
            let text = |name: &str| props[name].as_str().unwrap_or_default().to_owned();
            let shown = |name: &str| {
                catalogue::property(name)
                    .map(|p| labels.value(p, &props[name], props))
                    .and_then(|cells| cells.into_iter().next())
                    .map(|c| c.text)
                    .unwrap_or_default()
            };
            Line {
                href: format!(
                    "{}/collections/plots/items/{}?f=html",
                    page.base,
                    f["id"].as_str().unwrap_or_default()
                ),
                reference: text("reference"),
                name: text("name"),
                locality: text("locality"),
                area_daa: shown("area_daa"),
                land_use: shown("land_use"),
                badge: badge(labels, props),
                available_from: shown("available_from"),
                distance: props["distance_m"]
                    .as_f64()
                    .map(|d| format::number(labels.lang, d, 0)),
            }
        })
        .collect();
    let link = |rel: &str| {
        collection["links"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|l| l["rel"] == rel)
            .and_then(|l| l["href"].as_str())
            .map(html_form)
    };
    let chosen = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let choice = |name: &'static str, values: Vec<(String, String)>| {
        let current = chosen(name);
        Choice {
            name,
            label: catalogue::property(name)
                .map(|p| labels.property(p))
                .unwrap_or_default(),
            options: values
                .into_iter()
                .map(|(v, l)| {
                    let on = current == Some(v.as_str());
                    (v, l, on)
                })
                .collect(),
        }
    };
    let codes = |name: &'static str| {
        let values = catalogue::property(name)
            .and_then(|p| p.codes)
            .unwrap_or_default();
        choice(
            name,
            values
                .iter()
                .map(|v| ((*v).to_owned(), labels.code(name, v)))
                .collect(),
        )
    };
    let choices = vec![
        codes("status"),
        choice(
            "land_use",
            labels
                .land_uses
                .iter()
                .map(|c| (c.code.to_string(), labels.land_use(c.code.into())))
                .collect(),
        ),
        codes("location_class"),
        codes("readiness"),
    ];
    ItemsView {
        page,
        measured: lines.iter().any(|l: &Line| l.distance.is_some()),
        lines,
        matched: collection["numberMatched"]
            .as_i64()
            .map(|n| format::integer(labels.lang, n)),
        returned: features.len(),
        next: link("next"),
        prev: link("prev"),
        choices,
        collection: collection.to_string(),
        map_config: map_config(page).to_string(),
        map_script: page.asset("pages.js"),
        legend: legend(labels),
    }
    .render()
}

/// A listing's link as its HTML form (`f=html`).
fn html_form(href: &str) -> String {
    let Ok(mut url) = url::Url::parse(href) else {
        return href.to_owned();
    };
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(n, _)| n != "f")
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(pairs)
        .append_pair("f", "html");
    url.to_string()
}
