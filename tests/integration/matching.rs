//! Site matching: ranked plots with scores and reasons.

use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::common::*;

pub fn match_request(needs: &Value) -> actix_http::Request {
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
pub fn nearly_free() -> Value {
    json!({"max_price_nok_per_m2": 1, "required": ["max_price_nok_per_m2"], "limit": 100})
}

/// The ids of the plots matched for `needs`, sorted.
pub async fn matched<B: MessageBody>(app: &impl TestApp<B>, needs: &Value) -> Vec<String> {
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

/// A plot on offer, a point inside it and its reference.
#[derive(diesel::QueryableByName)]
struct Inside {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: uuid::Uuid,
    #[diesel(sql_type = diesel::sql_types::Double)]
    lon: f64,
    #[diesel(sql_type = diesel::sql_types::Double)]
    lat: f64,
}

/// A plot's geodesic distance from a point, as PostGIS measures it.
#[derive(diesel::QueryableByName, Debug)]
struct Measured {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: uuid::Uuid,
    #[diesel(sql_type = diesel::sql_types::Double)]
    distance: f64,
}

/// Every plot on offer and its distance from (lon, lat) by PostGIS
/// (`ST_Distance` of geographies: on the WGS84 spheroid), nearest first.
async fn postgis_distances(db: &TestDb, lon: f64, lat: f64) -> Vec<Measured> {
    use diesel_async::RunQueryDsl;
    diesel::sql_query(
        "SELECT id, ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography) AS distance \
         FROM plots WHERE ended_at IS NULL AND published AND status = 'available' ORDER BY distance, id",
    )
    .bind::<diesel::sql_types::Double, _>(lon)
    .bind::<diesel::sql_types::Double, _>(lat)
    .load(&mut db.conn().await)
    .await
    .unwrap()
}

/// Drammen station (approximately): among the demo plots, with plots on
/// offer from a few hundred metres to over 20 km from it.
const DRAMMEN: (f64, f64) = (10.2043, 59.7404);

fn reasons_for_places(feature: &Value) -> Vec<&Value> {
    feature["properties"]["match_reasons"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["need"] == "places")
        .collect()
}

#[actix_web::test]
async fn a_place_inside_a_plot_is_at_distance_0() {
    use diesel_async::RunQueryDsl;
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let inside: Inside = diesel::sql_query(
        "SELECT id, ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat \
         FROM plots WHERE reference = 'DRM-0001'",
    )
    .get_result(&mut db.conn().await)
    .await
    .unwrap();
    let needs = json!({
        "places": [{"name": "Our current site", "lon": inside.lon, "lat": inside.lat, "max_distance_m": 0}],
        "limit": 100
    });
    // Only the plot the site is in is at distance 0 (the plots do not overlap).
    assert_eq!(matched(&app, &needs).await, [inside.id.to_string()]);
    let body = send(&app, match_request(&needs)).await.json();
    let feature = &body["features"][0];
    assert_eq!(feature["properties"]["match_score"], 1.0);
    let reasons = reasons_for_places(feature);
    assert_eq!(reasons.len(), 1);
    assert_eq!(reasons[0]["place"], 0);
    assert_eq!(reasons[0]["met"], true);
    assert_eq!(reasons[0]["required"], true);
    assert_eq!(
        reasons[0]["detail"],
        "Our current site: inside the plot (at most 0 m)"
    );
    // In the language the request asks for: the page's choice, or
    // Accept-Language (a client asking none gets English).
    let mut bokmal = match_request(&needs);
    bokmal.headers_mut().insert(
        "accept-language".parse().unwrap(),
        "nb-NO,nb;q=0.9,en;q=0.5".parse().unwrap(),
    );
    let body_nb = send(&app, bokmal).await.json();
    assert_eq!(
        reasons_for_places(&body_nb["features"][0])[0]["detail"],
        "Our current site: innenfor tomta (høyst 0 m)"
    );
    // The needs are echoed with the place.
    assert_eq!(body["needs"]["places"][0]["name"], "Our current site");
}

#[actix_web::test]
async fn a_farthest_distance_excludes_the_plots_farther_as_postgis_measures() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let (lon, lat) = DRAMMEN;
    let measured = postgis_distances(&db, lon, lat).await;
    let near = |max: f64| -> Vec<String> {
        let mut ids: Vec<String> = measured
            .iter()
            .filter(|m| m.distance.round() <= max)
            .map(|m| m.id.to_string())
            .collect();
        ids.sort();
        ids
    };
    let within = |max: f64| json!({"places": [{"lon": lon, "lat": lat, "max_distance_m": max}], "limit": 100});
    for max in [2000.0, 5000.0] {
        let ids = matched(&app, &within(max)).await;
        assert!(!ids.is_empty() && ids.len() < measured.len(), "{max}");
        assert_eq!(ids, near(max), "{max}");
    }
    // Distances are judged in whole metres, as the reasons show them: a
    // plot is within the distance shown for it, and not a metre less.
    let sixth = &measured[5];
    assert!(sixth.distance > 100.0, "{sixth:?}");
    let id = sixth.id.to_string();
    let shown = sixth.distance.round();
    assert!(matched(&app, &within(shown)).await.contains(&id));
    assert!(!matched(&app, &within(shown - 1.0)).await.contains(&id));
    // The reasons say how far each plot is from the unnamed place.
    let body = send(&app, match_request(&within(5000.0))).await.json();
    for feature in body["features"].as_array().unwrap() {
        let id = feature["id"].as_str().unwrap();
        let distance = measured
            .iter()
            .find(|m| m.id.to_string() == id)
            .unwrap()
            .distance;
        let reasons = reasons_for_places(feature);
        assert_eq!(reasons[0]["met"], true);
        assert_eq!(
            reasons[0]["detail"],
            format!("places[0]: {} m (at most 5000)", distance.round())
        );
    }
}

#[actix_web::test]
async fn a_preferred_distance_ranks_nearer_plots_higher() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let (lon, lat) = DRAMMEN;
    let measured = postgis_distances(&db, lon, lat).await;
    let preferred = 3000.0;
    let needs = json!({
        "places": [{"name": "Key customer", "lon": lon, "lat": lat, "preferred_distance_m": preferred}],
        "limit": 100
    });
    let body = send(&app, match_request(&needs)).await.json();
    let features = body["features"].as_array().unwrap();
    // A preference: every plot on offer is a candidate.
    assert_eq!(body["candidates"], measured.len());
    assert_eq!(features.len(), measured.len());
    let distance_of = |f: &Value| {
        let id = f["id"].as_str().unwrap();
        measured
            .iter()
            .find(|m| m.id.to_string() == id)
            .unwrap()
            .distance
    };
    let mut last_score = f64::INFINITY;
    let mut last_distance = 0.0;
    let mut partial = 0;
    for f in features {
        let (score, distance) = (
            f["properties"]["match_score"].as_f64().unwrap(),
            distance_of(f),
        );
        let reason = reasons_for_places(f)[0];
        assert_eq!(reason["required"], false);
        assert_eq!(reason["met"], distance <= preferred, "{reason}");
        let expected = (1.0 - (distance - preferred).max(0.0) / preferred).max(0.0);
        assert!(
            (score - expected).abs() < 0.0015,
            "{score} vs {expected} at {distance}"
        );
        // Best first; between 1 (within the preferred distance) and 0 (from
        // double it on), nearer is better.
        assert!(score <= last_score, "{score} after {last_score}");
        if score < 1.0 && score > 0.0 {
            partial += 1;
            assert!(
                distance >= last_distance,
                "{distance} m after {last_distance} m"
            );
            last_distance = distance;
            assert!(
                reason["detail"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("m over {preferred:.0}")),
                "{reason}"
            );
        }
        last_score = score;
    }
    let full = features
        .iter()
        .filter(|f| f["properties"]["match_score"] == 1.0)
        .count();
    assert!(
        full > 0 && partial > 1 && full + partial < features.len(),
        "{full}, {partial}"
    );
}

#[actix_web::test]
async fn bad_places_are_refused_naming_each_field() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let place = |lat: Value| json!({"lon": 10.2, "lat": lat, "max_distance_m": 5000});
    let many: Vec<Value> = (0..21).map(|_| place(json!(59.7))).collect();
    for (places, names, says) in [
        (
            json!([place(json!(59.7)), place(json!(91))]),
            vec!["places[1].lat"],
            "must be from -90 to 90",
        ),
        (
            json!([{"lon": 10.2, "lat": 59.7, "max_distance_m": 5000, "preferred_distance_m": 2000}]),
            vec!["places[0].preferred_distance_m"],
            "not both",
        ),
        (
            json!([place(json!(59.7)), {"name": "Our site", "lon": 10.2, "lat": 59.7}]),
            vec!["places[1].max_distance_m"],
            "give max_distance_m (hard) or preferred_distance_m",
        ),
        (json!(many), vec!["places"], "21 places; at most 20"),
        (json!([]), vec!["places"], "must not be empty"),
        (
            json!([{"name": " ", "lon": 181, "lat": 59.7, "preferred_distance_m": -1}]),
            vec![
                "places[0].name",
                "places[0].lon",
                "places[0].preferred_distance_m",
            ],
            "must not be blank",
        ),
        (
            json!([{"name": "x".repeat(101), "lon": 10.2, "lat": 59.7, "max_distance_m": 1}]),
            vec!["places[0].name"],
            "101 characters long; at most 100",
        ),
        // Wrong types and unknown fields are named by their path too.
        (
            json!([place(json!("north"))]),
            vec!["places[0].lat"],
            "invalid type: string",
        ),
        (
            json!([{"lon": 10.2, "lat": 59.7, "max_distance_m": 1, "radius": 5}]),
            vec!["places[0].radius"],
            "unknown field `radius`",
        ),
        (
            json!([{"lat": 59.7, "max_distance_m": 1}]),
            vec!["places[0]"],
            "missing field `lon`",
        ),
    ] {
        let needs = json!({"places": places});
        let answer = send(&app, match_request(&needs)).await;
        assert_eq!(answer.status, 400, "{needs}");
        assert_eq!(answer.content_type(), "application/problem+json");
        let problem = answer.json();
        assert_eq!(offending(&problem), names, "{problem}");
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains(says), "“{says}” not in “{detail}”");
    }
    // `required` does not name places: their kind of distance says it.
    let needs = json!({"places": [place(json!(59.7))], "required": ["places"]});
    let problem = send(&app, match_request(&needs)).await.json();
    assert_eq!(offending(&problem), ["required"], "{problem}");
}

#[actix_web::test]
async fn geodesic_distances_agree_with_postgis() {
    use diesel_async::RunQueryDsl;
    use naeringsareal::matching::boundary::Boundary;

    #[derive(diesel::QueryableByName)]
    struct Case {
        #[diesel(sql_type = diesel::sql_types::Text)]
        reference: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        boundary: String,
        #[diesel(sql_type = diesel::sql_types::Double)]
        lon: f64,
        #[diesel(sql_type = diesel::sql_types::Double)]
        lat: f64,
        #[diesel(sql_type = diesel::sql_types::Double)]
        postgis: f64,
    }
    let db = TestDb::with_demo().await;
    // Every demo plot against a point inside it, each vertex, each
    // reference place, and points 1 m to 1000 km from its centroid in
    // eight directions.
    let cases: Vec<Case> = diesel::sql_query(
        "WITH points AS ( \
           SELECT id, ST_PointOnSurface(geom) AS point FROM plots \
           UNION ALL SELECT id, (ST_DumpPoints(geom)).geom FROM plots \
           UNION ALL SELECT p.id, r.geom FROM plots p CROSS JOIN reference_places r \
           UNION ALL SELECT id, ST_Project(ST_Centroid(geom)::geography, d, radians(az))::geometry \
             FROM plots, unnest(ARRAY[1, 10, 100, 1000, 10000, 100000, 1000000]::float8[]) d, \
                  generate_series(0, 315, 45) az) \
         SELECT p.reference, ST_AsGeoJSON(p.geom, 7) AS boundary, \
                ST_X(points.point) AS lon, ST_Y(points.point) AS lat, \
                ST_Distance(p.geom::geography, points.point::geography) AS postgis \
         FROM points JOIN plots p ON p.id = points.id",
    )
    .load(&mut db.conn().await)
    .await
    .unwrap();
    assert!(cases.len() > 2500, "{}", cases.len());
    let (mut worst, mut worst_relative) = (0.0f64, 0.0f64);
    for case in &cases {
        let boundary = Boundary::from_geojson(&case.boundary).unwrap();
        let ours = boundary.distance_m(geo::Point::new(case.lon, case.lat));
        let error = (ours - case.postgis).abs();
        // The bound the README states: a millimetre, near or 1000 km away
        // (the worst seen is a few micrometres).
        assert!(
            error <= 0.001,
            "{} from ({}, {}): {ours} m, PostGIS {} m",
            case.reference,
            case.lon,
            case.lat,
            case.postgis
        );
        worst = worst.max(error);
        if case.postgis > 0.0 {
            worst_relative = worst_relative.max(error / case.postgis);
        }
    }
    eprintln!(
        "{} distances: worst difference from PostGIS {worst:.6} m, relative {worst_relative:.2e}",
        cases.len()
    );
}
