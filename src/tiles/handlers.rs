//! OGC API – Tiles: the tile matrix sets, the plots' tilesets and their
//! metadata, the tiles themselves (MVT, filterable like the items), and the
//! TileJSON and MapLibre style that web maps start from.

use actix_web::http::header::{self, EntityTag};
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde_json::{Value, json};

use super::cache::{Encoded, TileCache, TileKey};
use super::matrix::{self, MAX_ZOOM, TMS_CRS, TMS_ID, TMS_TITLE, TMS_URI, TileId};
use super::render::{self, LAYER};
use crate::error::{ApiError, Problem};
use crate::http::caller::Caller;
use crate::http::link::{Link, rel};
use crate::http::params::{JsonFormatParam, QueryParams, only_format_param};
use crate::http::{media, problems};
use crate::plots::catalogue::{self, COLLECTION_ID};
use crate::plots::codes;
use crate::plots::search::query::PlotFilter;
use crate::plots::search::request::{FILTER_PARAMS, FilterQuery, parse_filter};
use crate::state::AppState;

/// The ids of the tile matrix sets the tiles are cut in, for the OpenAPI
/// document: one, `WebMercatorQuad` (any other id is a 404).
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "a schema, never built")]
enum TileMatrixSetId {
    WebMercatorQuad,
}

/// The tile matrix sets the tiles are cut in.
#[utoipa::path(
    tag = "Tiles",
    params(JsonFormatParam),
    responses(
        (status = 200, description = "The tile matrix sets", body = Object, content_type = "application/json"),
        problems::BadQuery,
    )
)]
#[get("/tileMatrixSets")]
pub async fn list_tile_matrix_sets(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    only_format_param(req.query_string(), &["json"])?;
    let base = state.base_url(&req);
    let url = format!("{base}/tileMatrixSets/{TMS_ID}");
    Ok(HttpResponse::Ok().json(json!({
        "tileMatrixSets": [{
            "id": TMS_ID,
            "title": TMS_TITLE,
            "uri": TMS_URI,
            "links": [Link::new(url, "self", media::JSON, "The tile matrix set")],
        }],
        "links": [Link::new(format!("{base}/tileMatrixSets"), "self", media::JSON, "This document")],
    })))
}

/// One tile matrix set's definition (OGC Two Dimensional Tile Matrix Set 2.0).
#[utoipa::path(
    tag = "Tiles",
    params(("tileMatrixSetId" = inline(TileMatrixSetId), Path, description = "`WebMercatorQuad`, the one tile matrix set"), JsonFormatParam),
    responses(
        (status = 200, description = "The tile matrix set", body = Object, content_type = "application/json"),
        problems::BadQuery,
        problems::NoSuchTileMatrixSet,
    )
)]
#[get("/tileMatrixSets/{tileMatrixSetId}")]
pub async fn get_tile_matrix_set(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_tms(&path)?;
    only_format_param(req.query_string(), &["json"])?;
    let url = format!("{}/tileMatrixSets/{TMS_ID}", state.base_url(&req));
    Ok(HttpResponse::Ok().json(matrix::definition(&url)))
}

/// The plots' tilesets: one, of vector tiles in WebMercatorQuad.
#[utoipa::path(
    tag = "Tiles",
    params(JsonFormatParam),
    responses(
        (status = 200, description = "The tilesets", body = Object, content_type = "application/json"),
        problems::BadQuery,
    )
)]
#[get("/collections/plots/tiles")]
pub async fn list_tilesets(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    only_format_param(req.query_string(), &["json"])?;
    let base = state.base_url(&req);
    let tiles = format!("{base}/collections/{COLLECTION_ID}/tiles");
    Ok(HttpResponse::Ok().json(json!({
        "tilesets": [{
            "title": "Plots of business land",
            "dataType": "vector",
            "crs": TMS_CRS,
            "tileMatrixSetURI": TMS_URI,
            "links": [
                Link::new(format!("{tiles}/{TMS_ID}"), "self", media::JSON, "The tileset"),
                Link::new(format!("{base}/tileMatrixSets/{TMS_ID}"), rel::TILING_SCHEME, media::JSON, "The tile matrix set"),
            ],
        }],
        "links": [Link::new(tiles, "self", media::JSON, "This document")],
    })))
}

/// The plots' tileset in a tile matrix set: its tiles' URL template, its
/// one layer and that layer's properties. Filters given here are carried
/// into the template.
#[utoipa::path(
    tag = "Tiles",
    params(("tileMatrixSetId" = inline(TileMatrixSetId), Path, description = "`WebMercatorQuad`, the one tile matrix set"), FilterQuery, JsonFormatParam),
    responses(
        (status = 200, description = "The tileset", body = Object, content_type = "application/json"),
        problems::BadQueryNamed,
        problems::NoSuchTileMatrixSet,
    )
)]
#[get("/collections/plots/tiles/{tileMatrixSetId}")]
pub async fn get_tileset(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_tms(&path)?;
    let query = filter_query(req.query_string(), &["json"])?;
    let base = state.base_url(&req);
    let tileset = format!("{base}/collections/{COLLECTION_ID}/tiles/{TMS_ID}");
    let mut item = Link::new(
        format!("{tileset}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}{query}"),
        "item",
        MVT,
        "A tile of the plots",
    );
    item.templated = Some(true);
    let properties: serde_json::Map<String, Value> = tile_properties()
        .map(|p| {
            (
                p.name.to_owned(),
                json!({"title": p.title, "type": p.json_schema()["type"]}),
            )
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "title": "Plots of business land",
        "dataType": "vector",
        "crs": TMS_CRS,
        "tileMatrixSetURI": TMS_URI,
        "links": [
            Link::new(format!("{tileset}{query}"), "self", media::JSON, "This tileset"),
            item,
            Link::new(format!("{base}/tileMatrixSets/{TMS_ID}"), rel::TILING_SCHEME, media::JSON, "The tile matrix set"),
            Link::new(format!("{tileset}/tilejson{query}"), "describedby", TILEJSON, "The tileset as TileJSON"),
            Link::new(format!("{tileset}/style{query}"), "stylesheet", STYLE, "A MapLibre style for the plots"),
        ],
        "layers": [{
            "id": LAYER,
            "title": "Plots",
            "dataType": "vector",
            "geometryDimension": 2,
            "minTileMatrix": "0",
            "maxTileMatrix": MAX_ZOOM.to_string(),
            "propertiesSchema": {"type": "object", "properties": properties},
        }],
    })))
}

/// The media type of a vector tile.
pub const MVT: &str = "application/vnd.mapbox-vector-tile";
const TILEJSON: &str = "application/json";
const STYLE: &str = "application/vnd.mapbox.style+json";

/// A vector tile of the plots (Mapbox Vector Tile, one layer `plots`),
/// filtered like the items: by `datetime`, the equality filters and CQL2
/// `filter`. An empty tile is an empty 200. The `ETag` names the tile's
/// content; `If-None-Match` gets 304.
#[utoipa::path(
    tag = "Tiles",
    params(
        ("tileMatrixSetId" = inline(TileMatrixSetId), Path, description = "`WebMercatorQuad`, the one tile matrix set"),
        ("tileMatrix" = u32, Path, description = "The zoom level, 0 to 22"),
        ("tileRow" = u32, Path, description = "The row (y), from the north"),
        ("tileCol" = u32, Path, description = "The column (x), from the west"),
        FilterQuery,
        ("f" = Option<String>, Query, description = "`mvt`, the only format"),
    ),
    responses(
        (status = 200, description = "The tile", content_type = "application/vnd.mapbox-vector-tile",
            headers(("ETag" = String, description = "The tile's content"))),
        (status = 304, description = "The tile has not changed since the `If-None-Match` tag"),
        problems::BadQueryNamed,
        (status = 404, description = "The tile matrix set has no such tile", body = Problem, content_type = "application/problem+json"),
        problems::Unavailable,
    )
)]
#[get("/collections/plots/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}")]
pub async fn get_tile(
    req: HttpRequest,
    caller: Caller,
    path: web::Path<(String, String, String, String)>,
    state: web::Data<AppState>,
    cache: web::Data<TileCache>,
) -> Result<HttpResponse, ApiError> {
    let (tms, z, row, col) = path.into_inner();
    check_tms(&tms)?;
    let tile = parse_tile(&z, &row, &col)?;
    let mut p = QueryParams::parse(req.query_string());
    p.check_format(&["mvt"]);
    let mut filter = parse_filter(&mut p);
    let pairs = p.finish(&tile_params())?;
    filter.include_unpublished = caller.is_planner();
    let key = TileKey::new(tile, &pairs, filter.include_unpublished);
    let mut conn = state.read_conn(!filter.include_unpublished).await?;
    let on_replica = conn.on_replica;
    let generation = match cache.refresh(&mut conn, on_replica).await? {
        Some(generation) => generation,
        // The replica is behind what the cache has seen: render on the primary.
        None => {
            conn = state.read_conn(false).await?;
            cache
                .refresh(&mut conn, false)
                .await?
                .ok_or_else(|| anyhow::anyhow!("the primary is never behind"))?
        }
    };
    let encoded = match cache.get(&key) {
        Some(hit) => hit,
        None => {
            let bytes = render::tile(&mut conn, tile, &filter).await?;
            drop(conn);
            let encoded = Encoded::new(bytes).map_err(anyhow::Error::from)?;
            cache.insert(key, encoded.clone(), generation);
            encoded
        }
    };
    respond(&req, &encoded)
}

/// The tile as the client takes it: gzip when it accepts it (kept so in
/// the cache; `Compress` leaves a coded answer alone). `http::cache` names
/// the coding in the `ETag` and answers `If-None-Match`.
fn respond(req: &HttpRequest, tile: &Encoded) -> Result<HttpResponse, ApiError> {
    let mut builder = HttpResponse::Ok();
    builder
        .insert_header(header::ETag(EntityTag::new_strong(tile.digest.clone())))
        .insert_header((header::VARY, "accept-encoding"))
        .content_type(MVT);
    if accepts_gzip(req) && !tile.gzip.is_empty() {
        builder.insert_header((header::CONTENT_ENCODING, "gzip"));
        Ok(builder.body(tile.gzip.clone()))
    } else {
        Ok(builder.body(tile.plain().map_err(anyhow::Error::from)?))
    }
}

/// Whether the request's `Accept-Encoding` takes gzip.
fn accepts_gzip(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let refused = parts.any(|q| matches!(q.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
}

/// A TileJSON 3.0.0 document of the plots' tiles (with the filters given).
#[utoipa::path(
    tag = "Tiles",
    params(("tileMatrixSetId" = inline(TileMatrixSetId), Path, description = "`WebMercatorQuad`, the one tile matrix set"), FilterQuery),
    responses(
        (status = 200, description = "TileJSON 3.0.0", body = Object, content_type = "application/json"),
        problems::BadQueryNamed,
        problems::NoSuchTileMatrixSet,
        problems::Unavailable,
    )
)]
#[get("/collections/plots/tiles/{tileMatrixSetId}/tilejson")]
pub async fn get_tilejson(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_tms(&path)?;
    let query = filter_query(req.query_string(), &[])?;
    let base = state.base_url(&req);
    let mut conn = state.read_conn(true).await?;
    let extent = crate::plots::queries::extent(&mut conn).await?;
    drop(conn);
    let bounds = extent.bbox();
    let fields: serde_json::Map<String, Value> = tile_properties()
        .map(|p| (p.name.to_owned(), json!(p.title)))
        .chain(std::iter::once(("id".to_owned(), json!("The plot's id"))))
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "tilejson": "3.0.0",
        "name": "Næringsareal: plots of business land",
        "tiles": [format!(
            "{base}/collections/{COLLECTION_ID}/tiles/{TMS_ID}/{{z}}/{{y}}/{{x}}{query}"
        )],
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
        "bounds": bounds,
        "center": [(bounds[0] + bounds[2]) / 2.0, (bounds[1] + bounds[3]) / 2.0, 12],
        "vector_layers": [{"id": LAYER, "fields": fields, "minzoom": 0, "maxzoom": MAX_ZOOM}],
    })))
}

/// A MapLibre style of the plots' tiles (with the filters given): each
/// plot filled and outlined in its status's colour.
#[utoipa::path(
    tag = "Tiles",
    params(("tileMatrixSetId" = inline(TileMatrixSetId), Path, description = "`WebMercatorQuad`, the one tile matrix set"), FilterQuery),
    responses(
        (status = 200, description = "MapLibre style v8", body = Object, content_type = "application/vnd.mapbox.style+json"),
        problems::BadQueryNamed,
        problems::NoSuchTileMatrixSet,
    )
)]
#[get("/collections/plots/tiles/{tileMatrixSetId}/style")]
pub async fn get_style(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_tms(&path)?;
    let query = filter_query(req.query_string(), &[])?;
    let base = state.base_url(&req);
    let tilejson = format!("{base}/collections/{COLLECTION_ID}/tiles/{TMS_ID}/tilejson{query}");
    let colour = |shade: usize| {
        let mut expression = vec![json!("match"), json!(["get", "status"])];
        for (status, colours) in codes::STATUS_COLOURS {
            expression.push(json!(status));
            expression.push(json!(colours[shade]));
        }
        expression.push(json!("#888888"));
        Value::Array(expression)
    };
    Ok(HttpResponse::Ok().content_type(STYLE).json(json!({
        "version": 8,
        "name": "Næringsareal: plots by status",
        "sources": {LAYER: {"type": "vector", "url": tilejson}},
        "layers": [
            {"id": "plots-fill", "type": "fill", "source": LAYER, "source-layer": LAYER,
             "paint": {"fill-color": colour(0), "fill-opacity": 0.45}},
            {"id": "plots-outline", "type": "line", "source": LAYER, "source-layer": LAYER,
             "paint": {"line-color": colour(1), "line-width": 1.5}},
        ],
    })))
}

/// The properties a tile carries.
fn tile_properties() -> impl Iterator<Item = &'static catalogue::Property> {
    catalogue::PROPERTIES.iter().filter(|p| p.tile)
}

/// The parameters a tile takes: the filters, and `f`.
fn tile_params() -> Vec<&'static str> {
    FILTER_PARAMS.iter().copied().chain(["f"]).collect()
}

/// The filters of a query string, checked (400 naming any that is wrong),
/// as a query string to carry into tile URLs (`?…`, or empty). `formats`
/// are the `f` values taken (none: `f` is not a parameter).
fn filter_query(query: &str, formats: &[&str]) -> Result<String, ApiError> {
    let mut p = QueryParams::parse(query);
    if !formats.is_empty() {
        p.check_format(formats);
    }
    let _: PlotFilter = parse_filter(&mut p);
    let mut known: Vec<&str> = FILTER_PARAMS.to_vec();
    if !formats.is_empty() {
        known.push("f");
    }
    let pairs = p.finish(&known)?;
    let filters: Vec<(String, String)> = pairs.into_iter().filter(|(n, _)| n != "f").collect();
    Ok(match crate::http::link::url_with("", &filters, &[], &[]) {
        q if q.is_empty() => String::new(),
        q => q,
    })
}

/// 404 unless `id` is the tile matrix set served.
fn check_tms(id: &str) -> Result<(), ApiError> {
    if id == TMS_ID {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!(
            "there is no tile matrix set `{id}`; tiles are served in {TMS_ID}"
        )))
    }
}

/// The tile at these path segments, or 404 saying why there is none.
fn parse_tile(z: &str, row: &str, col: &str) -> Result<TileId, ApiError> {
    let number = |s: &str| s.parse::<u32>().ok();
    match (number(z), number(row), number(col)) {
        (Some(z), Some(r), Some(c)) => TileId::new(z, r, c).ok_or_else(|| {
            ApiError::NotFound(format!(
                "{TMS_ID} has no tile {z}/{r}/{c}: zoom runs from 0 to {MAX_ZOOM}, and row and column from 0 to 2^zoom − 1"
            ))
        }),
        _ => Err(ApiError::NotFound(format!(
            "{z}/{row}/{col} is not a tile: give zoom/row/column as whole numbers"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn gzip_is_taken_unless_refused() {
        let with = |v: &str| {
            accepts_gzip(
                &TestRequest::default()
                    .insert_header((header::ACCEPT_ENCODING, v))
                    .to_http_request(),
            )
        };
        assert!(with("gzip, deflate, br"));
        assert!(with("br;q=1.0, gzip;q=0.8"));
        assert!(with("*"));
        assert!(!with("br"));
        assert!(!with("gzip;q=0"));
        assert!(!accepts_gzip(&TestRequest::default().to_http_request()));
    }

    #[test]
    fn only_tiles_of_the_matrix_are_tiles() {
        assert!(parse_tile("12", "1195", "2164").is_ok());
        assert!(matches!(
            parse_tile("23", "0", "0"),
            Err(ApiError::NotFound(_))
        ));
        assert!(matches!(
            parse_tile("1", "2", "0"),
            Err(ApiError::NotFound(_))
        ));
        assert!(matches!(
            parse_tile("a", "0", "0"),
            Err(ApiError::NotFound(_))
        ));
        assert!(matches!(
            parse_tile("-1", "0", "0"),
            Err(ApiError::NotFound(_))
        ));
    }
}
