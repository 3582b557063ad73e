//! Writing plots: keys and roles, create/replace/update/retire, optimistic
//! locking, and what every write leaves in the history.

use actix_web::test::TestRequest;
use naeringsareal::keys::role::Role;
use serde_json::{Value, json};

use crate::common::*;

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
        retire_plot(&kari, &id, &etag3, "sold%20to%20Eksempel%20AS"),
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

#[actix_web::test]
async fn of_twenty_concurrent_patches_with_one_tag_exactly_one_wins() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let kari = key(&db, "kari", Role::Planner).await;
    let id = id_of(&db, "DRM-0001").await;
    let etag = get(&app, &format!("/collections/plots/items/{id}"))
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let versions_before = count_rows(&db, &format!("plot_versions WHERE plot_id = '{id}'")).await;

    let answers = futures_util::future::join_all((0..20).map(|n| {
        send(
            &app,
            patch_plot(
                &kari,
                &id,
                &etag,
                &json!({"properties": {"price_nok_per_m2": 2000 + n}}),
            ),
        )
    }))
    .await;
    let mut statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    statuses.sort();
    assert_eq!(statuses[0], 200, "{statuses:?}");
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(statuses[1..].iter().all(|s| *s == 412), "{statuses:?}");
    assert_eq!(
        count_rows(&db, &format!("plot_versions WHERE plot_id = '{id}'")).await,
        versions_before + 1
    );
}

#[actix_web::test]
async fn keys_roles_and_options() {
    let db = TestDb::new().await;
    let app = app_on(&db).await;
    let admin = key(&db, "root", Role::Admin).await;
    let kari = key(&db, "kari", Role::Planner).await;

    // OPTIONS tells each caller what it may do.
    let options = |key: Option<&str>, uri: &str| {
        let mut r = TestRequest::default()
            .method(actix_web::http::Method::OPTIONS)
            .uri(uri);
        if let Some(key) = key {
            r = r.insert_header(bearer(key));
        }
        r.to_request()
    };
    let public = send(&app, options(None, "/collections/plots/items")).await;
    assert_eq!(public.header("allow"), Some("GET, HEAD, OPTIONS"));
    let planner = send(&app, options(Some(&kari), "/collections/plots/items")).await;
    assert_eq!(planner.header("allow"), Some("GET, HEAD, POST, OPTIONS"));
    let item = "/collections/plots/items/9b2f6a53-3c1e-4a57-9a69-7d0c5f1f8e01";
    let planner = send(&app, options(Some(&kari), item)).await;
    assert_eq!(
        planner.header("allow"),
        Some("GET, HEAD, PUT, PATCH, DELETE, OPTIONS")
    );
    let public = send(&app, options(None, item)).await;
    assert_eq!(public.header("allow"), Some("GET, HEAD, OPTIONS"));

    // 401 carries the challenge.
    let anonymous = send(&app, TestRequest::get().uri("/keys").to_request()).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(
        anonymous.header("www-authenticate"),
        Some("Bearer realm=\"naeringsareal\"")
    );

    // An admin makes a key; it works at once, and stops when revoked.
    let made = send(
        &app,
        TestRequest::post()
            .uri("/keys")
            .insert_header(bearer(&admin))
            .set_json(json!({"name": "ola", "role": "planner"}))
            .to_request(),
    )
    .await;
    assert_eq!(made.status, 201);
    let ola = made.json()["key"].as_str().unwrap().to_owned();
    assert!(ola.starts_with("naer_"));
    let listed = send(
        &app,
        TestRequest::get()
            .uri("/keys")
            .insert_header(bearer(&admin))
            .to_request(),
    )
    .await;
    let listed = listed.json();
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["kari", "ola", "root"]);
    assert!(
        !listed.to_string().contains(&ola),
        "a listing must never show a key"
    );
    let answer = send(&app, post_plot(&ola, &new_plot("TST-2"))).await;
    assert_eq!(answer.status, 201);
    let revoked = send(
        &app,
        TestRequest::delete()
            .uri("/keys/ola")
            .insert_header(bearer(&admin))
            .to_request(),
    )
    .await;
    assert_eq!(revoked.status, 200);
    assert_eq!(
        send(&app, post_plot(&ola, &new_plot("TST-3"))).await.status,
        401
    );
    // Names are never reused.
    let again = send(
        &app,
        TestRequest::post()
            .uri("/keys")
            .insert_header(bearer(&admin))
            .set_json(json!({"name": "ola", "role": "planner"}))
            .to_request(),
    )
    .await;
    assert_eq!(again.status, 409);
    // Only hashes are stored.
    assert_eq!(
        count_rows(
            &db,
            &format!("api_keys WHERE key_hash::text LIKE '%{}%'", &ola[5..15])
        )
        .await,
        0
    );
}

#[actix_web::test]
async fn unpublished_plots_are_for_planners_only() {
    let db = TestDb::new().await;
    let app = app_on(&db).await;
    let kari = key(&db, "kari", Role::Planner).await;
    let mut draft = new_plot("TST-4");
    draft["properties"]["published"] = json!(false);
    let created = send(&app, post_plot(&kari, &draft)).await;
    assert_eq!(created.status, 201);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        get(&app, &format!("/collections/plots/items/{id}"))
            .await
            .status,
        404
    );
    assert_eq!(
        get(&app, "/collections/plots/items").await.json()["numberReturned"],
        0
    );
    let planner_list = send(
        &app,
        TestRequest::get()
            .uri("/collections/plots/items")
            .insert_header(bearer(&kari))
            .to_request(),
    )
    .await;
    assert_eq!(planner_list.json()["numberReturned"], 1);
}

#[actix_web::test]
async fn the_history_shows_who_changed_what_and_the_register_can_be_seen_as_it_was() {
    let db = TestDb::new().await;
    let app = app_on(&db).await;
    let kari = key(&db, "kari", Role::Planner).await;
    let ola = key(&db, "ola", Role::Planner).await;
    let created = send(&app, post_plot(&kari, &new_plot("TST-5"))).await;
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let etag = created.header("etag").unwrap().to_owned();
    let before_change = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let patched = send(
        &app,
        patch_plot(
            &ola,
            &id,
            &etag,
            &json!({"properties": {"status": "reserved"}}),
        ),
    )
    .await;
    assert_eq!(patched.status, 200);
    let etag = patched.header("etag").unwrap().to_owned();
    let before_end = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let ended = send(&app, retire_plot(&kari, &id, &etag, "sold")).await;
    assert_eq!(ended.status, 204);

    // Anonymous callers may not read history.
    assert_eq!(
        get(&app, &format!("/collections/plots/items/{id}/history"))
            .await
            .status,
        401
    );
    let history = send(
        &app,
        TestRequest::get()
            .uri(&format!("/collections/plots/items/{id}/history"))
            .insert_header(bearer(&ola))
            .to_request(),
    )
    .await;
    assert_eq!(history.status, 200);
    let history = history.json();
    let versions = history["versions"].as_array().unwrap();
    let summary: Vec<(i64, &str, &str)> = versions
        .iter()
        .map(|v| {
            (
                v["version"].as_i64().unwrap(),
                v["operation"].as_str().unwrap(),
                v["changed_by"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (1, "create", "kari"),
            (2, "update", "ola"),
            (3, "end", "kari")
        ]
    );
    assert_eq!(
        versions[1]["changes"],
        json!([{"property": "status", "from": "available", "to": "reserved"}])
    );
    let ending: Vec<&str> = versions[2]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["property"].as_str().unwrap())
        .collect();
    assert_eq!(ending, ["end_reason", "ended_at"]);
    assert_eq!(versions[0]["feature"]["properties"]["status"], "available");
    assert_eq!(versions[0]["feature"]["geometry"]["type"], "MultiPolygon");
    // RFC 7946 GeoJSON: no `crs` member (PostGIS's JSON of a geometry has one).
    for version in versions {
        assert!(
            version["feature"]["geometry"].get("crs").is_none(),
            "{version}"
        );
    }

    // The register as it was: before the change, the plot was available;
    // before the end, reserved; now it is gone.
    let as_of = |t: chrono::DateTime<chrono::Utc>| {
        let t = t
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
            .replace('+', "%2B");
        format!("/collections/plots/items?as_of={t}")
    };
    let then = get(&app, &as_of(before_change)).await.json();
    assert_eq!(then["features"][0]["properties"]["status"], "available");
    let later = get(&app, &as_of(before_end)).await.json();
    assert_eq!(later["features"][0]["properties"]["status"], "reserved");
    assert_eq!(later["features"][0]["id"], id.as_str());
    let now = get(&app, &as_of(chrono::Utc::now())).await.json();
    assert_eq!(now["numberReturned"], 0);
    // Statuses as they were then.
    let then_reserved = get(&app, &format!("{}&status=reserved", as_of(before_end)))
        .await
        .json();
    assert_eq!(then_reserved["numberReturned"], 1);
    let then_available = get(&app, &format!("{}&status=available", as_of(before_end)))
        .await
        .json();
    assert_eq!(then_available["numberReturned"], 0);
    // The past register as a spreadsheet, too.
    let csv = get(&app, &format!("{}&f=csv", as_of(before_end))).await;
    assert_eq!(csv.status, 200);
    assert!(csv.content_type().starts_with("text/csv"));
    let text = String::from_utf8(csv.body.to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with("id,reference,"), "{text}");
    assert!(
        lines[1].starts_with(&format!("{id},")) && lines[1].contains(",reserved,"),
        "{text}"
    );
    // as_of does not mix with filters it cannot apply to the past.
    let mixed = get(
        &app,
        "/collections/plots/items?as_of=2026-01-01&land_use=1340",
    )
    .await;
    assert_eq!(mixed.status, 400);
    assert!(
        mixed.json()["detail"]
            .as_str()
            .unwrap()
            .contains("combines only with limit, cursor, status and municipality")
    );
}
