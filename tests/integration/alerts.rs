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
