//! Site matching: ranked plots with scores and reasons.

use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::common::*;

fn match_request(needs: &Value) -> actix_http::Request {
    TestRequest::post()
        .uri("/collections/plots/match")
        .insert_header(("content-type", "application/json"))
        .set_payload(needs.to_string())
        .to_request()
}

#[actix_web::test]
async fn plots_are_ranked_by_fit_with_the_reasons() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let needs = json!({
        "area_m2": {"min": 20000},
        "land_use": [1340, 1350, 1826],
        "max_port_distance_m": 3000,
        "min_power_kw": 2000,
        "available_by": "2027-12-31",
        "no_contamination": true,
        "required": ["land_use"],
        "limit": 50
    });
    let answer = send(&app, match_request(&needs)).await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(answer.content_type(), "application/geo+json");
    let body = answer.json();
    let features = body["features"].as_array().unwrap();
    assert!(!features.is_empty());
    assert_eq!(body["candidates"], features.len());
    // Only vacant land is offered: the fixture's reserved, sold and leased
    // plots of these land uses are never candidates.
    let listed = get(
        &app,
        "/collections/plots/items?limit=1000&land_use=1340,1350,1826",
    )
    .await
    .json();
    let listed = listed["features"].as_array().unwrap();
    let available = listed
        .iter()
        .filter(|f| f["properties"]["status"] == "available")
        .count();
    assert!(
        available < listed.len(),
        "the fixture has plots that are not free"
    );
    assert_eq!(body["candidates"], available);
    assert!(
        features
            .iter()
            .all(|f| f["properties"]["status"] == "available")
    );
    let mut last = f64::INFINITY;
    for f in features {
        let p = &f["properties"];
        // The hard requirement holds for every plot.
        assert!([1340, 1350, 1826].contains(&p["land_use"].as_i64().unwrap()));
        // Best first.
        let score = p["match_score"].as_f64().unwrap();
        assert!(score <= last + 1e-9);
        last = score;
        // Every need stated has a reason, and the reasons agree with the plot.
        let reasons = p["match_reasons"].as_array().unwrap();
        assert_eq!(reasons.len(), 6, "{reasons:?}");
        let reason = |need: &str| reasons.iter().find(|r| r["need"] == need).unwrap();
        let port_ok = p["port_distance_m"].as_f64().is_some_and(|d| d <= 3000.0);
        assert_eq!(reason("max_port_distance_m")["met"], port_ok);
        assert_eq!(
            reason("area_m2")["met"],
            p["area_m2"].as_f64().unwrap() >= 20000.0
        );
        assert_eq!(
            reason("no_contamination")["met"],
            p["contamination"] == "none"
        );
        assert_eq!(reason("land_use")["required"], true);
        if !port_ok && p["port_distance_m"].is_number() {
            assert!(
                reason("max_port_distance_m")["detail"]
                    .as_str()
                    .unwrap()
                    .contains("over 3000")
            );
        }
        let mean: f64 = reasons
            .iter()
            .map(|r| r["score"].as_f64().unwrap())
            .sum::<f64>()
            / reasons.len() as f64;
        assert!((mean - score).abs() < 0.002, "{mean} vs {score}");
        assert!(f["geometry"]["type"] == "MultiPolygon");
    }
    // The best three are the first three of the whole list.
    let mut top = needs.clone();
    top["limit"] = json!(3);
    let top = send(&app, match_request(&top)).await.json();
    let scores = |fs: &[Value]| {
        fs.iter()
            .map(|f| f["properties"]["match_score"].as_f64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        scores(top["features"].as_array().unwrap()),
        scores(&features[..3])
    );
    // Making the port distance hard leaves only plots that meet it.
    let mut hard = needs.clone();
    hard["required"] = json!(["land_use", "max_port_distance_m"]);
    let strict = send(&app, match_request(&hard)).await.json();
    let strict = strict["features"].as_array().unwrap();
    assert!(strict.len() < features.len());
    assert!(
        strict
            .iter()
            .all(|f| f["properties"]["port_distance_m"].as_f64().unwrap() <= 3000.0)
    );
}

#[actix_web::test]
async fn bad_needs_are_refused_with_reasons() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    for (needs, says) in [
        (json!({}), "state at least one need"),
        (
            json!({"required": ["harbour"], "land_use": [1340]}),
            "`harbour` is not a need",
        ),
        (
            json!({"required": ["min_power_kw"], "land_use": [1340]}),
            "required but not stated",
        ),
        (json!({"min_power_kw": -5}), "at least 0"),
        (
            json!({"area_m2": {"min": 5000, "max": 100}}),
            "min is above max",
        ),
        (
            json!({"land_use": [1340], "limit": 0}),
            "limit: must be from 1 to 100",
        ),
        (
            json!({"land_use": [1340], "colour": "red"}),
            "unknown field `colour`",
        ),
        (json!({"location_class": ["D"]}), "unknown variant `D`"),
    ] {
        let answer = send(&app, match_request(&needs)).await;
        assert_eq!(answer.status, 400, "{needs}");
        // The body is at fault, not a query parameter.
        assert_eq!(answer.json()["title"], "Invalid request body", "{needs}");
        let detail = answer.json()["detail"].as_str().unwrap().to_owned();
        assert!(detail.contains(says), "{needs}: “{says}” not in “{detail}”");
    }
    let wrong_type = send(
        &app,
        TestRequest::post()
            .uri("/collections/plots/match")
            .insert_header(("content-type", "text/plain"))
            .set_payload("{}")
            .to_request(),
    )
    .await;
    assert_eq!(wrong_type.status, 415);
}

/// Needs that only a plot priced at 1 NOK/m² or less meets (the demo has none).
fn nearly_free() -> Value {
    json!({"max_price_nok_per_m2": 1, "required": ["max_price_nok_per_m2"], "limit": 100})
}

/// The ids of the plots matched for `needs`, sorted.
async fn matched<B: MessageBody>(app: &impl TestApp<B>, needs: &Value) -> Vec<String> {
    let answer = send(app, match_request(needs)).await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let body = answer.json();
    let mut ids: Vec<String> = body["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        body["candidates"],
        ids.len(),
        "all candidates fit in a page"
    );
    ids.sort();
    ids
}

async fn sql(conn: &mut diesel_async::AsyncPgConnection, statement: &str) {
    use diesel_async::RunQueryDsl;
    diesel::sql_query(statement).execute(conn).await.unwrap();
}

#[actix_web::test]
async fn matching_sees_each_write_through_the_api_at_once() {
    // The service matches from its own copy of the plots on offer: every
    // write must reach it before the next match.
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let kari = key(&db, "kari", naeringsareal::keys::role::Role::Planner).await;
    let none = Vec::<String>::new();
    assert_eq!(matched(&app, &nearly_free()).await, none);

    let mut plot = new_plot("TST-91");
    plot["properties"]["price_nok_per_m2"] = json!(1);
    let created = send(&app, post_plot(&kari, &plot)).await;
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let mut etag = created.header("etag").unwrap().to_owned();
    assert_eq!(matched(&app, &nearly_free()).await, [id.as_str()]);

    // Each change, and whether the plot is then a candidate for the needs.
    let changes = [
        (json!({"price_nok_per_m2": 900}), false),
        (json!({"price_nok_per_m2": 0}), true),
        // Reserved: not on offer any more.
        (json!({"status": "reserved"}), false),
        (json!({"status": "available"}), true),
    ];
    for (change, candidate) in changes {
        let changed = send(
            &app,
            patch_plot(&kari, &id, &etag, &json!({"properties": change})),
        )
        .await;
        assert_eq!(changed.status, 200, "{change}");
        etag = changed.header("etag").unwrap().to_owned();
        let expected = if candidate {
            vec![id.clone()]
        } else {
            none.clone()
        };
        assert_eq!(matched(&app, &nearly_free()).await, expected, "{change}");
    }

    let retired = send(&app, retire_plot(&kari, &id, &etag, "sold")).await;
    assert_eq!(retired.status, 204);
    assert_eq!(matched(&app, &nearly_free()).await, none);
}

#[actix_web::test]
async fn a_write_still_running_at_one_match_is_seen_by_the_next() {
    // A writer that began before a match and commits after it, while a later
    // writer committed before it: the match cannot see the first write, the
    // next one must (remembering the newest write seen would miss it).
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    assert_eq!(matched(&app, &nearly_free()).await, Vec::<String>::new());
    let (first, second) = (id_of(&db, "DRM-0007").await, id_of(&db, "DRM-0001").await);

    let mut slow = db.conn().await;
    sql(&mut slow, "BEGIN").await;
    sql(
        &mut slow,
        "UPDATE plots SET price_nok_per_m2 = 1 WHERE reference = 'DRM-0007'",
    )
    .await;
    sql(
        &mut db.conn().await,
        "UPDATE plots SET price_nok_per_m2 = 1 WHERE reference = 'DRM-0001'",
    )
    .await;
    assert_eq!(matched(&app, &nearly_free()).await, [second.as_str()]);

    sql(&mut slow, "COMMIT").await;
    let mut both = vec![first, second];
    both.sort();
    assert_eq!(matched(&app, &nearly_free()).await, both);
}

#[actix_web::test]
async fn matching_sees_access_distances_derived_again_when_a_reference_place_is_added() {
    // A new port derives every plot's port distance again, without a new
    // version of any plot; matching must see the new distances.
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let plot = id_of(&db, "DRM-0007").await;
    let at_the_port =
        json!({"max_port_distance_m": 0, "required": ["max_port_distance_m"], "limit": 100});
    assert!(!matched(&app, &at_the_port).await.contains(&plot));
    sql(
        &mut db.conn().await,
        "INSERT INTO reference_places (kind, name, geom) \
         SELECT 'port', 'Testhavna', ST_PointOnSurface(geom) FROM plots WHERE reference = 'DRM-0007'",
    )
    .await;
    assert!(matched(&app, &at_the_port).await.contains(&plot));
}
