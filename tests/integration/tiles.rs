//! Vector tiles: the OGC API – Tiles documents, tiles decoded as a map would
//! decode them, filters, empty and edge tiles, bad coordinates and filters,
//! HEAD, 304 and gzip, and that a tile read after a write (API, import, SQL
//! by hand) shows the write, with the cache on.

use std::collections::HashMap;
use std::io::Read;

use actix_web::test::TestRequest;
use naeringsareal::keys::role::Role;
use naeringsareal::router::{Shared, app};
use naeringsareal::tiles::cache::TileCache;
use naeringsareal::tiles::matrix;
use serde_json::Value;

use crate::common::{TestDb, assert_invalid_parameter, bearer, get, id_of, key, path_of, send};

/// Runs `sql` on the test's database, as someone at a psql prompt would.
async fn exec(db: &TestDb, sql: &str) {
    diesel_async::RunQueryDsl::execute(diesel::sql_query(sql), &mut db.conn().await)
        .await
        .unwrap();
}

/// Drammen's centre at z12 is tile column 2164, row 1195.
pub const DRAMMEN_Z12: &str = "/collections/plots/tiles/WebMercatorQuad/12/1195/2164";

/// One decoded feature: its properties as JSON.
pub type Properties = HashMap<String, Value>;

/// The features of the `plots` layer of an MVT tile.
pub fn decode(bytes: &[u8]) -> Vec<Properties> {
    if bytes.is_empty() {
        return Vec::new();
    }
    let reader = mvt_reader::Reader::new(bytes.to_vec()).expect("an MVT tile");
    let names = reader.get_layer_names().expect("layer names");
    assert_eq!(names, ["plots"], "one layer, plots");
    reader
        .get_features(0)
        .expect("features")
        .into_iter()
        .map(|f| {
            f.properties
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (k, json_of(v)))
                .collect()
        })
        .collect()
}

fn json_of(value: mvt_reader::feature::Value) -> Value {
    use mvt_reader::feature::Value as V;
    match value {
        V::String(s) => Value::from(s),
        V::Float(f) => Value::from(f64::from(f)),
        V::Double(d) => Value::from(d),
        V::Int(i) => Value::from(i),
        V::UInt(u) => Value::from(u),
        V::SInt(i) => Value::from(i),
        V::Bool(b) => Value::from(b),
        V::Null => Value::Null,
    }
}

/// The references in a tile.
pub fn references(features: &[Properties]) -> Vec<String> {
    let mut refs: Vec<String> = features
        .iter()
        .map(|f| f["reference"].as_str().unwrap().to_owned())
        .collect();
    refs.sort();
    refs
}

/// The references of the open, published plots whose boxes overlap the
/// z12 Drammen tile (with its margin), as PostGIS has them.
async fn expected_in_drammen_z12(db: &TestDb, extra: &str) -> Vec<String> {
    #[derive(diesel::QueryableByName)]
    struct Reference {
        #[diesel(sql_type = diesel::sql_types::Text)]
        reference: String,
    }
    let sql = format!(
        "SELECT reference FROM plots WHERE ended_at IS NULL AND published {extra} \
         AND geom && ST_Transform(ST_Expand(ST_TileEnvelope(12, 2164, 1195), 9783.94 * 64 / 4096), 4326) \
         AND ST_Intersects(ST_Transform(geom, 3857), ST_Expand(ST_TileEnvelope(12, 2164, 1195), 9783.94 * 64 / 4096)) \
         ORDER BY reference"
    );
    let rows: Vec<Reference> =
        diesel_async::RunQueryDsl::load(diesel::sql_query(sql), &mut db.conn().await)
            .await
            .unwrap();
    rows.into_iter().map(|r| r.reference).collect()
}

#[actix_web::test]
async fn the_tile_documents_lead_a_client_to_the_tiles() {
    let db = TestDb::new().await;
    let app = actix_web::test::init_service(app(db.state())).await;
    let landing = get(&app, "/").await.json();
    let rels: Vec<&str> = landing["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["rel"].as_str().unwrap())
        .collect();
    assert!(rels.contains(&"http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"));
    assert!(rels.contains(&"http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"));
    let conformance = get(&app, "/conformance").await.json();
    let classes = conformance["conformsTo"].as_array().unwrap();
    for class in [
        "core",
        "tileset",
        "tilesets-list",
        "geodata-tilesets",
        "mvt",
        "oas30",
    ] {
        let uri = format!("http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/{class}");
        assert!(classes.contains(&Value::from(uri.clone())), "{uri}");
    }
    let collection = get(&app, "/collections/plots").await.json();
    let tilesets = collection["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector")
        .expect("the collection links its tilesets");

    let list = get(&app, &path_of(tilesets["href"].as_str().unwrap())).await;
    assert_eq!(list.status, 200);
    let list = list.json();
    assert_eq!(list["tilesets"][0]["dataType"], "vector");
    let tileset_href = list["tilesets"][0]["links"][0]["href"].as_str().unwrap();
    let tileset = get(&app, &path_of(tileset_href)).await.json();
    assert_eq!(
        tileset["tileMatrixSetURI"],
        "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
    );
    let item = tileset["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "item")
        .unwrap();
    assert_eq!(item["type"], "application/vnd.mapbox-vector-tile");
    assert_eq!(item["templated"], true);
    assert!(
        item["href"]
            .as_str()
            .unwrap()
            .ends_with("/collections/plots/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}")
    );
    assert_eq!(tileset["layers"][0]["id"], "plots");
    assert_eq!(
        tileset["layers"][0]["propertiesSchema"]["properties"]["status"]["type"],
        "string"
    );

    let sets = get(&app, "/tileMatrixSets").await.json();
    assert_eq!(sets["tileMatrixSets"][0]["id"], "WebMercatorQuad");
    let tms = get(&app, "/tileMatrixSets/WebMercatorQuad").await.json();
    assert_eq!(tms["tileMatrices"].as_array().unwrap().len(), 23);
    assert_eq!(tms["tileMatrices"][12]["matrixWidth"], 4096);
    let none = get(&app, "/tileMatrixSets/WorldCRS84Quad").await;
    assert_eq!(none.status, 404);
    assert_eq!(none.content_type(), "application/problem+json");
}

#[actix_web::test]
async fn a_tile_holds_the_plots_that_touch_it_with_what_a_map_shows() {
    let db = TestDb::with_demo().await;
    let app = actix_web::test::init_service(app(db.state())).await;
    let answer = get(&app, DRAMMEN_Z12).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type(), "application/vnd.mapbox-vector-tile");
    let features = decode(&answer.body);
    let expected = expected_in_drammen_z12(&db, "").await;
    assert!(
        expected.len() >= 3,
        "the demo has plots in Drammen: {expected:?}"
    );
    assert_eq!(references(&features), expected);
    let first = &features[0];
    for property in [
        "id",
        "reference",
        "name",
        "status",
        "land_use",
        "area_m2",
        "area_daa",
        "location_class",
    ] {
        assert!(first.contains_key(property), "{property} in {first:?}");
    }
    // What the map shows is what the items say.
    let id = first["id"].as_str().unwrap();
    let item = get(&app, &format!("/collections/plots/items/{id}"))
        .await
        .json();
    for property in [
        "reference",
        "status",
        "land_use",
        "area_m2",
        "area_daa",
        "location_class",
    ] {
        assert_eq!(
            first[property]
                .as_f64()
                .map(Value::from)
                .unwrap_or(first[property].clone()),
            item["properties"][property]
                .as_f64()
                .map(Value::from)
                .unwrap_or(item["properties"][property].clone()),
            "{property}"
        );
    }
}

#[actix_web::test]
async fn tiles_take_the_items_filters() {
    let db = TestDb::with_demo().await;
    let app = actix_web::test::init_service(app(db.state())).await;
    let all = decode(&get(&app, DRAMMEN_Z12).await.body);
    let available = decode(
        &get(&app, &format!("{DRAMMEN_Z12}?status=available"))
            .await
            .body,
    );
    assert!(!available.is_empty() && available.len() < all.len());
    assert!(available.iter().all(|f| f["status"] == "available"));
    assert_eq!(
        references(&available),
        expected_in_drammen_z12(&db, "AND status = 'available'").await
    );
    let large = decode(
        &get(&app, &format!("{DRAMMEN_Z12}?filter=area_m2%20%3E%2020000"))
            .await
            .body,
    );
    assert_eq!(
        references(&large),
        expected_in_drammen_z12(&db, "AND area_m2 > 20000").await
    );
    // Bad filters are named.
    let bad = get(&app, &format!("{DRAMMEN_Z12}?status=bogus")).await;
    assert_invalid_parameter(&bad, "status", "status");
    let bad = get(&app, &format!("{DRAMMEN_Z12}?filter=colour%20%3D%201")).await;
    assert_invalid_parameter(&bad, "filter", "filter");
    let bad = get(&app, &format!("{DRAMMEN_Z12}?colour=red")).await;
    assert_invalid_parameter(&bad, "colour", "colour");
    let bad = get(&app, &format!("{DRAMMEN_Z12}?f=png")).await;
    assert_invalid_parameter(&bad, "f", "f");
    // The tileset, TileJSON and style carry the filters into their URLs.
    let tilejson = get(
        &app,
        "/collections/plots/tiles/WebMercatorQuad/tilejson?status=available",
    )
    .await
    .json();
    assert_eq!(tilejson["tilejson"], "3.0.0");
    assert!(
        tilejson["tiles"][0]
            .as_str()
            .unwrap()
            .ends_with("/collections/plots/tiles/WebMercatorQuad/{z}/{y}/{x}?status=available")
    );
    assert_eq!(tilejson["vector_layers"][0]["id"], "plots");
    let style = get(
        &app,
        "/collections/plots/tiles/WebMercatorQuad/style?status=available",
    )
    .await;
    assert_eq!(style.content_type(), "application/vnd.mapbox.style+json");
    let style = style.json();
    assert_eq!(style["version"], 8);
    assert!(
        style["sources"]["plots"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/tilejson?status=available")
    );
    assert_eq!(style["layers"][0]["source-layer"], "plots");
    let bad = get(
        &app,
        "/collections/plots/tiles/WebMercatorQuad/tilejson?status=x",
    )
    .await;
    assert_invalid_parameter(&bad, "status", "status");
}

#[actix_web::test]
async fn empty_tiles_are_empty_and_missing_tiles_are_404() {
    let db = TestDb::with_demo().await;
    let app = actix_web::test::init_service(app(db.state())).await;
    let ocean = get(&app, "/collections/plots/tiles/WebMercatorQuad/12/0/0").await;
    assert_eq!(ocean.status, 200);
    assert!(ocean.body.is_empty());
    assert!(ocean.header("etag").is_some());
    for uri in [
        "/collections/plots/tiles/WebMercatorQuad/12/4096/0",
        "/collections/plots/tiles/WebMercatorQuad/12/0/4096",
        "/collections/plots/tiles/WebMercatorQuad/23/0/0",
        "/collections/plots/tiles/WebMercatorQuad/-1/0/0",
        "/collections/plots/tiles/WebMercatorQuad/x/0/0",
        "/collections/plots/tiles/WorldCRS84Quad/0/0/0",
    ] {
        let answer = get(&app, uri).await;
        assert_eq!(answer.status, 404, "{uri}");
        assert_eq!(answer.content_type(), "application/problem+json", "{uri}");
    }
}

#[actix_web::test]
async fn a_plot_across_a_tile_edge_is_in_both_tiles() {
    let db = TestDb::with_demo().await;
    // A plot straddling the edge between columns 8655 and 8656 at z14.
    let edge = 8656.0 / 16384.0 * 360.0 - 180.0;
    let id = id_of(&db, "DRM-0001").await;
    exec(
        &db,
        &format!(
            "UPDATE plots SET geom = ST_Multi(ST_MakeEnvelope({}, 59.7400, {}, 59.7410, 4326)) WHERE id = '{id}'",
            edge - 0.001,
            edge + 0.001
        ),
    )
    .await;
    let (_, _, row, _) = matrix::covering(14, [edge, 59.7405, edge, 59.7405], 0.0);
    let app = actix_web::test::init_service(app(db.state())).await;
    // In each tile the plot runs on past the shared edge to the end of the
    // tile's buffer (64 of 4096; the plot reaches further), so that the two
    // halves overlap and join without a seam.
    for (col, past_the_edge) in [(8655, 4159.0..=4161.0), (8656, -65.0..=-63.0)] {
        let tile = get(
            &app,
            &format!("/collections/plots/tiles/WebMercatorQuad/14/{row}/{col}"),
        )
        .await;
        let xs = x_range_of(&tile.body, "DRM-0001").expect("the plot is in the tile");
        let edge_side = if col == 8655 { xs.1 } else { xs.0 };
        assert!(
            past_the_edge.contains(&edge_side),
            "column {col}: the plot spans x {xs:?} in tile coordinates"
        );
    }
}

/// The least and greatest x (in tile coordinates) of the plot `reference`
/// in an MVT tile.
fn x_range_of(bytes: &[u8], reference: &str) -> Option<(f32, f32)> {
    let reader = mvt_reader::Reader::new(bytes.to_vec()).ok()?;
    let feature = reader.get_features(0).ok()?.into_iter().find(|f| {
        f.properties.as_ref().and_then(|p| p.get("reference"))
            == Some(&mvt_reader::feature::Value::String(reference.to_owned()))
    })?;
    let rings: Vec<&geo_types::LineString<f32>> = match &feature.geometry {
        geo_types::Geometry::Polygon(p) => vec![p.exterior()],
        geo_types::Geometry::MultiPolygon(m) => m.0.iter().map(|p| p.exterior()).collect(),
        other => panic!("a plot is a polygon, not {other:?}"),
    };
    let xs: Vec<f32> = rings.iter().flat_map(|r| r.0.iter().map(|c| c.x)).collect();
    Some((
        xs.iter().copied().fold(f32::INFINITY, f32::min),
        xs.iter().copied().fold(f32::NEG_INFINITY, f32::max),
    ))
}

#[actix_web::test]
async fn tiles_answer_head_304_and_gzip() {
    let db = TestDb::with_demo().await;
    let app = actix_web::test::init_service(app(db.state())).await;
    let plain = get(&app, DRAMMEN_Z12).await;
    let etag = plain.header("etag").unwrap().to_owned();
    assert_eq!(plain.header("cache-control"), Some("public, no-cache"));
    let head = send(
        &app,
        TestRequest::default()
            .method(actix_web::http::Method::HEAD)
            .uri(DRAMMEN_Z12)
            .to_request(),
    )
    .await;
    assert_eq!(head.status, 200);
    assert_eq!(head.header("etag"), Some(etag.as_str()));
    let again = send(
        &app,
        TestRequest::get()
            .uri(DRAMMEN_Z12)
            .insert_header(("if-none-match", etag.as_str()))
            .to_request(),
    )
    .await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    let gzip = send(
        &app,
        TestRequest::get()
            .uri(DRAMMEN_Z12)
            .insert_header(("accept-encoding", "gzip, br"))
            .to_request(),
    )
    .await;
    assert_eq!(gzip.header("content-encoding"), Some("gzip"));
    assert_ne!(gzip.header("etag"), Some(etag.as_str()));
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&gzip.body[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, plain.body);
}

/// A cached tile shows every write once it is committed: through the API,
/// an import and SQL by hand; and a write drops only the tiles it touched.
#[actix_web::test]
async fn a_tile_read_after_a_write_shows_it() {
    let db = TestDb::with_demo().await;
    let shared = Shared::from(db.state());
    let cache: actix_web::web::Data<TileCache> = shared.tiles.clone();
    assert!(cache.is_on());
    let app = actix_web::test::init_service(app(shared)).await;
    let planner = key(&db, "kari", Role::Planner).await;
    let status_of = |features: Vec<Properties>, reference: &str| {
        features
            .into_iter()
            .find(|f| f["reference"] == reference)
            .map(|f| f["status"].clone())
    };
    let ocean = "/collections/plots/tiles/WebMercatorQuad/12/0/0";
    get(&app, ocean).await;
    let first = decode(&get(&app, DRAMMEN_Z12).await.body);
    let reference = first
        .iter()
        .find(|f| f["status"] == "available")
        .map(|f| f["reference"].as_str().unwrap().to_owned())
        .expect("an available plot in Drammen");
    let id = id_of(&db, &reference).await;
    // A second read is a hit.
    let hits = cache.stats().hits;
    get(&app, DRAMMEN_Z12).await;
    assert_eq!(cache.stats().hits, hits + 1);

    // Through the API.
    let item = get(&app, &format!("/collections/plots/items/{id}")).await;
    let patch = send(
        &app,
        TestRequest::patch()
            .uri(&format!("/collections/plots/items/{id}"))
            .insert_header(bearer(&planner))
            .insert_header(("if-match", item.header("etag").unwrap()))
            .insert_header(("content-type", "application/merge-patch+json"))
            .set_payload(r#"{"properties": {"status": "reserved"}}"#)
            .to_request(),
    )
    .await;
    assert_eq!(patch.status, 200);
    let dropped = cache.stats().dropped;
    let after = decode(&get(&app, DRAMMEN_Z12).await.body);
    assert_eq!(status_of(after, &reference), Some(Value::from("reserved")));
    let by_one_write = cache.stats().dropped - dropped;
    assert!(
        (1..=2).contains(&by_one_write),
        "one write dropped {by_one_write} tiles"
    );
    // The ocean tile was not touched: still a hit.
    let hits = cache.stats().hits;
    get(&app, ocean).await;
    assert_eq!(cache.stats().hits, hits + 1);

    // By SQL, as a planner at a desk might.
    exec(
        &db,
        &format!("UPDATE plots SET status = 'under_negotiation' WHERE id = '{id}'"),
    )
    .await;
    let after = decode(&get(&app, DRAMMEN_Z12).await.body);
    assert_eq!(
        status_of(after, &reference),
        Some(Value::from("under_negotiation"))
    );

    // Through an import: the plot as exported, available again.
    let mut feature = get(&app, &format!("/collections/plots/items/{id}"))
        .await
        .json();
    feature["properties"]["status"] = Value::from("available");
    feature.as_object_mut().unwrap().remove("links");
    let import = send(
        &app,
        TestRequest::post()
            .uri("/collections/plots/import")
            .insert_header(bearer(&planner))
            .insert_header(("content-type", "application/geo+json"))
            .set_payload(
                serde_json::json!({"type": "FeatureCollection", "features": [feature]}).to_string(),
            )
            .to_request(),
    )
    .await;
    assert_eq!(
        import.status,
        200,
        "{}",
        String::from_utf8_lossy(&import.body)
    );
    let after = decode(&get(&app, DRAMMEN_Z12).await.body);
    assert_eq!(status_of(after, &reference), Some(Value::from("available")));

    // The cache's figures are in /ready, for operators.
    let ready = get(&app, "/ready").await.json();
    assert_eq!(ready["tile_cache"]["hits"], cache.stats().hits);
    assert!(ready["tile_cache"]["tiles"].as_u64().unwrap() >= 1);

    // Retired: gone from the tile.
    exec(
        &db,
        &format!("UPDATE plots SET ended_at = now(), end_reason = 'sold' WHERE id = '{id}'"),
    )
    .await;
    let after = decode(&get(&app, DRAMMEN_Z12).await.body);
    assert_eq!(status_of(after, &reference), None);
}

#[actix_web::test]
async fn planners_tiles_show_unpublished_plots_and_the_publics_do_not() {
    let db = TestDb::with_demo().await;
    let app = actix_web::test::init_service(app(db.state())).await;
    let planner = key(&db, "kari", Role::Planner).await;
    let public = references(&decode(&get(&app, DRAMMEN_Z12).await.body));
    let hidden = public[0].clone();
    exec(
        &db,
        &format!("UPDATE plots SET published = false WHERE reference = '{hidden}'"),
    )
    .await;
    let public = references(&decode(&get(&app, DRAMMEN_Z12).await.body));
    assert!(!public.contains(&hidden));
    let planners = send(
        &app,
        TestRequest::get()
            .uri(DRAMMEN_Z12)
            .insert_header(bearer(&planner))
            .to_request(),
    )
    .await;
    assert!(references(&decode(&planners.body)).contains(&hidden));
}
