//! Demand records from searches and enquiries, and `GET /demand`.

use std::time::Duration;

use actix_web::test::TestRequest;
use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use naeringsareal::keys::role::Role;
use serde_json::{Value, json};

use crate::common::*;
use crate::enquiries::enquiry;
use crate::matching::match_request;

#[derive(QueryableByName)]
struct Rows {
    #[diesel(sql_type = Text)]
    rows: String,
}

/// Every demand record, oldest first, as JSON objects.
async fn records(db: &TestDb) -> Vec<Value> {
    let mut conn = db.conn().await;
    let rows: Rows = diesel::sql_query(
        "SELECT coalesce(json_agg(d ORDER BY d.id), '[]')::text AS rows FROM demand_records AS d",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    serde_json::from_str::<Value>(&rows.rows)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// The demand records once `n` of them (or one more search) are stored:
/// searches are stored just after their answer.
async fn records_when(db: &TestDb, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    for _ in 0..100 {
        let found = records(db).await;
        if done(&found) {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the demand records never got there: {:?}",
        records(db).await
    )
}

fn search(needs: &Value, session: Option<&str>, peer: &str) -> actix_http::Request {
    let mut req = match_request(needs);
    if let Some(session) = session {
        req.headers_mut().insert(
            "naeringsareal-session".parse().unwrap(),
            session.parse().unwrap(),
        );
    }
    req.head_mut().peer_addr = Some(peer.parse().unwrap());
    req
}

#[actix_web::test]
async fn a_sessions_searches_are_one_anonymous_record_with_its_last_needs() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let first = json!({"area_m2": {"min": 20000}, "land_use": [1340], "required": ["land_use"],
                       "places": [{"name": "Our site", "lon": 10.2, "lat": 59.74, "max_distance_m": 9000}]});
    let refined = json!({"area_m2": {"min": 30000}, "land_use": [1340, 1350], "location_class": ["C"],
                         "min_power_kw": 6000, "required": ["land_use", "area_m2"]});
    assert_eq!(
        send(
            &app,
            search(&first, Some("tab-0001-aaaa"), "192.0.2.10:5000")
        )
        .await
        .status,
        200
    );
    records_when(&db, |r| r.len() == 1).await;
    let answer = send(
        &app,
        search(&refined, Some("tab-0001-aaaa"), "192.0.2.10:5000"),
    )
    .await;
    assert_eq!(answer.status, 200);
    let candidates = answer.json()["candidates"].as_i64().unwrap();
    let found = records_when(&db, |r| r.first().is_some_and(|r| r["asked"] == 2)).await;
    assert_eq!(found.len(), 1, "one session, one record: {found:?}");
    let record = &found[0];
    assert_eq!(record["source"], "search");
    assert_eq!(record["area_min_m2"], 30000.0, "the last statement counts");
    assert_eq!(record["land_use"], json!([1340, 1350]));
    assert_eq!(record["location_class"], json!(["C"]));
    assert_eq!(record["min_power_kw"], 6000.0);
    assert_eq!(record["candidates"], candidates);
    // Nothing that names the searcher: not the session id, the address or
    // the company's own places.
    let text = record.to_string();
    for personal in ["tab-0001", "192.0.2.10", "Our site", "59.74"] {
        assert!(!text.contains(personal), "`{personal}` kept: {text}");
    }

    // Another tab, and a client without a session id (known by its address
    // and user agent for the day), are records of their own; the same
    // client again is not.
    send(
        &app,
        search(&first, Some("tab-0002-bbbb"), "192.0.2.10:5000"),
    )
    .await;
    send(&app, search(&first, None, "192.0.2.11:5000")).await;
    records_when(&db, |r| r.len() == 3).await;
    send(&app, search(&refined, None, "192.0.2.11:6000")).await;
    let found = records_when(&db, |r| {
        r.iter()
            .any(|r| r["asked"] == 2 && r["area_min_m2"] == 30000.0 && r["id"] != record["id"])
    })
    .await;
    assert_eq!(found.len(), 3, "{found:?}");
}

#[actix_web::test]
async fn an_enquirys_needs_are_demand_that_outlives_its_personal_data() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let mut body = enquiry(None);
    body["needs"] = json!({"area_m2": {"min": 900000000}, "land_use": [1350], "required": ["area_m2"],
                           "places": [{"name": "Home", "lon": 10.2, "lat": 59.7, "max_distance_m": 10}]});
    let answer = send(&app, crate::enquiries::post(&body)).await;
    assert_eq!(
        answer.status,
        201,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let id = answer.json()["id"].as_str().unwrap().to_owned();
    let found = records(&db).await;
    assert_eq!(found.len(), 1, "stored with the enquiry, at once");
    assert_eq!(found[0]["source"], "enquiry");
    assert_eq!(found[0]["enquiry_id"], id.as_str());
    assert_eq!(found[0]["candidates"], 0, "no plot has 900 km²");
    assert_eq!(found[0]["required"], json!(["area_m2"]));
    assert!(!found[0].to_string().contains("Home"));

    // An enquiry without needs is no demand record.
    let answer = send(&app, crate::enquiries::post(&enquiry(None))).await;
    assert_eq!(answer.status, 201);
    assert_eq!(records(&db).await.len(), 1);

    // Erasing the enquiry leaves its demand, anonymous.
    let mut conn = db.conn().await;
    diesel::sql_query(format!("DELETE FROM enquiries WHERE id = '{id}'"))
        .execute(&mut conn)
        .await
        .unwrap();
    let found = records(&db).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["enquiry_id"], Value::Null);
    assert_eq!(found[0]["area_min_m2"], 900000000.0);
}

fn get_demand(key: &str, uri: &str) -> actix_http::Request {
    TestRequest::get()
        .uri(uri)
        .insert_header(bearer(key))
        .to_request()
}

#[actix_web::test]
async fn demand_is_set_against_supply_for_planners() {
    let db = TestDb::with_demo().await;
    let planner = key(&db, "kari.planner", Role::Planner).await;
    let app = app_on(&db).await;
    // Three sessions want large industrial land in a C location, one of them
    // more than any plot has; one wants a small office.
    let industry = |min: u32| {
        json!({"area_m2": {"min": min}, "land_use": [1340, 1826],
                                     "location_class": ["C"], "required": ["area_m2", "land_use"]})
    };
    for (session, needs) in [
        ("s-0001-aaaa", industry(25000)),
        ("s-0002-aaaa", industry(30000)),
        ("s-0003-aaaa", industry(900_000_000)),
        (
            "s-0004-aaaa",
            json!({"area_m2": {"min": 2000}, "land_use": [1310], "location_class": ["A"]}),
        ),
    ] {
        assert_eq!(
            send(&app, search(&needs, Some(session), "192.0.2.20:1"))
                .await
                .status,
            200
        );
    }
    records_when(&db, |r| r.len() == 4).await;

    assert_eq!(get(&app, "/demand").await.status, 401, "planners only");
    let answer = send(&app, get_demand(&planner, "/demand")).await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let report = answer.json();
    assert_eq!(report["searches"], 4);
    assert_eq!(report["enquiries"], 0);
    assert_eq!(report["unmet"], 1);
    let segments = report["segments"].as_array().unwrap();
    let large = segments
        .iter()
        .find(|s| {
            s["land_use_group"] == "industry"
                && s["size_band"] == "20-50"
                && s["location_class"] == "C"
        })
        .unwrap_or_else(|| panic!("{segments:?}"));
    assert_eq!(large["searches"], 2);
    assert_eq!(large["plan_term"], "arealkrevende næringer");
    // The supply is what the register holds: industrial land on offer of
    // 20–50 daa in C locations, counted here with SQL of its own.
    let mut conn = db.conn().await;
    let expected: Rows = diesel::sql_query(
        "SELECT json_build_object('plots', count(*), 'daa', round((coalesce(sum(area_m2), 0) / 1000)::numeric, 1))::text AS rows
         FROM plots WHERE ended_at IS NULL AND published AND status = 'available'
           AND land_use IN (1340, 1350, 1826) AND location_class = 'C'
           AND area_m2 >= 20000 AND area_m2 < 50000",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    let expected: Value = serde_json::from_str(&expected.rows).unwrap();
    assert_eq!(large["supply"]["plots"], expected["plots"]);
    assert_eq!(
        large["supply"]["area_daa"].as_f64().unwrap(),
        expected["daa"].as_f64().unwrap()
    );
    assert_eq!(large["shortfall"], 2 - expected["plots"].as_i64().unwrap());
    let quarters = large["quarters"].as_array().unwrap();
    assert_eq!(quarters.len(), report["quarters"].as_array().unwrap().len());
    assert_eq!(quarters.last().unwrap()["searches"], 2, "this quarter");
    // Demand exceeding supply first.
    let shortfalls: Vec<i64> = segments
        .iter()
        .map(|s| s["shortfall"].as_i64().unwrap())
        .collect();
    assert!(
        shortfalls.windows(2).all(|w| w[0] >= w[1]),
        "{shortfalls:?}"
    );
    // The need no plot met, with what it asked for.
    assert_eq!(report["unmet_total"], 1);
    assert_eq!(report["unmet_needs"][0]["area_min_m2"], 900_000_000.0);
    assert_eq!(
        report["unmet_needs"][0]["required"],
        json!(["area_m2", "land_use"])
    );

    // CSV: a row per segment and power band, a column per quarter.
    let answer = send(&app, get_demand(&planner, "/demand?f=csv")).await;
    assert_eq!(answer.status, 200);
    assert!(answer.content_type().starts_with("text/csv"));
    let csv = String::from_utf8(answer.body.to_vec()).unwrap();
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with(
            "kind,land_use_group,size_band,location_class,power_band,plan_term,enquiries,searches"
        ),
        "{header}"
    );
    assert!(
        header.ends_with(
            report["quarters"]
                .as_array()
                .unwrap()
                .last()
                .unwrap()
                .as_str()
                .unwrap()
        )
    );
    assert!(
        csv.contains("segment,industry,20-50,C,,arealkrevende næringer,0,2,0,2,"),
        "{csv}"
    );
    assert_eq!(
        lines.filter(|l| l.starts_with("segment,")).count(),
        segments.len()
    );

    // A period without these searches has none.
    let answer = send(
        &app,
        get_demand(&planner, "/demand?from=2020-01-01&to=2020-12-31"),
    )
    .await;
    assert_eq!(answer.json()["searches"], 0);
    assert_eq!(
        answer.json()["quarters"],
        json!(["2020-Q1", "2020-Q2", "2020-Q3", "2020-Q4"])
    );
}

#[actix_web::test]
async fn a_bad_period_is_refused_naming_the_parameter() {
    let db = TestDb::new().await;
    let planner = key(&db, "kari.planner", Role::Planner).await;
    let app = app_on(&db).await;
    for (uri, parameter, what) in [
        ("/demand?from=2026-13-01", "from", "not a date"),
        ("/demand?to=yesterday", "to", "not a date"),
        ("/demand?from=2026-06-01&to=2026-05-01", "from", "after"),
        (
            "/demand?from=2000-01-01&to=2026-01-01",
            "from",
            "at most 10 years",
        ),
        ("/demand?period=year", "period", "unknown"),
        ("/demand?f=xml", "f", "xml"),
    ] {
        let answer = send(&app, get_demand(&planner, uri)).await;
        assert_invalid_parameter(&answer, parameter, what);
    }
}

#[actix_web::test]
async fn planners_sign_in_in_the_browser_and_read_the_demand_page() {
    let db = TestDb::with_demo().await;
    let planner = key(&db, "kari.planner", Role::Planner).await;
    let app = app_on(&db).await;
    let needs = json!({"area_m2": {"min": 25000}, "land_use": [1340], "location_class": ["C"],
                       "min_power_kw": 8000, "required": ["area_m2"]});
    send(&app, search(&needs, Some("s-0009-aaaa"), "192.0.2.30:1")).await;
    records_when(&db, |r| r.len() == 1).await;
    let html = |uri: &str, cookie: Option<&str>| {
        let mut req = TestRequest::get()
            .uri(uri)
            .insert_header(("accept", "text/html"));
        if let Some(cookie) = cookie {
            req = req.insert_header(("cookie", cookie.to_owned()));
        }
        req.to_request()
    };

    // Without a key, the page says to sign in, and links back here.
    let answer = send(&app, html("/demand?from=2026-01-01", None)).await;
    assert_eq!(answer.status, 401);
    let body = String::from_utf8_lossy(&answer.body).into_owned();
    assert!(
        body.contains("/sign-in?next=%2Fdemand%3Ffrom%3D2026-01-01"),
        "{body}"
    );

    let form = |key: &str| {
        TestRequest::post()
            .uri("/sign-in")
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(format!("key={key}&next=%2Fdemand"))
            .to_request()
    };
    let answer = send(&app, form("not-a-key")).await;
    assert_eq!(answer.status, 303);
    assert!(answer.header("set-cookie").is_none());
    let again = path_of(answer.header("location").unwrap());
    assert_eq!(again, "/sign-in?wrong=1&next=%2Fdemand");
    let body = String::from_utf8_lossy(&send(&app, html(&again, None)).await.body).into_owned();
    assert!(
        body.contains("ikke gyldig") && body.contains("value=\"/demand\""),
        "{body}"
    );

    let answer = send(&app, form(&planner)).await;
    assert_eq!(answer.status, 303);
    assert!(answer.header("location").unwrap().ends_with("/demand"));
    let set = answer.header("set-cookie").unwrap().to_owned();
    assert!(set.starts_with("naeringsareal_key="), "{set}");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_owned();

    let answer = send(&app, html("/demand", Some(&cookie))).await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    assert!(answer.content_type().starts_with("text/html"));
    assert_eq!(answer.header("cache-control"), Some("private, no-cache"));
    let page = String::from_utf8_lossy(&answer.body).into_owned();
    for text in [
        "Etterspørsel mot tilbud",
        "Industri og lager · 20–50 daa · lokalisering C",
        "arealkrevende næringer",
        "kraftkrevende næringer",
        "<svg",
        "f=csv",
    ] {
        assert!(page.contains(text), "`{text}` missing: {page}");
    }
    let answer = send(&app, html("/demand?lang=en", Some(&cookie))).await;
    assert_eq!(answer.status, 303, "the language switch redirects");
    let answer = send(
        &app,
        TestRequest::get()
            .uri("/demand")
            .insert_header(("accept", "text/html"))
            .insert_header(("accept-language", "en"))
            .insert_header(("cookie", cookie.clone()))
            .to_request(),
    )
    .await;
    assert!(
        String::from_utf8_lossy(&answer.body)
            .contains("Industry and warehouses · 20–50 daa · location C")
    );

    // The cookie reads; it never writes.
    let write = TestRequest::post()
        .uri("/collections/plots/items")
        .insert_header(("content-type", "application/geo+json"))
        .insert_header(("cookie", cookie.clone()))
        .set_payload(new_plot("COOKIE-1").to_string())
        .to_request();
    assert_eq!(send(&app, write).await.status, 401);

    // Signed out, the cookie is gone.
    let answer = send(&app, TestRequest::post().uri("/sign-out").to_request()).await;
    assert_eq!(answer.status, 303);
    assert!(answer.header("set-cookie").unwrap().contains("Max-Age=0"));
}

fn privacy(key: &str, what: &str, email: &str) -> actix_http::Request {
    TestRequest::post()
        .uri(&format!("/privacy/{what}"))
        .insert_header(bearer(key))
        .insert_header(("content-type", "application/json"))
        .set_payload(json!({"email": email}).to_string())
        .to_request()
}

#[actix_web::test]
async fn an_enquirer_is_exported_with_who_read_them_and_erased_on_request() {
    let db = TestDb::with_demo().await;
    let admin = key(&db, "ola.admin", Role::Admin).await;
    let planner = key(&db, "kari.planner", Role::Planner).await;
    let app = app_on(&db).await;
    let mut mine = enquiry(None);
    mine["needs"] = json!({"area_m2": {"min": 15000}, "land_use": [1350]});
    let mut idempotent = crate::enquiries::post(&mine);
    idempotent.headers_mut().insert(
        "idempotency-key".parse().unwrap(),
        "erase-me-1".parse().unwrap(),
    );
    let first = send(&app, idempotent).await;
    assert_eq!(first.status, 201);
    let id = first.json()["id"].as_str().unwrap().to_owned();
    let mut other = enquiry(None);
    other["email"] = json!("someone.else@eksempel.no");
    assert_eq!(send(&app, crate::enquiries::post(&other)).await.status, 201);

    // Every read by a key is logged: in the listing and on its own.
    assert_eq!(
        send(&app, get_demand(&planner, "/enquiries")).await.status,
        200
    );
    assert_eq!(
        send(&app, get_demand(&planner, &format!("/enquiries/{id}")))
            .await
            .status,
        200
    );

    // Planners may not export; admins may, and the export is a read too.
    assert_eq!(
        send(&app, privacy(&planner, "export", "kari@eksempel.no"))
            .await
            .status,
        403
    );
    let answer = send(&app, privacy(&admin, "export", "KARI@eksempel.no")).await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let export = answer.json();
    let enquiries = export["enquiries"].as_array().unwrap();
    assert_eq!(enquiries.len(), 1, "only this enquirer's: {export}");
    assert_eq!(enquiries[0]["id"], id.as_str());
    assert_eq!(enquiries[0]["name"], "Kari Nordmann");
    let reads: Vec<(&str, &str)> = enquiries[0]["reads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["by"].as_str().unwrap(), r["how"].as_str().unwrap()))
        .collect();
    assert_eq!(reads, [("kari.planner", "list"), ("kari.planner", "one")]);
    let answer = send(&app, privacy(&admin, "export", "kari@eksempel.no")).await;
    let reads = answer.json()["enquiries"][0]["reads"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(reads, 3, "the first export is logged");

    // Erased: the enquiry's personal fields, its mail (the confirmation)
    // and the stored answer of its retry; the enquiry stays, anonymous and
    // closed, with its demand record; the other enquirer stays.
    assert_eq!(
        send(&app, privacy(&planner, "erase", "kari@eksempel.no"))
            .await
            .status,
        403
    );
    let answer = send(&app, privacy(&admin, "erase", "kari@eksempel.no")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.json(),
        json!({"enquiries": 1, "stored_answers": 1, "alerts": 0, "mails": 1})
    );
    let anonymous = send(&app, get_demand(&planner, &format!("/enquiries/{id}"))).await;
    assert_eq!(anonymous.status, 200);
    let anonymous = anonymous.json();
    for field in [
        "name",
        "company",
        "organisation_number",
        "email",
        "phone",
        "message",
    ] {
        assert_eq!(anonymous[field], Value::Null, "{field} in {anonymous}");
    }
    assert_eq!(anonymous["status"], "closed");
    assert!(anonymous["erased_at"].is_string(), "{anonymous}");
    assert_eq!(count_rows(&db, "enquiries").await, 2);
    assert_eq!(count_rows(&db, "idempotency_keys").await, 0);
    let found = records(&db).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["enquiry_id"], id.as_str());
    assert_eq!(found[0]["area_min_m2"], 15000.0);
    // An erased enquiry is not reopened.
    let reopen = TestRequest::patch()
        .uri(&format!("/enquiries/{id}"))
        .insert_header(bearer(&planner))
        .insert_header(("content-type", "application/json"))
        .set_payload(json!({"status": "in_progress", "note": "Reopened"}).to_string())
        .to_request();
    let reopen = send(&app, reopen).await;
    assert_eq!(reopen.status, 409);
    assert!(
        reopen.json()["detail"].as_str().unwrap().contains("erased"),
        "{}",
        reopen.json()
    );
    let answer = send(&app, privacy(&admin, "export", "kari@eksempel.no")).await;
    assert_eq!(answer.json()["enquiries"], json!([]));
    // Again: nothing left to erase.
    let answer = send(&app, privacy(&admin, "erase", "kari@eksempel.no")).await;
    assert_eq!(
        answer.json(),
        json!({"enquiries": 0, "stored_answers": 0, "alerts": 0, "mails": 0})
    );

    // Not an address: 400 naming the field.
    let answer = send(&app, privacy(&admin, "erase", "kari")).await;
    assert_eq!(answer.status, 400);
    assert_eq!(offending(&answer.json()), ["email"]);
}

#[actix_web::test]
async fn the_command_line_exports_and_erases_an_enquirer() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    assert_eq!(
        send(&app, crate::enquiries::post(&enquiry(None)))
            .await
            .status,
        201
    );
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_naeringsareal"))
            .args(args)
            .env("DATABASE_URL", &db.url)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let export: Value =
        serde_json::from_str(&cli(&["privacy", "export", "--email", "kari@eksempel.no"])).unwrap();
    assert_eq!(export["enquiries"][0]["name"], "Kari Nordmann");
    assert_eq!(
        export["enquiries"][0]["reads"],
        json!([]),
        "the first read is this export"
    );
    let erased = cli(&["privacy", "erase", "--email", "kari@eksempel.no"]);
    assert!(erased.starts_with("erased 1 enquiries"), "{erased}");
    assert_eq!(count_rows(&db, "enquiries").await, 1);
    assert_eq!(
        count_rows(
            &db,
            "enquiries WHERE erased_at IS NOT NULL AND email IS NULL"
        )
        .await,
        1,
        "erased in place"
    );
    assert_eq!(
        count_rows(&db, "enquiry_reads").await,
        1,
        "the export, logged"
    );
}
