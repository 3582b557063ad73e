//! The overview of the reserve, now and at a past date, as JSON and CSV;
//! and CSV export of items.

use actix_web::test::TestRequest;
use naeringsareal::keys::role::Role;
use serde_json::{Value, json};

use crate::common::*;

fn fixture_open() -> Vec<Value> {
    let file: Value = serde_json::from_str(naeringsareal::demo::PLOTS).unwrap();
    file["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"].clone())
        .filter(|p| p["ended_at"].is_null())
        .collect()
}

#[actix_web::test]
async fn totals_by_land_use_and_status_add_up() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let plots = fixture_open();
    let answer = get(&app, "/collections/plots/reserve?group_by=land_use,status").await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let reserve = answer.json();
    assert_eq!(reserve["total"]["count"], plots.len());
    for group in reserve["groups"].as_array().unwrap() {
        let (land_use, status) = (&group["key"]["land_use"], &group["key"]["status"]);
        let expected = plots
            .iter()
            .filter(|p| &p["land_use"] == land_use && &p["status"] == status)
            .count();
        assert_eq!(group["count"], expected, "{group}");
    }
    // The area adds up to that of the listing.
    let items = get(&app, "/collections/plots/items?limit=1000")
        .await
        .json();
    let listed: f64 = items["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["area_m2"].as_f64().unwrap())
        .sum();
    assert!((reserve["total"]["area_m2"].as_f64().unwrap() - listed).abs() < 5.0);

    // Available land only, by location class, as CSV.
    let csv = get(
        &app,
        "/collections/plots/reserve?group_by=location_class&status=available&f=csv",
    )
    .await;
    assert_eq!(csv.status, 200);
    assert!(csv.content_type().starts_with("text/csv"));
    let text = String::from_utf8(csv.body.clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "location_class,count,area_m2,area_daa");
    let available = plots.iter().filter(|p| p["status"] == "available").count();
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with(&format!("total,{available},")),
        "{text}"
    );
    for class in ["A", "B", "C"] {
        let n = plots
            .iter()
            .filter(|p| p["status"] == "available" && p["location_class"] == class)
            .count();
        if n > 0 {
            assert!(
                lines
                    .iter()
                    .any(|l| l.starts_with(&format!("{class},{n},"))),
                "{class} {n}: {text}"
            );
        }
    }
    assert_eq!(
        get(&app, "/collections/plots/reserve?group_by=colour")
            .await
            .status,
        400
    );

    // Its `items` link lists the same plots as GeoJSON.
    let available = get(&app, "/collections/plots/reserve?status=available")
        .await
        .json();
    let link = available["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "items")
        .unwrap();
    let listed = get(&app, &path_of(link["href"].as_str().unwrap()))
        .await
        .json();
    assert_eq!(listed["numberReturned"], available["total"]["count"]);
}

#[actix_web::test]
async fn the_reserve_at_a_past_date_comes_from_the_history() {
    let db = TestDb::new().await;
    let app = app_on(&db).await;
    let kari = key(&db, "kari", Role::Planner).await;
    let post = |body: Value| {
        TestRequest::post()
            .uri("/collections/plots/items")
            .insert_header(bearer(&kari))
            .insert_header(("content-type", "application/geo+json"))
            .set_payload(body.to_string())
            .to_request()
    };
    let first = send(&app, post(new_plot("TST-1"))).await;
    assert_eq!(first.status, 201);
    let id = first.json()["id"].as_str().unwrap().to_owned();
    let etag = first.header("etag").unwrap().to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let between = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let retired = send(&app, retire_plot(&kari, &id, &etag, "sold")).await;
    assert_eq!(retired.status, 204);
    let mut second = new_plot("TST-2");
    second["properties"]["land_use"] = json!(1350);
    assert_eq!(send(&app, post(second)).await.status, 201);

    let now = get(&app, "/collections/plots/reserve").await.json();
    assert_eq!(
        now["groups"],
        json!([{"key": {"land_use": 1350}, "count": 1, "area_m2": now["groups"][0]["area_m2"], "area_daa": now["groups"][0]["area_daa"]}])
    );
    let t = between
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        .replace('+', "%2B");
    let then = get(&app, &format!("/collections/plots/reserve?as_of={t}"))
        .await
        .json();
    assert_eq!(then["total"]["count"], 1);
    assert_eq!(then["groups"][0]["key"]["land_use"], 1340);
    assert!(then["groups"][0]["area_daa"].as_f64().unwrap() > 10.0);
    let link = then["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "items")
        .unwrap();
    let listed = get(&app, &path_of(link["href"].as_str().unwrap())).await;
    assert_eq!(
        listed.status,
        200,
        "{}",
        String::from_utf8_lossy(&listed.body)
    );
    assert_eq!(listed.json()["features"][0]["id"], id.as_str());
}

#[actix_web::test]
async fn items_export_to_csv_for_spreadsheets() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let csv = get(&app, "/collections/plots/items?limit=1000&f=csv&properties=reference,name,area_daa,focus_areas&status=available").await;
    assert_eq!(csv.status, 200);
    assert!(csv.content_type().starts_with("text/csv"));
    let mut reader = csv::Reader::from_reader(&csv.body[..]);
    assert_eq!(
        reader.headers().unwrap(),
        vec!["id", "reference", "name", "area_daa", "focus_areas"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let available = fixture_open()
        .iter()
        .filter(|p| p["status"] == "available")
        .count();
    assert_eq!(rows.len(), available);
    assert!(rows.iter().any(|r| r[4].contains("; ")), "lists are joined");
    let all_columns = get(&app, "/collections/plots/items?limit=2&f=csv").await;
    let header = String::from_utf8(all_columns.body)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned();
    assert!(header.starts_with("id,reference,name,") && header.contains("port_distance_m"));
}
