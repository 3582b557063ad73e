//! Plots near a point or a reference place, nearest first, with distances.

use diesel_async::RunQueryDsl;
use serde_json::Value;

use crate::common::*;

/// Every open plot's id and geodesic distance to (lon, lat), nearest first, by SQL.
async fn oracle(db: &TestDb, lon: f64, lat: f64) -> Vec<(String, f64)> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
        #[diesel(sql_type = diesel::sql_types::Double)]
        d: f64,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT id::text AS id, ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography) AS d \
         FROM plots WHERE ended_at IS NULL ORDER BY d, id",
    )
    .bind::<diesel::sql_types::Double, _>(lon)
    .bind::<diesel::sql_types::Double, _>(lat)
    .load(&mut db.conn().await)
    .await
    .unwrap();
    rows.into_iter().map(|r| (r.id, r.d)).collect()
}

fn ids_and_distances(page: &Value) -> Vec<(String, f64)> {
    page["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_owned(),
                f["properties"]["distance_m"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[actix_web::test]
async fn the_nearest_plots_come_first_with_their_distances() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    // The port at Holmen.
    let (lon, lat) = (10.2318, 59.738);
    let truth = oracle(&db, lon, lat).await;

    let nearest = get(
        &app,
        &format!("/collections/plots/items?near={lon},{lat}&limit=5"),
    )
    .await;
    assert_eq!(
        nearest.status,
        200,
        "{}",
        String::from_utf8_lossy(&nearest.body)
    );
    let got = ids_and_distances(&nearest.json());
    assert_eq!(got.len(), 5);
    for ((id, d), (want_id, want_d)) in got.iter().zip(&truth) {
        assert_eq!(id, want_id);
        assert!((d - want_d).abs() < 0.06, "{d} vs {want_d}");
    }

    // The same by the reference place's name.
    let by_name = get(
        &app,
        "/collections/plots/items?near_place=Drammen%20havn%20Holmen&limit=5",
    )
    .await
    .json();
    assert_eq!(ids_and_distances(&by_name), got);

    // Paging through all of them keeps the order and misses none.
    let mut all = Vec::new();
    let mut next = Some(format!("/collections/plots/items?near={lon},{lat}&limit=4"));
    while let Some(uri) = next {
        let page = get(&app, &uri).await.json();
        all.extend(ids_and_distances(&page));
        next = page["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "next")
            .map(|l| path_of(l["href"].as_str().unwrap()));
    }
    let all_ids: Vec<&String> = all.iter().map(|(id, _)| id).collect();
    let truth_ids: Vec<&String> = truth.iter().map(|(id, _)| id).collect();
    assert_eq!(all_ids, truth_ids);

    // Within 1.5 km: exactly those.
    let within = get(
        &app,
        &format!("/collections/plots/items?near={lon},{lat}&within_m=1500&limit=100"),
    )
    .await
    .json();
    let within_ids: Vec<String> = ids_and_distances(&within)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let want: Vec<String> = truth
        .iter()
        .filter(|(_, d)| *d <= 1500.0)
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(within_ids, want);
    assert!(!want.is_empty() && want.len() < truth.len());

    // With a filter: the nearest available industrial plots.
    let filtered = get(
        &app,
        &format!(
            "/collections/plots/items?near={lon},{lat}&limit=3&filter=status%3D%27available%27"
        ),
    )
    .await
    .json();
    assert!(
        filtered["features"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["properties"]["status"] == "available")
    );
}

#[actix_web::test]
async fn proximity_parameters_are_checked() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    for (uri, parameter, says) in [
        (
            "/collections/plots/items?within_m=1000",
            "within_m",
            "needs near",
        ),
        (
            "/collections/plots/items?near=10.2",
            "near",
            "longitude,latitude",
        ),
        (
            "/collections/plots/items?near=10.2,59.7&within_m=-5",
            "within_m",
            "above 0",
        ),
        (
            "/collections/plots/items?near=10.2,59.7&sortby=name",
            "sortby",
            "nearest first",
        ),
        (
            "/collections/plots/items?near_place=Atlantis",
            "near_place",
            "Drammen havn Holmen",
        ),
    ] {
        let answer = get(&app, uri).await;
        assert_eq!(answer.status, 400, "{uri}");
        let problem = answer.json();
        assert_eq!(problem["errors"][0]["name"], parameter, "{uri}");
        assert!(
            problem["detail"].as_str().unwrap().contains(says),
            "{uri}: {}",
            problem["detail"]
        );
    }
}
