//! Alerts: a company saves its needs with an address; a confirmation mail
//! (through the outbox and a real SMTP server) carries the link that
//! confirms it and the one that ends it; following a link only shows a
//! page, and its button's POST (or a mail client's one-click unsubscribe)
//! changes the alert.

use std::num::NonZeroU32;
use std::time::Duration;

use actix_web::test::{self, TestRequest};
use diesel_async::RunQueryDsl;
use naeringsareal::config::{ApiConfig, RateLimit};
use naeringsareal::mail::sender;
use naeringsareal::router::{Shared, app};
use serde_json::{Value, json};

use crate::common::*;
use crate::mail::{Mailbox, Sink, free_port, settings};

fn alert(email: &str) -> Value {
    json!({
        "email": email,
        "needs": {"area_m2": {"min": 20000}, "land_use": [1340, 1350], "max_port_distance_m": 3000,
                  "required": ["area_m2", "land_use"]},
        "lang": "en",
    })
}

fn post_alert(body: &Value) -> actix_http::Request {
    TestRequest::post()
        .uri("/alerts")
        .insert_header(("content-type", "application/json"))
        .set_payload(body.to_string())
        .to_request()
}

/// The alert's state as stored.
async fn state_of(db: &TestDb, id: &str) -> String {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        state: String,
    }
    let row: Row = diesel::sql_query("SELECT state FROM alerts WHERE id = $1::uuid")
        .bind::<diesel::sql_types::Text, _>(id)
        .get_result(&mut db.conn().await)
        .await
        .unwrap();
    row.state
}

/// The link in `body` that starts with `prefix`, as a path for the test app.
fn link(body: &str, prefix: &str) -> String {
    let start = body
        .find(prefix)
        .unwrap_or_else(|| panic!("{prefix} in {body}"));
    let url: String = body[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    path_of(&url)
}

#[actix_web::test]
async fn an_alert_is_confirmed_by_the_button_of_its_mails_link_and_ended_in_one_click() {
    let db = TestDb::new().await;
    let shared = Shared::from(db.state());
    let app = test::init_service(app(shared.clone())).await;
    let saved = send(&app, post_alert(&alert("kari@eksempel.no"))).await;
    assert_eq!(
        saved.status,
        202,
        "{}",
        String::from_utf8_lossy(&saved.body)
    );
    let saved = saved.json();
    assert_eq!(saved["state"], "pending");
    assert_eq!(saved["lang"], "en");
    // The tokens go by mail only.
    assert!(!saved.to_string().contains("token"));
    let id = saved["id"].as_str().unwrap().to_owned();

    let mailbox = Mailbox::new();
    let port = free_port();
    let _sink = Sink::start(port, &mailbox, "");
    let running = sender::start(
        shared.state.pool.clone(),
        settings(port, 20),
        shared.mail.clone().into_inner(),
    );
    let mails = mailbox.wait_for(1, Duration::from_secs(30)).await;
    running.stop().await;
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail["rcpt_tos"], json!(["kari@eksempel.no"]));
    assert_eq!(
        mail["subject"],
        "Confirm your alert for vacant business land"
    );
    let body = mail["body"].as_str().unwrap();
    assert!(body.contains("\"max_port_distance_m\": 3000"), "{body}");
    let raw = mail["raw"].as_str().unwrap();
    assert!(
        raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        "{raw}"
    );
    let confirm = link(body, "http://localhost:8080/alerts/confirm?token=");
    let unsubscribe = link(body, "http://localhost:8080/alerts/unsubscribe?token=");
    assert!(
        raw.contains(&format!(
            "List-Unsubscribe: <http://localhost:8080{unsubscribe}>"
        )),
        "{raw}"
    );

    // Following the link shows a page with a button, and changes nothing
    // (a mail scanner follows links too).
    let shown = send(
        &app,
        TestRequest::get()
            .uri(&confirm)
            .insert_header(("accept", "text/html"))
            .to_request(),
    )
    .await;
    assert_eq!(shown.status, 200);
    assert!(shown.content_type().starts_with("text/html"));
    assert_eq!(shown.header("cache-control"), Some("no-store"));
    let page = String::from_utf8(shown.body.clone()).unwrap();
    assert!(page.contains("method=\"post\""), "{page}");
    assert!(page.contains("kari@eksempel.no"), "{page}");
    assert_eq!(state_of(&db, &id).await, "pending");
    // The button.
    let token = confirm.split("token=").nth(1).unwrap();
    let confirmed = send(
        &app,
        TestRequest::post()
            .uri("/alerts/confirm")
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(format!("token={token}"))
            .to_request(),
    )
    .await;
    assert_eq!(confirmed.status, 200);
    assert_eq!(state_of(&db, &id).await, "active");
    // Once more: still active, and the page says so.
    let again = send(&app, TestRequest::get().uri(&confirm).to_request()).await;
    assert_eq!(again.status, 200);
    assert!(
        !String::from_utf8(again.body)
            .unwrap()
            .contains("method=\"post\"")
    );

    // The unsubscribe link's page changes nothing; a mail client's
    // one-click POST ends the alert.
    assert_eq!(
        send(&app, TestRequest::get().uri(&unsubscribe).to_request())
            .await
            .status,
        200
    );
    assert_eq!(state_of(&db, &id).await, "active");
    let ended = send(
        &app,
        TestRequest::post()
            .uri(&unsubscribe)
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload("List-Unsubscribe=One-Click")
            .to_request(),
    )
    .await;
    assert_eq!(ended.status, 200);
    assert_eq!(state_of(&db, &id).await, "unsubscribed");
    // An ended alert is not confirmed again.
    let confirmed = send(
        &app,
        TestRequest::post()
            .uri(&format!("/alerts/confirm?token={token}"))
            .to_request(),
    )
    .await;
    assert_eq!(confirmed.status, 200);
    assert_eq!(state_of(&db, &id).await, "unsubscribed");
}

#[actix_web::test]
async fn ending_an_alert_drops_its_queued_mails_and_bad_links_and_bodies_are_refused() {
    let db = TestDb::new().await;
    let app = test::init_service(app(db.state())).await;
    let saved = send(&app, post_alert(&alert("ola@eksempel.no")))
        .await
        .json();
    assert_eq!(count_rows(&db, "mail_outbox").await, 1);
    #[derive(diesel::QueryableByName)]
    struct Token {
        #[diesel(sql_type = diesel::sql_types::Text)]
        unsubscribe_token: String,
    }
    let token: Token =
        diesel::sql_query("SELECT unsubscribe_token FROM alerts WHERE id = $1::uuid")
            .bind::<diesel::sql_types::Text, _>(saved["id"].as_str().unwrap())
            .get_result(&mut db.conn().await)
            .await
            .unwrap();
    let ended = send(
        &app,
        TestRequest::post()
            .uri("/alerts/unsubscribe")
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(format!("token={}", token.unsubscribe_token))
            .to_request(),
    )
    .await;
    assert_eq!(ended.status, 200);
    // The confirmation, never sent, is not sent now.
    assert_eq!(count_rows(&db, "mail_outbox").await, 0);

    for uri in [
        "/alerts/confirm?token=nosuchtoken",
        "/alerts/unsubscribe?token=nosuchtoken",
    ] {
        assert_eq!(get(&app, uri).await.status, 404, "{uri}");
    }
    assert_eq!(get(&app, "/alerts/confirm").await.status, 400);
    let refused = send(
        &app,
        post_alert(&json!({"email": "ola", "needs": {"land_use": [1340]}, "lang": "de"})),
    )
    .await;
    assert_eq!(refused.status, 400);
    assert_eq!(offending(&refused.json()), ["email", "needs", "lang"]);
    assert_eq!(count_rows(&db, "alerts").await, 1);
}

#[actix_web::test]
async fn an_address_may_save_only_so_many_alerts_in_a_while() {
    let db = TestDb::new().await;
    let api = ApiConfig {
        enquiry_rate: RateLimit::Every {
            max: NonZeroU32::new(2).unwrap(),
            window: Duration::from_secs(600),
        },
        ..ApiConfig::default()
    };
    let app = test::init_service(app(db.state_with(api))).await;
    for _ in 0..2 {
        assert_eq!(
            send(&app, post_alert(&alert("kari@eksempel.no")))
                .await
                .status,
            202
        );
    }
    let third = send(&app, post_alert(&alert("kari@eksempel.no"))).await;
    assert_eq!(third.status, 429);
    assert!(third.header("retry-after").unwrap().parse::<u64>().unwrap() > 0);
    assert_eq!(count_rows(&db, "alerts").await, 2);
    assert_eq!(count_rows(&db, "mail_outbox").await, 2);
}

/// Confirms the alert `id` as its button does (the token read from the
/// confirmation mail in the outbox).
async fn confirm_from_outbox<B: MessageBody>(app: &impl TestApp<B>, db: &TestDb) {
    #[derive(diesel::QueryableByName)]
    struct Body {
        #[diesel(sql_type = diesel::sql_types::Text)]
        body: String,
    }
    let mail: Body = diesel::sql_query(
        "SELECT body FROM mail_outbox WHERE kind = 'alert_confirmation' ORDER BY created_at DESC LIMIT 1",
    )
    .get_result(&mut db.conn().await)
    .await
    .unwrap();
    let confirm = link(&mail.body, "http://localhost:8080/alerts/confirm?token=");
    let answer = send(app, TestRequest::post().uri(&confirm).to_request()).await;
    assert_eq!(answer.status, 200);
}

#[actix_web::test]
async fn a_plot_that_comes_to_meet_an_alert_is_told_in_one_digest_a_day() {
    use naeringsareal::alerts::watch::Watcher;
    let db = TestDb::with_demo().await;
    let key = key(
        &db,
        "kari.planner",
        naeringsareal::keys::role::Role::Planner,
    )
    .await;
    let shared = Shared::from(db.state());
    let app = test::init_service(app(shared.clone())).await;
    // Industry of 1 daa or more: demo plots meet it already.
    let needs = json!({"email": "kari@eksempel.no", "lang": "en",
        "needs": {"land_use": [1340], "area_m2": {"min": 1000}, "max_price_nok_per_m2": 500,
                  "required": ["land_use", "area_m2"]}});
    let saved = send(&app, post_alert(&needs)).await.json();
    // Looking for held-back digests at every turn, as a minute later would.
    let mut watcher =
        Watcher::new("http://localhost:8080").looking_for_digests_every(Duration::ZERO);
    let mut conn = db.conn().await;
    // The first look only sets where the watcher stands.
    assert_eq!(watcher.turn(&mut conn).await.unwrap().digests, 0);
    confirm_from_outbox(&app, &db).await;
    let known = count_rows(&db, "alert_matches").await;
    assert!(known > 0, "demo plots meet the needs already");
    // Nothing changed: no news.
    assert_eq!(watcher.turn(&mut conn).await.unwrap().digests, 0);

    // A new industrial plot of 11 daa on offer: news, one digest.
    let created = send(&app, post_plot(&key, &new_plot("ALERT-1"))).await;
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let etag = created.header("etag").unwrap().to_owned();
    let id = id_of(&db, "ALERT-1").await;
    let turn = watcher.turn(&mut conn).await.unwrap();
    assert_eq!((turn.matched, turn.digests), (1, 1), "{turn:?}");
    #[derive(diesel::QueryableByName)]
    struct Mail {
        #[diesel(sql_type = diesel::sql_types::Text)]
        recipient: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        subject: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        body: String,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        list_unsubscribe: Option<String>,
    }
    let digests = || async {
        diesel::sql_query(
            "SELECT recipient, subject, body, list_unsubscribe FROM mail_outbox WHERE kind = 'alert_digest'",
        )
        .load::<Mail>(&mut db.conn().await)
        .await
        .unwrap()
    };
    let mails = digests().await;
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.recipient, "kari@eksempel.no");
    assert_eq!(
        mail.subject,
        "Vacant business land that fits your needs (1)"
    );
    // It names the plot, links it and says why it fits, preferences too.
    for part in [
        "ALERT-1 – Testtomta",
        &format!("http://localhost:8080/collections/plots/items/{id}?f=html"),
        "Why it fits:",
        "  ✓ ",
        "(a preference, not met)",
        "End the alert: http://localhost:8080/alerts/unsubscribe?token=",
    ] {
        assert!(mail.body.contains(part), "{part} in {}", mail.body);
    }
    // Only the new plot: those that met the needs at confirmation are not news.
    assert_eq!(
        mail.body.matches("Why it fits:").count(),
        1,
        "{}",
        mail.body
    );
    assert!(
        mail.list_unsubscribe
            .as_deref()
            .unwrap()
            .contains("/alerts/unsubscribe?token=")
    );

    // Reserved, it no longer meets them; available again, it is news
    // again, but the alert had its digest today: none more.
    let reserved = send(
        &app,
        patch_plot(
            &key,
            &id,
            &etag,
            &json!({"properties": {"status": "reserved"}}),
        ),
    )
    .await;
    assert_eq!(
        reserved.status,
        200,
        "{}",
        String::from_utf8_lossy(&reserved.body)
    );
    let etag = reserved.header("etag").unwrap().to_owned();
    watcher.turn(&mut conn).await.unwrap();
    let available = send(
        &app,
        patch_plot(
            &key,
            &id,
            &etag,
            &json!({"properties": {"status": "available"}}),
        ),
    )
    .await;
    assert_eq!(available.status, 200);
    let turn = watcher.turn(&mut conn).await.unwrap();
    assert_eq!((turn.matched, turn.digests), (1, 0), "{turn:?}");
    assert_eq!(digests().await.len(), 1);
    // A day later it goes.
    diesel::sql_query("UPDATE alerts SET last_digest_at = now() - interval '25 hours'")
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(watcher.turn(&mut conn).await.unwrap().digests, 1);
    assert_eq!(digests().await.len(), 2);
    // Ended: none more, however much changes.
    let token =
        diesel::sql_query("SELECT unsubscribe_token AS body FROM alerts WHERE id = $1::uuid")
            .bind::<diesel::sql_types::Text, _>(saved["id"].as_str().unwrap())
            .get_result::<Token>(&mut conn)
            .await
            .unwrap();
    let ended = send(
        &app,
        TestRequest::post()
            .uri(&format!("/alerts/unsubscribe?token={}", token.body))
            .to_request(),
    )
    .await;
    assert_eq!(ended.status, 200);
    // Its digests not yet sent are dropped with it.
    assert_eq!(digests().await.len(), 0);
    diesel::sql_query("UPDATE alerts SET last_digest_at = NULL")
        .execute(&mut conn)
        .await
        .unwrap();
    let etag = available.header("etag").unwrap().to_owned();
    let changed = send(
        &app,
        patch_plot(
            &key,
            &id,
            &etag,
            &json!({"properties": {"status": "reserved"}}),
        ),
    )
    .await;
    assert_eq!(changed.status, 200);
    let etag = changed.header("etag").unwrap().to_owned();
    send(
        &app,
        patch_plot(
            &key,
            &id,
            &etag,
            &json!({"properties": {"status": "available"}}),
        ),
    )
    .await;
    watcher.turn(&mut conn).await.unwrap();
    assert_eq!(watcher.turn(&mut conn).await.unwrap().digests, 0);
    assert_eq!(digests().await.len(), 0);
    assert_eq!(
        count_rows(&db, "alert_matches").await,
        0,
        "an ended alert's matches go"
    );
}

#[derive(diesel::QueryableByName)]
struct Token {
    #[diesel(sql_type = diesel::sql_types::Text)]
    body: String,
}

#[actix_web::test]
async fn a_write_that_makes_a_plot_meet_ten_thousand_alerts_queues_their_digests() {
    use naeringsareal::alerts::watch::Watcher;
    let db = TestDb::new().await;
    let key = key(
        &db,
        "kari.planner",
        naeringsareal::keys::role::Role::Planner,
    )
    .await;
    let app = test::init_service(app(db.state())).await;
    let mut conn = db.conn().await;
    diesel::sql_query(
        "INSERT INTO alerts (email, needs, lang, state, confirm_hash, unsubscribe_token, client_address, confirmed_at) \
         SELECT 'firma' || i || '@eksempel.no', \
                jsonb_build_object('land_use', jsonb_build_array(1340), 'area_m2', jsonb_build_object('min', 1000 + i % 5000), \
                                   'max_port_distance_m', 3000, 'required', jsonb_build_array('land_use', 'area_m2')), \
                CASE WHEN i % 2 = 0 THEN 'en' ELSE 'nb' END, 'active', sha256(i::text::bytea), md5(i::text) || md5((-i)::text), \
                'bench', now() \
         FROM generate_series(1, 10000) AS i",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let mut watcher = Watcher::new("http://localhost:8080");
    watcher.turn(&mut conn).await.unwrap();
    let created = send(&app, post_plot(&key, &new_plot("ALERTK-1"))).await;
    assert_eq!(created.status, 201);
    let started = std::time::Instant::now();
    let turn = watcher.turn(&mut conn).await.unwrap();
    let took = started.elapsed();
    println!("10,000 alerts: {turn:?} in {} ms", took.as_millis());
    assert_eq!(
        (turn.plots, turn.matched, turn.digests),
        (1, 10_000, 10_000)
    );
    assert_eq!(count_rows(&db, "mail_outbox").await, 10_000);
    // A debug build on two shared cores; the figure is in bench/README.md.
    assert!(took < Duration::from_secs(30), "{took:?}");
}

#[actix_web::test]
async fn a_confirmed_alert_is_demand_and_an_erasure_takes_the_alert() {
    let db = TestDb::with_demo().await;
    let admin = key(&db, "ola.admin", naeringsareal::keys::role::Role::Admin).await;
    let app = app_on(&db).await;
    assert_eq!(
        send(&app, post_alert(&alert("kari@eksempel.no")))
            .await
            .status,
        202
    );
    assert_eq!(
        count_rows(&db, "demand_records").await,
        0,
        "no demand before it is confirmed"
    );
    confirm_from_outbox(&app, &db).await;
    assert_eq!(
        count_rows(
            &db,
            "demand_records WHERE source = 'alert' AND area_min_m2 = 20000"
        )
        .await,
        1
    );

    let erase = TestRequest::post()
        .uri("/privacy/erase")
        .insert_header(bearer(&admin))
        .insert_header(("content-type", "application/json"))
        .set_payload(json!({"email": "KARI@eksempel.no"}).to_string())
        .to_request();
    let answer = send(&app, erase).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json()["alerts"], 1);
    assert_eq!(count_rows(&db, "alerts").await, 0);
    assert_eq!(
        count_rows(&db, "mail_outbox").await,
        0,
        "its mails went with it"
    );
    assert_eq!(
        count_rows(&db, "demand_records").await,
        1,
        "the demand stays"
    );
}
