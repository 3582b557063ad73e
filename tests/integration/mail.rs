//! The mail path against a real SMTP server on loopback (aiosmtpd,
//! `tests/mail/sink.py`, from the tests' virtualenv): a new enquiry queues
//! a notice to the reception and a confirmation to the company in its own
//! transaction; the sender delivers them with their reference number and
//! in the enquiry's language; mails wait while the server is down and go
//! once, when it is back; a restarted sender and two senders at once send
//! each mail exactly once; refusals and give-ups are `failed`, visible to
//! planners and in `/metrics`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::test::{self, TestRequest};
use diesel_async::RunQueryDsl;
use naeringsareal::config::{ApiConfig, MailConfig, RateLimit, SmtpUrl};
use naeringsareal::keys::role::Role;
use naeringsareal::mail::sender::{self, MailStats, SenderSettings};
use naeringsareal::router::{Shared, app};
use serde_json::{Value, json};

use crate::common::*;

const RECEPTION: &str = "naeringsareal@drammen.kommune.no";

/// The python with aiosmtpd: `NAERINGSAREAL_TEST_PYTHON` (scripts/test.sh
/// sets it), else the virtualenv that scripts/lib.sh's `ensure_venv` makes.
fn python() -> PathBuf {
    if let Ok(python) = std::env::var("NAERINGSAREAL_TEST_PYTHON") {
        return PathBuf::from(python);
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let python = target.join("venv/bin/python");
    assert!(
        python.exists(),
        "the mail tests need aiosmtpd: run scripts/test.sh, or `source scripts/lib.sh && ensure_venv` \
         (it makes {}), or set NAERINGSAREAL_TEST_PYTHON",
        python.display()
    );
    python
}

/// A free port on loopback (free when asked; the sink binds it later).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The directory a sink keeps its mails in; removed when dropped.
pub struct Mailbox(PathBuf);

impl Mailbox {
    pub fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("naer-mail-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    /// Every mail taken so far, in the order taken.
    pub fn mails(&self) -> Vec<Value> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.0)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }

    /// Waits until at least `n` mails are in, then a little longer (so that
    /// a duplicate would have arrived too); the mails.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Value> {
        let start = Instant::now();
        while self.mails().len() < n {
            assert!(
                start.elapsed() < within,
                "{} of {n} mails arrived in {within:?}",
                self.mails().len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_millis(700)).await;
        self.mails()
    }
}

impl Drop for Mailbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The SMTP server, running; stopped when dropped.
pub struct Sink(Child);

impl Sink {
    /// Starts aiosmtpd on `port`, keeping mails in `mailbox`; recipients
    /// containing `refuse` (when not empty) are refused with 550.
    pub fn start(port: u16, mailbox: &Mailbox, refuse: &str) -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mail/sink.py");
        let mut child = Command::new(python())
            .arg(script)
            .args(["--port", &port.to_string(), "--refuse", refuse, "--dir"])
            .arg(&mailbox.0)
            .stdout(Stdio::piped())
            .spawn()
            .expect("starting the SMTP sink");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the SMTP sink did not start in 20 s");
        assert!(line.starts_with("listening on"), "the sink said: {line}");
        Self(child)
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Sender settings for tests: quick polls and retries.
pub fn settings(port: u16, max_attempts: u32) -> SenderSettings {
    SenderSettings {
        smtp: SmtpUrl {
            host: "127.0.0.1".to_owned(),
            port,
            credentials: None,
        },
        from: "Næringsareal <naeringsareal@drammen.kommune.no>"
            .parse()
            .unwrap(),
        max_attempts,
        retry_base: Duration::from_millis(200),
        poll: Duration::from_millis(50),
        timeout: Duration::from_secs(5),
    }
}

/// The app's settings: the reception address (or none), no rate limit.
fn api(reception: Option<&str>) -> ApiConfig {
    ApiConfig {
        enquiry_rate: RateLimit::Off,
        mail: MailConfig {
            reception_email: reception.map(str::to_owned),
            ..MailConfig::default()
        },
        ..ApiConfig::default()
    }
}

/// A valid enquiry from `email`, in the body's `lang` if given.
fn enquiry(email: &str, lang: Option<&str>, plot: Option<&str>) -> Value {
    let mut body = json!({
        "name": "Kari Nordmann",
        "company": "Eksempel Logistikk AS",
        "organisation_number": "974 760 673",
        "email": email,
        "message": "Vi trenger om lag 20 daa til lager fra 2027. Er tomta ledig?",
    });
    if let Some(lang) = lang {
        body["lang"] = json!(lang);
    }
    if let Some(plot) = plot {
        body["plot_id"] = json!(plot);
    }
    body
}

fn post_enquiry(body: &Value, accept_language: Option<&str>) -> actix_http::Request {
    let mut req = TestRequest::post()
        .uri("/enquiries")
        .insert_header(("content-type", "application/json"));
    if let Some(accept) = accept_language {
        req = req.insert_header(("accept-language", accept));
    }
    req.set_payload(body.to_string()).to_request()
}

/// Sends `n` enquiries through `app`; their answers.
async fn send_enquiries<B: MessageBody>(app: &impl TestApp<B>, n: usize) -> Vec<Value> {
    let mut sent = vec![];
    for i in 0..n {
        let answer = send(
            app,
            post_enquiry(&enquiry(&format!("firma{i}@eksempel.no"), None, None), None),
        )
        .await;
        assert_eq!(
            answer.status,
            201,
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
        sent.push(answer.json());
    }
    sent
}

/// The outbox's rows: (state, attempts, last_error), by id.
async fn outbox(db: &TestDb) -> HashMap<uuid::Uuid, (String, i32, Option<String>)> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        id: uuid::Uuid,
        #[diesel(sql_type = diesel::sql_types::Text)]
        state: String,
        #[diesel(sql_type = diesel::sql_types::Integer)]
        attempts: i32,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        last_error: Option<String>,
    }
    let rows: Vec<Row> =
        diesel::sql_query("SELECT id, state, attempts, last_error FROM mail_outbox")
            .load(&mut db.conn().await)
            .await
            .unwrap();
    rows.into_iter()
        .map(|r| (r.id, (r.state, r.attempts, r.last_error)))
        .collect()
}

/// Each Message-ID of `mails` with how often it came.
fn by_message_id(mails: &[Value]) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for mail in mails {
        *seen
            .entry(mail["message_id"].as_str().unwrap().to_owned())
            .or_insert(0) += 1;
    }
    seen
}

/// Asserts that each of the `n` mails of the outbox came exactly once, and
/// that the outbox has them all as sent.
async fn assert_each_once(db: &TestDb, mails: &[Value], n: usize) {
    let seen = by_message_id(mails);
    let twice: Vec<_> = seen.iter().filter(|(_, k)| **k > 1).collect();
    assert!(twice.is_empty(), "sent more than once: {twice:?}");
    assert_eq!(mails.len(), n, "mails delivered");
    let rows = outbox(db).await;
    assert_eq!(rows.len(), n);
    for (id, (state, _, _)) in &rows {
        assert_eq!(state, "sent", "{id}");
        let message_id = format!("<{id}@drammen.kommune.no>");
        assert_eq!(
            seen.get(&message_id),
            Some(&1),
            "{message_id} delivered once"
        );
    }
}

/// A gauge or counter's value in a `/metrics` text.
fn metric(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[actix_web::test]
async fn both_mails_are_delivered_with_the_reference_in_the_enquirys_language() {
    let db = TestDb::with_demo().await;
    let plot = id_of(&db, "DRM-0001").await;
    let shared = Shared::from(db.state_with(api(Some(RECEPTION))));
    let app = test::init_service(app(shared.clone())).await;
    // English from Accept-Language; bokmål from the body's `lang`, over
    // the header's English.
    let english = send(
        &app,
        post_enquiry(
            &enquiry("kari@eksempel.no", None, Some(&plot)),
            Some("en-GB,en;q=0.9"),
        ),
    )
    .await;
    assert_eq!(
        english.status,
        201,
        "{}",
        String::from_utf8_lossy(&english.body)
    );
    let english = english.json();
    let norwegian = send(
        &app,
        post_enquiry(&enquiry("ola@eksempel.no", Some("nb"), None), Some("en")),
    )
    .await
    .json();
    let reference = english["reference"].as_str().unwrap().to_owned();
    assert!(
        reference.starts_with("HEN-") && reference.len() == 10,
        "{reference}"
    );
    assert_eq!(english["lang"], "en");
    assert_eq!(norwegian["lang"], "nb");
    assert_ne!(norwegian["reference"], english["reference"]);
    // Queued with the enquiry, before any sender runs: nothing is lost.
    assert_eq!(count_rows(&db, "mail_outbox").await, 4);

    let mailbox = Mailbox::new();
    let port = free_port();
    let _sink = Sink::start(port, &mailbox, "");
    let running = sender::start(
        shared.state.pool.clone(),
        settings(port, 20),
        shared.mail.clone().into_inner(),
    );
    let mails = mailbox.wait_for(4, Duration::from_secs(30)).await;
    running.stop().await;
    assert_each_once(&db, &mails, 4).await;

    let find = |to: &str, subject_has: &str| {
        mails
            .iter()
            .find(|m| {
                m["rcpt_tos"] == json!([to]) && m["subject"].as_str().unwrap().contains(subject_has)
            })
            .unwrap_or_else(|| panic!("a mail to {to} about {subject_has}: {mails:#?}"))
    };
    // The company's confirmation, in English, quoting the reference.
    let confirmation = find("kari@eksempel.no", &reference);
    assert_eq!(
        confirmation["subject"],
        format!("We have received your enquiry ({reference})")
    );
    let body = confirmation["body"].as_str().unwrap();
    assert!(
        body.contains(&format!("its reference number is {reference}")),
        "{body}"
    );
    assert!(body.contains("plot DRM-0001"), "{body}");
    assert_eq!(confirmation["content_language"], "en");
    assert_eq!(confirmation["reply_to"], RECEPTION);
    assert_eq!(confirmation["auto_submitted"], "auto-generated");
    assert_eq!(
        confirmation["mail_from"],
        "naeringsareal@drammen.kommune.no"
    );
    // The planners' notice: every fact, a reply goes to the company.
    let notice = find(RECEPTION, &reference);
    assert_eq!(
        notice["subject"],
        format!("New enquiry {reference} from Eksempel Logistikk AS")
    );
    let body = notice["body"].as_str().unwrap();
    for part in [
        "Company: Eksempel Logistikk AS (org. no. 974760673)",
        "E-mail: kari@eksempel.no",
        "Language: English",
        "Er tomta ledig?",
        &format!("/enquiries/{}", english["id"].as_str().unwrap()),
    ] {
        assert!(body.contains(part), "{part} in {body}");
    }
    assert_eq!(notice["reply_to"], "kari@eksempel.no");
    // The other enquiry's confirmation, in bokmål.
    let nb_reference = norwegian["reference"].as_str().unwrap();
    let nb = find("ola@eksempel.no", nb_reference);
    assert_eq!(
        nb["subject"],
        format!("Vi har mottatt henvendelsen din ({nb_reference})")
    );
    assert!(
        nb["body"]
            .as_str()
            .unwrap()
            .starts_with("Hei Kari Nordmann,")
    );
    assert!(
        nb["body"]
            .as_str()
            .unwrap()
            .contains("et behov, ikke en bestemt tomt")
    );
    assert_eq!(nb["content_language"], "nb");

    // Planners see them sent; /metrics counts them.
    let key = key(&db, "kari.planner", Role::Planner).await;
    let listed = send(
        &app,
        TestRequest::get()
            .uri("/outbox?state=sent")
            .insert_header(bearer(&key))
            .to_request(),
    )
    .await;
    assert_eq!(listed.status, 200);
    let listed = listed.json();
    assert_eq!(listed["numberReturned"], 4);
    assert!(
        listed["mails"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["attempts"] == 1)
    );
    let scraped = String::from_utf8(get(&app, "/metrics").await.body).unwrap();
    assert_eq!(metric(&scraped, "naeringsareal_mail_sent_total"), Some(4.0));
    assert_eq!(
        metric(&scraped, "naeringsareal_mail_outbox{state=\"sent\"}"),
        Some(4.0)
    );
    assert_eq!(
        metric(&scraped, "naeringsareal_mail_outbox{state=\"queued\"}"),
        Some(0.0)
    );
}

#[actix_web::test]
async fn without_a_reception_address_only_the_company_is_written_to_and_a_refused_enquiry_queues_nothing()
 {
    let db = TestDb::new().await;
    let app = test::init_service(app(db.state_with(api(None)))).await;
    let mut bad = enquiry("kari@eksempel.no", Some("de"), None);
    bad["organisation_number"] = json!("974760672");
    let refused = send(&app, post_enquiry(&bad, None)).await;
    assert_eq!(refused.status, 400);
    assert_eq!(offending(&refused.json()), ["organisation_number", "lang"]);
    assert_eq!(count_rows(&db, "mail_outbox").await, 0);
    let sent = send(
        &app,
        post_enquiry(&enquiry("kari@eksempel.no", None, None), None),
    )
    .await;
    assert_eq!(sent.status, 201);
    // No Accept-Language, no `lang`: bokmål.
    assert_eq!(sent.json()["lang"], "nb");
    let rows = outbox(&db).await;
    assert_eq!(rows.len(), 1);
    assert!(
        rows.values()
            .all(|(state, attempts, _)| state == "queued" && *attempts == 0)
    );
}

#[actix_web::test]
async fn mails_wait_while_the_server_is_down_and_go_once_when_it_is_back() {
    let db = TestDb::new().await;
    let shared = Shared::from(db.state_with(api(Some(RECEPTION))));
    let app = test::init_service(app(shared.clone())).await;
    send_enquiries(&app, 3).await;
    let port = free_port();
    // No server on the port yet.
    let running = sender::start(
        shared.state.pool.clone(),
        settings(port, 20),
        shared.mail.clone().into_inner(),
    );
    let start = Instant::now();
    loop {
        let rows = outbox(&db).await;
        if rows
            .values()
            .filter(|(_, attempts, _)| *attempts > 0)
            .count()
            >= 2
        {
            assert!(
                rows.values().all(|(state, _, _)| state == "queued"),
                "{rows:?}"
            );
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no attempt failed: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Planners see why they wait.
    let key = key(&db, "kari.planner", Role::Planner).await;
    let queued = send(
        &app,
        TestRequest::get()
            .uri("/outbox?state=queued")
            .insert_header(bearer(&key))
            .to_request(),
    )
    .await
    .json();
    assert_eq!(queued["numberReturned"], 6);
    let waiting: Vec<&Value> = queued["mails"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["attempts"].as_i64().unwrap() > 0)
        .collect();
    assert!(!waiting.is_empty());
    for mail in waiting {
        assert!(
            mail["last_error"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("connection"),
            "{mail}"
        );
        assert!(mail["next_attempt_at"].is_string(), "{mail}");
    }
    let scraped = String::from_utf8(get(&app, "/metrics").await.body).unwrap();
    assert!(metric(&scraped, "naeringsareal_mail_retries_total").unwrap() >= 2.0);
    assert_eq!(
        metric(&scraped, "naeringsareal_mail_outbox{state=\"queued\"}"),
        Some(6.0)
    );
    assert!(metric(&scraped, "naeringsareal_mail_oldest_queued_seconds").unwrap() > 0.0);

    // The server comes up: every mail goes, once.
    let mailbox = Mailbox::new();
    let _sink = Sink::start(port, &mailbox, "");
    let mails = mailbox.wait_for(6, Duration::from_secs(60)).await;
    running.stop().await;
    assert_each_once(&db, &mails, 6).await;
}

#[actix_web::test]
async fn a_restarted_sender_sends_each_mail_once() {
    let db = TestDb::new().await;
    let shared = Shared::from(db.state_with(api(Some(RECEPTION))));
    let app = test::init_service(app(shared.clone())).await;
    send_enquiries(&app, 15).await;
    let mailbox = Mailbox::new();
    let port = free_port();
    let _sink = Sink::start(port, &mailbox, "");
    let first = sender::start(
        shared.state.pool.clone(),
        settings(port, 20),
        Arc::new(MailStats::default()),
    );
    let start = Instant::now();
    while mailbox.mails().len() < 5 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the first sender sent nothing"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Stopped while it is sending: the mail under way is finished and marked.
    first.stop().await;
    let delivered = mailbox.mails().len();
    let marked = outbox(&db)
        .await
        .values()
        .filter(|(state, _, _)| state == "sent")
        .count();
    assert_eq!(
        marked, delivered,
        "what the first sender sent is marked sent"
    );
    assert!(
        delivered < 30,
        "the first sender was stopped before the end"
    );
    let second = sender::start(
        shared.state.pool.clone(),
        settings(port, 20),
        Arc::new(MailStats::default()),
    );
    let mails = mailbox.wait_for(30, Duration::from_secs(60)).await;
    second.stop().await;
    assert_each_once(&db, &mails, 30).await;
}

#[actix_web::test]
async fn two_senders_at_once_never_send_one_mail_twice() {
    let db = TestDb::new().await;
    let shared = Shared::from(db.state_with(api(Some(RECEPTION))));
    let app = test::init_service(app(shared.clone())).await;
    send_enquiries(&app, 30).await;
    let mailbox = Mailbox::new();
    let port = free_port();
    let _sink = Sink::start(port, &mailbox, "");
    let (a, b) = (
        Arc::new(MailStats::default()),
        Arc::new(MailStats::default()),
    );
    // Two instances: each its own pool.
    let one = sender::start(
        shared.state.pool.clone(),
        settings(port, 20),
        Arc::clone(&a),
    );
    let other = sender::start(db.state().pool.clone(), settings(port, 20), Arc::clone(&b));
    let mails = mailbox.wait_for(60, Duration::from_secs(60)).await;
    one.stop().await;
    other.stop().await;
    assert_each_once(&db, &mails, 60).await;
    assert_eq!(a.sent() + b.sent(), 60);
}

#[actix_web::test]
async fn a_refused_mail_fails_at_once_and_planners_see_and_requeue_it() {
    let db = TestDb::new().await;
    let shared = Shared::from(db.state_with(api(Some(RECEPTION))));
    let app = test::init_service(app(shared.clone())).await;
    let answer = send(
        &app,
        post_enquiry(&enquiry("nobody@eksempel.no", None, None), None),
    )
    .await;
    assert_eq!(answer.status, 201);
    let mailbox = Mailbox::new();
    let port = free_port();
    let _sink = Sink::start(port, &mailbox, "nobody@");
    let running = sender::start(
        shared.state.pool.clone(),
        settings(port, 20),
        shared.mail.clone().into_inner(),
    );
    // The notice goes; the confirmation is refused for good.
    let mails = mailbox.wait_for(1, Duration::from_secs(30)).await;
    let start = Instant::now();
    while !outbox(&db)
        .await
        .values()
        .any(|(state, _, _)| state == "failed")
    {
        assert!(start.elapsed() < Duration::from_secs(20), "nothing failed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    running.stop().await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0]["rcpt_tos"], json!([RECEPTION]));

    let planner = key(&db, "kari.planner", Role::Planner).await;
    let as_planner = |uri: &str| {
        TestRequest::get()
            .uri(uri)
            .insert_header(bearer(&planner))
            .to_request()
    };
    let failed = send(&app, as_planner("/outbox?state=failed")).await.json();
    assert_eq!(failed["numberReturned"], 1, "{failed}");
    let mail = &failed["mails"][0];
    assert_eq!(mail["kind"], "enquiry_confirmation");
    assert_eq!(mail["recipient"], "nobody@eksempel.no");
    // Refused for good: no second attempt.
    assert_eq!(mail["attempts"], 1);
    assert!(
        mail["last_error"].as_str().unwrap().contains("550"),
        "{mail}"
    );
    assert!(mail.get("next_attempt_at").is_none());
    assert_eq!(
        path_of(mail["links"][0]["href"].as_str().unwrap()),
        format!("/enquiries/{}", answer.json()["id"].as_str().unwrap())
    );
    let scraped = String::from_utf8(get(&app, "/metrics").await.body).unwrap();
    assert_eq!(
        metric(&scraped, "naeringsareal_mail_failed_total"),
        Some(1.0)
    );
    assert_eq!(
        metric(&scraped, "naeringsareal_mail_outbox{state=\"failed\"}"),
        Some(1.0)
    );
    // Planners only; bad filters are named.
    assert_eq!(get(&app, "/outbox").await.status, 401);
    assert_invalid_parameter(
        &send(&app, as_planner("/outbox?state=lost")).await,
        "state",
        "state=lost",
    );
    assert_invalid_parameter(
        &send(&app, as_planner("/outbox?cursor=abc")).await,
        "cursor",
        "cursor=abc",
    );
    // Queued again, once; a second time is a conflict.
    let id = mail["id"].as_str().unwrap();
    let retry = || {
        TestRequest::post()
            .uri(&format!("/outbox/{id}/retry"))
            .insert_header(bearer(&planner))
            .to_request()
    };
    let requeued = send(&app, retry()).await;
    assert_eq!(requeued.status, 200);
    assert_eq!(requeued.json()["state"], "queued");
    assert_eq!(requeued.json()["attempts"], 0);
    assert_eq!(send(&app, retry()).await.status, 409);
    let unknown = TestRequest::post()
        .uri(&format!("/outbox/{}/retry", uuid::Uuid::new_v4()))
        .insert_header(bearer(&planner))
        .to_request();
    assert_eq!(send(&app, unknown).await.status, 404);
}

#[actix_web::test]
async fn a_mail_is_given_up_after_its_last_attempt() {
    let db = TestDb::new().await;
    let app = test::init_service(app(db.state_with(api(None)))).await;
    send_enquiries(&app, 1).await;
    let port = free_port();
    let stats = Arc::new(MailStats::default());
    // No server ever: two attempts, then failed.
    let running = sender::start(
        db.state().pool.clone(),
        settings(port, 2),
        Arc::clone(&stats),
    );
    let start = Instant::now();
    let (state, attempts, error) = loop {
        let rows = outbox(&db).await;
        let (state, attempts, error) = rows.values().next().unwrap().clone();
        if state != "queued" {
            break (state, attempts, error);
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "not given up: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    running.stop().await;
    assert_eq!((state.as_str(), attempts), ("failed", 2));
    assert!(error.unwrap().to_lowercase().contains("connection"));
    assert_eq!((stats.retries(), stats.failed(), stats.sent()), (1, 1, 0));
}
