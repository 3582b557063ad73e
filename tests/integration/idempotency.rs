//! `Idempotency-Key` on POST of a plot, of an enquiry and of an import: a
//! retry gets the first answer and creates nothing; another request with
//! the key is a 422, one that overlaps the first a 409; bad keys are a 400;
//! keys expire; callers do not share keys.

use std::num::NonZeroU32;
use std::time::Duration;

use actix_web::test::TestRequest;
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use futures_util::future::join_all;
use naeringsareal::config::{ApiConfig, RateLimit};
use naeringsareal::http::idempotency;
use naeringsareal::keys::role::Role;
use serde_json::{Value, json};

use crate::common::*;

const KEY: &str = "8e03978e-40d5-43e8-bc93-6894a57f9324";

fn with_key(req: TestRequest, key: &str) -> actix_http::Request {
    req.insert_header(("idempotency-key", key)).to_request()
}

fn plot_post(api_key: &str, body: &Value) -> TestRequest {
    TestRequest::post()
        .uri("/collections/plots/items")
        .insert_header(bearer(api_key))
        .insert_header(("content-type", "application/geo+json"))
        .set_payload(body.to_string())
}

fn enquiry_post(peer: &str, body: &Value) -> TestRequest {
    TestRequest::post()
        .uri("/enquiries")
        .peer_addr(peer.parse().unwrap())
        .insert_header(("content-type", "application/json"))
        .set_payload(body.to_string())
}

fn import_post(api_key: &str, body: &Value) -> TestRequest {
    TestRequest::post()
        .uri("/collections/plots/import")
        .insert_header(bearer(api_key))
        .insert_header(("content-type", "application/geo+json"))
        .set_payload(body.to_string())
}

fn enquiry(message: &str) -> Value {
    json!({
        "name": "Kari Nordmann",
        "company": "Eksempel Logistikk AS",
        "organisation_number": "974 760 673",
        "email": "kari@eksempel.no",
        "message": message,
    })
}

/// A plot elsewhere than [`new_plot`]'s, so that two can be stored.
fn other_plot(reference: &str) -> Value {
    let mut plot = new_plot(reference);
    plot["geometry"]["coordinates"] = json!([[
        [10.2100, 59.7400],
        [10.2118, 59.7400],
        [10.2118, 59.7410],
        [10.2100, 59.7410],
        [10.2100, 59.7400]
    ]]);
    plot
}

fn text(answer: &Answer) -> String {
    String::from_utf8_lossy(&answer.body).into_owned()
}

/// `retry` is `first` again: status, body and the headers that matter,
/// marked as replayed (and `first` is not).
fn assert_replay(first: &Answer, retry: &Answer) {
    assert_eq!(retry.status, first.status, "{}", text(retry));
    assert_eq!(retry.body, first.body, "the same body");
    for name in ["content-type", "location", "etag", "content-crs"] {
        assert_eq!(retry.header(name), first.header(name), "{name}");
    }
    assert_eq!(first.header("idempotent-replayed"), None);
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
}

/// A 422 or 409 problem naming the header.
fn assert_key_problem(answer: &Answer, status: u16) {
    assert_eq!(answer.status, status, "{}", text(answer));
    assert_eq!(answer.content_type(), "application/problem+json");
    let problem = answer.json();
    assert_eq!(problem["type"], "urn:naeringsareal:problem:idempotency-key");
    assert_eq!(offending(&problem), ["Idempotency-Key"], "{problem}");
}

#[actix_web::test]
async fn a_retried_plot_post_gets_the_first_answer_and_adds_nothing() {
    let db = TestDb::new().await;
    let kari = key(&db, "kari", Role::Planner).await;
    let app = app_on(&db).await;
    let body = new_plot("IDEM-1");
    let first = send(&app, with_key(plot_post(&kari, &body), KEY)).await;
    assert_eq!(first.status, 201, "{}", text(&first));
    assert!(first.header("location").is_some() && first.header("etag").is_some());
    let retry = send(&app, with_key(plot_post(&kari, &body), KEY)).await;
    assert_replay(&first, &retry);
    // The draft's form of the same key: a structured-field string.
    let quoted = send(
        &app,
        with_key(plot_post(&kari, &body), &format!("\"{KEY}\"")),
    )
    .await;
    assert_replay(&first, &quoted);
    assert_eq!(count_rows(&db, "plots").await, 1);
    assert_eq!(count_rows(&db, "plot_versions").await, 1);
    assert_eq!(count_rows(&db, "idempotency_keys").await, 1);
    // Without a key, the same body is a new request (and its reference is taken).
    let again = send(&app, plot_post(&kari, &body).to_request()).await;
    assert_eq!(again.status, 400, "{}", text(&again));
}

#[actix_web::test]
async fn a_retried_enquiry_gets_the_first_answer_and_is_not_rate_limited() {
    let db = TestDb::new().await;
    let api = ApiConfig {
        enquiry_rate: RateLimit::Every {
            max: NonZeroU32::new(1).unwrap(),
            window: Duration::from_secs(600),
        },
        ..ApiConfig::default()
    };
    let app = actix_web::test::init_service(naeringsareal::router::app(db.state_with(api))).await;
    let body = enquiry("Is the plot at Holmen still free?");
    let first = send(&app, with_key(enquiry_post("192.0.2.1:1000", &body), KEY)).await;
    assert_eq!(first.status, 201, "{}", text(&first));
    let retry = send(&app, with_key(enquiry_post("192.0.2.1:1000", &body), KEY)).await;
    assert_replay(&first, &retry);
    assert_eq!(count_rows(&db, "enquiries").await, 1);
    // The limit holds for a new enquiry (so the retry really was spared it).
    let new = send(
        &app,
        with_key(enquiry_post("192.0.2.1:1000", &body), "another"),
    )
    .await;
    assert_eq!(new.status, 429, "{}", text(&new));
    // Anonymous keys are the endpoint's: the same key and body from another
    // address is the same request (who knows the body knows the answer).
    let elsewhere = send(
        &app,
        with_key(enquiry_post("198.51.100.9:1000", &body), KEY),
    )
    .await;
    assert_replay(&first, &elsewhere);
    assert_eq!(count_rows(&db, "enquiries").await, 1);
}

#[actix_web::test]
async fn a_retried_import_gets_the_first_report_and_writes_no_version() {
    let db = TestDb::new().await;
    let kari = key(&db, "kari", Role::Planner).await;
    let app = app_on(&db).await;
    let file =
        json!({"type": "FeatureCollection", "features": [new_plot("IMP-1"), other_plot("IMP-2")]});
    let first = send(&app, with_key(import_post(&kari, &file), KEY)).await;
    assert_eq!(first.status, 200, "{}", text(&first));
    assert_eq!(first.json()["created"], 2);
    let versions = count_rows(&db, "plot_versions").await;
    // Run again, the import would report two unchanged plots: the retry
    // reports the first import.
    let retry = send(&app, with_key(import_post(&kari, &file), KEY)).await;
    assert_replay(&first, &retry);
    assert_eq!(retry.json()["created"], 2);
    assert_eq!(count_rows(&db, "plots").await, 2);
    assert_eq!(count_rows(&db, "plot_versions").await, versions);
    // A dry run stores nothing under its key; with the import's key it is
    // another request.
    let dry = |key| {
        with_key(
            import_post(&kari, &file).uri("/collections/plots/import?dry_run=true"),
            key,
        )
    };
    let checked = send(&app, dry("dry")).await;
    assert_eq!(checked.status, 200, "{}", text(&checked));
    assert_eq!(checked.json()["dry_run"], true);
    assert_eq!(count_rows(&db, "idempotency_keys").await, 1);
    assert_key_problem(&send(&app, dry(KEY)).await, 422);
}

#[actix_web::test]
async fn the_same_key_with_another_request_is_a_422_and_writes_nothing() {
    let db = TestDb::new().await;
    let kari = key(&db, "kari", Role::Planner).await;
    let app = app_on(&db).await;
    let first = send(&app, with_key(plot_post(&kari, &new_plot("AA-1")), KEY)).await;
    assert_eq!(first.status, 201, "{}", text(&first));
    // Another body.
    let other = send(&app, with_key(plot_post(&kari, &other_plot("AA-2")), KEY)).await;
    assert_key_problem(&other, 422);
    assert!(
        other.json()["detail"]
            .as_str()
            .unwrap()
            .contains("Idempotency-Key")
    );
    // The same body in another CRS header (the same words, another place).
    let crs = plot_post(&kari, &new_plot("AA-1")).insert_header(("content-crs", "EPSG:4326"));
    assert_key_problem(&send(&app, with_key(crs, KEY)).await, 422);
    // Another endpoint, by the same caller.
    let elsewhere = TestRequest::post()
        .uri("/enquiries")
        .insert_header(bearer(&kari))
        .insert_header(("content-type", "application/json"))
        .set_payload(enquiry("By phone").to_string());
    assert_key_problem(&send(&app, with_key(elsewhere, KEY)).await, 422);
    assert_eq!(count_rows(&db, "plots").await, 1);
    assert_eq!(count_rows(&db, "enquiries").await, 0);
}

#[actix_web::test]
async fn a_bad_key_is_a_400_naming_the_header_and_writes_nothing() {
    let db = TestDb::new().await;
    let kari = key(&db, "kari", Role::Planner).await;
    let app = app_on(&db).await;
    let long = "k".repeat(256);
    for bad in [
        "",
        "two words",
        "\"unclosed",
        "a\"b",
        "back\\slash",
        long.as_str(),
    ] {
        let answer = send(&app, with_key(plot_post(&kari, &new_plot("BB-1")), bad)).await;
        assert_invalid_parameter(&answer, "Idempotency-Key", &format!("key {bad:?}"));
        let answer = send(
            &app,
            with_key(enquiry_post("192.0.2.1:1", &enquiry("x")), bad),
        )
        .await;
        assert_invalid_parameter(&answer, "Idempotency-Key", &format!("enquiry key {bad:?}"));
    }
    let latin1 = plot_post(&kari, &new_plot("BB-1"))
        .insert_header((
            "idempotency-key",
            actix_web::http::header::HeaderValue::from_bytes(b"n\xe6ring").unwrap(),
        ))
        .to_request();
    assert_invalid_parameter(&send(&app, latin1).await, "Idempotency-Key", "latin-1");
    let twice = plot_post(&kari, &new_plot("BB-1"))
        .append_header(("idempotency-key", "k1"))
        .append_header(("idempotency-key", "k2"))
        .to_request();
    assert_invalid_parameter(&send(&app, twice).await, "Idempotency-Key", "two keys");
    let file = json!({"type": "FeatureCollection", "features": [new_plot("BB-1")]});
    let answer = send(&app, with_key(import_post(&kari, &file), "a b")).await;
    assert_invalid_parameter(&answer, "Idempotency-Key", "import");
    assert_eq!(count_rows(&db, "plots").await, 0);
    assert_eq!(count_rows(&db, "enquiries").await, 0);
    // The longest key is taken.
    let longest = "k".repeat(255);
    let answer = send(
        &app,
        with_key(plot_post(&kari, &new_plot("BB-1")), &longest),
    )
    .await;
    assert_eq!(answer.status, 201, "{}", text(&answer));
}

#[actix_web::test]
async fn concurrent_requests_with_one_key_write_once() {
    let db = TestDb::new().await;
    let kari = key(&db, "kari", Role::Planner).await;
    let app = app_on(&db).await;
    for round in 0..3 {
        let reference = format!("RACE-{round}");
        let body = if round % 2 == 0 {
            new_plot(&reference)
        } else {
            other_plot(&reference)
        };
        let key = format!("race-{round}");
        let answers =
            join_all((0..4).map(|_| send(&app, with_key(plot_post(&kari, &body), &key)))).await;
        let written: Vec<&Answer> = answers
            .iter()
            .filter(|a| a.status == 201 && a.header("idempotent-replayed").is_none())
            .collect();
        assert_eq!(written.len(), 1, "one write in round {round}");
        for answer in &answers {
            match answer.status {
                201 if answer.header("idempotent-replayed").is_some() => {
                    assert_replay(written[0], answer)
                }
                201 => {}
                _ => {
                    assert_key_problem(answer, 409);
                    assert!(answer.header("retry-after").is_some());
                }
            }
        }
        assert_eq!(count_rows(&db, "plots").await, round + 1);
    }
}

/// Waits until a backend of `db` waits for a lock (other than `mine`).
async fn until_one_waits_for_a_lock(db: &TestDb) {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = db.conn().await;
    for _ in 0..200 {
        let waiting: N = diesel::sql_query(
            "SELECT count(*) AS n FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .get_result(&mut conn)
        .await
        .unwrap();
        if waiting.n > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no request came to wait for the lock");
}

#[actix_web::test]
async fn a_retry_while_the_first_request_runs_is_a_409_and_then_a_replay() {
    let db = TestDb::new().await;
    let kari = key(&db, "kari", Role::Planner).await;
    let app = app_on(&db).await;
    let body = new_plot("SLOW-1");
    // Holds the first request in its transaction: it waits for this lock
    // when it locks the plots it would write.
    let mut blocker: AsyncPgConnection = db.conn().await;
    blocker
        .batch_execute("BEGIN; LOCK TABLE plots IN EXCLUSIVE MODE")
        .await
        .unwrap();
    let (first, during) =
        futures_util::join!(send(&app, with_key(plot_post(&kari, &body), KEY)), async {
            until_one_waits_for_a_lock(&db).await;
            let during = send(&app, with_key(plot_post(&kari, &body), KEY)).await;
            blocker.batch_execute("COMMIT").await.unwrap();
            during
        });
    assert_key_problem(&during, 409);
    assert_eq!(during.header("retry-after"), Some("1"));
    assert_eq!(first.status, 201, "{}", text(&first));
    let after = send(&app, with_key(plot_post(&kari, &body), KEY)).await;
    assert_replay(&first, &after);
    assert_eq!(count_rows(&db, "plots").await, 1);
}

#[actix_web::test]
async fn an_expired_key_is_new_again_and_the_purge_deletes_expired_keys() {
    let db = TestDb::new().await;
    let kari = key(&db, "kari", Role::Planner).await;
    let app = app_on(&db).await;
    let first = send(&app, with_key(plot_post(&kari, &new_plot("OLD-1")), KEY)).await;
    assert_eq!(first.status, 201, "{}", text(&first));
    let mut conn = db.conn().await;
    let age = |hours: i32| {
        format!("UPDATE idempotency_keys SET created_at = now() - interval '{hours} hours'")
    };
    // Within the 24 hours it is kept; after them, another request may use it.
    conn.batch_execute(&age(23)).await.unwrap();
    let other = || with_key(plot_post(&kari, &other_plot("OLD-2")), KEY);
    assert_key_problem(&send(&app, other()).await, 422);
    conn.batch_execute(&age(25)).await.unwrap();
    let second = send(&app, other()).await;
    assert_eq!(second.status, 201, "{}", text(&second));
    assert_eq!(second.header("idempotent-replayed"), None);
    assert_ne!(second.header("location"), first.header("location"));
    assert_eq!(count_rows(&db, "plots").await, 2);
    assert_eq!(
        count_rows(&db, "idempotency_keys").await,
        1,
        "the old answer is gone"
    );
    assert_replay(&second, &send(&app, other()).await);

    // The purge deletes what is older than the TTL, and only that.
    let third = send(
        &app,
        with_key(plot_post(&kari, &new_plot("OLD-3")), "fresh"),
    )
    .await;
    assert_eq!(third.status, 201, "{}", text(&third));
    conn.batch_execute(&format!("{} WHERE key = '{KEY}'", age(25)))
        .await
        .unwrap();
    let ttl = ApiConfig::default().idempotency_ttl;
    assert_eq!(idempotency::purge(&mut conn, ttl).await.unwrap(), 1);
    assert_eq!(count_rows(&db, "idempotency_keys").await, 1);
    assert_replay(
        &third,
        &send(
            &app,
            with_key(plot_post(&kari, &new_plot("OLD-3")), "fresh"),
        )
        .await,
    );
}

#[actix_web::test]
async fn callers_do_not_see_each_others_keys() {
    let db = TestDb::new().await;
    let kari = key(&db, "kari", Role::Planner).await;
    let ola = key(&db, "ola", Role::Planner).await;
    let app = app_on(&db).await;
    let by_kari = send(&app, with_key(plot_post(&kari, &new_plot("KK-1")), KEY)).await;
    assert_eq!(by_kari.status, 201, "{}", text(&by_kari));
    // Ola's request with Kari's key is his own: written, not refused, not
    // answered with Kari's plot.
    let by_ola = send(&app, with_key(plot_post(&ola, &other_plot("OO-1")), KEY)).await;
    assert_eq!(by_ola.status, 201, "{}", text(&by_ola));
    assert_eq!(by_ola.header("idempotent-replayed"), None);
    assert_ne!(by_ola.header("location"), by_kari.header("location"));
    // An anonymous enquiry with that key, and a planner's with the same
    // key and body: two enquiries.
    let per = key(&db, "per", Role::Planner).await;
    let body = enquiry("Is there land near the port?");
    let anonymous = send(&app, with_key(enquiry_post("192.0.2.1:1", &body), KEY)).await;
    assert_eq!(anonymous.status, 201, "{}", text(&anonymous));
    let planner = TestRequest::post()
        .uri("/enquiries")
        .insert_header(bearer(&per))
        .insert_header(("content-type", "application/json"))
        .set_payload(body.to_string());
    let by_planner = send(&app, with_key(planner, KEY)).await;
    assert_eq!(by_planner.status, 201, "{}", text(&by_planner));
    assert_eq!(by_planner.header("idempotent-replayed"), None);
    assert_ne!(by_planner.header("location"), anonymous.header("location"));
    assert_eq!(count_rows(&db, "plots").await, 2);
    assert_eq!(count_rows(&db, "enquiries").await, 2);
    assert_eq!(count_rows(&db, "idempotency_keys").await, 4);
}

#[actix_web::test]
async fn a_failed_request_is_not_kept_so_its_retry_runs_afresh() {
    let db = TestDb::new().await;
    let kari = key(&db, "kari", Role::Planner).await;
    let app = app_on(&db).await;
    let mut broken = new_plot("FF-1");
    broken["properties"]["status"] = json!("sold out");
    let refused = send(&app, with_key(plot_post(&kari, &broken), KEY)).await;
    assert_eq!(refused.status, 400, "{}", text(&refused));
    assert_eq!(count_rows(&db, "idempotency_keys").await, 0);
    // Fixed, with the same key: written (not a 422, not the 400 again).
    let fixed = send(&app, with_key(plot_post(&kari, &new_plot("FF-1")), KEY)).await;
    assert_eq!(fixed.status, 201, "{}", text(&fixed));
    assert_eq!(count_rows(&db, "plots").await, 1);
}

#[actix_web::test]
async fn the_three_posts_document_the_header_and_its_problems() {
    let db = TestDb::new().await;
    let app = app_on(&db).await;
    let doc = get(&app, "/api").await.json();
    for path in [
        "/collections/plots/items",
        "/enquiries",
        "/collections/plots/import",
    ] {
        let operation = &doc["paths"][path]["post"];
        let header = operation["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "Idempotency-Key")
            .unwrap_or_else(|| panic!("POST {path} documents Idempotency-Key"));
        assert_eq!(header["in"], "header");
        for status in ["409", "422"] {
            assert_eq!(
                operation["responses"][status]["content"]["application/problem+json"]["schema"]["$ref"],
                "#/components/schemas/Problem",
                "POST {path} {status}"
            );
        }
    }
}
