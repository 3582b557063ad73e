//! `/collections/plots/items` and `/collections/plots/items/{id}`.

use std::collections::HashSet;

use actix_web::test::TestRequest;
use diesel_async::RunQueryDsl;
use naeringsareal::config::ApiConfig;
use serde_json::Value;

use crate::common::{TestDb, app_on, get, path_of, send};

/// Plots in the demo data that have not ended.
const OPEN_DEMO_PLOTS: usize = 33;

fn link<'a>(page: &'a Value, rel: &str) -> Option<&'a str> {
    page["links"].as_array()?.iter().find(|l| l["rel"] == rel)?["href"].as_str()
}

fn ids(page: &Value) -> Vec<String> {
    page["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn sql_count(db: &TestDb, condition: &str) -> usize {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let n: N = diesel::sql_query(format!(
        "SELECT count(*) AS n FROM plots WHERE ended_at IS NULL AND {condition}"
    ))
    .get_result(&mut db.conn().await)
    .await
    .unwrap();
    n.n as usize
}

#[actix_web::test]
async fn first_page_is_geojson_with_counts_and_links() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let answer = get(&app, "/collections/plots/items").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type(), "application/geo+json");
    let page = answer.json();
    assert_eq!(page["type"], "FeatureCollection");
    assert_eq!(page["numberReturned"], 10);
    assert_eq!(page["numberMatched"], OPEN_DEMO_PLOTS);
    assert!(link(&page, "self").is_some());
    assert!(link(&page, "next").is_some());
    assert!(link(&page, "prev").is_none(), "the first page has no prev");
    for l in page["links"].as_array().unwrap() {
        assert!(l["type"].is_string(), "every link has a type: {l}");
    }
    let feature = &page["features"][0];
    assert!(feature["id"].is_string(), "every feature has an id");
    assert_eq!(feature["geometry"]["type"], "MultiPolygon");
    let props = &feature["properties"];
    assert!(props["area_m2"].as_f64().unwrap() >= 2000.0);
    assert_eq!(props["demo"], true);
    assert!(
        props["port_distance_m"].is_i64(),
        "access distances are derived: {props}"
    );
}

#[actix_web::test]
async fn following_next_links_yields_every_plot_once_and_prev_goes_back() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let mut seen = Vec::new();
    let mut pages = Vec::new();
    let mut uri = "/collections/plots/items?limit=7".to_owned();
    loop {
        let page = get(&app, &uri).await.json();
        assert_eq!(page["numberMatched"], OPEN_DEMO_PLOTS);
        seen.extend(ids(&page));
        pages.push(page.clone());
        match link(&page, "next") {
            Some(next) => uri = path_of(next),
            None => break,
        }
    }
    assert_eq!(pages.len(), 5);
    assert_eq!(seen.len(), OPEN_DEMO_PLOTS);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), OPEN_DEMO_PLOTS);
    // prev from the third page is the second page.
    let back = get(&app, &path_of(link(&pages[2], "prev").unwrap()))
        .await
        .json();
    assert_eq!(ids(&back), ids(&pages[1]));
    // and the filter survives in the links
    assert!(link(&pages[1], "next").unwrap().contains("limit=7"));
}

#[actix_web::test]
async fn paging_stays_correct_while_plots_are_added_and_changed() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let first = get(&app, "/collections/plots/items?limit=10").await.json();
    let before: HashSet<String> = ids(&first).into_iter().collect();
    // While the client reads, a planner adds a plot and edits another.
    let mut conn = db.conn().await;
    diesel::sql_query(
        "INSERT INTO plots (reference, name, geom, municipality, land_use, land_use_status, planning_status, \
         location_class, readiness, ownership, offer_type, status) VALUES ('DRM-9999', 'Ny tomt', \
         ST_Multi(ST_GeomFromText('POLYGON((10.40 59.70,10.401 59.70,10.401 59.701,10.40 59.701,10.40 59.70))', 4326)), \
         '3301', 1340, 'current', 'zoned', 'C', 'zoned', 'public', 'sale', 'available')",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    diesel::sql_query("UPDATE plots SET price_note = 'Reduced' WHERE reference = 'DRM-0001'")
        .execute(&mut conn)
        .await
        .unwrap();
    let mut seen: Vec<String> = ids(&first);
    let mut next = link(&first, "next").map(path_of);
    while let Some(uri) = next {
        let page = get(&app, &uri).await.json();
        seen.extend(ids(&page));
        next = link(&page, "next").map(path_of);
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no plot is returned twice");
    assert!(before.iter().all(|id| unique.contains(id)));
    // Every plot that existed throughout is there; the new one may or may not be.
    assert!(
        seen.len() == OPEN_DEMO_PLOTS || seen.len() == OPEN_DEMO_PLOTS + 1,
        "{}",
        seen.len()
    );
}

#[actix_web::test]
async fn bbox_returns_exactly_the_intersecting_plots() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let bbox = "10.20,59.72,10.26,59.76";
    let page = get(
        &app,
        &format!("/collections/plots/items?bbox={bbox}&limit=100"),
    )
    .await
    .json();
    let expected = sql_count(
        &db,
        &format!("ST_Intersects(geom, ST_MakeEnvelope({bbox}, 4326))"),
    )
    .await;
    assert!(
        expected > 0 && expected < OPEN_DEMO_PLOTS,
        "the box must select some plots: {expected}"
    );
    assert_eq!(page["numberReturned"], expected);
    assert_eq!(page["numberMatched"], expected);
    // A box in the sea off Africa has nothing.
    let empty = get(&app, "/collections/plots/items?bbox=1,1,2,2")
        .await
        .json();
    assert_eq!(empty["numberReturned"], 0);
    assert_eq!(empty["features"], serde_json::json!([]));
}

#[actix_web::test]
async fn property_filters_select_like_sql() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let cases = [
        ("status=reserved", "status = 'reserved'"),
        ("land_use=1340,1350", "land_use IN (1340, 1350)"),
        ("municipality=3312", "municipality = '3312'"),
        (
            "location_class=C&status=available",
            "location_class = 'C' AND status = 'available'",
        ),
        ("locality=Holmen", "locality = 'Holmen'"),
        ("focus_area=health", "'health' = ANY(focus_areas)"),
        (
            "contamination=suspected,confirmed",
            "contamination <> 'none'",
        ),
        (
            "reference=DRM-0001,LIE-0002",
            "reference IN ('DRM-0001', 'LIE-0002')",
        ),
    ];
    for (query, condition) in cases {
        let page = get(&app, &format!("/collections/plots/items?{query}&limit=100"))
            .await
            .json();
        let expected = sql_count(&db, condition).await;
        assert!(expected > 0, "{query} should match some demo plots");
        assert_eq!(page["numberReturned"], expected, "{query}");
    }
}

#[actix_web::test]
async fn datetime_filters_on_the_last_update() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let since = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let before = get(&app, "/collections/plots/items?reference=DRM-0002")
        .await
        .json();
    let version = before["features"][0]["properties"]["version"]
        .as_i64()
        .unwrap();
    diesel::sql_query("UPDATE plots SET status = 'reserved' WHERE reference = 'DRM-0002'")
        .execute(&mut db.conn().await)
        .await
        .unwrap();
    let page = get(
        &app,
        &format!(
            "/collections/plots/items?datetime={}/..",
            since.replace('+', "%2B")
        ),
    )
    .await
    .json();
    assert_eq!(page["numberReturned"], 1, "{page}");
    assert_eq!(page["features"][0]["properties"]["reference"], "DRM-0002");
    assert_eq!(page["features"][0]["properties"]["version"], version + 1);
    let before = get(
        &app,
        &format!(
            "/collections/plots/items?datetime=../{}&limit=100",
            since.replace('+', "%2B")
        ),
    )
    .await
    .json();
    assert_eq!(before["numberReturned"], OPEN_DEMO_PLOTS - 1);
}

/// The collection's temporal extent spans the very instants `datetime`
/// filters on: the `updated_at` of the plots it lists (an unpublished
/// plot's change moves neither).
#[actix_web::test]
async fn the_temporal_extent_spans_the_updated_at_that_datetime_filters() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    diesel::sql_query(
        "UPDATE plots SET published = false, name = 'Skjult' WHERE reference = 'DRM-0002'",
    )
    .execute(&mut db.conn().await)
    .await
    .unwrap();
    let collection = get(&app, "/collections/plots").await.json();
    let interval = &collection["extent"]["temporal"]["interval"][0];
    let (first, last) = (interval[0].as_str().unwrap(), interval[1].as_str().unwrap());
    let page = get(&app, "/collections/plots/items?limit=100").await.json();
    let mut updated: Vec<chrono::DateTime<chrono::Utc>> = page["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            f["properties"]["updated_at"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    updated.sort();
    let parse = |t: &str| t.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
    assert_eq!(parse(first), updated[0], "{interval}");
    assert_eq!(parse(last), *updated.last().unwrap(), "{interval}");
    let count = |datetime: String| {
        let app = &app;
        async move {
            let uri = format!(
                "/collections/plots/items?limit=100&datetime={}",
                datetime.replace('+', "%2B")
            );
            get(app, &uri).await.json()["numberReturned"]
                .as_u64()
                .unwrap()
        }
    };
    let all = page["numberReturned"].as_u64().unwrap();
    assert_eq!(count(format!("{first}/{last}")).await, all);
    let just_before = (parse(first) - chrono::Duration::microseconds(1)).to_rfc3339();
    assert_eq!(count(format!("../{just_before}")).await, 0);
    assert!(
        count(first.to_owned()).await >= 1,
        "the first instant itself"
    );
}

#[actix_web::test]
async fn geometry_is_rfc7946_lon_lat_counter_clockwise_seven_decimals() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let page = get(&app, "/collections/plots/items?limit=100").await;
    let text = String::from_utf8(page.body.clone()).unwrap();
    let page = page.json();
    assert!(!text.contains("\"crs\""), "no crs member in GeoJSON");
    for feature in page["features"].as_array().unwrap() {
        for polygon in feature["geometry"]["coordinates"].as_array().unwrap() {
            let exterior = polygon[0].as_array().unwrap();
            let mut twice_area = 0.0;
            for pair in exterior.windows(2) {
                let (x1, y1) = (pair[0][0].as_f64().unwrap(), pair[0][1].as_f64().unwrap());
                let (x2, y2) = (pair[1][0].as_f64().unwrap(), pair[1][1].as_f64().unwrap());
                assert!(
                    (9.0..11.0).contains(&x1) && (59.0..60.5).contains(&y1),
                    "lon, lat order: {x1} {y1}"
                );
                twice_area += x1 * y2 - x2 * y1;
            }
            assert!(twice_area > 0.0, "exterior rings are counter-clockwise");
            for position in exterior {
                for number in position.as_array().unwrap() {
                    let decimals = number.to_string().split('.').nth(1).map_or(0, str::len);
                    assert!(decimals <= 7, "{number} has more than 7 decimals");
                }
            }
        }
    }
}

#[actix_web::test]
async fn limit_above_the_server_maximum_is_clamped() {
    let db = TestDb::with_demo().await;
    let api = ApiConfig {
        max_limit: 5.try_into().unwrap(),
        ..ApiConfig::default()
    };
    let app = actix_web::test::init_service(naeringsareal::router::app(db.state_with(api))).await;
    let page = get(&app, "/collections/plots/items?limit=10000").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.json()["numberReturned"], 5);
}

#[actix_web::test]
async fn number_matched_is_left_out_when_counting_is_too_dear() {
    let db = TestDb::with_demo().await;
    let api = ApiConfig {
        count_limit: 20,
        ..ApiConfig::default()
    };
    let app = actix_web::test::init_service(naeringsareal::router::app(db.state_with(api))).await;
    let page = get(&app, "/collections/plots/items?limit=5").await.json();
    assert!(
        page.get("numberMatched").is_none(),
        "33 matches > 20: {page}"
    );
    let small = get(&app, "/collections/plots/items?limit=5&municipality=3312")
        .await
        .json();
    assert_eq!(small["numberMatched"], 6);
}

#[actix_web::test]
async fn one_plot_with_etag_and_links() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let page = get(&app, "/collections/plots/items?reference=DRM-0001")
        .await
        .json();
    let id = page["features"][0]["id"].as_str().unwrap().to_owned();
    let uri = format!("/collections/plots/items/{id}");
    let answer = get(&app, &uri).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type(), "application/geo+json");
    let etag = answer.header("etag").expect("an ETag").to_owned();
    let feature = answer.json();
    assert_eq!(feature["type"], "Feature");
    assert_eq!(feature["id"], id);
    assert_eq!(feature["properties"]["reference"], "DRM-0001");
    assert!(link(&feature, "self").unwrap().ends_with(&uri));
    assert!(link(&feature, "collection").is_some());
    let cached = send(
        &app,
        TestRequest::get()
            .uri(&uri)
            .insert_header(("If-None-Match", etag.as_str()))
            .to_request(),
    )
    .await;
    assert_eq!(cached.status, 304);
    // A change makes a new tag.
    diesel::sql_query("UPDATE plots SET status = 'reserved' WHERE reference = 'DRM-0001'")
        .execute(&mut db.conn().await)
        .await
        .unwrap();
    let changed = get(&app, &uri).await;
    assert_ne!(changed.header("etag").unwrap(), etag);
}

#[actix_web::test]
async fn ended_plots_leave_the_listing_and_answer_gone() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let listed = get(&app, "/collections/plots/items?reference=DRM-0013")
        .await
        .json();
    assert_eq!(
        listed["numberReturned"], 0,
        "DRM-0013 is sold and ended in the demo data"
    );
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        id: uuid::Uuid,
    }
    let ended: Id = diesel::sql_query("SELECT id FROM plots WHERE reference = 'DRM-0013'")
        .get_result(&mut db.conn().await)
        .await
        .unwrap();
    let answer = get(&app, &format!("/collections/plots/items/{}", ended.id)).await;
    assert_eq!(answer.status, 410);
    assert_eq!(answer.content_type(), "application/problem+json");
    assert!(
        answer.json()["detail"]
            .as_str()
            .unwrap()
            .contains("DRM-0013")
    );
    let unknown = get(
        &app,
        &format!("/collections/plots/items/{}", uuid::Uuid::new_v4()),
    )
    .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.content_type(), "application/problem+json");
}
