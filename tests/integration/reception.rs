//! Response times against the target (Norwegian working days), the
//! overdue list, the quarters' medians and 90th percentiles, the companies'
//! ratings through a signed link, and the erasure of personal data after
//! the retention time.

use actix_web::test::{self, TestRequest};
use diesel::QueryableByName;
use diesel::sql_types::{Nullable, SmallInt, Text};
use diesel_async::RunQueryDsl;
use naeringsareal::config::ApiConfig;
use naeringsareal::keys::role::Role;
use naeringsareal::router::app;
use serde_json::{Value, json};

use crate::common::*;
use crate::enquiries::{enquiry, post};

#[derive(QueryableByName)]
struct One {
    #[diesel(sql_type = Text)]
    v: String,
}

/// The one text value `sql` selects (as `v`).
async fn text(db: &TestDb, sql: &str) -> String {
    diesel::sql_query(sql)
        .get_result::<One>(&mut db.conn().await)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .v
}

async fn exec(db: &TestDb, sql: &str) {
    diesel::sql_query(sql)
        .execute(&mut db.conn().await)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

fn as_planner(key: &str, method: &str, uri: &str, body: Option<&Value>) -> actix_http::Request {
    let req = match method {
        "PATCH" => TestRequest::patch(),
        _ => TestRequest::get(),
    }
    .uri(uri)
    .insert_header(bearer(key));
    match body {
        Some(body) => req
            .insert_header(("content-type", "application/json"))
            .set_payload(body.to_string())
            .to_request(),
        None => req.to_request(),
    }
}

fn form(uri: &str, body: &str) -> actix_http::Request {
    TestRequest::post()
        .uri(uri)
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .insert_header(("accept", "text/html"))
        .insert_header(("cookie", "lang=en"))
        .set_payload(body.to_owned())
        .to_request()
}

#[actix_web::test]
async fn answers_are_due_by_norwegian_working_days_and_the_target_is_configurable() {
    let db = TestDb::new().await;
    // Easter 2027 is 28 March: Maundy Thursday, Good Friday and Easter
    // Monday are holidays, so a Wednesday's enquiry is due the next
    // Wednesday (summer time from 28 March: midnight is 22:00 UTC).
    for (received, days, due) in [
        ("2027-03-24 10:00+01", 2, "2027-03-31 22:00:00+00"),
        // Tuesday 1 December 2026: Thursday 24:00.
        ("2026-12-01 10:00+01", 2, "2026-12-03 23:00:00+00"),
        // 23 December: Christmas Day and Boxing Day, a weekend.
        ("2026-12-23 15:00+01", 2, "2026-12-28 23:00:00+00"),
        // A Saturday: Monday is the first working day.
        ("2026-12-05 12:00+01", 1, "2026-12-07 23:00:00+00"),
        // Ascension Day (14 May 2026) and 17 May (a Sunday) too.
        ("2026-05-13 10:00+02", 2, "2026-05-18 22:00:00+00"),
        // Late in the evening UTC is the next day in Norway.
        ("2026-12-01 23:30+00", 1, "2026-12-03 23:00:00+00"),
    ] {
        assert_eq!(
            text(
                &db,
                &format!("SELECT answer_due('{received}', {days})::text AS v")
            )
            .await,
            due,
            "received {received}, {days} working days"
        );
    }
    assert_eq!(
        text(&db, "SELECT string_agg(day::text, ' ' ORDER BY day) AS v FROM norwegian_public_holidays(2026)").await,
        "2026-01-01 2026-04-02 2026-04-03 2026-04-05 2026-04-06 2026-05-01 2026-05-14 \
         2026-05-17 2026-05-24 2026-05-25 2026-12-25 2026-12-26"
    );

    // The service sets the due time by its target when an enquiry arrives.
    let api = ApiConfig {
        answer_working_days: 3,
        ..ApiConfig::default()
    };
    let app = test::init_service(app(db.state_with(api))).await;
    let created = send(&app, post(&enquiry(None))).await;
    assert_eq!(created.status, 201);
    let created = created.json();
    assert_eq!(created["overdue"], false);
    assert_eq!(created["answered_at"], Value::Null);
    assert_eq!(
        text(
            &db,
            "SELECT (answer_due_at = answer_due(created_at, 3))::text AS v FROM enquiries"
        )
        .await,
        "true"
    );
    // The company's confirmation says by when, on the Norwegian calendar.
    let body = text(
        &db,
        "SELECT body AS v FROM mail_outbox WHERE kind = 'enquiry_confirmation'",
    )
    .await;
    let due_day = text(
        &db,
        "SELECT to_char((answer_due_at AT TIME ZONE 'Europe/Oslo') - interval '1 second', 'FMDD.') AS v FROM enquiries",
    )
    .await;
    assert!(body.contains("og senest "), "{body}");
    assert!(
        body.contains(&format!(" {due_day} ")),
        "{due_day} in {body}"
    );
}

#[actix_web::test]
async fn planners_see_what_is_overdue_and_the_quarters_times_and_ratings() {
    let db = TestDb::new().await;
    let planner = key(&db, "kari.planner", Role::Planner).await;
    let app = app_on(&db).await;
    let mut ids = vec![];
    for _ in 0..4 {
        let created = send(&app, post(&enquiry(None))).await;
        assert_eq!(created.status, 201);
        ids.push(created.json()["id"].as_str().unwrap().to_owned());
    }
    // The first arrived on the Wednesday before Ascension Day 2026: due by
    // the end of Monday 18 May, long past.
    exec(
        &db,
        &format!(
            "UPDATE enquiries SET created_at = '2026-05-13 10:00+02', \
             answer_due_at = answer_due('2026-05-13 10:00+02', 2) WHERE id = '{}'",
            ids[0]
        ),
    )
    .await;
    // The second is answered, the third closed without an answer (spam);
    // the fourth waits, not yet due.
    for (id, steps) in [
        (
            &ids[1],
            vec![
                json!({"status": "in_progress"}),
                json!({"status": "answered", "note": "Sent the zoning plan."}),
            ],
        ),
        (&ids[2], vec![json!({"status": "closed", "note": "Spam."})]),
    ] {
        for step in steps {
            let changed = send(
                &app,
                as_planner(&planner, "PATCH", &format!("/enquiries/{id}"), Some(&step)),
            )
            .await;
            assert_eq!(changed.status, 200, "{}", changed.json());
        }
    }
    let answered = send(
        &app,
        as_planner(&planner, "GET", &format!("/enquiries/{}", ids[1]), None),
    )
    .await
    .json();
    assert!(answered["answered_at"].is_string(), "{answered}");
    assert_eq!(answered["closed_at"], Value::Null);
    let closed = send(
        &app,
        as_planner(&planner, "GET", &format!("/enquiries/{}", ids[2]), None),
    )
    .await
    .json();
    assert!(
        closed["answered_at"].is_string() && closed["closed_at"].is_string(),
        "{closed}"
    );

    // The overdue list, through the listing and the report.
    let overdue = send(
        &app,
        as_planner(&planner, "GET", "/enquiries?overdue=true", None),
    )
    .await
    .json();
    let listed: Vec<&str> = overdue["enquiries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [ids[0].as_str()]);
    assert_eq!(overdue["enquiries"][0]["overdue"], true);
    let others = send(
        &app,
        as_planner(&planner, "GET", "/enquiries?overdue=false", None),
    )
    .await
    .json();
    assert_eq!(others["numberReturned"], 3);
    let bad = send(
        &app,
        as_planner(&planner, "GET", "/enquiries?overdue=maybe", None),
    )
    .await;
    assert_invalid_parameter(&bad, "overdue", "true");

    // Numbers to check the medians and percentiles against: five enquiries
    // received in January 2025, first answered after 1, 2, 3, 4 and 100
    // hours (due after 48), closed after 10, 20, 30, 40 and 50; and three
    // ratings that quarter.
    for (i, hours) in [1, 2, 3, 4, 100].iter().enumerate() {
        exec(
            &db,
            &format!(
                "INSERT INTO enquiries (name, company, organisation_number, email, message, client_address, \
                 status, created_at, updated_at, answer_due_at, answered_at, closed_at) \
                 VALUES ('Kari', 'Eksempel AS', '974760673', 'kari@eksempel.no', 'Hei', '203.0.113.7', 'closed', \
                 timestamptz '2025-01-10 09:00+01', timestamptz '2025-01-10 09:00+01' + interval '{closing} hours', \
                 timestamptz '2025-01-10 09:00+01' + interval '48 hours', \
                 timestamptz '2025-01-10 09:00+01' + interval '{hours} hours', \
                 timestamptz '2025-01-10 09:00+01' + interval '{closing} hours')",
                closing = (i + 1) * 10 + 100,
            ),
        )
        .await;
    }
    exec(
        &db,
        "INSERT INTO enquiry_ratings (enquiry_id, score, rated_at) \
         SELECT id, (ARRAY[5, 4, 2])[row_number() OVER (ORDER BY answered_at)], '2025-02-01 12:00+01' \
         FROM enquiries WHERE created_at < '2026-01-01' ORDER BY answered_at LIMIT 3",
    )
    .await;
    let report = send(
        &app,
        as_planner(
            &planner,
            "GET",
            "/reception?from=2025-01-01&to=2025-12-31",
            None,
        ),
    )
    .await;
    assert_eq!(report.status, 200, "{}", report.json());
    let report = report.json();
    assert_eq!(report["target"]["first_answer_working_days"], 2);
    assert_eq!(report["awaiting"], 2, "{report}");
    assert_eq!(report["overdue"], 1);
    assert_eq!(report["waiting"][0]["id"], ids[0].as_str());
    assert_eq!(report["waiting"][0]["overdue"], true);
    assert_eq!(report["waiting"][1]["id"], ids[3].as_str());
    assert_eq!(report["waiting"][1]["overdue"], false);
    assert!(
        report["waiting"][0].get("name").is_none(),
        "no personal fields in the list"
    );
    let quarters: Vec<&str> = report["quarters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["quarter"].as_str().unwrap())
        .collect();
    assert_eq!(quarters, ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]);
    let q1 = &report["quarters"][0];
    assert_eq!(
        (
            q1["received"].clone(),
            q1["answered"].clone(),
            q1["on_time"].clone(),
            q1["closed"].clone()
        ),
        (json!(5), json!(5), json!(4), json!(5))
    );
    // percentile_cont: the median of 1, 2, 3, 4, 100 is 3; the 90th
    // percentile is 4 + 0.6 × 96.
    assert_eq!(
        q1["first_answer_hours"],
        json!({"median": 3.0, "p90": 61.6})
    );
    assert_eq!(q1["closing_hours"], json!({"median": 130.0, "p90": 146.0}));
    assert_eq!(q1["ratings"]["count"], 3);
    assert_eq!(q1["ratings"]["satisfied"], 2);
    assert_eq!(q1["ratings"]["by_score"], json!([0, 1, 0, 1, 1]));
    assert_eq!(q1["ratings"]["mean"], 3.67);
    assert_eq!(report["quarters"][1]["received"], 0);
    assert_eq!(
        report["quarters"][1]["first_answer_hours"],
        json!({"median": null, "p90": null})
    );

    // This year's second quarter holds the overdue one.
    let report = send(
        &app,
        as_planner(
            &planner,
            "GET",
            "/reception?from=2026-04-01&to=2026-06-30",
            None,
        ),
    )
    .await
    .json();
    assert_eq!(report["quarters"][0]["quarter"], "2026-Q2");
    assert_eq!(report["quarters"][0]["received"], 1);
    assert_eq!(report["quarters"][0]["overdue"], 1);

    // CSV, a page, and only for planners.
    let csv = send(
        &app,
        as_planner(
            &planner,
            "GET",
            "/reception?from=2025-01-01&to=2025-03-31&f=csv",
            None,
        ),
    )
    .await;
    assert_eq!(csv.content_type(), "text/csv; charset=utf-8");
    let csv = String::from_utf8(csv.body.to_vec()).unwrap();
    assert!(
        csv.starts_with("quarter,received,answered,on_time,overdue,first_answer_median_hours"),
        "{csv}"
    );
    assert!(
        csv.contains("\n2025-Q1,5,5,4,0,3.0,61.6,5,130.0,146.0,3,3.67,2,0,1,0,1,1\n"),
        "{csv}"
    );
    let page = send(
        &app,
        TestRequest::get()
            .uri("/reception")
            .insert_header(bearer(&planner))
            .insert_header(("cookie", "lang=nb"))
            .insert_header(("accept", "text/html"))
            .to_request(),
    )
    .await;
    assert_eq!(page.status, 200);
    let html = String::from_utf8(page.body.to_vec()).unwrap();
    assert!(html.contains("Mottak og svartider"), "{html}");
    assert!(
        html.contains("2 venter på første svar, 1 av dem over fristen."),
        "{html}"
    );
    assert!(html.contains("mandag 18. mai 2026"), "the due day: {html}");
    assert!(html.contains("Over fristen"));
    assert_eq!(get(&app, "/reception").await.status, 401);
    let bad = send(
        &app,
        as_planner(&planner, "GET", "/reception?from=2026-13-01", None),
    )
    .await;
    assert_invalid_parameter(&bad, "from", "YYYY-MM-DD");
}

#[derive(QueryableByName)]
struct Rating {
    #[diesel(sql_type = SmallInt)]
    score: i16,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
}

async fn ratings(db: &TestDb) -> Vec<(i16, Option<String>)> {
    diesel::sql_query("SELECT score, comment FROM enquiry_ratings")
        .load::<Rating>(&mut db.conn().await)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.score, r.comment))
        .collect()
}

#[actix_web::test]
async fn a_closed_enquiry_gets_one_signed_rating_link_and_its_answer_is_counted() {
    let db = TestDb::new().await;
    let planner = key(&db, "kari.planner", Role::Planner).await;
    let app = app_on(&db).await;
    let mut body = enquiry(None);
    body["lang"] = json!("en");
    let id = send(&app, post(&body)).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let close = json!({"status": "closed", "note": "Answered by phone."});
    let closed = send(
        &app,
        as_planner(&planner, "PATCH", &format!("/enquiries/{id}"), Some(&close)),
    )
    .await;
    assert_eq!(closed.status, 200);

    // The mail: to the company, in its language, with the link.
    let mail = text(&db, "SELECT recipient || E'\\n' || subject || E'\\n' || body AS v FROM mail_outbox WHERE kind = 'enquiry_rating'").await;
    assert!(
        mail.starts_with("kari@eksempel.no\nHow did we answer you? (HEN-"),
        "{mail}"
    );
    let link = mail
        .split_whitespace()
        .find(|w| w.contains("/rating?token="))
        .unwrap_or_else(|| panic!("no link in {mail}"));
    let path = path_of(link);
    assert!(path.ends_with("&lang=en"), "{path}");
    let token = path
        .split("token=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();

    // The page, in the enquiry's language (the link sets it, as the
    // language switch does): one button per score, no login.
    let chosen = send(&app, TestRequest::get().uri(&path).to_request()).await;
    assert_eq!(chosen.status, 303);
    assert_eq!(
        chosen.header("location"),
        Some(format!("/rating?token={token}").as_str())
    );
    let page = send(
        &app,
        TestRequest::get()
            .uri(&format!("/rating?token={token}"))
            .insert_header(("accept", "text/html"))
            .insert_header(("cookie", "lang=en"))
            .to_request(),
    )
    .await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("cache-control"), Some("no-store"));
    let html = String::from_utf8(page.body.to_vec()).unwrap();
    assert!(html.contains("How satisfied are you"), "{html}");
    for score in 1..=5 {
        assert!(
            html.contains(&format!("name=\"score\" value=\"{score}\"")),
            "{score} in {html}"
        );
    }
    // A token changed by one character, or none: nothing.
    let mut forged = token.clone().into_bytes();
    forged[30] = if forged[30] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    assert_eq!(
        send(
            &app,
            TestRequest::get()
                .uri(&format!("/rating?token={forged}"))
                .to_request()
        )
        .await
        .status,
        404
    );
    assert_eq!(
        send(&app, form("/rating", &format!("token={forged}&score=5")))
            .await
            .status,
        404
    );
    let none = send(&app, TestRequest::get().uri("/rating").to_request()).await;
    assert_eq!(none.status, 400);
    assert_eq!(offending(&none.json()), ["token"]);
    assert!(ratings(&db).await.is_empty(), "looking records nothing");

    // Bad scores are refused naming the field; a good one is recorded, and
    // a second replaces it.
    for bad in ["", "0", "6", "five"] {
        let refused = send(
            &app,
            TestRequest::post()
                .uri("/rating")
                .insert_header(("content-type", "application/x-www-form-urlencoded"))
                .set_payload(format!("token={token}&score={bad}"))
                .to_request(),
        )
        .await;
        assert_eq!(refused.status, 400, "score {bad:?}");
        assert_eq!(offending(&refused.json()), ["score"]);
    }
    let thanked = send(
        &app,
        form(
            "/rating",
            &format!("token={token}&score=4&comment=Quick+and+clear"),
        ),
    )
    .await;
    assert_eq!(thanked.status, 200);
    assert!(
        String::from_utf8(thanked.body.to_vec())
            .unwrap()
            .contains("4 – Satisfied")
    );
    assert_eq!(
        ratings(&db).await,
        [(4, Some("Quick and clear".to_owned()))]
    );
    assert_eq!(
        send(&app, form("/rating", &format!("token={token}&score=5")))
            .await
            .status,
        200
    );
    assert_eq!(ratings(&db).await, [(5, None)]);

    // Reopened and closed again: no second rating mail.
    for step in [
        json!({"status": "in_progress", "note": "They called back."}),
        close.clone(),
    ] {
        assert_eq!(
            send(
                &app,
                as_planner(&planner, "PATCH", &format!("/enquiries/{id}"), Some(&step))
            )
            .await
            .status,
            200
        );
    }
    assert_eq!(
        count_rows(&db, "mail_outbox WHERE kind = 'enquiry_rating'").await,
        1
    );

    // Counted in this quarter.
    let report = send(&app, as_planner(&planner, "GET", "/reception", None))
        .await
        .json();
    let last = report["quarters"].as_array().unwrap().last().unwrap();
    assert_eq!(last["ratings"]["count"], 1, "{report}");
    assert_eq!(last["ratings"]["by_score"], json!([0, 0, 0, 0, 1]));
}

#[actix_web::test]
async fn personal_data_is_erased_after_the_retention_time_and_the_statistics_stay() {
    let db = TestDb::new().await;
    let planner = key(&db, "kari.planner", Role::Planner).await;
    let app = app_on(&db).await;
    let mut ids = vec![];
    for _ in 0..2 {
        let id = send(&app, post(&enquiry(None))).await.json()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let close = json!({"status": "closed", "note": "Called Kari Nordmann on +47 912 34 567."});
        assert_eq!(
            send(
                &app,
                as_planner(&planner, "PATCH", &format!("/enquiries/{id}"), Some(&close))
            )
            .await
            .status,
            200
        );
        ids.push(id);
    }
    exec(&db, "INSERT INTO enquiry_ratings (enquiry_id, score, comment) SELECT id, 4, 'Kari here: thanks' FROM enquiries").await;
    // The first closed 400 days ago; the second just now.
    exec(
        &db,
        &format!(
            "UPDATE enquiries SET created_at = now() - interval '401 days', updated_at = now() - interval '400 days', \
             answer_due_at = now() - interval '399 days', answered_at = now() - interval '400 days', \
             closed_at = now() - interval '400 days' WHERE id = '{}'",
            ids[0]
        ),
    )
    .await;
    let mut conn = db.conn().await;
    let erased = naeringsareal::enquiries::privacy::erase_expired(&mut conn, 365)
        .await
        .unwrap();
    assert_eq!(erased, 1);
    let old = send(
        &app,
        as_planner(&planner, "GET", &format!("/enquiries/{}", ids[0]), None),
    )
    .await
    .json();
    for field in [
        "name",
        "company",
        "organisation_number",
        "email",
        "phone",
        "message",
    ] {
        assert_eq!(old[field], Value::Null, "{field} in {old}");
    }
    assert!(old["erased_at"].is_string());
    assert_eq!(old["status"], "closed");
    assert!(old["answered_at"].is_string(), "the times stay");
    let event = &old["events"][0];
    assert_eq!(
        event["note"],
        Value::Null,
        "the planner's note named her: {old}"
    );
    assert_eq!(event["to_status"], "closed");
    assert_eq!(
        text(
            &db,
            &format!(
                "SELECT count(*)::text AS v FROM mail_outbox WHERE enquiry_id = '{}'",
                ids[0]
            )
        )
        .await,
        "0",
        "its mails (which quote her) are gone"
    );
    assert_eq!(
        text(&db, &format!("SELECT score || ':' || coalesce(comment, '-') AS v FROM enquiry_ratings WHERE enquiry_id = '{}'", ids[0])).await,
        "4:-",
        "the score stays, the comment goes"
    );
    assert_eq!(
        text(
            &db,
            "SELECT count(*)::text AS v FROM enquiry_events WHERE note IS NULL AND note_erased"
        )
        .await,
        "1"
    );
    // The recent one is untouched; a second pass erases nothing.
    let recent = send(
        &app,
        as_planner(&planner, "GET", &format!("/enquiries/{}", ids[1]), None),
    )
    .await
    .json();
    assert_eq!(recent["name"], "Kari Nordmann");
    assert!(recent.get("erased_at").is_none());
    assert_eq!(
        naeringsareal::enquiries::privacy::erase_expired(&mut conn, 365)
            .await
            .unwrap(),
        0
    );
    // The command line does the same on demand.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_naeringsareal"))
        .args(["privacy", "erase-expired", "--days", "1"])
        .env("DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "erased the personal data of 0 enquiries closed more than 1 days ago"
    );
    // The database holds an erased enquiry to empty personal fields, and a
    // kept one to full ones.
    for bad in [
        format!("UPDATE enquiries SET name = 'Kari' WHERE id = '{}'", ids[0]),
        format!("UPDATE enquiries SET email = NULL WHERE id = '{}'", ids[1]),
        format!(
            "UPDATE enquiries SET status = 'in_progress', closed_at = NULL WHERE id = '{}'",
            ids[0]
        ),
    ] {
        assert!(
            diesel::sql_query(&bad).execute(&mut conn).await.is_err(),
            "{bad} was accepted"
        );
    }
}
