//! Bulk import: upsert by reference, all or nothing, dry runs, and the
//! round trip of an export.

use actix_web::test::TestRequest;
use naeringsareal::keys::role::Role;
use serde_json::{Value, json};

use crate::common::*;

fn import_request(key: &str, body: &Value, query: &str) -> actix_http::Request {
    TestRequest::post()
        .uri(&format!("/collections/plots/import{query}"))
        .insert_header(bearer(key))
        .insert_header(("content-type", "application/geo+json"))
        .set_payload(body.to_string())
        .to_request()
}

fn collection(features: Vec<Value>) -> Value {
    json!({"type": "FeatureCollection", "features": features})
}

#[actix_web::test]
async fn an_import_upserts_by_reference_and_a_dry_run_writes_nothing() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let kari = key(&db, "kari", Role::Planner).await;
    let plots_before = count_rows(&db, "plots").await;
    let versions_before = count_rows(&db, "plot_versions").await;

    // DRM-0001 exists: its name changes. TST-1 and TST-2 are new.
    let existing = get(&app, "/collections/plots/items?reference=DRM-0001")
        .await
        .json();
    let mut drm1 = existing["features"][0].clone();
    drm1["properties"]["name"] = json!("Nytt navn");
    drm1.as_object_mut().unwrap().remove("links");
    let file = collection(vec![new_plot("TST-1"), drm1, new_plot("TST-2")]);

    let dry = send(&app, import_request(&kari, &file, "?dry_run=true")).await;
    assert_eq!(dry.status, 200, "{}", String::from_utf8_lossy(&dry.body));
    assert_eq!(
        dry.json(),
        json!({"features": 3, "created": 2, "updated": 1, "unchanged": 0, "dry_run": true})
    );
    assert_eq!(count_rows(&db, "plots").await, plots_before);
    assert_eq!(count_rows(&db, "plot_versions").await, versions_before);

    let real = send(&app, import_request(&kari, &file, "")).await;
    assert_eq!(real.status, 200);
    assert_eq!(
        real.json(),
        json!({"features": 3, "created": 2, "updated": 1, "unchanged": 0, "dry_run": false})
    );
    assert_eq!(count_rows(&db, "plots").await, plots_before + 2);
    assert_eq!(
        count_rows(&db, "plot_versions WHERE changed_by = 'kari'").await,
        3
    );
    let renamed = get(&app, "/collections/plots/items?reference=DRM-0001")
        .await
        .json();
    assert_eq!(renamed["features"][0]["properties"]["name"], "Nytt navn");

    // The same file again changes nothing.
    let again = send(&app, import_request(&kari, &file, "")).await;
    assert_eq!(again.json()["unchanged"], 3);
    assert_eq!(
        count_rows(&db, "plot_versions WHERE changed_by = 'kari'").await,
        3
    );
}

#[actix_web::test]
async fn a_bad_file_names_every_faulty_feature_and_writes_nothing() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let kari = key(&db, "kari", Role::Planner).await;
    let versions_before = count_rows(&db, "plot_versions").await;
    let mut bad_status = new_plot("TST-2");
    bad_status["properties"]["status"] = json!("gone");
    let mut outside = new_plot("TST-3");
    outside["geometry"] = json!({"type": "Polygon", "coordinates": [[[2.0, 48.0], [2.01, 48.0], [2.01, 48.01], [2.0, 48.0]]]});
    let file = collection(vec![
        new_plot("TST-1"),
        bad_status,
        outside,
        new_plot("TST-1"),
        json!({"type": "Feature", "geometry": null, "properties": {}}),
    ]);
    let answer = send(&app, import_request(&kari, &file, "")).await;
    assert_eq!(answer.status, 400);
    let problem = answer.json();
    let errors = problem["errors"].as_array().unwrap();
    let at = |index: u64, name: &str| {
        errors
            .iter()
            .find(|e| e["index"] == index && e["name"] == name)
            .unwrap_or_else(|| panic!("no error {index} {name} in {errors:?}"))
    };
    assert_eq!(at(1, "properties.status")["reference"], "TST-2");
    assert!(
        at(2, "geometry")["reason"]
            .as_str()
            .unwrap()
            .contains("outside Norway")
    );
    assert!(
        at(3, "properties.reference")["reason"]
            .as_str()
            .unwrap()
            .contains("also the reference of feature 0")
    );
    at(4, "geometry");
    at(4, "properties.reference");
    assert!(
        errors.iter().all(|e| e["index"] != 0),
        "feature 0 is fine: {errors:?}"
    );
    assert_eq!(count_rows(&db, "plot_versions").await, versions_before);
    assert_eq!(
        count_rows(&db, "plots WHERE reference LIKE 'TST-%'").await,
        0
    );

    // Not a FeatureCollection at all.
    let broken = send(
        &app,
        TestRequest::post()
            .uri("/collections/plots/import")
            .insert_header(bearer(&kari))
            .insert_header(("content-type", "application/geo+json"))
            .set_payload(r#"{"type": "FeatureCollection", "features": [{"type": "Feature"}, "#)
            .to_request(),
    )
    .await;
    assert_eq!(broken.status, 400);
    assert!(
        broken.json()["detail"]
            .as_str()
            .unwrap()
            .contains("file: is not a GeoJSON FeatureCollection")
    );
}

#[actix_web::test]
async fn an_export_of_the_register_imports_unchanged() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let kari = key(&db, "kari", Role::Planner).await;
    let export = get(&app, "/collections/plots/items?limit=1000")
        .await
        .json();
    let count = export["features"].as_array().unwrap().len();
    assert!(count > 30);
    let versions_before = count_rows(&db, "plot_versions").await;
    let answer = send(&app, import_request(&kari, &export, "")).await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(
        answer.json(),
        json!({"features": count, "created": 0, "updated": 0, "unchanged": count, "dry_run": false})
    );
    assert_eq!(count_rows(&db, "plot_versions").await, versions_before);
    let after = get(&app, "/collections/plots/items?limit=1000")
        .await
        .json();
    assert_eq!(after["features"], export["features"]);

    // Into an empty register, the same file makes the same plots.
    let fresh = TestDb::new().await;
    let fresh_app = app_on(&fresh).await;
    naeringsareal::demo::seed_reference_places(&mut fresh.conn().await)
        .await
        .unwrap();
    let kari = key(&fresh, "kari", Role::Planner).await;
    let answer = send(&fresh_app, import_request(&kari, &export, "")).await;
    assert_eq!(answer.json()["created"], count);
    let copy = get(&fresh_app, "/collections/plots/items?limit=1000")
        .await
        .json();
    let strip = |c: &Value| -> Vec<(Value, Value)> {
        let mut v: Vec<(Value, Value)> = c["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let mut p = f["properties"].clone();
                // (The copy's history begins with the import: its own
                // dates and version numbers.)
                for k in ["created_at", "updated_at", "version", "demo"] {
                    p.as_object_mut().unwrap().remove(k);
                }
                (f["geometry"].clone(), p)
            })
            .collect();
        v.sort_by_key(|(_, p)| p["reference"].as_str().unwrap().to_owned());
        v
    };
    assert_eq!(strip(&copy), strip(&export));
}
