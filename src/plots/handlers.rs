//! Handlers of the plots collection.

use actix_web::http::header::{self, EntityTag, IfNoneMatch};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, get, web};
use chrono::Utc;
use diesel_async::AsyncPgConnection;
use serde_json::json;
use strum::VariantNames;
use uuid::Uuid;

use super::COLLECTION_ID;
use super::codes::{
    Contamination, FocusArea, LandUseStatus, LocationClass, OfferType, Ownership, PlanningStatus,
    Readiness, Status,
};
use super::filter::{Kind, QUERYABLES};
use super::history;
use super::params::{ItemsQuery, ItemsRequest, NearRequest, encode_cursor};
use super::proximity;
use super::queries::{self, Cursor};
use super::sorting::SortPosition;
use super::wire::{PROPERTY_NAMES, PlotCollection, PlotFeature};
use crate::app::AppState;
use crate::auth::Caller;
use crate::crs::Crs;
use crate::error::{ApiError, Problem};
use crate::ogc::wire::{Collection, Extent, SpatialExtent, TemporalExtent};
use crate::ogc::{CRS84, Link, media};
use crate::params::{FormatParam, QueryParams, only_format_param};

const QUERYABLES_REL: &str = "http://www.opengis.net/def/rel/ogc/1.0/queryables";

/// The description of the plots collection, with its extent computed from the data.
pub async fn describe_collection(
    conn: &mut AsyncPgConnection,
    base: &str,
) -> Result<Collection, ApiError> {
    let extent = queries::extent(conn).await?;
    let url = format!("{base}/collections/{COLLECTION_ID}");
    let bbox = match (extent.west, extent.south, extent.east, extent.north) {
        (Some(w), Some(s), Some(e), Some(n)) => [w, s, e, n],
        // No plots yet: the extent of Norway.
        _ => [4.0, 57.9, 31.2, 71.2],
    };
    Ok(Collection {
        id: COLLECTION_ID.to_owned(),
        title: "Plots of business land".to_owned(),
        description: "Plots of business land (næringsareal) that are, or will be, available, \
                      with land use, planning status, location class, price and terms, power, \
                      access and constraints. Ended plots (sold, withdrawn) are not listed. \
                      The temporal extent and the `datetime` parameter refer to `updated_at`, \
                      the time of each plot's last change."
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
        ],
    })
}

/// The plots collection's description.
#[utoipa::path(
    tag = "Plots",
    params(FormatParam),
    responses(
        (status = 200, description = "The collection", body = Collection, content_type = "application/json"),
        (status = 400, description = "Unknown or invalid query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is busy or unreachable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/collections/plots")]
pub async fn get_collection(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    only_format_param(req.query_string(), &["json"])?;
    let mut conn = state.conn().await?;
    let collection = describe_collection(&mut conn, &state.base_url(&req)).await?;
    Ok(HttpResponse::Ok().json(collection))
}

/// A page of plots as GeoJSON, filtered by box, time and properties, in a
/// stable order. Follow `next` links for the following pages: they stay
/// correct while plots are added or changed (keyset paging).
#[utoipa::path(
    tag = "Plots",
    params(ItemsQuery),
    responses(
        (status = 200, description = "A page of plots", body = PlotCollection, content_type = "application/geo+json",
            headers(("Content-Crs" = String, description = "The CRS of the geometries"))),
        (status = 400, description = "Unknown or invalid query parameter, named in `errors`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is busy or unreachable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/collections/plots/items")]
pub async fn list_plots(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut request = ItemsRequest::parse(req.query_string(), &state.api)?;
    request.filter.include_unpublished = caller.is_planner();
    if let Some(as_of) = request.as_of {
        return list_plots_as_of(&req, &state, &request, as_of).await;
    }
    let mut conn = state.conn().await?;
    let limit = i64::from(request.limit);
    let near = match &request.near {
        None => None,
        Some(asked) => Some(resolve_near(&mut conn, asked).await?),
    };
    let mut distances: Vec<f64> = Vec::new();
    let page = if let Some(near) = near {
        let after = match &request.sort_after {
            Some(position) => Some((
                position
                    .keys
                    .first()
                    .and_then(serde_json::Value::as_f64)
                    .ok_or_else(|| {
                        ApiError::invalid(
                            "cursor",
                            "does not belong to this query; follow the `next` links",
                        )
                    })?,
                position.id,
            )),
            None => None,
        };
        let (rows, has_next) =
            proximity::list_near(&mut conn, &request.filter, near, after, limit, request.crs)
                .await?;
        let (rows, found): (Vec<_>, Vec<_>) = rows.into_iter().unzip();
        distances = found;
        queries::Page {
            rows,
            has_next,
            has_prev: false,
        }
    } else if request.sortby.is_empty() {
        queries::list(
            &mut conn,
            &request.filter,
            request.cursor,
            limit,
            request.crs,
        )
        .await?
    } else {
        let (rows, has_next) = queries::list_sorted(
            &mut conn,
            &request.filter,
            &request.sortby,
            request.sort_after.as_ref(),
            limit,
            request.crs,
        )
        .await?;
        queries::Page {
            rows,
            has_next,
            has_prev: false,
        }
    };
    let first_page = request.cursor.is_none() && request.sort_after.is_none();
    // An exact count is paid for only when it is small. The first page of a
    // short answer is the count; and when this page plus the one row seen
    // past it are already more than the limit, counting would only find that
    // out again.
    let seen = page.rows.len() as u64 + u64::from(page.has_next);
    let number_matched = if first_page && !page.has_next {
        Some(page.rows.len() as u64)
    } else if seen > u64::from(state.api.count_limit) {
        None
    } else {
        queries::count_up_to(&mut conn, &request.filter, state.api.count_limit).await?
    };
    drop(conn);

    let base = state.base_url(&req);
    let items_url = format!("{base}/collections/{COLLECTION_ID}/items");
    let link_with = |cursor| page_link(&items_url, &request.pairs, cursor);
    let this_cursor = request
        .sort_after
        .as_ref()
        .map(SortPosition::encode)
        .or(request.cursor.map(encode_cursor));
    let mut links = vec![
        Link::new(link_with(this_cursor), "self", media::GEOJSON, "This page"),
        Link::new(
            format!("{base}/collections/{COLLECTION_ID}"),
            "collection",
            media::JSON,
            "The collection",
        ),
    ];
    if let (true, Some(last)) = (page.has_next, page.rows.last()) {
        let next = if let Some(d) = distances.last() {
            SortPosition {
                keys: vec![json!(d)],
                id: last.row.id,
            }
            .encode()
        } else if request.sortby.is_empty() {
            encode_cursor(Cursor::After(last.row.id))
        } else {
            SortPosition::after(&last.row, &request.sortby)?.encode()
        };
        links.push(Link::new(
            link_with(Some(next)),
            "next",
            media::GEOJSON,
            "Next page",
        ));
    }
    if let (true, Some(first)) = (page.has_prev, page.rows.first()) {
        links.push(Link::new(
            link_with(Some(encode_cursor(Cursor::Before(first.row.id)))),
            "prev",
            media::GEOJSON,
            "Previous page",
        ));
    }
    let features = page
        .rows
        .into_iter()
        .map(PlotFeature::from_plot)
        .collect::<anyhow::Result<Vec<_>>>()?;
    let body = PlotCollection {
        kind: "FeatureCollection",
        number_returned: features.len(),
        features,
        links,
        time_stamp: Utc::now(),
        number_matched,
    };
    if wants_csv(&request) {
        let value = serde_json::to_value(&body).map_err(anyhow::Error::from)?;
        return csv_response(&value, request.properties.as_deref(), &distances);
    }
    let bytes = if request.properties.is_none() && distances.is_empty() {
        serde_json::to_vec(&body)
    } else {
        let mut value = serde_json::to_value(&body).map_err(anyhow::Error::from)?;
        let features = value["features"].as_array_mut().into_iter().flatten();
        for (i, feature) in features.enumerate() {
            let Some(properties) = feature["properties"].as_object_mut() else {
                continue;
            };
            if let Some(wanted) = &request.properties {
                properties.retain(|name, _| wanted.contains(name));
            }
            if let Some(d) = distances.get(i) {
                properties.insert("distance_m".to_owned(), json!((d * 10.0).round() / 10.0));
            }
        }
        serde_json::to_vec(&value)
    }
    .map_err(anyhow::Error::from)?;
    Ok(HttpResponse::Ok()
        .content_type(media::GEOJSON)
        .insert_header(content_crs(request.crs))
        .body(bytes))
}

fn wants_csv(request: &ItemsRequest) -> bool {
    request.pairs.iter().any(|(n, v)| n == "f" && v == "csv")
}

/// A page of features as a CSV download (see [`features_csv`]).
fn csv_response(
    collection: &serde_json::Value,
    picked: Option<&[String]>,
    distances: &[f64],
) -> Result<HttpResponse, ApiError> {
    let csv = features_csv(collection, picked, distances).map_err(anyhow::Error::from)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("content-disposition", "attachment; filename=\"plots.csv\""))
        .body(csv))
}

/// A page of features as CSV: `id`, then each property (or those picked),
/// then `distance_m` when measured. Lists are joined with `; `, documents
/// written as JSON; the boundary is left out (spreadsheets cannot use it).
fn features_csv(
    collection: &serde_json::Value,
    picked: Option<&[String]>,
    distances: &[f64],
) -> Result<Vec<u8>, csv::Error> {
    let columns: Vec<&str> = match picked {
        Some(names) => names.iter().map(String::as_str).collect(),
        None => super::wire::PROPERTY_NAMES.to_vec(),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["id"];
    header.extend(&columns);
    if !distances.is_empty() {
        header.push("distance_m");
    }
    w.write_record(&header)?;
    let cell = |v: &serde_json::Value| match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) if items.iter().all(|i| i.is_string()) => items
            .iter()
            .filter_map(|i| i.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    };
    let features = collection["features"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (i, feature) in features.iter().enumerate() {
        let mut record = vec![cell(&feature["id"])];
        record.extend(columns.iter().map(|c| cell(&feature["properties"][*c])));
        if let Some(d) = distances.get(i) {
            record.push(format!("{:.1}", d));
        }
        w.write_record(&record)?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// The point a `near` or `near_place` asks about.
async fn resolve_near(
    conn: &mut diesel_async::AsyncPgConnection,
    asked: &NearRequest,
) -> Result<proximity::Near, ApiError> {
    let (lon, lat) = match (&asked.point, &asked.place) {
        (Some(point), _) => *point,
        (None, Some(name)) => match proximity::reference_place(conn, name).await? {
            Some(point) => point,
            None => {
                let known = proximity::reference_place_names(conn).await?;
                return Err(ApiError::invalid(
                    "near_place",
                    format!(
                        "there is no reference place `{name}`; known: {}",
                        known.join(", ")
                    ),
                ));
            }
        },
        (None, None) => return Err(anyhow::anyhow!("near without a point or place").into()),
    };
    Ok(proximity::Near {
        lon,
        lat,
        within_m: asked.within_m,
    })
}

/// The URL of the page at `cursor` of the listing asked for with `pairs`.
fn page_link(items_url: &str, pairs: &[(String, String)], cursor: Option<String>) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs.iter().filter(|(n, _)| n != "cursor") {
        query.append_pair(name, value);
    }
    if let Some(cursor) = cursor {
        query.append_pair("cursor", &cursor);
    }
    let query = query.finish();
    if query.is_empty() {
        items_url.to_owned()
    } else {
        format!("{items_url}?{query}")
    }
}

/// The items listing with `as_of`: the register as it stood then.
async fn list_plots_as_of(
    req: &HttpRequest,
    state: &AppState,
    request: &ItemsRequest,
    as_of: chrono::DateTime<Utc>,
) -> Result<HttpResponse, ApiError> {
    let after = match request.cursor {
        Some(Cursor::After(id)) => Some(id),
        _ => None,
    };
    let limit = i64::from(request.limit);
    let mut conn = state.conn().await?;
    let mut rows =
        history::register_at(&mut conn, as_of, &request.filter, after, limit + 1).await?;
    drop(conn);
    let more = rows.len() as i64 > limit;
    rows.truncate(request.limit as usize);
    let base = state.base_url(req);
    let items_url = format!("{base}/collections/{COLLECTION_ID}/items");
    let link_with = |cursor| page_link(&items_url, &request.pairs, cursor);
    let mut links = vec![
        Link::new(
            link_with(request.cursor.map(encode_cursor)),
            "self",
            media::GEOJSON,
            "This page",
        ),
        Link::new(
            format!("{base}/collections/{COLLECTION_ID}"),
            "collection",
            media::JSON,
            "The collection",
        ),
    ];
    if let (true, Some((last, _))) = (more, rows.last()) {
        links.push(Link::new(
            link_with(Some(encode_cursor(Cursor::After(*last)))),
            "next",
            media::GEOJSON,
            "Next page",
        ));
    }
    let features: Vec<serde_json::Value> = rows
        .iter()
        .map(|(_, data)| history::version_feature(data))
        .collect();
    let body = json!({
        "type": "FeatureCollection",
        "numberReturned": features.len(),
        "features": features,
        "links": links,
        "timeStamp": Utc::now(),
    });
    if wants_csv(request) {
        return csv_response(&body, None, &[]);
    }
    Ok(HttpResponse::Ok().content_type(media::GEOJSON).json(body))
}

/// One plot as a GeoJSON Feature, with an `ETag` of its version.
#[utoipa::path(
    tag = "Plots",
    params(
        ("featureId" = Uuid, Path, description = "The plot's id"),
        ("crs" = Option<String>, Query, description = "The CRS of the geometry: CRS84 (default), or http://www.opengis.net/def/crs/EPSG/0/ 4326, 4258, 25832, 25833, 25835 or 3857"),
        FormatParam,
    ),
    responses(
        (status = 200, description = "The plot", body = PlotFeature, content_type = "application/geo+json",
            headers(("ETag" = String, description = "The plot's version, for caching and for If-Match on writes"),
                    ("Content-Crs" = String, description = "The CRS of the geometry, e.g. `<http://www.opengis.net/def/crs/OGC/1.3/CRS84>`"))),
        (status = 304, description = "The plot has not changed since the `If-None-Match` tag"),
        (status = 400, description = "The id is not a UUID, or a query parameter is wrong", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No plot has this id", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The plot has ended (sold, withdrawn); it is kept in the register's history", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is busy or unreachable", body = Problem, content_type = "application/problem+json"),
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
    params.check_format(&["json", "geojson"]);
    let crs = params.parsed("crs", Crs::parse).unwrap_or(Crs::CRS84);
    params.finish(&["f", "crs"])?;
    let mut conn = state.conn().await?;
    let plot = queries::get(&mut conn, id, crs).await?;
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
    let etag = etag(row.id, row.version);
    if let Some(IfNoneMatch::Items(tags)) = req.get_header::<IfNoneMatch>()
        && tags.iter().any(|t| t.weak_eq(&etag))
    {
        return Ok(HttpResponse::NotModified()
            .insert_header(header::ETag(etag))
            .finish());
    }
    feature_response(HttpResponse::Ok(), &state.base_url(&req), plot, crs)
}

/// The path's feature id, or 400.
pub fn parse_feature_id(path: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(path)
        .map_err(|_| ApiError::invalid("featureId", format!("`{path}` is not a plot id (a UUID)")))
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
        Link::new(url, "self", media::GEOJSON, "This plot"),
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
    params(FormatParam),
    responses(
        (status = 200, description = "JSON Schema of the queryable properties", body = Object, content_type = "application/schema+json"),
        (status = 400, description = "Unknown or invalid query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is busy or unreachable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/collections/plots/queryables")]
pub async fn get_queryables(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    only_format_param(req.query_string(), &["json"])?;
    let mut conn = state.conn().await?;
    let land_uses = queries::land_use_codes(&mut conn).await?;
    drop(conn);
    let land_use_codes: Vec<i32> = land_uses.iter().map(|c| c.code).collect();
    let land_use_names: Vec<String> = land_uses
        .iter()
        .map(|c| format!("{} {} ({})", c.code, c.name_nb, c.name_en))
        .collect();
    let enumerated =
        |title: &str, values: &[&str]| json!({"title": title, "type": "string", "enum": values});
    let base = state.base_url(&req);
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": format!("{base}/collections/{COLLECTION_ID}/queryables"),
        "type": "object",
        "title": "Plots of business land",
        "properties": {
            "geometry": {"title": "Boundary", "format": "geometry-multipolygon", "x-ogc-role": "primary-geometry"},
            "status": enumerated("Availability status", Status::VARIANTS),
            "land_use": {"title": "SOSI land-use code", "type": "integer", "enum": land_use_codes, "description": land_use_names.join("; ")},
            "land_use_status": enumerated("Current or future land use", LandUseStatus::VARIANTS),
            "planning_status": enumerated("Planning status", PlanningStatus::VARIANTS),
            "municipality": {"title": "Municipality number", "type": "string", "pattern": "^[0-9]{4}$"},
            "locality": {"title": "Locality", "type": "string"},
            "location_class": enumerated("ABC location class", LocationClass::VARIANTS),
            "readiness": enumerated("Readiness for building", Readiness::VARIANTS),
            "ownership": enumerated("Ownership", Ownership::VARIANTS),
            "offer_type": enumerated("Offer type", OfferType::VARIANTS),
            "contamination": enumerated("Contaminated ground", Contamination::VARIANTS),
            "reference": {"title": "Reference", "type": "string", "pattern": "^[A-Z0-9]{2,8}-[0-9]{1,7}$"},
            "focus_area": {"title": "Focus area the plot suits (matches the array focus_areas)", "type": "string", "enum": FocusArea::VARIANTS},
            "updated_at": {"title": "Last change (the `datetime` parameter)", "type": "string", "format": "date-time", "x-ogc-role": "primary-instant"},
        },
        "additionalProperties": false,
    });
    // Every property a CQL2 filter may name, with its type; the ones above
    // keep their titles and code lists.
    let mut schema = schema;
    let described = schema["properties"].as_object_mut().expect("an object");
    for (name, _, kind) in QUERYABLES {
        if let Some(type_of) = kind_schema(*kind) {
            described.entry(name.to_string()).or_insert(type_of);
        }
    }
    Ok(HttpResponse::Ok()
        .content_type(media::SCHEMA_JSON)
        .json(schema))
}

/// The JSON Schema of a property of this kind (none for the geometry).
fn kind_schema(kind: Kind) -> Option<serde_json::Value> {
    Some(match kind {
        Kind::Text => json!({"type": "string"}),
        Kind::Integer => json!({"type": "integer"}),
        Kind::Number => json!({"type": "number"}),
        Kind::Boolean => json!({"type": "boolean"}),
        Kind::Date => json!({"type": "string", "format": "date"}),
        Kind::Timestamp => json!({"type": "string", "format": "date-time"}),
        Kind::TextList => {
            json!({"type": "array", "items": {"type": "string", "enum": FocusArea::VARIANTS}})
        }
        Kind::Geometry => return None,
    })
}

/// The schema of a plot as served (rel `describedby` of the collection): a
/// GeoJSON Feature whose `properties` are every property of a plot with its
/// type. GIS clients fix their field types from it instead of guessing from
/// the first page; GDAL's OAPIF driver, for one, otherwise takes an empty
/// list on the first page for text and garbles the lists of later pages.
#[utoipa::path(
    tag = "Plots",
    params(FormatParam),
    responses(
        (status = 200, description = "JSON Schema of a plot feature", body = Object, content_type = "application/schema+json"),
        (status = 400, description = "Unknown or invalid query parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/collections/plots/schema")]
pub async fn get_schema(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    only_format_param(req.query_string(), &["json"])?;
    let properties: serde_json::Map<String, serde_json::Value> = PROPERTY_NAMES
        .iter()
        .map(|name| {
            let queryable = QUERYABLES.iter().find(|(n, _, _)| n == name);
            // Only the geometry has no kind schema, and it is not a property.
            let type_of = match (*name, queryable) {
                (_, Some((_, _, kind))) => kind_schema(*kind).unwrap_or_default(),
                ("previously_part_of", _) => {
                    json!({"type": "array", "items": {"type": "string", "format": "uuid"}})
                }
                ("cadastral_units", _) => json!({"type": "array", "items": {"type": "string"}}),
                ("documents", _) => json!({"type": "array", "items": {"type": "object"}}),
                ("area_daa", _) => json!({"type": "number"}),
                ("version", _) => json!({"type": "integer"}),
                ("demo" | "published", _) => json!({"type": "boolean"}),
                ("ended_at", _) => json!({"type": "string", "format": "date-time"}),
                _ => json!({"type": "string"}),
            };
            ((*name).to_owned(), type_of)
        })
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
