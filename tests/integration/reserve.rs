//! The overview of the reserve, now and at a past date, as JSON and CSV;
//! and CSV export of items.

use actix_web::test::TestRequest;
use diesel_async::RunQueryDsl;
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

/// The number of `months`-long periods from the one holding `from` (a date)
/// to the one holding today, as the trend counts them.
fn periods_since(from: chrono::NaiveDate, months: i32) -> usize {
    use chrono::Datelike;
    let today = chrono::Utc::now().date_naive();
    let index = |d: chrono::NaiveDate| (d.year() * 12 + d.month0() as i32).div_euclid(months);
    (index(today) - index(from) + 1) as usize
}

/// The reserve's groups and total, without its links and time.
fn totals_of(reserve: &Value) -> Value {
    json!({"groups": reserve["groups"], "total": reserve["total"]})
}

#[actix_web::test]
async fn the_demo_plots_have_a_history_that_ends_in_their_state_now() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    #[derive(diesel::QueryableByName)]
    struct Spread {
        #[diesel(sql_type = diesel::sql_types::Double)]
        days: f64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        plots_with_history: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        unlike_now: i64,
    }
    let spread: Spread = diesel::sql_query(
        "SELECT (SELECT extract(epoch FROM max(valid_from) - min(valid_from)) / 86400 \
                 FROM plot_versions)::float8 AS days, \
                (SELECT count(DISTINCT plot_id) FROM plot_versions WHERE version > 1) AS plots_with_history, \
                (SELECT count(*) FROM plots p \
                 JOIN LATERAL (SELECT data FROM plot_versions v WHERE v.plot_id = p.id \
                               ORDER BY version DESC LIMIT 1) AS last ON true \
                 WHERE last.data <> to_jsonb(p)) AS unlike_now",
    )
    .get_result(&mut db.conn().await)
    .await
    .unwrap();
    assert!(spread.days > 2.0 * 365.0, "{} days", spread.days);
    assert!(
        spread.plots_with_history >= 20,
        "{}",
        spread.plots_with_history
    );
    assert_eq!(
        spread.unlike_now, 0,
        "each plot's last version is the plot now"
    );

    // The history shows each event at its date: DRM-0013 was added in
    // December 2023, reserved, negotiated and sold in March 2026.
    let kari = key(&db, "kari", Role::Planner).await;
    let id = id_of(&db, "DRM-0013").await;
    let history = send(
        &app,
        TestRequest::get()
            .uri(&format!("/collections/plots/items/{id}/history"))
            .insert_header(bearer(&kari))
            .to_request(),
    )
    .await
    .json();
    let events: Vec<(String, String, String)> = history["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["valid_from"].as_str().unwrap()[..10].to_owned(),
                v["operation"].as_str().unwrap().to_owned(),
                v["feature"]["properties"]["status"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect();
    let expected = [
        ("2023-12-12", "create", "available"),
        ("2025-05-05", "update", "reserved"),
        ("2025-09-01", "update", "under_negotiation"),
        ("2026-03-15", "end", "sold"),
    ];
    assert_eq!(
        events,
        expected.map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()))
    );
    // The collection's temporal extent and `datetime` see the dates too.
    let recent = get(
        &app,
        "/collections/plots/items?datetime=2026-09-01/..&limit=100",
    )
    .await
    .json();
    let all = get(&app, "/collections/plots/items?limit=100").await.json();
    let n = recent["numberReturned"].as_u64().unwrap();
    assert!(n > 0 && n < all["numberReturned"].as_u64().unwrap(), "{n}");
}

#[actix_web::test]
async fn the_trend_of_vacant_land_is_the_reserve_at_each_period_end() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let answer = get(&app, "/collections/plots/reserve/trend?from=2023-12-01").await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let trend = answer.json();
    assert_eq!(trend["step"], "quarter");
    assert_eq!(
        trend["status"],
        json!(["available"]),
        "vacant land by default"
    );
    assert_eq!(trend["group_by"], json!(["land_use"]));
    assert_eq!(trend["from"], "2023-10-01T00:00:00Z");
    let points = trend["points"].as_array().unwrap();
    let from = chrono::NaiveDate::from_ymd_opt(2023, 12, 1).unwrap();
    assert_eq!(points.len(), periods_since(from, 3));
    assert_eq!(points[0]["period"], "2023-Q4");
    assert_eq!(points[0]["at"], "2023-12-31T23:59:59.999999Z");
    assert_eq!(points[1]["period"], "2024-Q1");

    // The vacant land changed over the three years.
    let daa: Vec<f64> = points
        .iter()
        .map(|p| p["total"]["area_daa"].as_f64().unwrap())
        .collect();
    let mut distinct = daa.clone();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    assert!(distinct.len() >= 5, "{daa:?}");
    assert!(
        daa[0] > 0.0 && daa[0] < daa[1],
        "plots added in 2024: {daa:?}"
    );

    // Each earlier point is the reserve as it stood at its end, the last
    // the reserve now.
    for point in &points[..points.len() - 1] {
        let at = point["at"].as_str().unwrap().replace('+', "%2B");
        let then = get(
            &app,
            &format!("/collections/plots/reserve?status=available&as_of={at}"),
        )
        .await
        .json();
        assert_eq!(
            json!({"groups": point["groups"], "total": point["total"]}),
            totals_of(&then),
            "{}",
            point["period"]
        );
    }
    let now = get(&app, "/collections/plots/reserve?status=available")
        .await
        .json();
    let last = points.last().unwrap();
    assert_eq!(
        json!({"groups": last["groups"], "total": last["total"]}),
        totals_of(&now)
    );
    let at = chrono::DateTime::parse_from_rfc3339(last["at"].as_str().unwrap()).unwrap();
    assert!(
        (chrono::Utc::now() - at.to_utc()).num_seconds().abs() < 60,
        "now: {at}"
    );

    // Other groups, statuses and steps, each ending in the reserve now.
    for (trend_query, reserve_query) in [
        (
            "group_by=location_class&step=month",
            "group_by=location_class&status=available",
        ),
        (
            "group_by=status,municipality&status=available,reserved,under_negotiation,sold&step=year",
            "group_by=status,municipality&status=available,reserved,under_negotiation,sold",
        ),
        ("municipality=3312", "status=available&municipality=3312"),
    ] {
        let trend = get(
            &app,
            &format!("/collections/plots/reserve/trend?{trend_query}"),
        )
        .await
        .json();
        let points = trend["points"].as_array().unwrap();
        let last = points.last().unwrap();
        let now = get(&app, &format!("/collections/plots/reserve?{reserve_query}"))
            .await
            .json();
        assert_eq!(
            json!({"groups": last["groups"], "total": last["total"]}),
            totals_of(&now),
            "{trend_query}"
        );
        let related = trend["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "related")
            .unwrap();
        let linked = get(&app, &path_of(related["href"].as_str().unwrap()))
            .await
            .json();
        assert_eq!(totals_of(&linked), totals_of(&now), "{trend_query}");
    }
    let by_year = get(&app, "/collections/plots/reserve/trend?step=year")
        .await
        .json();
    let years: Vec<&str> = by_year["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["period"].as_str().unwrap())
        .collect();
    assert_eq!(years.len(), 4, "three years back by default: {years:?}");
}

#[actix_web::test]
async fn a_write_now_shows_in_the_last_point_only() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let kari = key(&db, "kari", Role::Planner).await;
    let uri = "/collections/plots/reserve/trend?from=2024-01-01&group_by=location_class";
    let before = get(&app, uri).await.json();

    // DRM-0014, available since January 2024, is reserved now.
    let id = id_of(&db, "DRM-0014").await;
    let plot = get(&app, &format!("/collections/plots/items/{id}")).await;
    let etag = plot.header("etag").unwrap().to_owned();
    let class = plot.json()["properties"]["location_class"].clone();
    let patched = send(
        &app,
        patch_plot(
            &kari,
            &id,
            &etag,
            &json!({"properties": {"status": "reserved"}}),
        ),
    )
    .await;
    assert_eq!(
        patched.status,
        200,
        "{}",
        String::from_utf8_lossy(&patched.body)
    );
    let after = get(&app, uri).await.json();

    let (old, new) = (
        before["points"].as_array().unwrap(),
        after["points"].as_array().unwrap(),
    );
    assert_eq!(old.len(), new.len());
    let n = new.len();
    assert_eq!(old[..n - 1], new[..n - 1], "the past does not change");
    let count = |p: &Value| {
        p["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["key"]["location_class"] == class)
            .map_or(0, |g| g["count"].as_i64().unwrap())
    };
    assert_eq!(count(&new[n - 1]), count(&old[n - 1]) - 1);
    assert_eq!(
        new[n - 1]["total"]["count"].as_i64().unwrap(),
        old[n - 1]["total"]["count"].as_i64().unwrap() - 1
    );
    let now = get(
        &app,
        "/collections/plots/reserve?status=available&group_by=location_class",
    )
    .await
    .json();
    assert_eq!(
        json!({"groups": new[n - 1]["groups"], "total": new[n - 1]["total"]}),
        totals_of(&now)
    );
}

#[actix_web::test]
async fn bad_trend_parameters_are_400_naming_each() {
    let db = TestDb::new().await;
    let app = app_on(&db).await;
    for (query, parameter) in [
        ("step=week", "step"),
        ("from=tomorrow", "from"),
        ("from=2999-01-01", "from"),
        ("from=2024-01-01/2025-01-01", "from"),
        ("from=1900-01-01&step=month", "from"),
        ("group_by=colour", "group_by"),
        ("group_by=status,status", "group_by"),
        ("status=vacant", "status"),
        ("status=", "status"),
        ("f=xml", "f"),
        ("as_of=2025-01-01", "as_of"),
        ("step=month&step=year", "step"),
    ] {
        let answer = get(&app, &format!("/collections/plots/reserve/trend?{query}")).await;
        assert_invalid_parameter(&answer, parameter, query);
    }
    // An empty register has a trend of zeros.
    let empty = get(
        &app,
        "/collections/plots/reserve/trend?step=year&from=2025-06-01",
    )
    .await
    .json();
    let points = empty["points"].as_array().unwrap();
    assert_eq!(
        points.len(),
        periods_since(chrono::NaiveDate::from_ymd_opt(2025, 6, 1).unwrap(), 12)
    );
    assert!(
        points
            .iter()
            .all(|p| p["groups"] == json!([]) && p["total"]["count"] == 0)
    );
}

#[actix_web::test]
async fn the_trend_as_csv_has_a_row_per_period_and_group() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let json = get(
        &app,
        "/collections/plots/reserve/trend?group_by=location_class&from=2024-01-01",
    )
    .await
    .json();
    let link = json["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "alternate" && l["type"] == "text/csv")
        .unwrap();
    let csv = get(&app, &path_of(link["href"].as_str().unwrap())).await;
    assert_eq!(csv.status, 200);
    assert!(csv.content_type().starts_with("text/csv"));
    assert!(
        csv.header("content-disposition")
            .unwrap()
            .contains("reserve-trend.csv")
    );
    let mut reader = csv::Reader::from_reader(&csv.body[..]);
    assert_eq!(
        reader.headers().unwrap(),
        vec![
            "period",
            "at",
            "location_class",
            "count",
            "area_m2",
            "area_daa"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let points = json["points"].as_array().unwrap();
    let expected_rows: usize = points
        .iter()
        .map(|p| p["groups"].as_array().unwrap().len() + 1)
        .sum();
    assert_eq!(rows.len(), expected_rows);
    let totals: Vec<&csv::StringRecord> = rows.iter().filter(|r| &r[2] == "total").collect();
    assert_eq!(totals.len(), points.len());
    for (i, (row, point)) in totals.iter().zip(points).enumerate() {
        assert_eq!(&row[0], point["period"].as_str().unwrap());
        if i + 1 < points.len() {
            // (The last is now: a moment later for the CSV.)
            assert_eq!(&row[1], point["at"].as_str().unwrap());
        }
        assert_eq!(
            row[3].parse::<i64>().unwrap(),
            point["total"]["count"].as_i64().unwrap()
        );
        assert_eq!(
            row[5].parse::<f64>().unwrap(),
            point["total"]["area_daa"].as_f64().unwrap()
        );
    }
    assert!(rows.iter().any(|r| &r[2] == "C"), "groups by their value");
}

#[actix_web::test]
async fn a_version_counts_from_the_instant_it_begins() {
    use diesel_async::AsyncConnection;
    let db = TestDb::new().await;
    let app = app_on(&db).await;
    let mut conn = db.conn().await;
    let plot = |reference: &str, west: f64| {
        format!(
            "INSERT INTO plots (reference, name, geom, municipality, land_use, land_use_status, \
                                planning_status, location_class, readiness, ownership, offer_type, status) \
             VALUES ('{reference}', 'Test', ST_Multi(ST_MakeEnvelope({west}, 59.70, {west} + 0.002, 59.701, 4326)), \
                     '3301', 1340, 'current', 'zoned', 'C', 'zoned', 'public', 'sale', 'available')"
        )
    };
    // Written on the seeding clock: at the last microsecond of the first
    // quarter, at the first of the second, and a change at the last of it.
    for (clock, sql) in [
        ("2024-03-31T23:59:59.999999Z", plot("TST-1", 10.40)),
        ("2024-04-01T00:00:00Z", plot("TST-2", 10.41)),
        (
            "2024-06-30T23:59:59.999999Z",
            "UPDATE plots SET status = 'reserved' WHERE reference = 'TST-1'".to_owned(),
        ),
    ] {
        conn.transaction(async |conn| {
            diesel::sql_query("SELECT set_config('naeringsareal.clock', $1, true)")
                .bind::<diesel::sql_types::Text, _>(clock)
                .execute(conn)
                .await?;
            diesel::sql_query(sql).execute(conn).await
        })
        .await
        .unwrap();
    }
    let trend = get(&app, "/collections/plots/reserve/trend?from=2024-01-01&group_by=status&status=available,reserved")
        .await
        .json();
    let points = trend["points"].as_array().unwrap();
    let at = |i: usize| -> Vec<(String, i64)> {
        points[i]["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                (
                    g["key"]["status"].as_str().unwrap().to_owned(),
                    g["count"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let s = |status: &str, n: i64| (status.to_owned(), n);
    assert_eq!(
        at(0),
        [s("available", 1)],
        "TST-1, from the quarter's end on"
    );
    assert_eq!(
        at(1),
        [s("available", 1), s("reserved", 1)],
        "TST-1 reserved at the end of Q2"
    );
    assert_eq!(at(2), at(1));
    for point in &points[..3] {
        let t = point["at"].as_str().unwrap();
        let then = get(
            &app,
            &format!(
                "/collections/plots/reserve?group_by=status&status=available,reserved&as_of={t}"
            ),
        )
        .await
        .json();
        assert_eq!(
            json!({"groups": point["groups"], "total": point["total"]}),
            totals_of(&then),
            "{t}"
        );
    }
}
