//! Every kind of bad write is answered with the right status and a message
//! that names the problem, and leaves the database exactly as it was.

use actix_web::test::TestRequest;
use naeringsareal::keys::role::Role;
use serde_json::{Value, json};

use crate::common::*;

/// A fingerprint of everything stored about plots.
async fn state_of(db: &TestDb) -> String {
    #[derive(diesel::QueryableByName)]
    struct Hash {
        #[diesel(sql_type = diesel::sql_types::Text)]
        h: String,
    }
    let hash: Hash = diesel::sql_query(
        "SELECT md5(coalesce((SELECT string_agg(to_jsonb(p)::text, '|' ORDER BY id) FROM plots p), '') \
                 || coalesce((SELECT string_agg(to_jsonb(v)::text, '|' ORDER BY plot_id, version) FROM plot_versions v), '')) AS h",
    )
    .get_result(&mut db.conn().await)
    .await
    .unwrap();
    use diesel_async::RunQueryDsl;
    hash.h
}

struct Case {
    what: &'static str,
    request: actix_http::Request,
    status: u16,
    /// Text the problem's detail must contain (case-insensitive).
    says: &'static str,
}

/// `feature` with the member at `pointer` set to `value` (a property is
/// added if it is not there).
fn with(mut feature: Value, pointer: &str, value: Value) -> Value {
    if let Some(name) = pointer.strip_prefix("/properties/") {
        feature["properties"][name] = value;
    } else {
        *feature
            .pointer_mut(pointer)
            .unwrap_or_else(|| panic!("{pointer}")) = value;
    }
    feature
}

fn without(mut feature: Value, property: &str) -> Value {
    feature["properties"]
        .as_object_mut()
        .unwrap()
        .remove(property);
    feature
}

fn square(west: f64, south: f64, side: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[
        [west, south], [west + side, south], [west + side, south + side / 2.0], [west, south + side / 2.0], [west, south]
    ]]})
}

#[actix_web::test]
async fn bad_input_is_refused_with_the_right_status_and_reason_and_changes_nothing() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let kari = key(&db, "kari", Role::Planner).await;
    let old = key(&db, "old", Role::Planner).await;
    naeringsareal::keys::store::revoke(&mut db.conn().await, "old")
        .await
        .unwrap();

    // A plot to patch, and its tag.
    let listing = get(&app, "/collections/plots/items?reference=DRM-0001")
        .await
        .json();
    let id = listing["features"][0]["id"].as_str().unwrap().to_owned();
    let current = get(&app, &format!("/collections/plots/items/{id}")).await;
    let etag = current.header("etag").unwrap().to_owned();
    let sold = get(&app, "/collections/plots/items?reference=DRM-0003")
        .await
        .json();
    let sold_id = sold["features"][0]["id"].as_str().unwrap().to_owned();
    let sold_tag = get(&app, &format!("/collections/plots/items/{sold_id}"))
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    // DRM-0030 is a demo plot that has ended (withdrawn).
    let ended_id = id_of(&db, "DRM-0030").await;

    let post = |body: String| {
        TestRequest::post()
            .uri("/collections/plots/items")
            .insert_header(bearer(&kari))
            .insert_header(("content-type", "application/geo+json"))
            .set_payload(body)
            .to_request()
    };
    let post_json = |body: Value| post(body.to_string());
    let patch_with = |target: &str, tag: Option<&str>, body: Value| {
        let mut r = TestRequest::patch()
            .uri(&format!("/collections/plots/items/{target}"))
            .insert_header(bearer(&kari))
            .insert_header(("content-type", "application/merge-patch+json"))
            .set_payload(body.to_string());
        if let Some(tag) = tag {
            r = r.insert_header(("if-match", tag.to_owned()));
        }
        r.to_request()
    };
    let patch = |body: Value| patch_with(&id, Some(&etag), body);
    let good = new_plot("TST-9");
    let bowtie = json!({"type": "Polygon", "coordinates": [[[10.20, 59.74], [10.21, 59.745], [10.21, 59.74], [10.20, 59.745], [10.20, 59.74]]]});

    let cases = vec![
        Case { what: "no key", request: TestRequest::post().uri("/collections/plots/items").insert_header(("content-type", "application/geo+json")).set_payload(good.to_string()).to_request(), status: 401, says: "needs an API key" },
        Case { what: "unknown key", request: TestRequest::post().uri("/collections/plots/items").insert_header(bearer("naer_not-a-key")).insert_header(("content-type", "application/geo+json")).set_payload(good.to_string()).to_request(), status: 401, says: "not valid" },
        Case { what: "not a bearer key", request: TestRequest::post().uri("/collections/plots/items").insert_header(("authorization", "Basic a2FyaTpwdw==")).set_payload(good.to_string()).to_request(), status: 401, says: "Bearer" },
        Case { what: "revoked key", request: TestRequest::post().uri("/collections/plots/items").insert_header(bearer(&old)).insert_header(("content-type", "application/geo+json")).set_payload(good.to_string()).to_request(), status: 401, says: "revoked" },
        Case { what: "planner managing keys", request: TestRequest::post().uri("/keys").insert_header(bearer(&kari)).insert_header(("content-type", "application/json")).set_payload(r#"{"name":"x","role":"admin"}"#).to_request(), status: 403, says: "admin role" },
        Case { what: "wrong media type", request: TestRequest::post().uri("/collections/plots/items").insert_header(bearer(&kari)).insert_header(("content-type", "text/plain")).set_payload(good.to_string()).to_request(), status: 415, says: "application/geo+json" },
        Case { what: "not JSON", request: post("{\"type\": \"Feature\",".to_owned()), status: 400, says: "not valid JSON" },
        Case { what: "too large", request: post(format!("{{\"pad\": \"{}\"}}", "x".repeat(1 << 20))), status: 413, says: "larger than" },
        Case { what: "a collection, not a feature", request: post_json(json!({"type": "FeatureCollection", "features": []})), status: 400, says: "must be `Feature`" },
        Case { what: "no geometry", request: post_json(with(good.clone(), "/geometry", Value::Null)), status: 400, says: "geometry: is missing" },
        Case { what: "a point", request: post_json(with(good.clone(), "/geometry", json!({"type": "Point", "coordinates": [10.2, 59.7]}))), status: 400, says: "Polygon or MultiPolygon, got Point" },
        Case { what: "an open ring", request: post_json(with(good.clone(), "/geometry/coordinates/0/4", json!([10.2001, 59.74]))), status: 400, says: "not closed" },
        Case { what: "a self-intersection", request: post_json(with(good.clone(), "/geometry", bowtie)), status: 400, says: "self-intersection at 10.205" },
        Case { what: "outside Norway", request: post_json(with(good.clone(), "/geometry", square(2.35, 48.85, 0.002))), status: 400, says: "outside Norway" },
        Case { what: "latitude first", request: post_json(with(good.clone(), "/geometry", square(59.74, 10.20, 0.002))), status: 400, says: "axes look swapped" },
        Case { what: "metres without Content-Crs", request: post_json(with(good.clone(), "/geometry", square(570000.0, 6620000.0, 100.0))), status: 400, says: "Content-Crs" },
        Case { what: "unsupported Content-Crs", request: TestRequest::post().uri("/collections/plots/items").insert_header(bearer(&kari)).insert_header(("content-type", "application/geo+json")).insert_header(("content-crs", "<http://www.opengis.net/def/crs/EPSG/0/2154>")).set_payload(good.to_string()).to_request(), status: 400, says: "Content-Crs: `http://www.opengis.net/def/crs/EPSG/0/2154` is not a supported CRS" },
        Case { what: "too small", request: post_json(with(good.clone(), "/geometry", square(10.2, 59.74, 0.00005))), status: 400, says: "too small" },
        Case { what: "too large", request: post_json(with(good.clone(), "/geometry", square(10.0, 59.5, 0.5))), status: 400, says: "too large" },
        Case { what: "a required property missing", request: post_json(without(good.clone(), "name")), status: 400, says: "properties.name: is required" },
        Case { what: "an unknown property", request: post_json(with(good.clone(), "/properties/colour", json!("red"))), status: 400, says: "properties.colour: is not a property" },
        Case { what: "a status not in the list", request: post_json(with(good.clone(), "/properties/status", json!("gone"))), status: 400, says: "`gone` is not one of" },
        Case { what: "a municipality that does not exist", request: post_json(with(good.clone(), "/properties/municipality", json!("9999"))), status: 400, says: "no county is numbered 99" },
        Case { what: "a bad cadastral unit", request: post_json(with(good.clone(), "/properties/cadastral_units", json!(["3301-113/245", "113-245"]))), status: 400, says: "item 1: `113-245` is not a cadastral unit" },
        Case { what: "an unknown land-use code", request: post_json(with(good.clone(), "/properties/land_use", json!(1410))), status: 400, says: "1410 is not a SOSI" },
        Case { what: "a land-use code as text", request: post_json(with(good.clone(), "/properties/land_use", json!("1340"))), status: 400, says: "whole number" },
        Case { what: "a negative price", request: post_json(with(good.clone(), "/properties/price_nok_per_m2", json!(-5))), status: 400, says: "-5 is out of range" },
        Case { what: "a Norwegian date", request: post_json(with(good.clone(), "/properties/available_from", json!("31.12.2026"))), status: 400, says: "YYYY-MM-DD" },
        Case { what: "a bad e-mail", request: post_json(with(good.clone(), "/properties/contact_email", json!("kari at drammen"))), status: 400, says: "not an e-mail address" },
        Case { what: "an area that is not the computed one", request: post_json(with(good.clone(), "/properties/area_m2", json!(5000))), status: 400, says: "area_m2: is computed by the registry" },
        Case { what: "utilisation type without percent", request: post_json(with(good.clone(), "/properties/utilisation_type", json!("BYA"))), status: 400, says: "needs utilisation_percent" },
        Case { what: "a reference in use", request: post_json(with(good.clone(), "/properties/reference", json!("DRM-0001"))), status: 400, says: "DRM-0001 is already used by plot" },
        Case { what: "a malformed reference", request: post_json(with(good.clone(), "/properties/reference", json!("drm 1"))), status: 400, says: "not a reference" },
        Case { what: "a focus area twice", request: post_json(with(good.clone(), "/properties/focus_areas", json!(["health", "health"]))), status: 400, says: "twice" },
        Case { what: "a document that is not a web link", request: post_json(with(good.clone(), "/properties/documents", json!([{"title": "Plan", "url": "ftp://x/y"}]))), status: 400, says: "not an http(s) URL" },
        Case { what: "a stale If-Match", request: patch_with(&id, Some("\"00000000000000000000000000000000-1\""), json!({"properties": {"name": "X"}})), status: 412, says: "has changed since that version" },
        Case { what: "no If-Match", request: patch_with(&id, None, json!({"properties": {"name": "X"}})), status: 428, says: "send If-Match" },
        Case { what: "If-Match: *", request: patch_with(&id, Some("*"), json!({"properties": {"name": "X"}})), status: 428, says: "is not taken here" },
        Case { what: "sold to reserved without reopening", request: patch_with(&sold_id, Some(&sold_tag), json!({"properties": {"status": "reserved"}})), status: 400, says: "must be reopened" },
        Case { what: "a new id", request: patch(json!({"id": "9b2f6a53-3c1e-4a57-9a69-7d0c5f1f8e01"})), status: 400, says: "id cannot change" },
        Case { what: "an ended plot", request: patch_with(&ended_id, Some("\"x-1\""), json!({"properties": {"name": "X"}})), status: 409, says: "ended" },
        Case { what: "no such plot", request: patch_with("9b2f6a53-3c1e-4a57-9a69-7d0c5f1f8e01", Some("\"x-1\""), json!({})), status: 404, says: "no plot with id" },
        Case { what: "not a plot id", request: patch_with("DRM-0001", Some("\"x-1\""), json!({})), status: 404, says: "plot ids are UUIDs" },
        Case { what: "a patch that is not an object", request: patch(json!([{"op": "replace"}])), status: 400, says: "JSON object" },
        Case { what: "a JSON Patch media type", request: TestRequest::patch().uri(&format!("/collections/plots/items/{id}")).insert_header(bearer(&kari)).insert_header(("content-type", "application/json-patch+json")).insert_header(("if-match", etag.as_str())).set_payload("[]").to_request(), status: 415, says: "application/merge-patch+json" },
        Case { what: "a patch that breaks a rule", request: patch(json!({"properties": {"land_use_status": "planned", "name": ""}})), status: 400, says: "properties.name: must not be blank" },
        Case { what: "a retirement reason too long", request: TestRequest::delete().uri(&format!("/collections/plots/items/{id}?reason={}", "x".repeat(501))).insert_header(bearer(&kari)).insert_header(("if-match", etag.as_str())).to_request(), status: 400, says: "reason: must be 1 to 500" },
        Case { what: "an import with one bad feature", request: TestRequest::post().uri("/collections/plots/import").insert_header(bearer(&kari)).insert_header(("content-type", "application/geo+json")).set_payload(json!({"type": "FeatureCollection", "features": [new_plot("TST-10"), with(new_plot("TST-11"), "/properties/status", json!("gone"))]}).to_string()).to_request(), status: 400, says: "feature 1: properties.status" },
    ];
    assert!(cases.len() >= 30);

    let before = state_of(&db).await;
    for case in cases {
        let answer = send(&app, case.request).await;
        assert_eq!(
            answer.status,
            case.status,
            "{}: {}",
            case.what,
            String::from_utf8_lossy(&answer.body)
        );
        assert_eq!(
            answer.content_type(),
            "application/problem+json",
            "{}",
            case.what
        );
        let problem = answer.json();
        let detail = problem["detail"].as_str().unwrap();
        assert!(
            detail.to_lowercase().contains(&case.says.to_lowercase()),
            "{}: expected “{}” in “{detail}”",
            case.what,
            case.says
        );
        assert_eq!(
            state_of(&db).await,
            before,
            "{} changed the database",
            case.what
        );
    }
}

#[actix_web::test]
async fn every_problem_of_a_feature_is_reported_at_once() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let kari = key(&db, "kari", Role::Planner).await;
    let mut feature = new_plot("TST-1");
    feature["geometry"] = json!({"type": "Polygon", "coordinates": [[[10.20, 59.74], [10.21, 59.745], [10.21, 59.74], [10.20, 59.745], [10.20, 59.74]]]});
    feature["properties"]["status"] = json!("gone");
    feature["properties"]["colour"] = json!("red");
    feature["properties"]["contact_phone"] = json!("call me");
    let answer = send(
        &app,
        TestRequest::post()
            .uri("/collections/plots/items")
            .insert_header(bearer(&kari))
            .insert_header(("content-type", "application/geo+json"))
            .set_payload(feature.to_string())
            .to_request(),
    )
    .await;
    assert_eq!(answer.status, 400);
    let problem = answer.json();
    assert_eq!(problem["type"], "urn:naeringsareal:problem:invalid-feature");
    let mut names = offending(&problem);
    names.sort();
    assert_eq!(
        names,
        [
            "geometry",
            "properties.colour",
            "properties.contact_phone",
            "properties.status"
        ]
    );
}

#[actix_web::test]
async fn a_bad_status_change_and_a_taken_reference_are_reported_with_the_other_problems() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let kari = key(&db, "kari", Role::Planner).await;
    // DRM-0003 is sold: reserving it needs reopening first. DRM-0001's
    // reference is taken. Both come with a property that is wrong anyway.
    let sold = id_of(&db, "DRM-0003").await;
    let tag = get(&app, &format!("/collections/plots/items/{sold}"))
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let before = count_rows(&db, "plot_versions").await;
    let answer = send(
        &app,
        TestRequest::patch()
            .uri(&format!("/collections/plots/items/{sold}"))
            .insert_header(bearer(&kari))
            .insert_header(("content-type", "application/merge-patch+json"))
            .insert_header(("if-match", tag))
            .set_payload(
                json!({"properties": {"status": "reserved", "reference": "DRM-0001", "land_use": 99}})
                    .to_string(),
            )
            .to_request(),
    )
    .await;
    assert_eq!(answer.status, 400);
    let problem = answer.json();
    let mut names = offending(&problem);
    names.sort();
    assert_eq!(
        names,
        [
            "properties.land_use",
            "properties.reference",
            "properties.status"
        ]
    );
    assert_eq!(count_rows(&db, "plot_versions").await, before);
}
