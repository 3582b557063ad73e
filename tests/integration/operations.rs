//! Operations: `/metrics` in the Prometheus text format, and the bound on
//! requests in flight (a fast 503 past it, `/health` always answered).

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::test::TestRequest;
use naeringsareal::config::{ApiConfig, DbConfig};
use naeringsareal::router::app;
use serde_json::json;

use crate::common::*;

/// One sample line: the metric's name, its labels, its value.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Parses the Prometheus text format (version 0.0.4) strictly enough to
/// catch a malformed exposition: every line is a comment (`# HELP`/`# TYPE`
/// naming a metric), or `name{label="value",...} number`; every sample's
/// family has a `# TYPE` before it.
fn parse(text: &str) -> Vec<Sample> {
    let mut typed: Vec<String> = Vec::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if let Some(comment) = line.strip_prefix("# ") {
            let mut words = comment.splitn(3, ' ');
            let kind = words.next().unwrap();
            let name = words
                .next()
                .unwrap_or_else(|| panic!("bare comment: {line}"));
            assert!(valid_name(name), "{line}");
            match kind {
                "HELP" => {}
                "TYPE" => {
                    let t = words.next().unwrap();
                    assert!(
                        ["counter", "gauge", "histogram", "summary", "untyped"].contains(&t),
                        "{line}"
                    );
                    typed.push(name.to_owned());
                }
                _ => panic!("unknown comment: {line}"),
            }
            continue;
        }
        assert!(!line.is_empty(), "no blank lines in the exposition");
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("not a number: {line}")),
        };
        let (name, labels) = match series.split_once('{') {
            None => (series, BTreeMap::new()),
            Some((name, rest)) => {
                let rest = rest.strip_suffix('}').unwrap_or_else(|| panic!("{line}"));
                let mut labels = BTreeMap::new();
                for pair in rest.split("\",").filter(|p| !p.is_empty()) {
                    let (label, value) = pair.split_once("=\"").unwrap_or_else(|| panic!("{line}"));
                    assert!(valid_name(label), "{line}");
                    labels.insert(label.to_owned(), value.trim_end_matches('"').to_owned());
                }
                (name, labels)
            }
        };
        assert!(valid_name(name), "{line}");
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| {
                name.strip_suffix(s)
                    .filter(|f| typed.iter().any(|t| t == f))
            })
            .unwrap_or(name);
        assert!(typed.iter().any(|t| t == family), "no # TYPE before {line}");
        samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    samples
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// The value of the sample `name` whose labels include `labels`.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
}

async fn scrape<B: MessageBody>(app: &impl TestApp<B>) -> Vec<Sample> {
    let answer = get(app, "/metrics").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type(), "text/plain; version=0.0.4");
    parse(std::str::from_utf8(&answer.body).unwrap())
}

#[actix_web::test]
async fn metrics_count_requests_by_route_pattern_and_report_the_pool() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let page = get(&app, "/collections/plots/items?limit=1").await.json();
    let id = page["features"][0]["id"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        assert_eq!(
            get(&app, &format!("/collections/plots/items/{id}"))
                .await
                .status,
            200
        );
    }
    assert_eq!(get(&app, "/no/such/thing").await.status, 404);
    assert_eq!(get(&app, "/also/not/here").await.status, 404);
    let needs = json!({"area_m2": {"min": 1000}, "limit": 5});
    let matched = send(
        &app,
        TestRequest::post()
            .uri("/collections/plots/match")
            .insert_header(("content-type", "application/json"))
            .set_payload(needs.to_string())
            .to_request(),
    )
    .await;
    assert_eq!(matched.status, 200);
    // The search's demand record is stored just after its answer, on a
    // connection of its own: wait until it is there and the pool is idle.
    for _ in 0..100 {
        if count_rows(&db, "demand_records").await == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;

    let answer = get(&app, "/metrics").await;
    let text = String::from_utf8(answer.body.clone()).unwrap();
    assert!(!text.contains(&id), "a raw path became a label: {text}");
    let samples = scrape(&app).await;
    let requests = "naeringsareal_http_requests_total";
    let one_plot = [
        ("route", "/collections/plots/items/{featureId}"),
        ("method", "GET"),
        ("status", "200"),
    ];
    assert_eq!(value(&samples, requests, &one_plot), Some(2.0), "{text}");
    // Every unknown path is one series.
    let unmatched = [("route", "unmatched"), ("method", "GET"), ("status", "404")];
    assert_eq!(value(&samples, requests, &unmatched), Some(2.0), "{text}");
    // The latency histogram saw both plot reads; its +Inf bucket holds them all.
    let timed = [
        ("route", "/collections/plots/items/{featureId}"),
        ("method", "GET"),
    ];
    let duration = "naeringsareal_http_request_duration_seconds";
    assert_eq!(
        value(&samples, &format!("{duration}_count"), &timed),
        Some(2.0)
    );
    let mut inf = timed.to_vec();
    inf.push(("le", "+Inf"));
    assert_eq!(
        value(&samples, &format!("{duration}_bucket"), &inf),
        Some(2.0)
    );
    // The scrape before this one is counted too.
    let scraped = [("route", "/metrics"), ("method", "GET"), ("status", "200")];
    assert!(value(&samples, requests, &scraped).unwrap() >= 1.0);

    // The pool, read at the scrape: the tests' pool has 4 connections, and
    // nothing holds one now.
    let primary = [("pool", "primary")];
    assert_eq!(
        value(&samples, "naeringsareal_db_pool_max_connections", &primary),
        Some(4.0)
    );
    assert!(value(&samples, "naeringsareal_db_pool_connections", &primary).unwrap() >= 1.0);
    assert_eq!(
        value(&samples, "naeringsareal_db_pool_in_use", &primary),
        Some(0.0)
    );
    assert_eq!(
        value(&samples, "naeringsareal_db_pool_waiting", &primary),
        Some(0.0)
    );

    // Site matching's copy was loaded by the match.
    assert!(value(&samples, "naeringsareal_matching_candidates", &[]).unwrap() > 0.0);
    assert!(value(&samples, "naeringsareal_matching_refresh_seconds", &[]).unwrap() > 0.0);
    // The tile cache's bound (128 MiB by default), nothing refused, no replica.
    assert_eq!(
        value(&samples, "naeringsareal_tile_cache_capacity_bytes", &[]),
        Some((128u64 << 20) as f64)
    );
    assert_eq!(
        value(&samples, "naeringsareal_tile_cache_hits_total", &[]),
        Some(0.0)
    );
    assert_eq!(
        value(&samples, "naeringsareal_http_requests_refused_total", &[]),
        Some(0.0)
    );
    assert_eq!(
        value(&samples, "naeringsareal_http_in_flight_limit", &[]),
        Some(256.0)
    );
    assert_eq!(
        value(&samples, "naeringsareal_replica_lag_seconds", &[]),
        None
    );
}

#[actix_web::test]
async fn tile_cache_hits_and_misses_are_counted() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let tile = "/collections/plots/tiles/WebMercatorQuad/12/2161/1212";
    let first = get(&app, tile).await;
    assert!(matches!(first.status, 200 | 204), "{}", first.status);
    get(&app, tile).await;
    let samples = scrape(&app).await;
    assert_eq!(
        value(&samples, "naeringsareal_tile_cache_misses_total", &[]),
        Some(1.0)
    );
    assert_eq!(
        value(&samples, "naeringsareal_tile_cache_hits_total", &[]),
        Some(1.0)
    );
    assert_eq!(
        value(&samples, "naeringsareal_tile_cache_entries", &[]),
        Some(1.0)
    );
    assert!(value(&samples, "naeringsareal_tile_cache_bytes", &[]).unwrap() > 0.0);
}

#[actix_web::test]
async fn database_errors_are_counted_by_kind() {
    let db = TestDb::new().await;
    let config = DbConfig {
        pool_size: 1.try_into().unwrap(),
        pool_timeout: Duration::from_millis(100),
        ..DbConfig::for_url(&db.url)
    };
    let mut state = db.state();
    state.pool = naeringsareal::db::build_pool(&config).unwrap();
    let held = state.pool.get().await.unwrap();
    let app = actix_web::test::init_service(app(state)).await;
    assert_eq!(get(&app, "/collections/plots/items").await.status, 503);
    // An HTML page that meets the same error is counted too (its error page
    // is made further out).
    let page = send(
        &app,
        TestRequest::get()
            .uri("/collections/plots/items")
            .insert_header(("accept", "text/html"))
            .to_request(),
    )
    .await;
    assert_eq!(page.status, 503);
    drop(held);
    let samples = scrape(&app).await;
    let errors = "naeringsareal_db_errors_total";
    assert_eq!(
        value(&samples, errors, &[("kind", "pool_timeout")]),
        Some(2.0)
    );
    assert_eq!(value(&samples, errors, &[("kind", "internal")]), None);
    let requests = "naeringsareal_http_requests_total";
    let refused = [("route", "/collections/plots/items"), ("status", "503")];
    assert_eq!(
        value(&samples, requests, &refused),
        Some(2.0),
        "{samples:?}"
    );
    // Served again once the connection is free; nothing more is counted.
    assert_eq!(get(&app, "/collections/plots/items").await.status, 200);
    let samples = scrape(&app).await;
    assert_eq!(
        value(&samples, errors, &[("kind", "pool_timeout")]),
        Some(2.0)
    );
}

#[actix_web::test]
async fn metrics_can_be_turned_off() {
    let db = TestDb::new().await;
    let app = actix_web::test::init_service(app(db.state_with(ApiConfig {
        metrics: false,
        ..ApiConfig::default()
    })))
    .await;
    let answer = get(&app, "/metrics").await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.content_type(), "application/problem+json");
}

/// The log lines written while the value lives, on this thread.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Log {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[actix_web::test]
async fn past_the_limit_in_flight_requests_get_a_fast_503_and_health_still_answers() {
    let log = Log::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .finish();
    let _logging = tracing::subscriber::set_default(subscriber);

    let db = TestDb::with_demo().await;
    // One connection, held by the test: every request that needs the
    // database waits for it (up to 10 s), holding its place in flight.
    let config = DbConfig {
        pool_size: 1.try_into().unwrap(),
        pool_timeout: Duration::from_secs(10),
        ..DbConfig::for_url(&db.url)
    };
    let mut state = db.state_with(ApiConfig {
        max_in_flight: 2.try_into().unwrap(),
        ..ApiConfig::default()
    });
    state.pool = naeringsareal::db::build_pool(&config).unwrap();
    let held = state.pool.get().await.unwrap();
    let app = actix_web::test::init_service(app(state)).await;

    let mut first = Box::pin(get(&app, "/collections/plots/items"));
    let mut second = Box::pin(get(&app, "/collections/plots/items?limit=5"));
    // Started, and waiting for the pool.
    for waiting in [&mut first, &mut second] {
        let started = tokio::time::timeout(Duration::from_millis(200), waiting.as_mut()).await;
        assert!(
            started.is_err(),
            "a request that needs the held connection finished"
        );
    }

    let asked = Instant::now();
    let third = get(&app, "/collections").await;
    let took = asked.elapsed();
    assert_eq!(
        third.status,
        503,
        "{}",
        String::from_utf8_lossy(&third.body)
    );
    assert!(took < Duration::from_secs(1), "refused only after {took:?}");
    assert_eq!(third.header("retry-after"), Some("1"));
    assert_eq!(third.content_type(), "application/problem+json");
    assert_eq!(third.json()["type"], "urn:naeringsareal:problem:overloaded");
    let request_id = third
        .header("x-request-id")
        .expect("a request id")
        .to_owned();

    let asked = Instant::now();
    let health = get(&app, "/health").await;
    assert_eq!(health.status, 200);
    assert!(asked.elapsed() < Duration::from_millis(500));
    let samples = scrape(&app).await;
    assert_eq!(
        value(&samples, "naeringsareal_http_requests_in_flight", &[]),
        Some(2.0)
    );
    assert_eq!(
        value(&samples, "naeringsareal_http_in_flight_limit", &[]),
        Some(2.0)
    );
    assert_eq!(
        value(&samples, "naeringsareal_http_requests_refused_total", &[]),
        Some(1.0)
    );
    let primary = [("pool", "primary")];
    assert_eq!(
        value(&samples, "naeringsareal_db_pool_in_use", &primary),
        Some(1.0)
    );
    assert_eq!(
        value(&samples, "naeringsareal_db_pool_waiting", &primary),
        Some(2.0)
    );
    let refused = [
        ("route", "/collections"),
        ("method", "GET"),
        ("status", "503"),
    ];
    assert_eq!(
        value(&samples, "naeringsareal_http_requests_total", &refused),
        Some(1.0)
    );

    // The refusal is in the log at debug, with the request id the client
    // got, and warned about (at most once a second, so without the id); it
    // is not logged as an error.
    let logged = log.text();
    let line = logged
        .lines()
        .find(|l| l.contains("overloaded: request refused"))
        .unwrap_or_else(|| panic!("the refusal is not logged: {logged}"));
    assert!(
        line.contains("DEBUG") && line.contains(&request_id),
        "{line}"
    );
    assert!(
        logged
            .lines()
            .any(|l| l.contains("WARN") && l.contains("overloaded: requests refused")),
        "{logged}"
    );
    assert!(
        !logged.contains("Overloaded"),
        "logged as an error: {logged}"
    );

    // Once the connection is free, the two waiting requests are served,
    // and their places are free again.
    drop(held);
    assert_eq!(first.await.status, 200);
    assert_eq!(second.await.status, 200);
    let samples = scrape(&app).await;
    assert_eq!(
        value(&samples, "naeringsareal_http_requests_in_flight", &[]),
        Some(0.0)
    );
    assert_eq!(get(&app, "/collections").await.status, 200);
}

#[actix_web::test]
async fn nothing_an_enquirer_sends_reaches_the_log() {
    let log = Log::default();
    let writer = log.clone();
    // The service's default level.
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _logging = tracing::subscriber::set_default(subscriber);

    let db = TestDb::with_demo().await;
    let app = actix_web::test::init_service(app(db.state())).await;
    let stored = crate::enquiries::enquiry(None);
    let mut refused = stored.clone();
    refused["organisation_number"] = json!("123 456 789");
    refused["phone"] = json!("+47 not a phone");
    let answer = actix_web::test::call_service(&app, crate::enquiries::post(&refused)).await;
    assert_eq!(answer.status(), 400);
    let answer = actix_web::test::call_service(&app, crate::enquiries::post(&stored)).await;
    assert_eq!(answer.status(), 201);

    let logged = log.text();
    assert!(!logged.is_empty(), "nothing was logged at all");
    for personal in [
        "Kari",
        "kari@eksempel.no",
        "123 456 789",
        // The address the enquiry came from.
        "203.0.113",
        "912 34 567",
        "not a phone",
    ] {
        assert!(
            !logged.contains(personal),
            "`{personal}` is in the log: {logged}"
        );
    }
}
