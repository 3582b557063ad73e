//! CQL2 filters on a fixed fixture (the demo data): each valid expression
//! gives exactly the plots an independent reading of the fixture says it
//! should; each invalid one is a 400 that says why; injection goes nowhere.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::common::*;

/// The open demo plots' properties, straight from the file.
fn fixture() -> Vec<Value> {
    let file: Value = serde_json::from_str(naeringsareal::demo::PLOTS).unwrap();
    file["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"].clone())
        .filter(|p| p["ended_at"].is_null())
        .collect()
}

fn refs(plots: &[Value], keep: impl Fn(&Value) -> bool) -> BTreeSet<String> {
    plots
        .iter()
        .filter(|p| keep(p))
        .map(|p| p["reference"].as_str().unwrap().to_owned())
        .collect()
}

fn num(p: &Value, k: &str) -> Option<f64> {
    p[k].as_f64()
}

fn text<'a>(p: &'a Value, k: &str) -> &'a str {
    p[k].as_str().unwrap_or("")
}

fn has_focus(p: &Value, area: &str) -> bool {
    p["focus_areas"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == area)
}

async fn answer<B: MessageBody>(app: &impl TestApp<B>, query: &str) -> Answer {
    let uri = format!("/collections/plots/items?limit=1000&{query}");
    get(app, &uri).await
}

fn answered_refs(a: &Answer) -> BTreeSet<String> {
    a.json()["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["reference"].as_str().unwrap().to_owned())
        .collect()
}

/// The plots a query selects, by reference; it must answer 200.
async fn selected<B: MessageBody>(app: &impl TestApp<B>, query: &str) -> BTreeSet<String> {
    let a = answer(app, query).await;
    assert_eq!(
        a.status,
        200,
        "{query}: {}",
        String::from_utf8_lossy(&a.body)
    );
    answered_refs(&a)
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[actix_web::test]
async fn cql2_expressions_select_exactly_what_they_say() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let plots = fixture();
    let p = &plots;
    type Case<'a> = (&'a str, BTreeSet<String>);
    let cases: Vec<Case> = vec![
        (
            "status = 'available'",
            refs(p, |x| text(x, "status") == "available"),
        ),
        (
            "status <> 'available'",
            refs(p, |x| text(x, "status") != "available"),
        ),
        (
            "'available' = status",
            refs(p, |x| text(x, "status") == "available"),
        ),
        ("land_use = 1340", refs(p, |x| x["land_use"] == 1340)),
        (
            "land_use IN (1340, 1350, 1826)",
            refs(p, |x| {
                [1340, 1350, 1826].contains(&x["land_use"].as_i64().unwrap())
            }),
        ),
        (
            "NOT land_use IN (1340, 1350)",
            refs(p, |x| {
                ![1340, 1350].contains(&x["land_use"].as_i64().unwrap())
            }),
        ),
        (
            "location_class IN ('A', 'B')",
            refs(p, |x| ["A", "B"].contains(&text(x, "location_class"))),
        ),
        (
            "municipality = '3312'",
            refs(p, |x| text(x, "municipality") == "3312"),
        ),
        (
            "locality = 'Holmen' OR locality = 'Brakerøya'",
            refs(p, |x| {
                ["Holmen", "Brakerøya"].contains(&text(x, "locality"))
            }),
        ),
        (
            "power_capacity_kw >= 2000",
            refs(p, |x| {
                num(x, "power_capacity_kw").is_some_and(|v| v >= 2000.0)
            }),
        ),
        (
            "power_capacity_kw > 2000",
            refs(p, |x| {
                num(x, "power_capacity_kw").is_some_and(|v| v > 2000.0)
            }),
        ),
        (
            "power_capacity_kw < 1000",
            refs(p, |x| {
                num(x, "power_capacity_kw").is_some_and(|v| v < 1000.0)
            }),
        ),
        (
            "power_capacity_kw <= 1000",
            refs(p, |x| {
                num(x, "power_capacity_kw").is_some_and(|v| v <= 1000.0)
            }),
        ),
        (
            "power_capacity_kw IS NULL",
            refs(p, |x| x["power_capacity_kw"].is_null()),
        ),
        (
            "NOT power_capacity_kw IS NULL",
            refs(p, |x| !x["power_capacity_kw"].is_null()),
        ),
        (
            "power_capacity_kw BETWEEN 1000 AND 3000",
            refs(p, |x| {
                num(x, "power_capacity_kw").is_some_and(|v| (1000.0..=3000.0).contains(&v))
            }),
        ),
        (
            "price_nok_per_m2 BETWEEN 1000 AND 2500 AND offer_type <> 'lease'",
            refs(p, |x| {
                num(x, "price_nok_per_m2").is_some_and(|v| (1000.0..=2500.0).contains(&v))
                    && text(x, "offer_type") != "lease"
            }),
        ),
        (
            "max_height_m > 25.5",
            refs(p, |x| num(x, "max_height_m").is_some_and(|v| v > 25.5)),
        ),
        (
            "utilisation_percent >= 100",
            refs(p, |x| {
                num(x, "utilisation_percent").is_some_and(|v| v >= 100.0)
            }),
        ),
        (
            "name LIKE '%logistikk%'",
            refs(p, |x| text(x, "name").contains("logistikk")),
        ),
        (
            "name LIKE 'Holmen%'",
            refs(p, |x| text(x, "name").starts_with("Holmen")),
        ),
        (
            "NOT name LIKE '%(demo)'",
            refs(p, |x| !text(x, "name").ends_with("(demo)")),
        ),
        ("water_sewer = true", refs(p, |x| x["water_sewer"] == true)),
        ("fibre = false", refs(p, |x| x["fibre"] == false)),
        (
            "quick_clay_zone = true OR flood_zone = true",
            refs(p, |x| {
                x["quick_clay_zone"] == true || x["flood_zone"] == true
            }),
        ),
        (
            "contamination = 'none' AND readiness = 'ready_to_build'",
            refs(p, |x| {
                text(x, "contamination") == "none" && text(x, "readiness") == "ready_to_build"
            }),
        ),
        (
            "(status = 'available' OR status = 'reserved') AND location_class = 'C'",
            refs(p, |x| {
                ["available", "reserved"].contains(&text(x, "status"))
                    && text(x, "location_class") == "C"
            }),
        ),
        (
            "available_from < DATE('2027-01-01')",
            refs(p, |x| {
                !x["available_from"].is_null() && text(x, "available_from") < "2027-01-01"
            }),
        ),
        (
            "T_BEFORE(available_from, DATE('2027-06-01'))",
            refs(p, |x| {
                !x["available_from"].is_null() && text(x, "available_from") < "2027-06-01"
            }),
        ),
        (
            "T_AFTER(available_from, DATE('2028-01-01'))",
            refs(p, |x| {
                !x["available_from"].is_null() && text(x, "available_from") > "2028-01-01"
            }),
        ),
        (
            "T_INTERSECTS(available_from, INTERVAL('2027-01-01', '2027-12-31'))",
            refs(p, |x| {
                let d = text(x, "available_from");
                !d.is_empty() && ("2027-01-01"..="2027-12-31").contains(&d)
            }),
        ),
        (
            "available_from IS NULL",
            refs(p, |x| x["available_from"].is_null()),
        ),
        (
            "A_CONTAINS(focus_areas, ('health'))",
            refs(p, |x| has_focus(x, "health")),
        ),
        (
            "A_OVERLAPS(focus_areas, ('health', 'knowledge_it'))",
            refs(p, |x| {
                has_focus(x, "health") || has_focus(x, "knowledge_it")
            }),
        ),
        (
            "A_CONTAINS(focus_areas, ('port_logistics', 'general'))",
            refs(p, |x| {
                has_focus(x, "port_logistics") && has_focus(x, "general")
            }),
        ),
        (
            "A_CONTAINEDBY(focus_areas, ('port_logistics', 'general'))",
            refs(p, |x| {
                x["focus_areas"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|a| a == "port_logistics" || a == "general")
            }),
        ),
        (
            "ownership = 'public' AND NOT (offer_type = 'lease')",
            refs(p, |x| {
                text(x, "ownership") == "public" && text(x, "offer_type") != "lease"
            }),
        ),
        (
            "land_use_status = 'future' OR planning_status = 'master_plan'",
            refs(p, |x| {
                text(x, "land_use_status") == "future"
                    || text(x, "planning_status") == "master_plan"
            }),
        ),
        (
            "noise_zone IN ('yellow', 'red') AND cultural_heritage = false",
            refs(p, |x| {
                ["yellow", "red"].contains(&text(x, "noise_zone"))
                    && x["cultural_heritage"] == false
            }),
        ),
        (
            "reference IN ('DRM-0001', 'LIE-0004', 'DRM-0013')",
            refs(p, |x| {
                ["DRM-0001", "LIE-0004"].contains(&text(x, "reference"))
            }),
        ),
        (
            "lease_nok_per_m2_year IS NULL AND price_nok_per_m2 IS NULL",
            refs(p, |x| {
                x["lease_nok_per_m2_year"].is_null() && x["price_nok_per_m2"].is_null()
            }),
        ),
        ("true", refs(p, |_| true)),
    ];
    assert!(cases.len() >= 40);
    for (expression, expected) in &cases {
        let query = format!("filter={}", enc(expression));
        assert_eq!(&selected(&app, &query).await, expected, "{expression}");
    }

    // cql2-json says the same as cql2-text.
    let json = r#"{"op": "and", "args": [{"op": "in", "args": [{"property": "land_use"}, [1340, 1350, 1826]]}, {"op": ">=", "args": [{"property": "power_capacity_kw"}, 2000]}]}"#;
    let a = answer(&app, &format!("filter-lang=cql2-json&filter={}", enc(json))).await;
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let text_answer = answer(
        &app,
        &format!(
            "filter={}",
            enc("land_use IN (1340, 1350, 1826) AND power_capacity_kw >= 2000")
        ),
    )
    .await;
    assert_eq!(answered_refs(&a), answered_refs(&text_answer));
    assert!(!answered_refs(&a).is_empty());

    // Spatial predicates agree with the bbox parameter, in CRS84 and in UTM 32.
    let by_bbox = answered_refs(&answer(&app, "bbox=10.20,59.72,10.26,59.76").await);
    assert!(!by_bbox.is_empty());
    for expression in [
        "S_INTERSECTS(geometry, BBOX(10.20, 59.72, 10.26, 59.76))",
        "S_INTERSECTS(geometry, POLYGON((10.20 59.72, 10.26 59.72, 10.26 59.76, 10.20 59.76, 10.20 59.72)))",
        "ST_INTERSECTS(geometry, BBOX(10.20, 59.72, 10.26, 59.76))",
    ] {
        let a = answer(&app, &format!("filter={}", enc(expression))).await;
        assert_eq!(answered_refs(&a), by_bbox, "{expression}");
    }
    let within = answered_refs(
        &answer(
            &app,
            &format!(
                "filter={}",
                enc("S_WITHIN(geometry, BBOX(10.20, 59.72, 10.26, 59.76))")
            ),
        )
        .await,
    );
    assert!(within.is_subset(&by_bbox) && !within.is_empty());
    let utm = answer(
        &app,
        &format!(
            "filter-crs={}&filter={}",
            enc("http://www.opengis.net/def/crs/EPSG/0/25832"),
            enc("S_INTERSECTS(geometry, BBOX(568000, 6620000, 572000, 6624000))")
        ),
    )
    .await;
    let by_utm_bbox = answered_refs(&answer(&app, "bbox-crs=http://www.opengis.net/def/crs/EPSG/0/25832&bbox=568000,6620000,572000,6624000").await);
    assert_eq!(answered_refs(&utm), by_utm_bbox);

    // S_DWITHIN agrees with the proximity search (a separate code path:
    // `near` measures every candidate's geodesic distance), in metres, in
    // kilometres and with the point in UTM 32.
    let near = answered_refs(&answer(&app, "near=10.2,59.74&within_m=2500").await);
    let far = answered_refs(&answer(&app, "near=10.2,59.74&within_m=6000").await);
    assert!(
        !near.is_empty() && near.len() < far.len(),
        "{near:?} {far:?}"
    );
    for (crs, expression, expected) in [
        ("", "S_DWITHIN(geometry, POINT(10.2 59.74), 2500)", &near),
        (
            "",
            "S_DWITHIN(geometry, POINT(10.2 59.74), 2.5, kilometers)",
            &near,
        ),
        (
            "",
            "S_DWITHIN(POINT(10.2 59.74), geometry, 6000, 'meters')",
            &far,
        ),
        (
            "http://www.opengis.net/def/crs/EPSG/0/25832",
            // 10.2 E, 59.74 N in UTM 32 (to the centimetre).
            "S_DWITHIN(geometry, POINT(567455.29 6623066.33), 6000)",
            &far,
        ),
    ] {
        let query = format!("filter-crs={}&filter={}", enc(crs), enc(expression))
            .replace("filter-crs=&", "");
        assert_eq!(&selected(&app, &query).await, expected, "{expression}");
    }

    // The access distances (computed by the registry) filter like any
    // other number; the expected sets are read from the plots as served.
    let all = answer(&app, "").await.json();
    let served: Vec<Value> = all["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"].clone())
        .collect();
    let s = &served;
    for (expression, expected) in [
        (
            "port_distance_m <= 3000",
            refs(s, |x| {
                num(x, "port_distance_m").is_some_and(|d| d <= 3000.0)
            }),
        ),
        (
            "motorway_distance_m BETWEEN 500 AND 5000 AND station_distance_m < 2000",
            refs(s, |x| {
                num(x, "motorway_distance_m").is_some_and(|d| (500.0..=5000.0).contains(&d))
                    && num(x, "station_distance_m").is_some_and(|d| d < 2000.0)
            }),
        ),
        (
            "rail_terminal_distance_m > 10000 OR port_name = 'Drammen havn Holmen'",
            refs(s, |x| {
                num(x, "rail_terminal_distance_m").is_some_and(|d| d > 10000.0)
                    || text(x, "port_name") == "Drammen havn Holmen"
            }),
        ),
    ] {
        assert!(
            !expected.is_empty() && expected.len() < served.len(),
            "{expression}"
        );
        let query = format!("filter={}", enc(expression));
        assert_eq!(selected(&app, &query).await, expected, "{expression}");
    }
}

#[actix_web::test]
async fn bad_filters_are_400s_that_say_where_and_why_and_injection_goes_nowhere() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let bad = [
        ("status = ", "filter: is not valid cql2-text"),
        ("status == 'available'", "filter: is not valid cql2-text"),
        ("colour = 'red'", "`colour` is not a queryable property"),
        ("land_use = 'industry'", "is not a whole number"),
        ("land_use = 1340.5", "is not a whole number"),
        ("area_m2 > 'big'", "is not a number"),
        ("water_sewer > true", "does not compare true/false"),
        ("available_from < 'soon'", "is not a date"),
        ("name LIKE 5", "LIKE needs a text pattern"),
        ("S_INTERSECTS(geometry, 'here')", "is not a geometry"),
        (
            "S_INTERSECTS(status, BBOX(10, 59, 11, 60))",
            "needs the geometry property",
        ),
        ("A_CONTAINS(status, ('x'))", "needs a list property"),
        (
            "S_DWITHIN(geometry, POINT(10.2 59.74), -5)",
            "the distance must be above 0",
        ),
        (
            "S_DWITHIN(geometry, POINT(10.2 59.74), 5, furlongs)",
            "`furlongs` is not a unit of distance",
        ),
        (
            "S_DWITHIN(area_m2, POINT(10.2 59.74), 5)",
            "s_dwithin needs the geometry property",
        ),
        ("S_DWITHIN(geometry, POINT(10.2 59.74))", "s_dwithin takes"),
        ("status = location_class", "comparing two properties"),
        ("geom = 1", "`geom` is not a queryable property"),
        (
            "\"status; DROP TABLE plots; --\" = 'x'",
            "is not a queryable property",
        ),
    ];
    for (expression, says) in bad {
        let a = answer(&app, &format!("filter={}", enc(expression))).await;
        assert_eq!(a.status, 400, "{expression}");
        let detail = a.json()["detail"].as_str().unwrap().to_owned();
        assert!(
            detail.contains(says),
            "{expression}: “{says}” not in “{detail}”"
        );
    }
    // A syntax error says where: line and column.
    let a = answer(
        &app,
        &format!(
            "filter={}",
            enc("status = 'available' AND AND land_use = 1340")
        ),
    )
    .await;
    let detail = a.json()["detail"].as_str().unwrap().to_owned();
    assert!(
        detail.contains("--> 1:30"),
        "no line and column in “{detail}”"
    );
    // Malformed cql2-json: not JSON, and JSON that is not CQL2.
    for json in [
        "{\"op\": \"=\", \"args\": [",
        r#"{"op": "=", "args": "status"}"#,
    ] {
        let a = answer(&app, &format!("filter-lang=cql2-json&filter={}", enc(json))).await;
        assert_eq!(a.status, 400, "{json}");
        let detail = a.json()["detail"].as_str().unwrap().to_owned();
        assert!(detail.starts_with("filter: "), "{json}: {detail}");
    }
    let lang = answer(&app, "filter-lang=sql&filter=1").await;
    assert_eq!(lang.status, 400);
    assert!(
        lang.json()["detail"]
            .as_str()
            .unwrap()
            .contains("filter-lang")
    );

    // Injection in values is bound: it matches nothing and breaks nothing.
    let before = count_rows(&db, "plots").await;
    let versions_before = count_rows(&db, "plot_versions").await;
    for value in [
        "x'; DROP TABLE plots; --",
        "' OR '1'='1",
        "\\'; DELETE FROM plots; --",
    ] {
        let a = answer(
            &app,
            &format!(
                "filter={}",
                enc(&format!("status = '{}'", value.replace('\'', "''")))
            ),
        )
        .await;
        assert_eq!(a.status, 200);
        assert_eq!(a.json()["numberReturned"], 0, "{value}");
        // Every parameter that reaches a query: the two free-text ones are
        // bound and match nothing; every other one refuses the value, by name.
        for (parameter, status) in [
            ("status", 400),
            ("locality", 200),
            ("reference", 200),
            ("municipality", 400),
            ("land_use", 400),
            ("crs", 400),
            ("bbox", 400),
            ("bbox-crs", 400),
            ("datetime", 400),
            ("cursor", 400),
            ("sortby", 400),
            ("properties", 400),
            ("near", 400),
            ("near_place", 400),
            ("within_m", 400),
            ("filter-crs", 400),
            ("as_of", 400),
            ("focus_area", 400),
        ] {
            let a = answer(&app, &format!("{parameter}={}", enc(value))).await;
            let what = format!("{parameter}={value}");
            assert_eq!(
                a.status,
                status,
                "{what}: {}",
                String::from_utf8_lossy(&a.body)
            );
            if status == 200 {
                assert_eq!(a.json()["numberReturned"], 0, "{what}");
            } else {
                assert_invalid_parameter(&a, parameter, &what);
            }
        }
        // The reserve: municipality is free text (bound, matching nothing);
        // the others refuse the value, by name.
        for (parameter, status) in [
            ("group_by", 400),
            ("status", 400),
            ("municipality", 200),
            ("as_of", 400),
        ] {
            let a = get(
                &app,
                &format!("/collections/plots/reserve?{parameter}={}", enc(value)),
            )
            .await;
            let what = format!("reserve {parameter}={value}");
            assert_eq!(
                a.status,
                status,
                "{what}: {}",
                String::from_utf8_lossy(&a.body)
            );
            if status == 200 {
                let reserve = a.json();
                assert_eq!(reserve["groups"], json!([]), "{what}");
                assert_eq!(reserve["total"]["count"], 0, "{what}");
            } else {
                assert_invalid_parameter(&a, parameter, &what);
            }
        }
    }
    // cql2-json: values are bound, property names come from the allow-list.
    for (json, status) in [
        (
            r#"{"op": "=", "args": [{"property": "status"}, "x'; DROP TABLE plots; --"]}"#,
            200,
        ),
        (
            r#"{"op": "like", "args": [{"property": "name"}, "%' OR '1'='1"]}"#,
            200,
        ),
        (
            r#"{"op": "=", "args": [{"property": "status) OR (1=1"}, "x"]}"#,
            400,
        ),
        (
            r#"{"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "Point", "coordinates": ["0); DROP TABLE plots; --", 1]}]}"#,
            400,
        ),
    ] {
        let a = answer(&app, &format!("filter-lang=cql2-json&filter={}", enc(json))).await;
        assert_eq!(
            a.status,
            status,
            "{json}: {}",
            String::from_utf8_lossy(&a.body)
        );
        if status == 200 {
            assert_eq!(a.json()["numberReturned"], 0, "{json}");
        } else {
            assert_invalid_parameter(&a, "filter", json);
        }
    }
    // Site matching's body: numbers and codes are typed, so text cannot
    // reach the query where a number or a code is wanted. A value of the
    // wrong type fails the body's decoding: the problem names the field by
    // its path, and says the value, the type wanted, line and column.
    for (needs, field, says) in [
        (
            r#"{"land_use": ["1340); DROP TABLE plots; --"]}"#,
            "land_use[0]",
            r#"invalid type: string "1340); DROP TABLE plots; --", expected i32"#,
        ),
        (
            r#"{"min_power_kw": "0 OR 1=1"}"#,
            "min_power_kw",
            r#"invalid type: string "0 OR 1=1", expected f64"#,
        ),
        (
            r#"{"location_class": ["A' OR '1'='1"]}"#,
            "location_class[0]",
            "unknown variant `A' OR '1'='1`, expected one of `A`, `B`, `C`",
        ),
        (
            r#"{"land_use": [1340], "required": ["land_use; DROP TABLE plots"]}"#,
            "required",
            "`land_use; DROP TABLE plots` is not a need",
        ),
    ] {
        let a = send(
            &app,
            actix_web::test::TestRequest::post()
                .uri("/collections/plots/match")
                .insert_header(("content-type", "application/json"))
                .set_payload(needs)
                .to_request(),
        )
        .await;
        assert_eq!(a.status, 400, "{needs}");
        assert_eq!(a.content_type(), "application/problem+json", "{needs}");
        let problem = a.json();
        assert_eq!(
            problem["type"], "urn:naeringsareal:problem:invalid-body",
            "{needs}: {problem}"
        );
        assert_eq!(offending(&problem), [field], "{needs}: {problem}");
        let reason = problem["errors"][0]["reason"].as_str().unwrap();
        assert!(reason.contains(says), "{needs}: “{says}” not in “{reason}”");
    }
    assert_eq!(count_rows(&db, "plots").await, before);
    assert_eq!(count_rows(&db, "plot_versions").await, versions_before);
}

/// Numbers that are shown are the numbers compared: a plot's area as the
/// API shows it (to 0.1 m²) is the area filters, sorting, site matching,
/// the reserve and `within_m` judge, at the boundary.
#[actix_web::test]
async fn the_numbers_shown_are_the_numbers_compared() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let all = get(&app, "/collections/plots/items?limit=100&sortby=area_m2")
        .await
        .json();
    let features = all["features"].as_array().unwrap();
    let shown: Vec<f64> = features
        .iter()
        .map(|f| f["properties"]["area_m2"].as_f64().unwrap())
        .collect();
    // Sorted by what is shown, and every shown value has one decimal.
    assert!(shown.windows(2).all(|w| w[0] <= w[1]), "{shown:?}");
    for area in &shown {
        let decimals = format!("{area}").split('.').nth(1).map_or(0, str::len);
        assert!(decimals <= 1, "{area} is shown to 0.1 m²");
    }
    let ids_where = |filter: String| {
        let app = &app;
        async move {
            let encoded: String = url::form_urlencoded::byte_serialize(filter.as_bytes()).collect();
            let uri = format!("/collections/plots/items?limit=100&filter={encoded}");
            let page = get(app, &uri).await.json();
            page["features"]
                .as_array()
                .unwrap_or_else(|| panic!("{filter}: {page}"))
                .iter()
                .map(|f| f["id"].as_str().unwrap().to_owned())
                .collect::<BTreeSet<_>>()
        }
    };
    // For every plot: the plots `area_m2 > X` finds, X its shown area, are
    // exactly those shown larger (and `=` finds it).
    let ids: Vec<String> = features
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect();
    for (id, area) in ids.iter().zip(&shown) {
        let larger: BTreeSet<String> = ids
            .iter()
            .zip(&shown)
            .filter(|(_, a)| *a > area)
            .map(|(i, _)| i.clone())
            .collect();
        assert_eq!(
            ids_where(format!("area_m2 > {area}")).await,
            larger,
            "area_m2 > {area}"
        );
        assert!(
            ids_where(format!("area_m2 = {area}")).await.contains(id),
            "area_m2 = {area}"
        );
    }
    let middle = features.len() / 2;
    let (plot, id, area) = (&features[middle], &ids[middle], shown[middle]);

    // Site matching's area range judges the same figure.
    let matched = |min: f64| {
        let app = &app;
        async move {
            let needs = json!({"area_m2": {"min": min}, "required": ["area_m2"], "limit": 100});
            let answer = send(
                app,
                actix_web::test::TestRequest::post()
                    .uri("/collections/plots/match")
                    .insert_header(("content-type", "application/json"))
                    .set_payload(needs.to_string())
                    .to_request(),
            )
            .await
            .json();
            answer["features"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["id"].as_str().unwrap().to_owned())
                .collect::<BTreeSet<_>>()
        }
    };
    if plot["properties"]["status"] == "available" {
        assert!(matched(area).await.contains(id));
        assert!(!matched(area + 0.1).await.contains(id));
    }

    // The reserve adds up the figures shown.
    let reserve = get(&app, "/collections/plots/reserve?status=available")
        .await
        .json();
    let on_offer: f64 = features
        .iter()
        .filter(|f| f["properties"]["status"] == "available")
        .map(|f| f["properties"]["area_m2"].as_f64().unwrap())
        .sum();
    let total = reserve["total"]["area_m2"].as_f64().unwrap();
    assert!(
        (total - on_offer).abs() < 0.05,
        "{total} vs {on_offer}: {reserve}"
    );

    // A plot shown at d metres from a point is within d metres of it, and
    // not within d - 0.1.
    let near = get(
        &app,
        "/collections/plots/items?near=10.2043,59.7404&limit=8",
    )
    .await
    .json();
    for feature in near["features"].as_array().unwrap() {
        let d = feature["properties"]["distance_m"].as_f64().unwrap();
        let id = feature["id"].as_str().unwrap();
        let within = |m: f64| {
            let app = &app;
            async move {
                let uri =
                    format!("/collections/plots/items?near=10.2043,59.7404&within_m={m}&limit=100");
                let page = get(app, &uri).await.json();
                page["features"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|f| f["id"] == id)
            }
        };
        assert!(within(d).await, "within_m={d}");
        if d > 0.0 {
            assert!(!within(d - 0.1).await, "within_m={}", d - 0.1);
        }
    }
}
