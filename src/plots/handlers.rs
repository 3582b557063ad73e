//! Handlers of the plots collection that are not the listing: the
//! collection's description, one plot (with its `ETag`), the queryables
//! and the JSON Schema of a plot, both derived from the catalogue.

use actix_web::http::header::{self, EntityTag};
use actix_web::{HttpRequest, HttpResponse, get, web};
use diesel_async::AsyncPgConnection;
use serde_json::json;
use uuid::Uuid;

use super::catalogue::{self, COLLECTION_ID};
use super::pages::{self, Labels};
use super::queries;
use super::wire::PlotFeature;
use crate::crs::{CRS84, Crs};
use crate::error::{ApiError, Problem};
use crate::html::negotiate::{Form, form};
use crate::html::page::{Page, respond};
use crate::http::caller::Caller;
use crate::http::link::{Link, rel};
use crate::http::params::{
    CrsUri, FeatureFormat, FormatParam, JsonFormatParam, QueryParams, only_format_param,
    resource_id,
};
use crate::http::{media, problems};
use crate::ogc::wire::{Collection, Extent, SpatialExtent, TemporalExtent};
use crate::state::AppState;

const QUERYABLES_REL: &str = "http://www.opengis.net/def/rel/ogc/1.0/queryables";

/// The description of the plots collection, with its extent computed from the data.
pub async fn describe_collection(
    conn: &mut AsyncPgConnection,
    base: &str,
) -> Result<Collection, ApiError> {
    let extent = queries::extent(conn).await?;
    let url = format!("{base}/collections/{COLLECTION_ID}");
    let bbox = extent.bbox();
    Ok(Collection {
        id: COLLECTION_ID.to_owned(),
        title: "Plots of business land".to_owned(),
        description: "Plots of business land (næringsareal) that are, or will be, available, \
                      with land use, planning status, location class, price and terms, power, \
                      access and constraints. Ended plots (sold, withdrawn) are not listed. \
                      The temporal extent and the `datetime` parameter refer to `updated_at`, \
                      the instant of each plot's last change (when its current version was made)."
            .to_owned(),
        item_type: "feature".to_owned(),
        extent: Extent {
            spatial: SpatialExtent {
                bbox: vec![bbox],
                crs: CRS84.to_owned(),
            },
            temporal: TemporalExtent {
                interval: vec![[extent.first_update, extent.last_update]],
                trs: "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian".to_owned(),
            },
        },
        crs: Crs::all_uris(),
        storage_crs: CRS84.to_owned(),
        links: vec![
            Link::new(url.clone(), "self", media::JSON, "This collection"),
            Link::new(
                format!("{url}?f=html"),
                "alternate",
                media::HTML,
                "This collection as HTML",
            ),
            Link::new(
                format!("{url}/items"),
                "items",
                media::GEOJSON,
                "The plots as GeoJSON",
            ),
            Link::new(
                format!("{url}/queryables"),
                QUERYABLES_REL,
                media::SCHEMA_JSON,
                "Properties that can be filtered on",
            ),
            // Relation types compare case-insensitively (RFC 8288, 2.1.1);
            // GDAL 3.6's OAPIF driver looks for this spelling only.
            Link::new(
                format!("{url}/schema"),
                "describedBy",
                media::SCHEMA_JSON,
                "The schema of a plot: every property with its type",
            ),
            Link::new(
                format!("{url}/tiles"),
                rel::TILESETS_VECTOR,
                media::JSON,
                "Vector tiles of the plots",
            ),
        ],
    })
}

/// The plots collection's description.
#[utoipa::path(
    tag = "Plots",
    params(FormatParam),
    responses(
        (status = 200, description = "The collection", content((Collection = "application/json"), (String = "text/html"))),
        (status = 304, description = "The collection has not changed since the `If-None-Match` tag"),
        problems::BadQuery,
        problems::Unavailable,
    )
)]
#[get("/collections/plots")]
pub async fn get_collection(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    only_format_param(req.query_string(), &["json", "html"])?;
    let mut conn = state.read_conn(true).await?;
    let base = state.base_url(&req);
    let collection = describe_collection(&mut conn, &base).await?;
    if form(&req) == Form::Html {
        let t = Page::texts(&req);
        let page = Page::new(&req, &base, collection.title.clone())
            .crumb(t.get("landing.title"), format!("{base}/"))
            .crumb(
                t.get("collections.title"),
                format!("{base}/collections?f=html"),
            )
            .json(
                format!("{base}/collections/{COLLECTION_ID}?f=json"),
                media::JSON,
            )
            .section("plots");
        return respond(page.lang, crate::ogc::pages::collection(&page, &collection));
    }
    Ok(HttpResponse::Ok().json(collection))
}

/// The query parameters of one plot.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(
    dead_code,
    reason = "parameters for the OpenAPI document; get_plot reads the query itself"
)]
pub struct PlotQuery {
    /// The CRS of the geometry: CRS84 (default), or http://www.opengis.net/def/crs/EPSG/0/ 4326, 4258, 25832, 25833, 25835 or 3857.
    #[param(value_type = Option<CrsUri>, inline)]
    crs: Option<String>,
    /// Output format: GeoJSON (`json` or `geojson`, the default), or `html`
    /// for the fact sheet (browsers get it by their `Accept`).
    #[param(value_type = Option<FeatureFormat>, inline)]
    f: Option<String>,
}

/// One plot as a GeoJSON Feature, with an `ETag` of its version.
#[utoipa::path(
    tag = "Plots",
    params(
        ("featureId" = Uuid, Path, description = "The plot's id"),
        PlotQuery,
    ),
    responses(
        (status = 200, description = "The plot (its fact sheet with `f=html`)", content((PlotFeature = "application/geo+json"), (String = "text/html")),
            headers(("ETag" = String, description = "The plot's version, for caching and for If-Match on writes"),
                    ("Content-Crs" = String, description = "The CRS of the geometry, e.g. `<http://www.opengis.net/def/crs/OGC/1.3/CRS84>`"))),
        (status = 304, description = "The plot has not changed since the `If-None-Match` tag"),
        problems::BadIdOrQuery,
        problems::PlotNotFound,
        (status = 410, description = "The plot has ended (sold, withdrawn); it is kept in the register's history", body = Problem, content_type = "application/problem+json"),
        problems::Unavailable,
    )
)]
#[get("/collections/plots/items/{featureId}")]
pub async fn get_plot(
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_feature_id(&path)?;
    let mut params = QueryParams::parse(req.query_string());
    params.check_format(&["json", "geojson", "html"]);
    let crs = params.parsed("crs", Crs::parse).unwrap_or(Crs::CRS84);
    params.finish(&["f", "crs"])?;
    let html = form(&req) == Form::Html;
    let mut conn = state.read_conn(!caller.is_planner()).await?;
    let plot = queries::get(&mut conn, id, if html { Crs::CRS84 } else { crs }).await?;
    let land_uses = match html {
        true => queries::land_use_codes(&mut conn).await?,
        false => vec![],
    };
    drop(conn);
    let plot = match plot {
        Some(plot) if plot.row.published || caller.is_planner() => plot,
        _ => return Err(ApiError::NotFound(format!("there is no plot with id {id}"))),
    };
    let row = &plot.row;
    if let (Some(ended_at), false) = (row.ended_at, caller.is_planner()) {
        return Err(ApiError::Gone(format!(
            "plot {} ended on {} ({}); it is no longer on offer",
            row.reference,
            ended_at.date_naive(),
            row.end_reason.as_deref().unwrap_or("no reason given")
        )));
    }
    // `If-None-Match` is answered by `http::cache` for every form: the fact
    // sheet is tagged by its content, the GeoJSON by the plot's version.
    let base = state.base_url(&req);
    if html {
        let feature = PlotFeature::from_plot(plot)?;
        let value = serde_json::to_value(&feature).map_err(anyhow::Error::from)?;
        let t = Page::texts(&req);
        let page = Page::new(&req, &base, feature.properties.name.clone())
            .crumb(t.get("landing.title"), format!("{base}/"))
            .crumb(
                t.get("nav.plots"),
                format!("{base}/collections/{COLLECTION_ID}/items?f=html"),
            )
            .json(
                format!("{base}/collections/{COLLECTION_ID}/items/{id}?f=json"),
                media::GEOJSON,
            )
            .section("plots");
        let labels = Labels::new(page.lang, &land_uses);
        return respond(page.lang, pages::plot(&page, &labels, &value));
    }
    feature_response(HttpResponse::Ok(), &base, plot, crs)
}

/// The path's feature id, or 404: an id that is not a UUID names no plot.
pub fn parse_feature_id(path: &str) -> Result<Uuid, ApiError> {
    resource_id(path, "plot")
}

/// A plot's entity tag: its id and version. Strong: the representation of a
/// version never changes.
pub fn etag(id: Uuid, version: i32) -> EntityTag {
    EntityTag::new_strong(format!("{}-{version}", id.simple()))
}

/// A plot as a GeoJSON Feature response with its links, `ETag` and `Content-Crs`.
pub fn feature_response(
    mut builder: actix_web::HttpResponseBuilder,
    base: &str,
    plot: queries::Plot,
    crs: Crs,
) -> Result<HttpResponse, ApiError> {
    let etag = etag(plot.row.id, plot.row.version);
    let mut feature = PlotFeature::from_plot(plot)?;
    let url = format!("{base}/collections/{COLLECTION_ID}/items/{}", feature.id);
    feature.links = vec![
        Link::new(url.clone(), "self", media::GEOJSON, "This plot"),
        Link::new(
            format!("{url}?f=html"),
            "alternate",
            media::HTML,
            "This plot as HTML",
        ),
        Link::new(
            format!("{base}/collections/{COLLECTION_ID}"),
            "collection",
            media::JSON,
            "The collection",
        ),
    ];
    let bytes = serde_json::to_vec(&feature).map_err(anyhow::Error::from)?;
    Ok(builder
        .content_type(media::GEOJSON)
        .insert_header(header::ETag(etag))
        .insert_header(content_crs(crs))
        .body(bytes))
}

/// The `Content-Crs` header of an answer in `crs`.
pub fn content_crs(crs: Crs) -> (&'static str, String) {
    ("content-crs", format!("<{}>", crs.uri()))
}

/// The properties plots can be filtered on, as a JSON Schema: every one a
/// CQL2 `filter` may name, with its type and code list; the code-list ones
/// (and `focus_area`) also work as query parameters of the items listing.
#[utoipa::path(
    tag = "Plots",
    params(JsonFormatParam),
    responses(
        (status = 200, description = "JSON Schema of the queryable properties", body = Object, content_type = "application/schema+json"),
        problems::BadQuery,
        problems::Unavailable,
    )
)]
#[get("/collections/plots/queryables")]
pub async fn get_queryables(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    only_format_param(req.query_string(), &["json"])?;
    let mut conn = state.read_conn(true).await?;
    let land_uses = queries::land_use_codes(&mut conn).await?;
    drop(conn);
    let land_use_codes: Vec<i32> = land_uses.iter().map(|c| c.code).collect();
    let land_use_names: Vec<String> = land_uses
        .iter()
        .map(|c| format!("{} {} ({})", c.code, c.name_nb, c.name_en))
        .collect();
    let base = state.base_url(&req);
    let mut properties = serde_json::Map::new();
    for property in catalogue::queryables() {
        let mut schema = match property.name {
            "land_use" => json!({
                "type": "integer",
                "enum": land_use_codes,
                "description": land_use_names.join("; "),
            }),
            _ => match (property.kind, property.codes) {
                // The code lists of the listing's own parameters.
                (catalogue::Kind::Text, Some(codes)) if property.parameter => {
                    json!({"type": "string", "enum": codes})
                }
                _ => property.json_schema(),
            },
        };
        schema["title"] = json!(property.title);
        if let Some(pattern) = pattern_of(property.name) {
            schema["pattern"] = json!(pattern);
        }
        if property.name == "updated_at" {
            schema["x-ogc-role"] = json!("primary-instant");
        }
        properties.insert(property.name.to_owned(), schema);
    }
    // A query parameter of the listing that matches the array focus_areas.
    properties.insert(
        "focus_area".to_owned(),
        json!({"title": "Focus area the plot suits (matches the array focus_areas)", "type": "string",
               "enum": catalogue::property("focus_areas").and_then(|p| p.codes)}),
    );
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": format!("{base}/collections/{COLLECTION_ID}/queryables"),
        "type": "object",
        "title": "Plots of business land",
        "properties": properties,
        "additionalProperties": false,
    });
    Ok(HttpResponse::Ok()
        .content_type(media::SCHEMA_JSON)
        .json(schema))
}

/// The pattern a text queryable's values follow, where it has one.
fn pattern_of(name: &str) -> Option<&'static str> {
    match name {
        "municipality" => Some("^[0-9]{4}$"),
        "reference" => Some("^[A-Z0-9]{2,8}-[0-9]{1,7}$"),
        _ => None,
    }
}

/// The schema of a plot as served (rel `describedby` of the collection): a
/// GeoJSON Feature whose `properties` are every property of a plot with its
/// type. GIS clients fix their field types from it instead of guessing from
/// the first page; GDAL's OAPIF driver, for one, otherwise takes an empty
/// list on the first page for text and garbles the lists of later pages.
#[utoipa::path(
    tag = "Plots",
    params(JsonFormatParam),
    responses(
        (status = 200, description = "JSON Schema of a plot feature", body = Object, content_type = "application/schema+json"),
        problems::BadQuery,
    )
)]
#[get("/collections/plots/schema")]
pub async fn get_schema(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    only_format_param(req.query_string(), &["json"])?;
    let properties: serde_json::Map<String, serde_json::Value> = catalogue::PROPERTIES
        .iter()
        .map(|p| (p.name.to_owned(), p.json_schema()))
        .collect();
    let base = state.base_url(&req);
    Ok(HttpResponse::Ok().content_type(media::SCHEMA_JSON).json(json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("{base}/collections/{COLLECTION_ID}/schema"),
        "title": "A plot of business land",
        "type": "object",
        "required": ["type", "id", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "string", "format": "uuid"},
            "geometry": {"type": "object", "format": "geometry-multipolygon", "x-ogc-role": "primary-geometry"},
            "properties": {"type": "object", "properties": properties},
        },
    })))
}
