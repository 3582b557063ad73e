//! Writing plots: keys and roles, create/replace/update/retire, optimistic
//! locking, and what every write leaves in the history.

use actix_web::test::TestRequest;
use naeringsareal::auth::Role;
use serde_json::{Value, json};

use crate::common::*;

fn post_plot(key: &str, body: &Value) -> actix_http::Request {
    TestRequest::post()
        .uri("/collections/plots/items")
        .insert_header(bearer(key))
        .insert_header(("content-type", "application/geo+json"))
        .set_payload(body.to_string())
        .to_request()
}

fn patch_plot(key: &str, id: &str, etag: &str, patch: &Value) -> actix_http::Request {
    TestRequest::patch()
        .uri(&format!("/collections/plots/items/{id}"))
        .insert_header(bearer(key))
        .insert_header(("content-type", "application/merge-patch+json"))
        .insert_header(("if-match", etag))
        .set_payload(patch.to_string())
        .to_request()
}

#[actix_web::test]
async fn a_planner_adds_changes_replaces_and_retires_a_plot() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let kari = key(&db, "kari", Role::Planner).await;

    let created = send(&app, post_plot(&kari, &new_plot("TST-1"))).await;
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let body = created.json();
    let id = body["id"].as_str().unwrap().to_owned();
    let location = created.header("location").unwrap();
    assert!(
        location.ends_with(&format!("/collections/plots/items/{id}")),
        "{location}"
    );
    let etag1 = created.header("etag").unwrap().to_owned();
    let props = &body["properties"];
    assert_eq!(props["version"], 1);
    // Computed, not given: area (about 100 m × 111 m) and access distances.
    let area = props["area_m2"].as_f64().unwrap();
    assert!((10_000.0..12_000.0).contains(&area), "{area}");
    assert!(props["port_distance_m"].as_i64().is_some());
    assert_eq!(props["contamination"], "none");

    // The public sees it, with the same tag.
    let public = get(&app, &format!("/collections/plots/items/{id}")).await;
    assert_eq!(public.status, 200);
    assert_eq!(public.header("etag"), Some(etag1.as_str()));

    // PATCH: a merge patch changes what it names, keeps the rest.
    let patched = send(
        &app,
        patch_plot(
            &kari,
            &id,
            &etag1,
            &json!({"properties": {"status": "reserved", "price_nok_per_m2": null}}),
        ),
    )
    .await;
    assert_eq!(
        patched.status,
        200,
        "{}",
        String::from_utf8_lossy(&patched.body)
    );
    let etag2 = patched.header("etag").unwrap().to_owned();
    assert_ne!(etag1, etag2);
    let props = &patched.json()["properties"];
    assert_eq!(props["status"], "reserved");
    assert_eq!(props["price_nok_per_m2"], Value::Null);
    assert_eq!(props["name"], "Testtomta");
    assert_eq!(props["version"], 2);

    // The old tag is stale now: 412, and nothing changes.
    let stale = send(
        &app,
        patch_plot(&kari, &id, &etag1, &json!({"properties": {"name": "X"}})),
    )
    .await;
    assert_eq!(stale.status, 412);
    assert_eq!(stale.content_type(), "application/problem+json");
    // Without If-Match: 428.
    let unconditional = send(
        &app,
        TestRequest::patch()
            .uri(&format!("/collections/plots/items/{id}"))
            .insert_header(bearer(&kari))
            .insert_header(("content-type", "application/merge-patch+json"))
            .set_payload(r#"{"properties": {"name": "X"}}"#)
            .to_request(),
    )
    .await;
    assert_eq!(unconditional.status, 428);

    // PUT replaces the whole plot, in EUREF89 UTM 32 this time.
    let mut replacement = new_plot("TST-1");
    replacement["geometry"] = json!({"type": "Polygon", "coordinates": [[
        [570000.0, 6620000.0], [570100.0, 6620000.0], [570100.0, 6620100.0], [570000.0, 6620100.0], [570000.0, 6620000.0]
    ]]});
    replacement["properties"]["name"] = json!("Testtomta, ny grense");
    let replaced = send(
        &app,
        TestRequest::put()
            .uri(&format!("/collections/plots/items/{id}"))
            .insert_header(bearer(&kari))
            .insert_header(("content-type", "application/geo+json"))
            .insert_header((
                "content-crs",
                "<http://www.opengis.net/def/crs/EPSG/0/25832>",
            ))
            .insert_header(("if-match", etag2.as_str()))
            .set_payload(replacement.to_string())
            .to_request(),
    )
    .await;
    assert_eq!(
        replaced.status,
        200,
        "{}",
        String::from_utf8_lossy(&replaced.body)
    );
    let etag3 = replaced.header("etag").unwrap().to_owned();
    let replaced = replaced.json();
    // 100 m × 100 m in UTM is 1 daa; UTM's scale error near Drammen is under 0.1 %.
    let area = replaced["properties"]["area_m2"].as_f64().unwrap();
    assert!((area - 10_000.0).abs() < 20.0, "{area}");
    // The south-west corner lands in Drammen (about 10.246 E, 59.713 N).
    let first = &replaced["geometry"]["coordinates"][0][0][0];
    assert!((first[0].as_f64().unwrap() - 10.24).abs() < 0.02, "{first}");
    assert!((first[1].as_f64().unwrap() - 59.71).abs() < 0.02, "{first}");
    assert_eq!(replaced["properties"]["status"], "available");

    // DELETE retires it: gone for the public, kept for planners.
    let retired = send(
        &app,
        TestRequest::delete()
            .uri(&format!(
                "/collections/plots/items/{id}?reason=sold%20to%20Eksempel%20AS"
            ))
            .insert_header(bearer(&kari))
            .insert_header(("if-match", etag3.as_str()))
            .to_request(),
    )
    .await;
    assert_eq!(
        retired.status,
        204,
        "{}",
        String::from_utf8_lossy(&retired.body)
    );
    assert_eq!(
        get(&app, &format!("/collections/plots/items/{id}"))
            .await
            .status,
        410
    );
    let kept = send(
        &app,
        TestRequest::get()
            .uri(&format!("/collections/plots/items/{id}"))
            .insert_header(bearer(&kari))
            .to_request(),
    )
    .await;
    assert_eq!(kept.status, 200);
    assert_eq!(
        kept.json()["properties"]["end_reason"],
        "sold to Eksempel AS"
    );
    assert_eq!(
        count_rows(
            &db,
            &format!("plot_versions WHERE plot_id = '{id}' AND changed_by = 'kari'")
        )
        .await,
        4
    );
}
