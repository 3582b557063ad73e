//! The pages: negotiation (`f` wins over `Accept`), `alternate` links both
//! ways, escaping of every value, the language, the assets, and every page's
//! status on the demo data.

use actix_web::test::TestRequest;
use serde_json::json;

use crate::common::{TestDb, app_on, bearer, get, key, path_of, post_plot, send};

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

fn page(uri: &str) -> actix_http::Request {
    TestRequest::get()
        .uri(uri)
        .insert_header(("accept", BROWSER))
        .to_request()
}

#[actix_web::test]
async fn every_page_answers_html_to_a_browser_and_json_to_a_client() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let plot = get(&app, "/collections/plots/items?limit=1").await.json()["features"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let resources = [
        "/".to_owned(),
        "/conformance".to_owned(),
        "/collections".to_owned(),
        "/collections/plots".to_owned(),
        "/collections/plots/items".to_owned(),
        format!("/collections/plots/items/{plot}"),
        "/collections/plots/reserve".to_owned(),
    ];
    for uri in &resources {
        let html = send(&app, page(uri)).await;
        assert_eq!(html.status, 200, "{uri}");
        assert_eq!(html.content_type(), "text/html; charset=utf-8", "{uri}");
        assert_eq!(html.header("content-language"), Some("nb"), "{uri}");
        assert!(html.header("vary").unwrap().contains("Accept"), "{uri}");
        let csp = html.header("content-security-policy").unwrap();
        assert!(csp.starts_with("default-src 'self'"), "{uri}: {csp}");
        let body = String::from_utf8(html.body.clone()).unwrap();
        assert!(body.starts_with("<!doctype html>"), "{uri}");
        assert_loads_only_its_own(&body, uri);
        // The page links its JSON form, and the JSON its HTML form.
        assert!(
            body.contains(r#"<link rel="alternate" type="application/"#),
            "{uri}"
        );
        // f wins over Accept, both ways.
        let sep = if uri.contains('?') { '&' } else { '?' };
        let json = send(
            &app,
            TestRequest::get()
                .uri(&format!("{uri}{sep}f=json"))
                .insert_header(("accept", BROWSER))
                .to_request(),
        )
        .await;
        assert_eq!(json.status, 200, "{uri}");
        assert!(json.content_type().contains("json"), "{uri}");
        let forced = get(&app, &format!("{uri}{sep}f=html")).await;
        assert_eq!(forced.content_type(), "text/html; charset=utf-8", "{uri}");
        // A client asking for anything gets JSON.
        let client = get(&app, uri).await;
        assert!(
            client.content_type().contains("json"),
            "{uri}: {}",
            client.content_type()
        );
        // Conformance has no links (its JSON is only `conformsTo`).
        if uri != "/conformance" {
            let links = client.json()["links"].clone();
            let alternate = links
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["rel"] == "alternate" && l["type"] == "text/html")
                .unwrap_or_else(|| panic!("{uri} links its HTML form: {links}"));
            let again = get(&app, &path_of(alternate["href"].as_str().unwrap())).await;
            assert_eq!(again.content_type(), "text/html; charset=utf-8", "{uri}");
        }
    }
    for uri in ["/map", "/api.html"] {
        let answer = send(&app, page(uri)).await;
        assert_eq!(answer.status, 200, "{uri}");
        let body = String::from_utf8(answer.body).unwrap();
        assert_loads_only_its_own(&body, uri);
    }
    let map = String::from_utf8(send(&app, page("/map")).await.body).unwrap();
    assert!(map.contains(r#"id="map""#) && map.contains("/assets/map."));
}

/// Every script and stylesheet a page loads is the service's own.
fn assert_loads_only_its_own(body: &str, uri: &str) {
    let loads = body
        .split("src=\"")
        .skip(1)
        .chain(body.split("rel=\"stylesheet\" href=\"").skip(1))
        .map(|rest| rest.split('"').next().unwrap());
    for url in loads {
        assert!(
            url.starts_with("http://localhost:8080/assets/"),
            "{uri} loads {url}"
        );
    }
}

#[actix_web::test]
async fn the_html_conformance_class_is_declared() {
    let db = TestDb::new().await;
    let app = app_on(&db).await;
    let classes = get(&app, "/conformance").await.json()["conformsTo"].clone();
    assert!(classes.as_array().unwrap().contains(&json!(
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html"
    )));
}

#[actix_web::test]
async fn a_plot_named_like_markup_is_shown_as_text() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let planner = key(&db, "escaping", naeringsareal::keys::role::Role::Planner).await;
    let mut feature = crate::common::new_plot("DRM-9901");
    feature["properties"]["name"] = json!("<script>alert(1)</script> & \"quoted\"");
    feature["properties"]["price_note"] = json!("<img src=x onerror=alert(2)>");
    let made = send(&app, post_plot(&planner, &feature)).await;
    assert_eq!(made.status, 201, "{}", String::from_utf8_lossy(&made.body));
    let id = made.json()["id"].as_str().unwrap().to_owned();
    for uri in [
        format!("/collections/plots/items/{id}?f=html"),
        "/collections/plots/items?f=html&reference=DRM-9901".to_owned(),
    ] {
        let answer = get(&app, &uri).await;
        assert_eq!(answer.status, 200, "{uri}");
        let body = String::from_utf8(answer.body).unwrap();
        assert!(
            !body.contains("<script>alert"),
            "{uri}: markup in a value is escaped"
        );
        assert!(!body.contains("<img src=x"), "{uri}");
        assert!(
            body.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{uri}"
        );
    }
    // The card on the map reads the same value as JSON, and builds text nodes.
    let plot = send(
        &app,
        TestRequest::get()
            .uri(&format!("/collections/plots/items/{id}"))
            .insert_header(bearer(&planner))
            .to_request(),
    )
    .await
    .json();
    assert_eq!(
        plot["properties"]["name"],
        "<script>alert(1)</script> & \"quoted\""
    );
}

#[actix_web::test]
async fn english_by_accept_language_or_by_choice() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let english = send(
        &app,
        TestRequest::get()
            .uri("/?f=html")
            .insert_header(("accept-language", "en-GB,en;q=0.9"))
            .to_request(),
    )
    .await;
    assert_eq!(english.header("content-language"), Some("en"));
    assert!(
        String::from_utf8(english.body)
            .unwrap()
            .contains("Vacant business land")
    );
    // The switch: a redirect to the same URL without `lang`, remembering the choice.
    let switch = get(&app, "/collections/plots/items?f=html&limit=2&lang=en").await;
    assert_eq!(switch.status, 303);
    assert_eq!(
        switch.header("location"),
        Some("/collections/plots/items?f=html&limit=2")
    );
    let cookie = switch.header("set-cookie").unwrap();
    assert!(cookie.starts_with("lang=en"), "{cookie}");
    let chosen = send(
        &app,
        TestRequest::get()
            .uri("/collections/plots/items?f=html&limit=2")
            .insert_header(("accept-language", "nb"))
            .insert_header(("cookie", "lang=en"))
            .to_request(),
    )
    .await;
    assert_eq!(chosen.header("content-language"), Some("en"));
    assert!(
        String::from_utf8(chosen.body)
            .unwrap()
            .contains("Available")
    );
}

#[actix_web::test]
async fn the_map_filter_form_as_a_browser_submits_it_is_the_page() {
    let db = TestDb::new().await;
    let app = app_on(&db).await;
    // What a browser without JavaScript sends for the filter form with one
    // status ticked and every other field left blank.
    let uri = "/map?area_min=&area_max=&status=available&min_power_kw=&max_port_km=\
               &max_motorway_km=&max_station_km=&available_by=";
    let answer = send(&app, page(uri)).await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let body = String::from_utf8(answer.body).unwrap();
    assert!(
        body.contains(r#"name="status" value="available" checked"#),
        "the ticked status stays ticked"
    );
    // A blank field is no filter; a wrong one is still a 400 naming it.
    let answer = get(&app, "/map?area_min=&area_max=x").await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.json()["errors"][0]["name"], "area_max");
}

#[actix_web::test]
async fn bad_input_to_a_page_is_a_400_naming_it() {
    let db = TestDb::new().await;
    let app = app_on(&db).await;
    for (uri, name) in [
        ("/map?area_min=-1", "area_min"),
        ("/map?status=free", "status"),
        ("/map?available_by=soon", "available_by"),
        ("/map?plot=not-an-id", "plot"),
        ("/map?colour=red", "colour"),
    ] {
        let answer = get(&app, uri).await;
        assert_eq!(answer.status, 400, "{uri}");
        let names: Vec<String> = answer.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(names, [name], "{uri}");
    }
    // A browser is shown the problem as a page, with the same status.
    for uri in [
        "/collections/plots/items?f=html&status=free",
        "/map?status=free",
    ] {
        let answer = send(&app, page(uri)).await;
        assert_eq!(answer.status, 400, "{uri}");
        assert_eq!(answer.content_type(), "text/html; charset=utf-8", "{uri}");
        let body = String::from_utf8(answer.body).unwrap();
        assert!(
            body.contains("<code>status</code>"),
            "{uri}: names the parameter"
        );
    }
    let missing = send(
        &app,
        page("/collections/plots/items/00000000-0000-0000-0000-000000000000"),
    )
    .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.content_type(), "text/html; charset=utf-8");
}

#[actix_web::test]
async fn assets_are_served_hashed_for_good_and_compressed() {
    let db = TestDb::new().await;
    let app = app_on(&db).await;
    let map = String::from_utf8(send(&app, page("/map")).await.body).unwrap();
    let script = map
        .split("src=\"")
        .filter_map(|s| s.split('"').next())
        .find(|s| s.contains("/assets/map."))
        .unwrap();
    let answer = send(
        &app,
        TestRequest::get()
            .uri(&path_of(script))
            .insert_header(("accept-encoding", "gzip, br"))
            .to_request(),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-encoding"), Some("gzip"));
    assert_eq!(
        answer.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(answer.content_type(), "text/javascript; charset=utf-8");
    let etag = answer.header("etag").unwrap().to_owned();
    assert!(
        etag.ends_with("-gzip\""),
        "the tag names the coding: {etag}"
    );
    let again = send(
        &app,
        TestRequest::get()
            .uri(&path_of(script))
            .insert_header(("accept-encoding", "gzip, br"))
            .insert_header(("if-none-match", etag))
            .to_request(),
    )
    .await;
    assert_eq!(again.status, 304);
    assert_eq!(get(&app, "/assets/map.00000000.js").await.status, 404);
    assert_eq!(get(&app, "/assets/nothing.js").await.status, 404);
    // The vendored MapLibre, with its licence.
    let config = map
        .split("data-config=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let config: serde_json::Value = serde_json::from_str(&unescape(config)).unwrap();
    let lib = get(&app, &path_of(config["maplibre"].as_str().unwrap())).await;
    assert_eq!(lib.status, 200);
    assert!(lib.body.len() > 500_000);
    let licence = config["maplibre"]
        .as_str()
        .unwrap()
        .replace("maplibre-gl.mjs", "LICENSE.txt");
    assert_eq!(get(&app, &path_of(&licence)).await.status, 200);
}

/// An attribute's value as the browser reads it.
fn unescape(html: &str) -> String {
    html.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[actix_web::test]
async fn the_reference_places_are_geojson() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let answer = get(&app, "/reference-places").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type(), "application/geo+json");
    let places = answer.json();
    assert_eq!(places["type"], "FeatureCollection");
    let kinds: Vec<&str> = places["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "port",
        "rail_terminal",
        "motorway_junction",
        "train_station",
    ] {
        assert!(kinds.contains(&kind), "{kind}");
    }
}
