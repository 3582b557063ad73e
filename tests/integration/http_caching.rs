//! HTTP as clients expect it: ETag, 304, Cache-Control and Vary on every
//! read; gzip and brotli; CORS for web maps on other sites; the headers
//! every answer carries. (actix_web::test does not decompress: the tests
//! decode the bodies themselves.)

use std::io::Read;

use actix_web::http::Method;
use actix_web::test::TestRequest;
use naeringsareal::config::{ApiConfig, CorsOrigins};
use naeringsareal::keys::role::Role;
use naeringsareal::router::app;
use serde_json::{Value, json};

use crate::common::*;

const TILE: &str = "/collections/plots/tiles/WebMercatorQuad/12/1195/2164";

/// A GET of `uri` with the headers `extra`.
fn get_with(uri: &str, extra: &[(&str, &str)]) -> actix_http::Request {
    let mut req = TestRequest::get().uri(uri);
    for (name, value) in extra {
        req = req.insert_header((*name, *value));
    }
    req.to_request()
}

fn vary(answer: &Answer) -> Vec<String> {
    answer
        .header("vary")
        .unwrap_or("")
        .split(',')
        .map(|v| v.trim().to_ascii_lowercase())
        .filter(|v| !v.is_empty())
        .collect()
}

fn decoded(answer: &Answer) -> Vec<u8> {
    let mut out = Vec::new();
    match answer.header("content-encoding") {
        Some("gzip") => {
            flate2::read::GzDecoder::new(&answer.body[..])
                .read_to_end(&mut out)
                .unwrap();
        }
        Some("br") => {
            brotli::Decompressor::new(&answer.body[..], 4096)
                .read_to_end(&mut out)
                .unwrap();
        }
        None => out = answer.body.clone(),
        Some(other) => panic!("unexpected coding {other}"),
    }
    out
}

/// A JSON page without its `timeStamp`, which differs between two asks.
fn content(body: &[u8]) -> Value {
    let mut page: Value = serde_json::from_slice(body).unwrap();
    page.as_object_mut().unwrap().remove("timeStamp");
    page
}

#[actix_web::test]
async fn every_read_has_a_tag_and_answers_304() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let reads = [
        ("/", true),
        ("/conformance", true),
        ("/collections", true),
        ("/collections/plots", true),
        ("/collections/plots?f=html", true),
        ("/collections/plots/queryables", false),
        ("/collections/plots/items", true),
        ("/collections/plots/items?limit=3&f=html", true),
        ("/collections/plots/items?limit=3&f=csv", true),
        (
            "/collections/plots/items?datetime=2020-01-01T00:00:00Z",
            true,
        ),
        ("/collections/plots/reserve", true),
        ("/api", false),
        (TILE, false),
    ];
    for (uri, negotiated) in reads {
        for coding in ["identity", "gzip", "br"] {
            let first = send(&app, get_with(uri, &[("accept-encoding", coding)])).await;
            assert_eq!(first.status, 200, "{uri}");
            let etag = first
                .header("etag")
                .unwrap_or_else(|| panic!("{uri}: no ETag"))
                .to_owned();
            assert_eq!(
                first.header("cache-control"),
                Some("public, no-cache"),
                "{uri}"
            );
            assert_eq!(
                vary(&first).contains(&"accept".to_owned()),
                negotiated,
                "{uri}"
            );
            let again = send(
                &app,
                get_with(
                    uri,
                    &[("accept-encoding", coding), ("if-none-match", &etag)],
                ),
            )
            .await;
            assert_eq!(again.status, 304, "{uri} ({coding})");
            assert!(again.body.is_empty(), "{uri}");
            assert_eq!(again.header("etag"), Some(etag.as_str()), "{uri}");
            assert_eq!(again.header("cache-control"), Some("public, no-cache"));
            assert_eq!(vary(&again), vary(&first), "{uri}");
            assert!(again.header("content-encoding").is_none(), "{uri}");
            // HEAD: the same headers.
            let head = send(
                &app,
                TestRequest::default()
                    .method(Method::HEAD)
                    .uri(uri)
                    .insert_header(("accept-encoding", coding))
                    .to_request(),
            )
            .await;
            assert_eq!(head.header("etag"), Some(etag.as_str()), "HEAD {uri}");
            assert_eq!(
                head.header("content-encoding"),
                first.header("content-encoding"),
                "HEAD {uri}"
            );
        }
    }
}

#[actix_web::test]
async fn a_write_changes_the_tags_of_the_pages_that_show_it() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let kari = key(&db, "kari", Role::Planner).await;
    let pages = [
        "/collections/plots",
        "/collections/plots/items?limit=1000",
        "/collections/plots/items?limit=1000&f=html",
        "/collections/plots/items?limit=1000&f=csv",
        TILE,
    ];
    let mut before = Vec::new();
    for uri in pages {
        before.push(get(&app, uri).await.header("etag").unwrap().to_owned());
    }
    // A new plot in the tile's corner of Drammen.
    let mut plot = new_plot("HTTP-1");
    plot["geometry"]["coordinates"] = json!([[
        [10.20, 59.74],
        [10.2018, 59.74],
        [10.2018, 59.741],
        [10.20, 59.741],
        [10.20, 59.74]
    ]]);
    let created = send(&app, post_plot(&kari, &plot)).await;
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    assert_eq!(created.header("cache-control"), Some("no-store"));
    for (uri, old) in pages.iter().zip(&before) {
        let after = send(&app, get_with(uri, &[("if-none-match", old)])).await;
        assert_eq!(after.status, 200, "{uri} after a write");
        assert_ne!(after.header("etag"), Some(old.as_str()), "{uri}");
    }
}

#[actix_web::test]
async fn a_keys_answers_are_private_and_vary_with_it() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let kari = key(&db, "kari", Role::Planner).await;
    let (name, value) = bearer(&kari);
    for uri in ["/collections/plots/items", TILE, "/enquiries"] {
        let planner = send(&app, get_with(uri, &[(name, &value)])).await;
        assert_eq!(planner.status, 200, "{uri}");
        assert_eq!(
            planner.header("cache-control"),
            Some("private, no-cache"),
            "{uri}"
        );
        assert!(
            vary(&planner).contains(&"authorization".to_owned()),
            "{uri}"
        );
    }
    let public = get(&app, TILE).await;
    assert!(vary(&public).contains(&"authorization".to_owned()));
    // Tiles are not negotiated by Accept.
    assert!(!vary(&public).contains(&"accept".to_owned()));
    // HTML pages vary with the language too.
    let page = get(&app, "/collections/plots/items?f=html").await;
    for name in ["accept", "accept-language", "cookie", "authorization"] {
        assert!(vary(&page).contains(&name.to_owned()), "{name}");
    }
    // Errors and keys are not kept.
    assert_eq!(
        get(&app, "/nothing").await.header("cache-control"),
        Some("no-store")
    );
}

#[actix_web::test]
async fn gzip_and_brotli_decode_to_the_same_body_with_their_own_tags() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    for uri in ["/api", "/collections/plots/items?limit=50&f=html"] {
        let plain = get(&app, uri).await;
        assert!(plain.header("content-encoding").is_none());
        let mut tags = vec![plain.header("etag").unwrap().to_owned()];
        for coding in ["gzip", "br"] {
            let coded = send(&app, get_with(uri, &[("accept-encoding", coding)])).await;
            assert_eq!(coded.header("content-encoding"), Some(coding), "{uri}");
            assert!(vary(&coded).contains(&"accept-encoding".to_owned()));
            assert!(coded.body.len() < plain.body.len() / 2, "{uri} {coding}");
            assert_eq!(decoded(&coded), plain.body, "{uri} {coding}");
            let tag = coded.header("etag").unwrap().to_owned();
            assert!(tag.ends_with(&format!("-{coding}\"")), "{tag}");
            tags.push(tag);
        }
        // Strong tags differ between codings; a client that stored one
        // coding gets no 304 for another.
        tags.dedup();
        assert_eq!(tags.len(), 3, "{tags:?}");
        let other = send(
            &app,
            get_with(
                uri,
                &[("accept-encoding", "br"), ("if-none-match", &tags[1])],
            ),
        )
        .await;
        assert_eq!(other.status, 200);
    }
    // The items page as JSON: the same content, one weak tag (it differs
    // only in its timeStamp from one ask to the next).
    let uri = "/collections/plots/items?limit=50";
    let plain = get(&app, uri).await;
    let tag = plain.header("etag").unwrap().to_owned();
    assert!(tag.starts_with("W/"), "{tag}");
    for coding in ["gzip", "br"] {
        let coded = send(&app, get_with(uri, &[("accept-encoding", coding)])).await;
        assert_eq!(coded.header("content-encoding"), Some(coding));
        assert_eq!(content(&decoded(&coded)), content(&plain.body));
        assert_eq!(coded.header("etag"), Some(tag.as_str()));
    }
    // Tiny answers stay as they are.
    let small = send(
        &app,
        get_with("/health", &[("accept-encoding", "gzip, br")]),
    )
    .await;
    assert!(small.header("content-encoding").is_none());
    assert!(!vary(&small).contains(&"accept-encoding".to_owned()));
    // A client that takes no coding at all: 406 problem+json.
    let none = send(
        &app,
        get_with(
            "/collections",
            &[
                ("accept-encoding", "compress, identity;q=0"),
                ("origin", "https://kart.example.no"),
            ],
        ),
    )
    .await;
    assert_eq!(none.status, 406);
    assert_eq!(none.header("access-control-allow-origin"), Some("*"));
    assert_eq!(none.content_type(), "application/problem+json");
    assert_eq!(offending(&none.json()), ["Accept-Encoding"]);
}

#[actix_web::test]
async fn tiles_are_not_encoded_twice() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let plain = get(&app, TILE).await;
    assert!(plain.body.len() > 1024, "a tile with plots");
    let gzip = send(&app, get_with(TILE, &[("accept-encoding", "gzip, br")])).await;
    assert_eq!(
        gzip.headers.get_all("content-encoding").count(),
        1,
        "{:?}",
        gzip.headers
    );
    assert_eq!(gzip.header("content-encoding"), Some("gzip"));
    assert_eq!(decoded(&gzip), plain.body);
    let tag = gzip.header("etag").unwrap().to_owned();
    assert!(tag.ends_with("-gzip\""), "{tag}");
    let again = send(
        &app,
        get_with(
            TILE,
            &[("accept-encoding", "gzip, br"), ("if-none-match", &tag)],
        ),
    )
    .await;
    assert_eq!(again.status, 304);
    // A client that takes brotli only gets the tile compressed once, by br.
    let br = send(&app, get_with(TILE, &[("accept-encoding", "br")])).await;
    assert_eq!(br.header("content-encoding"), Some("br"));
    assert_eq!(decoded(&br), plain.body);
    assert_ne!(br.header("etag"), Some(tag.as_str()));
}

#[actix_web::test]
async fn a_write_takes_the_tag_of_a_compressed_answer() {
    let db = TestDb::new().await;
    let app = app_on(&db).await;
    let kari = key(&db, "kari", Role::Planner).await;
    let plot = new_plot("HTTP-2");
    let created = send(&app, post_plot(&kari, &plot)).await;
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let uri = format!("/collections/plots/items/{id}");
    let gzip = send(&app, get_with(&uri, &[("accept-encoding", "gzip")])).await;
    assert_eq!(gzip.header("content-encoding"), Some("gzip"));
    let tag = gzip.header("etag").unwrap().to_owned();
    assert!(tag.ends_with("-1-gzip\""), "{tag}");
    let patched = send(
        &app,
        patch_plot(&kari, &id, &tag, &json!({"properties": {"name": "Ny"}})),
    )
    .await;
    assert_eq!(
        patched.status,
        200,
        "{}",
        String::from_utf8_lossy(&patched.body)
    );
    let stale = send(
        &app,
        patch_plot(&kari, &id, &tag, &json!({"properties": {"name": "Eldre"}})),
    )
    .await;
    assert_eq!(stale.status, 412);
}

fn preflight(uri: &str, origin: &str, method: &str, headers: &str) -> actix_http::Request {
    let mut req = TestRequest::default()
        .method(Method::OPTIONS)
        .uri(uri)
        .insert_header(("origin", origin))
        .insert_header(("access-control-request-method", method));
    if !headers.is_empty() {
        req = req.insert_header(("access-control-request-headers", headers));
    }
    req.to_request()
}

#[actix_web::test]
async fn any_site_may_read_but_not_write() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let kari = key(&db, "kari", Role::Planner).await;
    let site = "https://kart.example.no";
    for uri in ["/collections/plots/items", TILE, "/collections/plots/match"] {
        let method = if uri.ends_with("match") {
            "POST"
        } else {
            "GET"
        };
        let ok = send(
            &app,
            preflight(uri, site, method, "content-type, if-none-match"),
        )
        .await;
        assert_eq!(
            ok.status,
            200,
            "{uri}: {}",
            String::from_utf8_lossy(&ok.body)
        );
        assert_eq!(ok.header("access-control-allow-origin"), Some("*"));
        assert!(
            ok.header("access-control-allow-methods")
                .unwrap()
                .contains(method)
        );
        assert!(ok.header("access-control-max-age").is_some());
        assert!(ok.header("access-control-allow-credentials").is_none());
    }
    // A simple read: allowed, with the headers a web map reads exposed.
    let read = send(&app, get_with(TILE, &[("origin", site)])).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.header("access-control-allow-origin"), Some("*"));
    let exposed = read
        .header("access-control-expose-headers")
        .unwrap()
        .to_ascii_lowercase();
    for name in [
        "etag",
        "link",
        "content-crs",
        "retry-after",
        "x-request-id",
        "location",
    ] {
        assert!(exposed.contains(name), "{name} in {exposed}");
    }
    // Errors and 304s carry CORS headers too.
    let missing = send(&app, get_with("/collections/nothing", &[("origin", site)])).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("access-control-allow-origin"), Some("*"));
    let tag = read.header("etag").unwrap();
    let unchanged = send(
        &app,
        get_with(TILE, &[("origin", site), ("if-none-match", tag)]),
    )
    .await;
    assert_eq!(unchanged.status, 304);
    assert_eq!(unchanged.header("access-control-allow-origin"), Some("*"));

    // Writes, and a key, only from named origins: refused before any handler.
    for (method, headers) in [
        ("POST", "authorization, content-type"),
        ("DELETE", ""),
        ("GET", "authorization"),
    ] {
        let refused = send(
            &app,
            preflight("/collections/plots/items", site, method, headers),
        )
        .await;
        assert_eq!(refused.status, 403, "{method} {headers}");
        assert_eq!(refused.content_type(), "application/problem+json");
        assert_eq!(offending(&refused.json()), ["Origin"]);
        assert!(refused.header("access-control-allow-origin").is_none());
    }
    let before = count_rows(&db, "plots").await;
    let mut post = post_plot(&kari, &new_plot("CORS-1"));
    post.headers_mut().insert(
        actix_web::http::header::ORIGIN,
        actix_web::http::header::HeaderValue::from_static(site),
    );
    let refused = send(&app, post).await;
    assert_eq!(refused.status, 403);
    assert_eq!(count_rows(&db, "plots").await, before, "nothing written");

    // A plain OPTIONS is not a preflight: the resource answers as before.
    let options = send(
        &app,
        TestRequest::default()
            .method(Method::OPTIONS)
            .uri("/collections/plots/items")
            .insert_header(("origin", site))
            .to_request(),
    )
    .await;
    assert_eq!(options.header("allow"), Some("GET, HEAD, OPTIONS"));

    // The service's own pages post from its own origin.
    let mut own = post_plot(&kari, &new_plot("CORS-2"));
    own.headers_mut().insert(
        actix_web::http::header::ORIGIN,
        actix_web::http::header::HeaderValue::from_static("http://localhost:8080"),
    );
    own.headers_mut().insert(
        actix_web::http::header::HOST,
        actix_web::http::header::HeaderValue::from_static("localhost:8080"),
    );
    assert_eq!(send(&app, own).await.status, 201);
}

#[actix_web::test]
async fn named_origins_may_write_with_a_key() {
    let db = TestDb::new().await;
    let api = ApiConfig {
        cors_origins: CorsOrigins {
            any_may_read: false,
            named: vec!["https://planlegger.example.no".to_owned()],
        },
        ..ApiConfig::default()
    };
    let app = actix_web::test::init_service(app(db.state_with(api))).await;
    let kari = key(&db, "kari", Role::Planner).await;
    let named = "https://planlegger.example.no";
    let ok = send(
        &app,
        preflight(
            "/collections/plots/items",
            named,
            "POST",
            "authorization, content-type, if-match",
        ),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", String::from_utf8_lossy(&ok.body));
    assert_eq!(ok.header("access-control-allow-origin"), Some(named));
    let allowed = ok
        .header("access-control-allow-headers")
        .unwrap()
        .to_ascii_lowercase();
    assert!(allowed.contains("authorization"), "{allowed}");
    let mut post = post_plot(&kari, &new_plot("CORS-3"));
    post.headers_mut().insert(
        actix_web::http::header::ORIGIN,
        actix_web::http::header::HeaderValue::from_static(named),
    );
    let created = send(&app, post).await;
    assert_eq!(created.status, 201);
    assert_eq!(created.header("access-control-allow-origin"), Some(named));
    assert!(vary(&created).contains(&"origin".to_owned()));
    // Without `*`, other sites may not even read.
    let other = send(
        &app,
        get_with("/collections", &[("origin", "https://annen.example")]),
    )
    .await;
    assert_eq!(other.status, 403);
    assert_eq!(offending(&other.json()), ["Origin"]);
}

#[actix_web::test]
async fn every_answer_says_nosniff_and_pages_their_policy() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    for uri in [
        "/collections",
        "/collections/plots/items",
        TILE,
        "/nothing",
        "/health",
    ] {
        let answer = get(&app, uri).await;
        assert_eq!(
            answer.header("x-content-type-options"),
            Some("nosniff"),
            "{uri}"
        );
        assert!(
            answer.header("strict-transport-security").is_none(),
            "{uri}"
        );
    }
    let map = get(&app, "/map").await;
    let csp = map.header("content-security-policy").unwrap();
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-eval"), "{csp}");
    assert_eq!(map.header("x-frame-options"), Some("SAMEORIGIN"));
    assert_eq!(map.header("referrer-policy"), Some("same-origin"));
    // The map page loads no inline script, which the policy would block.
    let html = String::from_utf8(map.body.clone()).unwrap();
    for script in html.split("<script").skip(1) {
        assert!(
            script.split('>').next().unwrap().contains("src="),
            "{script}"
        );
    }
    // Behind https, browsers are told to keep to it.
    let mut state = db.state();
    state.public_url = Some("https://kart.example.no/naeringsareal".parse().unwrap());
    let behind_https = actix_web::test::init_service(naeringsareal::router::app(state)).await;
    let answer = get(&behind_https, "/collections").await;
    assert_eq!(
        answer.header("strict-transport-security"),
        Some("max-age=31536000")
    );
}
