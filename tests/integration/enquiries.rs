//! Enquiries: companies send them without a key (validated, size-limited,
//! rate-limited per address); planners list, read, assign and move them
//! through the workflow; the link to the plot outlives the plot's retirement.

use std::num::NonZeroU32;
use std::time::Duration;

use actix_web::test::TestRequest;
use diesel_async::RunQueryDsl;
use naeringsareal::config::{ApiConfig, RateLimit};
use naeringsareal::keys::role::Role;
use serde_json::{Value, json};

use crate::common::*;

const COMPANY: &str = "203.0.113.7:40000";

/// A valid enquiry, about `plot` if given.
pub fn enquiry(plot: Option<&str>) -> Value {
    let mut body = json!({
        "name": "Kari Nordmann",
        "company": "Eksempel Logistikk AS",
        "organisation_number": "974 760 673",
        "email": "kari@eksempel.no",
        "phone": "+47 912 34 567",
        "message": "We need about 20 daa for a warehouse from 2027. Is the plot still free?",
    });
    if let Some(plot) = plot {
        body["plot_id"] = json!(plot);
    }
    body
}

/// POSTs `body` as JSON from the client at `peer`.
fn post_from(peer: &str, body: &Value) -> actix_http::Request {
    TestRequest::post()
        .uri("/enquiries")
        .peer_addr(peer.parse().unwrap())
        .insert_header(("content-type", "application/json"))
        .set_payload(body.to_string())
        .to_request()
}

pub fn post(body: &Value) -> actix_http::Request {
    post_from(COMPANY, body)
}

fn get_as(key: &str, uri: &str) -> actix_http::Request {
    TestRequest::get()
        .uri(uri)
        .insert_header(bearer(key))
        .to_request()
}

fn patch_as(key: &str, id: &str, body: &Value) -> actix_http::Request {
    TestRequest::patch()
        .uri(&format!("/enquiries/{id}"))
        .insert_header(bearer(key))
        .insert_header(("content-type", "application/json"))
        .set_payload(body.to_string())
        .to_request()
}

fn body_of(answer: &Answer) -> String {
    String::from_utf8_lossy(&answer.body).into_owned()
}

/// A fingerprint of everything stored about enquiries.
async fn enquiries_state(db: &TestDb) -> String {
    #[derive(diesel::QueryableByName)]
    struct Hash {
        #[diesel(sql_type = diesel::sql_types::Text)]
        h: String,
    }
    let hash: Hash = diesel::sql_query(
        "SELECT md5(coalesce((SELECT string_agg(to_jsonb(e)::text, '|' ORDER BY id) FROM enquiries e), '') \
                 || coalesce((SELECT string_agg(to_jsonb(v)::text, '|' ORDER BY id) FROM enquiry_events v), '')) AS h",
    )
    .get_result(&mut db.conn().await)
    .await
    .unwrap();
    hash.h
}

/// The stored client address of the enquiry `id`.
async fn client_address_of(db: &TestDb, id: &str) -> String {
    #[derive(diesel::QueryableByName)]
    struct Address {
        #[diesel(sql_type = diesel::sql_types::Text)]
        client_address: String,
    }
    diesel::sql_query("SELECT client_address FROM enquiries WHERE id = $1::uuid")
        .bind::<diesel::sql_types::Text, _>(id)
        .get_result::<Address>(&mut db.conn().await)
        .await
        .unwrap()
        .client_address
}

#[actix_web::test]
async fn a_company_asks_about_a_plot_and_another_about_a_need() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let plot = id_of(&db, "DRM-0001").await;

    let sent = send(&app, post(&enquiry(Some(&plot)))).await;
    assert_eq!(sent.status, 201, "{}", body_of(&sent));
    let body = sent.json();
    let id = body["id"].as_str().unwrap().to_owned();
    assert!(
        sent.header("location")
            .unwrap()
            .ends_with(&format!("/enquiries/{id}")),
        "{:?}",
        sent.header("location")
    );
    assert_eq!(body["status"], "new");
    assert_eq!(body["assigned_to"], Value::Null);
    assert_eq!(body["plot"]["reference"], "DRM-0001");
    assert_eq!(body["plot"]["id"], plot.as_str());
    // Stored as 9 digits, text trimmed.
    assert_eq!(body["organisation_number"], "974760673");
    assert_eq!(body["needs"], Value::Null);
    let related = body["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "related")
        .expect("a link to the plot");
    assert!(
        related["href"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/collections/plots/items/{plot}"))
    );
    // The client's address is stored for the rate limit but never shown.
    assert!(body.get("client_address").is_none());
    assert!(!body.to_string().contains("203.0.113.7"));
    assert_eq!(client_address_of(&db, &id).await, "203.0.113.7");

    // About a need, with the criteria from site matching.
    let needs = json!({"area_m2": {"min": 20000}, "land_use": [1340, 1350], "max_port_distance_m": 3000, "required": ["land_use"]});
    let mut need = enquiry(None);
    need["needs"] = needs.clone();
    need.as_object_mut().unwrap().remove("phone");
    let sent = send(&app, post(&need)).await;
    assert_eq!(sent.status, 201, "{}", body_of(&sent));
    let body = sent.json();
    assert_eq!(body["plot"], Value::Null);
    assert_eq!(body["needs"], needs);
    assert_eq!(body["phone"], Value::Null);
    assert_eq!(
        body["links"].as_array().unwrap().len(),
        1,
        "only self: no plot"
    );
    assert_eq!(count_rows(&db, "enquiries").await, 2);
    assert_eq!(count_rows(&db, "enquiry_events").await, 0);
}

struct Case {
    what: &'static str,
    request: actix_http::Request,
    status: u16,
    /// Text the problem's detail must contain (it names the field).
    says: &'static str,
}

#[actix_web::test]
async fn bad_enquiries_are_refused_naming_the_field_and_change_nothing() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let open = id_of(&db, "DRM-0001").await;
    // DRM-0030 is a demo plot that has ended (withdrawn).
    let ended = id_of(&db, "DRM-0030").await;
    let draft = id_of(&db, "DRM-0002").await;
    diesel::sql_query(format!(
        "UPDATE plots SET published = false WHERE id = '{draft}'"
    ))
    .execute(&mut db.conn().await)
    .await
    .unwrap();
    // One good enquiry stored, so that "unchanged" means something.
    assert_eq!(send(&app, post(&enquiry(Some(&open)))).await.status, 201);

    let with = |field: &str, value: Value| {
        let mut body = enquiry(None);
        body[field] = value;
        post(&body)
    };
    let without = |field: &str| {
        let mut body = enquiry(None);
        body.as_object_mut().unwrap().remove(field);
        post(&body)
    };
    let cases = vec![
        Case {
            what: "wrong media type",
            request: TestRequest::post()
                .uri("/enquiries")
                .insert_header(("content-type", "text/plain"))
                .set_payload(enquiry(None).to_string())
                .to_request(),
            status: 415,
            says: "application/json",
        },
        Case {
            what: "no media type",
            request: TestRequest::post()
                .uri("/enquiries")
                .set_payload(enquiry(None).to_string())
                .to_request(),
            status: 415,
            says: "application/json",
        },
        Case {
            what: "too large",
            request: with("message", json!("x".repeat(17 * 1024))),
            status: 413,
            says: "larger than",
        },
        Case {
            what: "not JSON",
            request: TestRequest::post()
                .uri("/enquiries")
                .insert_header(("content-type", "application/json"))
                .set_payload("{\"name\": ")
                .to_request(),
            status: 400,
            says: "body: is not valid JSON",
        },
        Case {
            what: "not an object",
            request: post(&json!(["Kari"])),
            status: 400,
            says: "body: must be a JSON object",
        },
        Case {
            what: "name missing",
            request: without("name"),
            status: 400,
            says: "name: is required",
        },
        Case {
            what: "company blank",
            request: with("company", json!("   ")),
            status: 400,
            says: "company: must not be blank",
        },
        Case {
            what: "name too long",
            request: with("name", json!("K".repeat(201))),
            status: 400,
            says: "name: is 201 characters long",
        },
        Case {
            what: "an unknown field",
            request: with("colour", json!("red")),
            status: 400,
            says: "colour: is not a field of an enquiry",
        },
        Case {
            what: "a status from the outside",
            request: with("status", json!("closed")),
            status: 400,
            says: "status: is not a field of an enquiry",
        },
        Case {
            what: "organisation number with a wrong check digit",
            request: with("organisation_number", json!("974760672")),
            status: 400,
            says: "organisation_number: `974760672` is not an organisation number: its check digit is wrong",
        },
        Case {
            what: "organisation number of 8 digits",
            request: with("organisation_number", json!("97476067")),
            status: 400,
            says: "organisation_number: `97476067` is not an organisation number: 9 digits",
        },
        Case {
            what: "organisation number as a number",
            request: with("organisation_number", json!(974760673)),
            status: 400,
            says: "organisation_number: must be text",
        },
        Case {
            what: "organisation number whose check would be 10",
            request: with("organisation_number", json!("400000000")),
            status: 400,
            says: "organisation_number",
        },
        Case {
            what: "a bad e-mail",
            request: with("email", json!("kari at eksempel")),
            status: 400,
            says: "email: `kari at eksempel` is not an e-mail address",
        },
        Case {
            what: "e-mail missing",
            request: without("email"),
            status: 400,
            says: "email: is required",
        },
        Case {
            what: "a bad phone",
            request: with("phone", json!("call me")),
            status: 400,
            says: "phone: `call me` is not a phone number",
        },
        Case {
            what: "message blank",
            request: with("message", json!("\n ")),
            status: 400,
            says: "message: must not be blank",
        },
        Case {
            what: "message too long",
            request: with("message", json!("x".repeat(5001))),
            status: 400,
            says: "message: is 5001 characters long; at most 5000",
        },
        Case {
            what: "needs a list",
            request: with("needs", json!([1340])),
            status: 400,
            says: "needs: must be a JSON object",
        },
        Case {
            what: "needs not those of site matching",
            request: with("needs", json!({"area_m2_min": 20000})),
            status: 400,
            says: "needs: is not a statement of needs as site matching takes it: unknown field `area_m2_min`",
        },
        Case {
            what: "needs that site matching refuses",
            request: with("needs", json!({"min_power_kw": -1})),
            status: 400,
            says: "needs: min_power_kw: must be a number of at least 0",
        },
        Case {
            what: "plot id not a UUID",
            request: with("plot_id", json!("DRM-0001")),
            status: 400,
            says: "plot_id: `DRM-0001` is not a plot id",
        },
        Case {
            what: "no such plot",
            request: with("plot_id", json!("9b2f6a53-3c1e-4a57-9a69-7d0c5f1f8e01")),
            status: 400,
            says: "plot_id: no plot on the register has the id",
        },
        Case {
            what: "an ended plot",
            request: with("plot_id", json!(ended)),
            status: 400,
            says: "plot_id: plot DRM-0030 is no longer on offer",
        },
        Case {
            what: "an unpublished plot",
            request: with("plot_id", json!(draft)),
            status: 400,
            says: "plot_id: no plot on the register has the id",
        },
        Case {
            what: "a query parameter",
            request: TestRequest::post()
                .uri("/enquiries?notify=yes")
                .insert_header(("content-type", "application/json"))
                .set_payload(enquiry(None).to_string())
                .to_request(),
            status: 400,
            says: "notify",
        },
        Case {
            what: "an invalid key",
            request: TestRequest::post()
                .uri("/enquiries")
                .insert_header(bearer("naer_not-a-key"))
                .insert_header(("content-type", "application/json"))
                .set_payload(enquiry(None).to_string())
                .to_request(),
            status: 401,
            says: "not valid",
        },
    ];
    assert!(cases.len() >= 10);

    let before = enquiries_state(&db).await;
    for case in cases {
        let answer = send(&app, case.request).await;
        assert_eq!(
            answer.status,
            case.status,
            "{}: {}",
            case.what,
            body_of(&answer)
        );
        assert_eq!(
            answer.content_type(),
            "application/problem+json",
            "{}",
            case.what
        );
        let problem = answer.json();
        let detail = problem["detail"].as_str().unwrap();
        assert!(
            detail.contains(case.says),
            "{}: expected “{}” in “{detail}”",
            case.what,
            case.says
        );
        if case.status == 400 && problem["type"] == "urn:naeringsareal:problem:invalid-body" {
            assert_eq!(problem["title"], "Invalid request body", "{}", case.what);
            assert!(!problem["errors"].as_array().unwrap().is_empty());
        }
        assert_eq!(
            enquiries_state(&db).await,
            before,
            "{} changed the database",
            case.what
        );
    }
    // None of the refusals counted against the rate limit: the address may
    // still send its remaining four.
    for _ in 0..4 {
        assert_eq!(send(&app, post(&enquiry(None))).await.status, 201);
    }
}

#[actix_web::test]
async fn every_problem_of_an_enquiry_is_reported_at_once() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let ended = id_of(&db, "DRM-0030").await;
    let body = json!({
        "plot_id": ended, "name": "", "company": "Eksempel AS", "organisation_number": "123",
        "email": "nobody", "message": "Hei", "needs": "big", "colour": "red",
    });
    let answer = send(&app, post(&body)).await;
    assert_eq!(answer.status, 400);
    let problem = answer.json();
    assert_eq!(problem["type"], "urn:naeringsareal:problem:invalid-body");
    let mut names = offending(&problem);
    names.sort();
    assert_eq!(
        names,
        [
            "colour",
            "email",
            "name",
            "needs",
            "organisation_number",
            "plot_id"
        ]
    );
}

#[actix_web::test]
async fn the_rate_limit_counts_per_address_and_says_when_to_come_back() {
    let db = TestDb::new().await;
    let app = app_on(&db).await;
    let kari = key(&db, "kari", Role::Planner).await;

    // The default: 5 in 10 minutes per address.
    for n in 0..5 {
        let answer = send(&app, post(&enquiry(None))).await;
        assert_eq!(answer.status, 201, "enquiry {n}: {}", body_of(&answer));
    }
    let refused = send(&app, post(&enquiry(None))).await;
    assert_eq!(refused.status, 429, "{}", body_of(&refused));
    assert_eq!(refused.content_type(), "application/problem+json");
    let retry: u64 = refused
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=600).contains(&retry), "{retry}");
    let problem = refused.json();
    assert_eq!(problem["type"], "urn:naeringsareal:problem:rate-limited");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("5 enquiries in the last 10 minutes"),
        "{problem}"
    );
    assert_eq!(count_rows(&db, "enquiries").await, 5);

    // A client cannot escape by claiming another address: without a trusted
    // proxy, X-Forwarded-For is not believed.
    let forged = send(
        &app,
        TestRequest::post()
            .uri("/enquiries")
            .peer_addr(COMPANY.parse().unwrap())
            .insert_header(("x-forwarded-for", "198.51.100.99"))
            .insert_header(("content-type", "application/json"))
            .set_payload(enquiry(None).to_string())
            .to_request(),
    )
    .await;
    assert_eq!(forged.status, 429);
    // Another address has its own count.
    assert_eq!(
        send(&app, post_from("198.51.100.4:1234", &enquiry(None)))
            .await
            .status,
        201
    );
    // A planner entering an enquiry taken by phone is not limited.
    let by_planner = send(
        &app,
        TestRequest::post()
            .uri("/enquiries")
            .peer_addr(COMPANY.parse().unwrap())
            .insert_header(bearer(&kari))
            .insert_header(("content-type", "application/json"))
            .set_payload(enquiry(None).to_string())
            .to_request(),
    )
    .await;
    assert_eq!(by_planner.status, 201, "{}", body_of(&by_planner));
    assert_eq!(count_rows(&db, "enquiries").await, 7);
}

#[actix_web::test]
async fn of_ten_enquiries_sent_at_once_from_one_address_five_are_taken() {
    let db = TestDb::new().await;
    let app = app_on(&db).await;
    let answers = futures_util::future::join_all(
        (0..10).map(|_| send(&app, post_from("192.0.2.50:1000", &enquiry(None)))),
    )
    .await;
    let mut statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    statuses.sort();
    assert_eq!(statuses, [201, 201, 201, 201, 201, 429, 429, 429, 429, 429]);
    assert_eq!(count_rows(&db, "enquiries").await, 5);
}

#[actix_web::test]
async fn the_window_passes_and_a_trusted_proxy_names_the_client() {
    let db = TestDb::new().await;
    let api = ApiConfig {
        enquiry_rate: RateLimit::Every {
            max: NonZeroU32::new(1).unwrap(),
            window: Duration::from_secs(1),
        },
        trust_forwarded: true,
        ..ApiConfig::default()
    };
    let app = actix_web::test::init_service(naeringsareal::router::app(db.state_with(api))).await;
    let via_proxy = |client: &str| {
        TestRequest::post()
            .uri("/enquiries")
            .peer_addr("10.0.0.2:8000".parse().unwrap())
            // The client wrote the first entry; the proxy added the last.
            .insert_header(("x-forwarded-for", format!("1.2.3.4, {client}")))
            .insert_header(("content-type", "application/json"))
            .set_payload(enquiry(None).to_string())
            .to_request()
    };
    assert_eq!(send(&app, via_proxy("198.51.100.1")).await.status, 201);
    let refused = send(&app, via_proxy("198.51.100.1")).await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.header("retry-after"), Some("1"));
    // Behind the same proxy, another client is counted apart.
    assert_eq!(send(&app, via_proxy("198.51.100.2")).await.status, 201);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(send(&app, via_proxy("198.51.100.1")).await.status, 201);
    #[derive(diesel::QueryableByName)]
    struct Address {
        #[diesel(sql_type = diesel::sql_types::Text)]
        client_address: String,
    }
    let mut addresses: Vec<String> =
        diesel::sql_query("SELECT client_address FROM enquiries ORDER BY created_at")
            .load::<Address>(&mut db.conn().await)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.client_address)
            .collect();
    addresses.dedup();
    assert_eq!(addresses, ["198.51.100.1", "198.51.100.2", "198.51.100.1"]);
}

#[actix_web::test]
async fn only_planners_read_and_change_enquiries() {
    let db = TestDb::new().await;
    let app = app_on(&db).await;
    let root = key(&db, "root", Role::Admin).await;
    let sent = send(&app, post(&enquiry(None))).await;
    let id = sent.json()["id"].as_str().unwrap().to_owned();
    let before = enquiries_state(&db).await;

    for request in [
        TestRequest::get().uri("/enquiries").to_request(),
        TestRequest::get()
            .uri(&format!("/enquiries/{id}"))
            .to_request(),
        TestRequest::patch()
            .uri(&format!("/enquiries/{id}"))
            .insert_header(("content-type", "application/json"))
            .set_payload(r#"{"status": "in_progress"}"#)
            .to_request(),
        TestRequest::get()
            .uri("/enquiries")
            .insert_header(bearer("naer_not-a-key"))
            .to_request(),
    ] {
        let answer = send(&app, request).await;
        assert_eq!(answer.status, 401, "{}", body_of(&answer));
        assert_eq!(
            answer.header("www-authenticate"),
            Some("Bearer realm=\"naeringsareal\"")
        );
        assert!(answer.json()["detail"].as_str().unwrap().contains("key"));
    }
    assert_eq!(enquiries_state(&db).await, before);
    // An admin is a planner too.
    let listed = send(&app, get_as(&root, "/enquiries")).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json()["numberReturned"], 1);
    // Other methods: 405 with what the resource takes.
    let put = send(
        &app,
        TestRequest::put()
            .uri("/enquiries")
            .insert_header(bearer(&root))
            .to_request(),
    )
    .await;
    assert_eq!(put.status, 405);
    assert_eq!(put.header("allow"), Some("GET, HEAD, POST"));
    let delete = send(
        &app,
        TestRequest::delete()
            .uri(&format!("/enquiries/{id}"))
            .insert_header(bearer(&root))
            .to_request(),
    )
    .await;
    assert_eq!(delete.status, 405);
    assert_eq!(delete.header("allow"), Some("GET, HEAD, PATCH"));
}

#[actix_web::test]
async fn planners_take_answer_close_and_reopen_an_enquiry_and_every_step_is_recorded() {
    let db = TestDb::new().await;
    let app = app_on(&db).await;
    let kari = key(&db, "kari", Role::Planner).await;
    let ola = key(&db, "ola", Role::Planner).await;
    key(&db, "gone", Role::Planner).await;
    naeringsareal::keys::store::revoke(&mut db.conn().await, "gone")
        .await
        .unwrap();
    let id = send(&app, post(&enquiry(None))).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let change = |key: &str, body: Value| patch_as(key, &id, &body);

    // Refused moves from new: 409, and nothing is recorded.
    let before = enquiries_state(&db).await;
    let skipped = send(
        &app,
        change(&kari, json!({"status": "answered", "note": "x"})),
    )
    .await;
    assert_eq!(skipped.status, 409, "{}", body_of(&skipped));
    assert!(
        skipped.json()["detail"]
            .as_str()
            .unwrap()
            .contains("cannot go from new to answered")
    );
    // Bad changes: 400 naming each field.
    for (body, field, says) in [
        (json!({}), "body", "changes nothing"),
        (json!({"status": "done"}), "status", "`done` is not one of"),
        (
            json!({"assigned_to": "nobody"}),
            "assigned_to",
            "no API key is named `nobody`",
        ),
        (json!({"assigned_to": "gone"}), "assigned_to", "was revoked"),
        (
            json!({"assigned_to": "a b"}),
            "assigned_to",
            "is not a key name",
        ),
        (json!({"note": ""}), "note", "must not be blank"),
        (json!({"note": "x".repeat(2001)}), "note", "at most 2000"),
        (
            json!({"status": "closed"}),
            "note",
            "is required to move an enquiry from new to closed",
        ),
        (json!({"stauts": "closed"}), "stauts", "is not a field"),
    ] {
        let answer = send(&app, change(&kari, body.clone())).await;
        assert_eq!(answer.status, 400, "{body}: {}", body_of(&answer));
        let problem = answer.json();
        assert!(
            problem["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["name"] == field && e["reason"].as_str().unwrap().contains(says)),
            "{body}: {problem}"
        );
    }
    let wrong_type = send(
        &app,
        TestRequest::patch()
            .uri(&format!("/enquiries/{id}"))
            .insert_header(bearer(&kari))
            .insert_header(("content-type", "text/plain"))
            .set_payload("{}")
            .to_request(),
    )
    .await;
    assert_eq!(wrong_type.status, 415);
    assert_eq!(enquiries_state(&db).await, before);

    // Kari takes it: in progress, and hers.
    let taken = send(&app, change(&kari, json!({"status": "in_progress"}))).await;
    assert_eq!(taken.status, 200, "{}", body_of(&taken));
    let taken = taken.json();
    assert_eq!(taken["status"], "in_progress");
    assert_eq!(taken["assigned_to"], "kari");
    // No going back to new.
    assert_eq!(
        send(&app, change(&kari, json!({"status": "new"})))
            .await
            .status,
        409
    );
    // She hands it to Ola, with a note.
    let handed = send(
        &app,
        change(
            &kari,
            json!({"assigned_to": "ola", "note": "Ola knows Holmen"}),
        ),
    )
    .await;
    assert_eq!(handed.status, 200, "{}", body_of(&handed));
    assert_eq!(handed.json()["assigned_to"], "ola");
    // Answering needs a note.
    let no_note = send(&app, change(&ola, json!({"status": "answered"}))).await;
    assert_eq!(no_note.status, 400);
    assert_eq!(no_note.json()["errors"][0]["name"], "note");
    let answered = send(
        &app,
        change(
            &ola,
            json!({"status": "answered", "note": "Sent the zoning plan and the price"}),
        ),
    )
    .await;
    assert_eq!(answered.status, 200, "{}", body_of(&answered));
    let closed = send(
        &app,
        change(
            &ola,
            json!({"status": "closed", "note": "The company chose another site"}),
        ),
    )
    .await;
    assert_eq!(closed.status, 200);
    assert_eq!(closed.json()["status"], "closed");
    // A closed enquiry changes only by being reopened.
    let noted = send(&app, change(&kari, json!({"note": "Called again"}))).await;
    assert_eq!(noted.status, 409, "{}", body_of(&noted));
    assert!(noted.json()["detail"].as_str().unwrap().contains("reopen"));
    assert_eq!(
        send(
            &app,
            change(&kari, json!({"status": "answered", "note": "x"}))
        )
        .await
        .status,
        409
    );
    let reopened = send(
        &app,
        change(
            &kari,
            json!({"status": "in_progress", "note": "They are back: the other site fell through"}),
        ),
    )
    .await;
    assert_eq!(reopened.status, 200, "{}", body_of(&reopened));
    let reopened = reopened.json();
    assert_eq!(reopened["status"], "in_progress");
    // Reopening keeps whoever had it.
    assert_eq!(reopened["assigned_to"], "ola");
    // A change that changes nothing records nothing.
    let same = send(&app, change(&kari, json!({"status": "in_progress"}))).await;
    assert_eq!(same.status, 200);

    // The history, as GET shows it.
    let read = send(&app, get_as(&kari, &format!("/enquiries/{id}"))).await;
    assert_eq!(read.status, 200);
    let read = read.json();
    let events: Vec<(&str, &str, &str, Value, Value)> = read["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["by"].as_str().unwrap(),
                e["from_status"].as_str().unwrap(),
                e["to_status"].as_str().unwrap(),
                e["assigned_to"].clone(),
                e["note"].clone(),
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            ("kari", "new", "in_progress", json!("kari"), Value::Null),
            (
                "kari",
                "in_progress",
                "in_progress",
                json!("ola"),
                json!("Ola knows Holmen")
            ),
            (
                "ola",
                "in_progress",
                "answered",
                json!("ola"),
                json!("Sent the zoning plan and the price")
            ),
            (
                "ola",
                "answered",
                "closed",
                json!("ola"),
                json!("The company chose another site")
            ),
            (
                "kari",
                "closed",
                "in_progress",
                json!("ola"),
                json!("They are back: the other site fell through")
            ),
        ]
    );
    assert_eq!(count_rows(&db, "enquiry_events").await, 5);
    let at: Vec<&str> = read["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["at"].as_str().unwrap())
        .collect();
    assert!(at.windows(2).all(|w| w[0] <= w[1]), "{at:?}");
    assert!(read["updated_at"].as_str().unwrap() > read["created_at"].as_str().unwrap());

    // Unassigning with null; an unknown enquiry is 404, a bad id 400.
    let unassigned = send(&app, change(&kari, json!({"assigned_to": null}))).await;
    assert_eq!(unassigned.json()["assigned_to"], Value::Null);
    let missing = send(
        &app,
        patch_as(
            &kari,
            "9b2f6a53-3c1e-4a57-9a69-7d0c5f1f8e01",
            &json!({"status": "in_progress"}),
        ),
    )
    .await;
    assert_eq!(missing.status, 404);
    let bad_id = send(&app, get_as(&kari, "/enquiries/DRM-0001")).await;
    assert_eq!(bad_id.status, 404);
    assert!(
        bad_id.json()["detail"]
            .as_str()
            .unwrap()
            .contains("there is no enquiry `DRM-0001` (enquiry ids are UUIDs)")
    );
}

#[actix_web::test]
async fn the_listing_pages_newest_first_and_filters() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let kari = key(&db, "kari", Role::Planner).await;
    let plot = id_of(&db, "DRM-0001").await;
    let mut ids = Vec::new();
    for n in 0..7 {
        // From different addresses, so that the rate limit does not stop them.
        let about = (n % 3 == 0).then_some(plot.as_str());
        let sent = send(
            &app,
            post_from(&format!("192.0.2.{n}:1000"), &enquiry(about)),
        )
        .await;
        assert_eq!(sent.status, 201);
        ids.push(sent.json()["id"].as_str().unwrap().to_owned());
    }
    ids.reverse(); // newest first

    // Every enquiry exactly once, following `next`.
    let mut seen = Vec::new();
    let mut uri = "/enquiries?limit=3".to_owned();
    loop {
        let page = send(&app, get_as(&kari, &uri)).await;
        assert_eq!(page.status, 200, "{}", body_of(&page));
        let page = page.json();
        let returned = page["enquiries"].as_array().unwrap();
        assert_eq!(page["numberReturned"], returned.len());
        assert!(returned.iter().all(|e| e.get("events").is_none()));
        seen.extend(
            returned
                .iter()
                .map(|e| e["id"].as_str().unwrap().to_owned()),
        );
        let next = page["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "next");
        match next {
            Some(next) => {
                assert_eq!(next["type"], "application/json");
                uri = path_of(next["href"].as_str().unwrap());
                assert!(uri.contains("limit=3"), "{uri}");
            }
            None => break,
        }
    }
    assert_eq!(seen, ids);

    // Filters: status, assignee, plot.
    let taken = &ids[2];
    assert_eq!(
        send(
            &app,
            patch_as(&kari, taken, &json!({"status": "in_progress"}))
        )
        .await
        .status,
        200
    );
    let listed = |uri: &str| {
        let request = get_as(&kari, uri);
        let app = &app;
        async move {
            let page = send(app, request).await;
            assert_eq!(page.status, 200, "{}", body_of(&page));
            page.json()["enquiries"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        listed("/enquiries?status=in_progress").await,
        [taken.as_str()]
    );
    assert_eq!(
        listed("/enquiries?assigned_to=kari,ola").await,
        [taken.as_str()]
    );
    assert_eq!(listed("/enquiries?status=new&limit=100").await.len(), 6);
    assert_eq!(listed(&format!("/enquiries?plot_id={plot}")).await.len(), 3);
    // Bad parameters are named.
    let bad = send(
        &app,
        get_as(
            &kari,
            "/enquiries?status=done&limit=0&cursor=abc&colour=red",
        ),
    )
    .await;
    assert_eq!(bad.status, 400);
    let problem = bad.json();
    let mut names = offending(&problem);
    names.sort();
    assert_eq!(names, ["colour", "cursor", "limit", "status"]);

    // Injection in every parameter that reaches the query: each refuses
    // the value, by name (none is free text: statuses and cursors are
    // decoded, names are key names, plot ids UUIDs); nothing changes.
    for value in [
        "x'; DELETE FROM enquiries; --",
        "' OR '1'='1",
        "kari') OR ('1'='1",
    ] {
        for parameter in ["status", "assigned_to", "plot_id", "cursor"] {
            let uri = format!(
                "/enquiries?{parameter}={}",
                url::form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>()
            );
            let answer = send(&app, get_as(&kari, &uri)).await;
            assert_invalid_parameter(&answer, parameter, &uri);
        }
    }
    assert_eq!(listed("/enquiries?limit=100").await.len(), 7);
}

#[actix_web::test]
async fn an_enquiry_keeps_its_plot_when_the_plot_is_retired() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let kari = key(&db, "kari", Role::Planner).await;
    let plot = id_of(&db, "DRM-0001").await;
    let id = send(&app, post(&enquiry(Some(&plot)))).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // The plot is sold and retired through the API.
    let etag = get(&app, &format!("/collections/plots/items/{plot}"))
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let retired = send(
        &app,
        retire_plot(&kari, &plot, &etag, "sold%20to%20Eksempel%20Logistikk%20AS"),
    )
    .await;
    assert_eq!(retired.status, 204, "{}", body_of(&retired));

    // The enquiry still names it, says it ended, and links to it.
    let read = send(&app, get_as(&kari, &format!("/enquiries/{id}"))).await;
    assert_eq!(read.status, 200);
    let read = read.json();
    assert_eq!(read["plot"]["id"], plot.as_str());
    assert_eq!(read["plot"]["reference"], "DRM-0001");
    assert_eq!(read["plot"]["end_reason"], "sold to Eksempel Logistikk AS");
    assert!(read["plot"]["ended_at"].is_string());
    let related = read["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "related")
        .expect("the link to the plot stays")["href"]
        .as_str()
        .unwrap()
        .to_owned();
    // Planners follow it to the ended plot; the public gets 410 there.
    let followed = send(&app, get_as(&kari, &path_of(&related))).await;
    assert_eq!(followed.status, 200);
    assert_eq!(followed.json()["properties"]["reference"], "DRM-0001");
    assert_eq!(get(&app, &path_of(&related)).await.status, 410);
    // The listing shows it too.
    let listed = send(&app, get_as(&kari, "/enquiries")).await.json();
    assert_eq!(listed["enquiries"][0]["plot"]["reference"], "DRM-0001");
    // A new enquiry about it is refused: it is no longer on offer.
    let late = send(&app, post_from("192.0.2.9:1", &enquiry(Some(&plot)))).await;
    assert_eq!(late.status, 400);
    assert!(
        late.json()["detail"]
            .as_str()
            .unwrap()
            .contains("plot DRM-0001 is no longer on offer")
    );
    // And the database will not let a plot with enquiries be deleted either
    // (plots are never deleted; the foreign key would refuse it too).
    let deleted = diesel::sql_query(format!("DELETE FROM plots WHERE id = '{plot}'"))
        .execute(&mut db.conn().await)
        .await;
    assert!(deleted.is_err());
}

#[actix_web::test]
async fn the_database_refuses_bad_enquiries_too() {
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    const COLUMNS: &str =
        "name, company, organisation_number, email, phone, message, needs, client_address";
    const VALID: &str = "'Kari', 'Eksempel AS', '974760673', 'kari@eksempel.no', '+47 912 34 567', 'Hei', '{\"a\": 1}', '203.0.113.7'";
    diesel::sql_query(format!(
        "INSERT INTO enquiries ({COLUMNS}) VALUES ({VALID})"
    ))
    .execute(&mut conn)
    .await
    .expect("the valid enquiry is accepted");
    let bad = [
        ("wrong check digit", VALID.replace("974760673", "974760672")),
        ("8 digits", VALID.replace("974760673", "97476067")),
        ("check digit 10", VALID.replace("974760673", "400000000")),
        ("bad e-mail", VALID.replace("kari@eksempel.no", "kari")),
        ("bad phone", VALID.replace("+47 912 34 567", "call me")),
        ("blank message", VALID.replace("'Hei'", "'  '")),
        ("needs a list", VALID.replace("{\"a\": 1}", "[1]")),
        (
            "needs with 21 members",
            VALID.replace(
                "'{\"a\": 1}'",
                &format!(
                    "'{{{}}}'",
                    (0..21)
                        .map(|i| format!("\"k{i}\": {i}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
        ),
        ("empty name", VALID.replace("'Kari'", "''")),
    ];
    for (what, values) in bad {
        let result = diesel::sql_query(format!(
            "INSERT INTO enquiries ({COLUMNS}) VALUES ({values})"
        ))
        .execute(&mut conn)
        .await;
        assert!(result.is_err(), "{what} was accepted");
    }
    for (what, set) in [
        ("unknown status", "status = 'done'"),
        ("assigned to no key", "assigned_to = 'nobody'"),
        ("a plot that does not exist", "plot_id = gen_random_uuid()"),
    ] {
        let result = diesel::sql_query(format!("UPDATE enquiries SET {set}"))
            .execute(&mut conn)
            .await;
        assert!(result.is_err(), "{what} was accepted");
    }
    naeringsareal::keys::store::create(&mut conn, "kari", Role::Planner)
        .await
        .unwrap();
    let closing_without_note = diesel::sql_query(
        "INSERT INTO enquiry_events (enquiry_id, by, from_status, to_status) \
         SELECT id, 'kari', 'in_progress', 'closed' FROM enquiries",
    )
    .execute(&mut conn)
    .await;
    assert!(closing_without_note.is_err());
    diesel::sql_query(
        "INSERT INTO enquiry_events (enquiry_id, by, from_status, to_status, note) \
         SELECT id, 'kari', 'in_progress', 'closed', 'done' FROM enquiries",
    )
    .execute(&mut conn)
    .await
    .expect("closing with a note is accepted");
}
