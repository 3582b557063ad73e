//! `GET /map` and `GET /reference-places`.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};
use strum::VariantNames;

use crate::error::ApiError;
use crate::html::i18n::Lang;
use crate::html::page::{Page, respond_with};
use crate::http::params::{QueryParams, list_of};
use crate::http::{media, problems};
use crate::plots::codes::{LocationClass, Status};
use crate::plots::pages::{Labels, legend, map_config};
use crate::plots::queries;
use crate::state::AppState;
use uuid::Uuid;

/// The map page's own parameters: the filter panel's fields as a person
/// fills them in (areas in daa, distances in km), and a plot to open.
const MAP_PARAMS: &[&str] = &[
    "area_min",
    "area_max",
    "status",
    "location_class",
    "land_use",
    "min_power_kw",
    "max_port_km",
    "max_motorway_km",
    "max_station_km",
    "available_by",
    "plot",
    "f",
];

/// The texts the map's script uses, by key prefix.
const SCRIPT_TEXTS: &[&str] = &[
    "js.",
    "code.",
    "prop.",
    "need.",
    "value.",
    "finder.places.add",
];

/// A checkbox of the filter panel.
struct Opt {
    value: String,
    label: String,
    on: bool,
}

/// The filter panel as the URL fills it in.
struct MapForm {
    area_min: String,
    area_max: String,
    min_power_kw: String,
    max_port_km: String,
    max_motorway_km: String,
    max_station_km: String,
    available_by: String,
    status: Vec<Opt>,
    location_class: Vec<Opt>,
    land_use: Vec<Opt>,
    list_url: String,
}

#[derive(Template)]
#[template(path = "map.html")]
struct MapView<'a> {
    page: &'a Page,
    form: MapForm,
    config: String,
    messages: String,
    legend: Vec<(String, String, &'static str)>,
    script: String,
    /// MapLibre's module and stylesheet, fetched with the page.
    maplibre: String,
    maplibre_css: String,
}

fn non_negative(value: &str) -> Result<String, String> {
    match value.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && n >= 0.0 => Ok(value.trim().to_owned()),
        _ => Err(format!("must be a number of at least 0, got `{value}`")),
    }
}

/// A number of at least 0, or blank for no filter (a plain form submission
/// sends its blank fields as `name=`). For the OpenAPI document.
struct BlankOrNumber;

impl utoipa::PartialSchema for BlankOrNumber {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Type};
        AnyOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Number)
                    .minimum(Some(0.0)),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .max_length(Some(0)),
            )
            .into()
    }
}

impl utoipa::ToSchema for BlankOrNumber {}

/// The map of vacant business land: plots coloured by status, a filter
/// panel, a card per plot with an enquiry form, the site finder and the
/// reserve. The query holds the filter (as the panel shows it) so that a
/// view can be bookmarked; the map's position is in the fragment.
#[utoipa::path(
    tag = "Pages",
    params(
        ("area_min" = inline(Option<BlankOrNumber>), Query, description = "Smallest area, daa"),
        ("area_max" = inline(Option<BlankOrNumber>), Query, description = "Largest area, daa"),
        ("status" = Option<String>, Query, description = "Statuses, comma-separated or repeated"),
        ("location_class" = Option<String>, Query, description = "ABC location classes"),
        ("land_use" = Option<String>, Query, description = "SOSI land-use codes"),
        ("min_power_kw" = inline(Option<BlankOrNumber>), Query, description = "Least power capacity, kW"),
        ("max_port_km" = inline(Option<BlankOrNumber>), Query, description = "Farthest from a port, km"),
        ("max_motorway_km" = inline(Option<BlankOrNumber>), Query, description = "Farthest from a motorway junction, km"),
        ("max_station_km" = inline(Option<BlankOrNumber>), Query, description = "Farthest from a train station, km"),
        ("available_by" = Option<String>, Query, description = "Available by this date, YYYY-MM-DD"),
        ("plot" = Option<String>, Query, description = "A plot to open on the map, by id"),
    ),
    responses(
        (status = 200, description = "The map page", body = String, content_type = "text/html"),
        problems::BadQuery,
        problems::Unavailable,
    )
)]
#[get("/map")]
pub async fn map_page(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    // The checkboxes of a plain form submission repeat their name, and its
    // fields left blank come as `name=` (a browser without JavaScript sends
    // every field of the filter form): blank is no filter.
    let mut merged: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        if value.is_empty() {
            continue;
        }
        merged
            .entry(name.into_owned())
            .or_default()
            .push(value.into_owned());
    }
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(merged.iter().map(|(n, v)| (n, v.join(","))))
        .finish();
    let mut p = QueryParams::parse(&query);
    p.check_format(&["html"]);
    let number = |p: &mut QueryParams, name: &str| p.parsed(name, non_negative).unwrap_or_default();
    let area_min = number(&mut p, "area_min");
    let area_max = number(&mut p, "area_max");
    let min_power_kw = number(&mut p, "min_power_kw");
    let max_port_km = number(&mut p, "max_port_km");
    let max_motorway_km = number(&mut p, "max_motorway_km");
    let max_station_km = number(&mut p, "max_station_km");
    let available_by = p
        .parsed("available_by", |v| {
            chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map(|d| d.to_string())
                .map_err(|_| format!("must be a date, YYYY-MM-DD, got `{v}`"))
        })
        .unwrap_or_default();
    let codes = |p: &mut QueryParams, name: &str, known: &[&str]| {
        p.parsed(name, |v| {
            list_of(v, |c| match known.contains(&c) {
                true => Ok(c.to_owned()),
                false => Err(format!("`{c}` is not one of {}", known.join(", "))),
            })
        })
        .unwrap_or_default()
    };
    let statuses = codes(&mut p, "status", Status::VARIANTS);
    let classes = codes(&mut p, "location_class", LocationClass::VARIANTS);
    let land_use_codes: Vec<i32> = p
        .parsed("land_use", |v| {
            list_of(v, |c| {
                c.parse::<i32>()
                    .map_err(|_| format!("`{c}` is not a land-use code"))
            })
        })
        .unwrap_or_default();
    p.parsed("plot", |v| {
        Uuid::parse_str(v).map_err(|_| format!("`{v}` is not a plot id (a UUID)"))
    });
    p.finish(MAP_PARAMS)?;

    let mut conn = state.read_conn(true).await?;
    let land_uses = queries::land_use_codes(&mut conn).await?;
    let extent = queries::extent(&mut conn).await?;
    drop(conn);

    let base = state.base_url(&req);
    let t = Page::texts(&req);
    let page = Page::new(&req, &base, t.get("map.title"))
        .crumb(t.get("landing.title"), format!("{base}/"))
        .section("map");
    let labels = Labels::new(page.lang, &land_uses);
    let option = |value: String, label: String, chosen: &[String]| {
        let on = chosen.contains(&value);
        Opt { value, label, on }
    };
    let form = MapForm {
        area_min,
        area_max,
        min_power_kw,
        max_port_km,
        max_motorway_km,
        max_station_km,
        available_by,
        status: Status::VARIANTS
            .iter()
            .map(|s| option((*s).to_owned(), labels.code("status", s), &statuses))
            .collect(),
        location_class: LocationClass::VARIANTS
            .iter()
            .map(|c| option((*c).to_owned(), labels.code("location_class", c), &classes))
            .collect(),
        land_use: land_uses
            .iter()
            .map(|c| {
                let on = land_use_codes.contains(&c.code);
                Opt {
                    value: c.code.to_string(),
                    label: labels.land_use(c.code.into()),
                    on,
                }
            })
            .collect(),
        list_url: format!("{base}/collections/plots/items?f=html"),
    };
    let mut config = map_config(&page);
    let [w, s, e, n] = extent.bbox();
    config["bounds"] = json!([[w, s], [e, n]]);
    config["lang"] = json!(page.lang.tag());
    config["countLimit"] = json!(state.api.count_limit);
    config["landUses"] = land_uses
        .iter()
        .map(|c| {
            let name = match page.lang {
                Lang::Nb => &c.name_nb,
                Lang::En => &c.name_en,
            };
            (c.code.to_string(), json!(name))
        })
        .collect::<serde_json::Map<_, _>>()
        .into();
    if let Some(url) = &state.api.basemap_url {
        config["basemap"] = json!({"url": url, "attribution": state.api.basemap_attribution});
    }
    let messages: serde_json::Map<String, Value> = SCRIPT_TEXTS
        .iter()
        .flat_map(|prefix| page.t.with_prefix(prefix))
        .map(|(k, v)| (k.to_owned(), json!(v)))
        .collect();
    let view = MapView {
        form,
        config: config.to_string(),
        messages: Value::Object(messages).to_string(),
        legend: legend(&labels),
        script: page.asset("map.js"),
        maplibre: config["maplibre"].as_str().unwrap_or_default().to_owned(),
        maplibre_css: config["maplibreCss"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        page: &page,
    };
    let extra = state
        .api
        .basemap_origin()
        .map(|o| format!(" {o}"))
        .unwrap_or_default();
    respond_with(page.lang, &extra, view.render())
}

#[derive(QueryableByName)]
struct PlacesRow {
    #[diesel(sql_type = Text)]
    geojson: String,
}

/// The reference places access distances are measured to (ports, rail
/// freight terminals, motorway junctions, train stations), as GeoJSON
/// points with `kind`, `name` and `road`.
#[utoipa::path(
    tag = "Plots",
    responses(
        (status = 200, description = "The reference places", body = Object, content_type = "application/geo+json"),
        problems::Unavailable,
    )
)]
#[get("/reference-places")]
pub async fn reference_places(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let mut conn = state.read_conn(true).await?;
    let row: PlacesRow = diesel::sql_query(
        "SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(json_build_object(\
           'type', 'Feature', 'id', id, 'geometry', ST_AsGeoJSON(geom, 6)::json, \
           'properties', json_build_object('kind', kind, 'name', name, 'road', road, 'demo', is_demo)) \
           ORDER BY kind, name), '[]'::json))::text AS geojson FROM reference_places",
    )
    .get_result(&mut conn)
    .await?;
    Ok(HttpResponse::Ok()
        .content_type(media::GEOJSON)
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(row.geojson))
}
