//! Every error is problem+json naming what was wrong.

use std::time::Duration;

use actix_web::test::TestRequest;
use naeringsareal::config::DbConfig;
use naeringsareal::router::app;

use crate::common::{TestDb, app_on, get, offending, send};

#[actix_web::test]
async fn bad_query_parameters_are_400_naming_each_one() {
    let db = TestDb::new().await;
    let app = app_on(&db).await;
    let cases = [
        ("/collections/plots/items?colour=red", "colour"),
        ("/collections/plots/items?limit=0", "limit"),
        ("/collections/plots/items?bbox=10,59,11", "bbox"),
        ("/collections/plots/items?bbox=10.2,91,10.3,92", "bbox"),
        ("/collections/plots/items?status=free", "status"),
        ("/collections/plots/items?land_use=industry", "land_use"),
        ("/collections/plots/items?datetime=tomorrow", "datetime"),
        ("/collections/plots/items?cursor=xyz", "cursor"),
        (
            "/collections/plots/items?crs=http://www.opengis.net/def/crs/EPSG/0/2154",
            "crs",
        ),
        ("/collections/plots/items?f=xml", "f"),
        ("/collections/plots/items?limit=5&limit=6", "limit"),
        ("/collections?limit=5", "limit"),
        ("/conformance?x=1", "x"),
    ];
    for (uri, parameter) in cases {
        let answer = get(&app, uri).await;
        assert_eq!(answer.status, 400, "{uri}");
        assert_eq!(answer.content_type(), "application/problem+json", "{uri}");
        let problem = answer.json();
        assert_eq!(problem["status"], 400);
        assert!(problem["title"].is_string() && problem["type"].is_string());
        let names = offending(&problem);
        assert_eq!(names, [parameter], "{uri}: {problem}");
        assert!(
            problem["detail"].as_str().unwrap().starts_with(parameter),
            "{uri}: {problem}"
        );
    }
}

#[actix_web::test]
async fn a_limit_above_the_maximum_is_served_as_the_maximum() {
    // OGC API – Features Part 1, /req/core/query-param-limit-response.
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let all = get(&app, "/collections/plots/items?limit=1000")
        .await
        .json();
    for limit in ["10001", "4294967296", "99999999999999999999999999999"] {
        let answer = get(&app, &format!("/collections/plots/items?limit={limit}")).await;
        assert_eq!(answer.status, 200, "limit={limit}");
        let page = answer.json();
        assert_eq!(
            page["numberReturned"], all["numberReturned"],
            "limit={limit}"
        );
    }
}

#[actix_web::test]
async fn an_id_that_is_not_a_uuid_names_no_plot() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    for uri in [
        "/collections/plots/items/not-a-uuid",
        "/collections/plots/items/DRM-0001",
        "/collections/plots/items/not-a-uuid?f=json",
    ] {
        let answer = get(&app, uri).await;
        assert_eq!(answer.status, 404, "{uri}");
        assert_eq!(answer.content_type(), "application/problem+json", "{uri}");
        assert!(
            answer.json()["detail"]
                .as_str()
                .unwrap()
                .contains("plot ids are UUIDs"),
            "{uri}"
        );
    }
}

#[actix_web::test]
async fn all_problems_of_a_request_are_reported_at_once() {
    let db = TestDb::new().await;
    let app = app_on(&db).await;
    let problem = get(
        &app,
        "/collections/plots/items?limit=0&bbox=1&status=x&what=1",
    )
    .await
    .json();
    let names = offending(&problem);
    assert_eq!(names, ["limit", "bbox", "status", "what"]);
}

#[actix_web::test]
async fn unknown_routes_and_methods_are_problems_too() {
    let db = TestDb::new().await;
    let app = app_on(&db).await;
    let missing = get(&app, "/collections/roads/items").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.content_type(), "application/problem+json");
    assert!(
        missing.json()["detail"]
            .as_str()
            .unwrap()
            .contains("/collections/roads/items")
    );

    let put = send(
        &app,
        TestRequest::put()
            .uri("/collections/plots/items")
            .to_request(),
    )
    .await;
    assert_eq!(put.status, 405);
    assert_eq!(put.content_type(), "application/problem+json");
    assert_eq!(put.header("allow"), Some("GET, HEAD, POST, OPTIONS"));

    let post = send(&app, TestRequest::post().uri("/conformance").to_request()).await;
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET, HEAD"));
}

#[actix_web::test]
async fn a_pool_that_cannot_give_a_connection_in_time_answers_503() {
    let db = TestDb::new().await;
    let config = DbConfig {
        pool_size: 1.try_into().unwrap(),
        pool_timeout: Duration::from_millis(100),
        ..DbConfig::for_url(&db.url)
    };
    let mut state = db.state();
    state.pool = naeringsareal::db::build_pool(&config).unwrap();
    let held = state.pool.get().await.unwrap();
    let app = actix_web::test::init_service(app(state)).await;
    let answer = get(&app, "/collections/plots/items").await;
    assert_eq!(answer.status, 503);
    assert_eq!(answer.content_type(), "application/problem+json");
    assert_eq!(answer.header("retry-after"), Some("1"));
    let body = String::from_utf8(answer.body).unwrap();
    assert!(
        !body.contains("postgres://"),
        "no internals in the body: {body}"
    );
    drop(held);
    assert_eq!(get(&app, "/collections/plots/items").await.status, 200);
}

#[actix_web::test]
async fn a_database_without_the_registry_is_500_with_no_internals() {
    // A database that exists but was never migrated: every query fails.
    let db = TestDb::new().await;
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query("ALTER TABLE plots RENAME TO plots_gone"),
        &mut db.conn().await,
    )
    .await
    .unwrap();
    let app = app_on(&db).await;
    let answer = get(&app, "/collections/plots/items").await;
    assert_eq!(answer.status, 500);
    assert_eq!(answer.content_type(), "application/problem+json");
    let body = String::from_utf8(answer.body).unwrap();
    assert!(
        !body.contains("plots_gone") && !body.contains("relation"),
        "{body}"
    );
}

#[actix_web::test]
async fn a_connection_the_server_killed_is_replaced_after_a_503() {
    let db = TestDb::with_demo().await;
    let config = DbConfig {
        pool_size: 1.try_into().unwrap(),
        ..DbConfig::for_url(&db.url)
    };
    let mut state = db.state();
    state.pool = naeringsareal::db::build_pool(&config).unwrap();
    let app = actix_web::test::init_service(app(state)).await;
    assert_eq!(get(&app, "/collections/plots/items").await.status, 200);
    // The server goes away under the pooled connection (a restart, a failover).
    let sql = format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}' AND pid <> pg_backend_pid()",
        db.name
    );
    diesel_async::RunQueryDsl::execute(diesel::sql_query(sql), &mut db.conn().await)
        .await
        .unwrap();
    // The requests that meet the dead connection are 503 (try again), never
    // 500; the pool then drops it and connects anew.
    for attempt in 1..=3 {
        let answer = get(&app, "/collections/plots/items").await;
        if answer.status == 200 {
            return;
        }
        assert_eq!(
            answer.status,
            503,
            "attempt {attempt}: {}",
            String::from_utf8_lossy(&answer.body)
        );
        assert_eq!(answer.content_type(), "application/problem+json");
    }
    panic!("the pool kept handing out the dead connection");
}
