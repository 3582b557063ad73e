//! `sortby` with keyset paging, and `properties`.

use serde_json::Value;

use crate::common::*;

/// Follows `next` from `uri`, returning every feature in order.
async fn all_pages<B: MessageBody>(app: &impl TestApp<B>, uri: &str) -> Vec<Value> {
    let mut features = Vec::new();
    let mut next = Some(uri.to_owned());
    let mut pages = 0;
    while let Some(uri) = next {
        let page = get(app, &uri).await;
        assert_eq!(
            page.status,
            200,
            "{uri}: {}",
            String::from_utf8_lossy(&page.body)
        );
        let page = page.json();
        features.extend(page["features"].as_array().unwrap().iter().cloned());
        next = page["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "next")
            .map(|l| path_of(l["href"].as_str().unwrap()));
        pages += 1;
        assert!(pages < 100, "paging does not end");
    }
    features
}

#[actix_web::test]
async fn sorted_pages_hold_every_plot_once_in_order() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let all = get(&app, "/collections/plots/items?limit=1000")
        .await
        .json();
    let mut expected: Vec<String> = all["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect();
    expected.sort();

    for sortby in [
        "-price_nok_per_m2,name",
        "-area_m2",
        "location_class,-power_capacity_kw",
        "available_from",
        "-updated_at,reference",
        // The access distances, computed by the registry.
        "port_distance_m",
        "-motorway_distance_m,station_distance_m",
    ] {
        let features = all_pages(
            &app,
            &format!("/collections/plots/items?limit=4&sortby={sortby}"),
        )
        .await;
        let mut ids: Vec<String> = features
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect();
        let in_order = ids.clone();
        ids.sort();
        assert_eq!(ids, expected, "{sortby}: every plot exactly once");
        // The order holds across pages: compare each neighbour pair by the keys.
        let keys: Vec<(&str, bool)> = sortby
            .split(',')
            .map(|k| k.strip_prefix('-').map_or((k, false), |n| (n, true)))
            .collect();
        let key_of = |f: &Value| -> Vec<Value> {
            keys.iter()
                .map(|(k, _)| f["properties"][*k].clone())
                .collect()
        };
        for pair in features.windows(2) {
            let (a, b) = (key_of(&pair[0]), key_of(&pair[1]));
            for (i, (_, descending)) in keys.iter().enumerate() {
                let ordering = compare(&a[i], &b[i]);
                let ordering = if *descending && !a[i].is_null() && !b[i].is_null() {
                    ordering.reverse()
                } else {
                    ordering
                };
                match ordering {
                    std::cmp::Ordering::Less => break,
                    std::cmp::Ordering::Greater => {
                        panic!("{sortby}: {a:?} before {b:?} ({in_order:?})")
                    }
                    std::cmp::Ordering::Equal => continue,
                }
            }
        }
    }

    // A filter and a sort together.
    let filtered = all_pages(
        &app,
        "/collections/plots/items?limit=2&status=available&sortby=-area_m2",
    )
    .await;
    assert!(
        filtered
            .iter()
            .all(|f| f["properties"]["status"] == "available")
    );
    let areas: Vec<f64> = filtered
        .iter()
        .map(|f| f["properties"]["area_m2"].as_f64().unwrap())
        .collect();
    assert!(areas.windows(2).all(|w| w[0] >= w[1]), "{areas:?}");

    // Bad sorts and foreign cursors are 400s.
    assert_eq!(
        get(&app, "/collections/plots/items?sortby=geometry")
            .await
            .status,
        400
    );
    assert_eq!(
        get(
            &app,
            "/collections/plots/items?sortby=area_m2;DROP%20TABLE%20plots"
        )
        .await
        .status,
        400
    );
    let unsorted = get(&app, "/collections/plots/items?limit=2").await.json();
    let next = unsorted["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "next")
        .unwrap()["href"]
        .as_str()
        .unwrap()
        .to_owned();
    let cursor = next.split("cursor=").nth(1).unwrap();
    let mixed = get(
        &app,
        &format!("/collections/plots/items?limit=2&sortby=-area_m2&cursor={cursor}"),
    )
    .await;
    assert_eq!(mixed.status, 400);
}

/// NULLs last; numbers, text and dates (as text) in their own order.
fn compare(a: &Value, b: &Value) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    match (a, b) {
        (Value::Null, Value::Null) => Equal,
        (Value::Null, _) => Greater,
        (_, Value::Null) => Less,
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .unwrap()
            .partial_cmp(&y.as_f64().unwrap())
            .unwrap(),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        _ => Equal,
    }
}

#[actix_web::test]
async fn properties_picks_what_each_feature_carries() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let page = get(
        &app,
        "/collections/plots/items?limit=3&properties=reference,area_m2,status",
    )
    .await
    .json();
    for feature in page["features"].as_array().unwrap() {
        let mut names: Vec<&String> = feature["properties"].as_object().unwrap().keys().collect();
        names.sort();
        assert_eq!(names, ["area_m2", "reference", "status"]);
        assert!(feature["geometry"].is_object() && feature["id"].is_string());
    }
    let bad = get(&app, "/collections/plots/items?properties=reference,colour").await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.json()["detail"]
            .as_str()
            .unwrap()
            .contains("`colour` is not a property")
    );

    // The list of property names is the output's.
    let one = get(&app, "/collections/plots/items?limit=1").await.json();
    let names: Vec<&str> = one["features"][0]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        names,
        naeringsareal::plots::catalogue::names().collect::<Vec<_>>()
    );
}
