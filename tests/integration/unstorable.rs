//! Text PostgreSQL cannot hold — a NUL character (no `text` value holds
//! U+0000) and bytes that are not UTF-8 — sent through every text input:
//! every query parameter of every operation in the OpenAPI document (and
//! `lang`, which every page takes), every path parameter, and every text
//! field of every JSON body (plots by POST, PUT, PATCH and import, site
//! matching, enquiries and their changes, keys). Each is a 400
//! problem+json naming the input, and nothing stored changes.

use actix_web::http::Method;
use actix_web::test::TestRequest;
use naeringsareal::keys::role::Role;
use naeringsareal::plots::catalogue::{self, Kind};
use serde_json::{Value, json};

use crate::common::{
    Answer, TestDb, app_on, bearer, filled_path, id_of, key, new_plot, offending, send,
};

/// A NUL and a byte that is not UTF-8, percent-encoded, as a URL carries them.
const IN_URLS: [&str; 2] = ["a%00b", "a%FFb"];

/// Every stored row, as one text: equal before and after means nothing
/// stored changed.
async fn everything_stored(db: &TestDb) -> String {
    #[derive(diesel::QueryableByName)]
    struct All {
        #[diesel(sql_type = diesel::sql_types::Text)]
        rows: String,
    }
    let tables = [
        "plots",
        "plot_versions",
        "enquiries",
        "enquiry_events",
        "api_keys",
    ];
    let sql = tables
        .iter()
        .map(|t| {
            format!(
                "(SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '') FROM {t} t)"
            )
        })
        .collect::<Vec<_>>()
        .join(" || ");
    let all: All = diesel_async::RunQueryDsl::get_result(
        diesel::sql_query(format!("SELECT {sql} AS rows")),
        &mut db.conn().await,
    )
    .await
    .unwrap();
    all.rows
}

/// Checks that `answer` is a 400 problem naming `name` (among the names
/// it gives), each reason for it saying why the text cannot be held.
fn assert_refused(answer: &Answer, name: &str, what: &str) {
    assert_eq!(
        answer.status,
        400,
        "{what}: {}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(answer.content_type(), "application/problem+json", "{what}");
    let problem = answer.json();
    assert!(
        offending(&problem).contains(&name),
        "{what}: names {name}: {problem}"
    );
    for error in problem["errors"].as_array().unwrap() {
        if error["name"] == name {
            let reason = error["reason"].as_str().unwrap();
            assert!(
                reason.contains("NUL") || reason.contains("UTF-8"),
                "{what}: {reason}"
            );
        }
    }
}

/// Every operation of the OpenAPI document: method, path and the names of
/// its query parameters.
fn operations() -> Vec<(Method, String, Vec<String>)> {
    let doc: Value = serde_json::from_str(&naeringsareal::router::openapi_json()).unwrap();
    let mut all = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let query = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query")
                .map(|p| p["name"].as_str().unwrap().to_owned())
                .collect();
            all.push((method.to_uppercase().parse().unwrap(), path.clone(), query));
        }
    }
    all
}

#[actix_web::test]
async fn every_query_and_path_parameter_refuses_text_postgresql_cannot_hold() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let admin = key(&db, "root", Role::Admin).await;
    let plot = id_of(&db, "DRM-0001").await;
    let before = everything_stored(&db).await;
    let mut tried = 0;
    for (method, path, mut query) in operations() {
        if path == "/" {
            query.push("lang".to_owned());
        }
        for bad in IN_URLS {
            for name in &query {
                let uri = format!("{}?{name}={bad}", filled_path(&path, &plot));
                let request = TestRequest::default()
                    .method(method.clone())
                    .uri(&uri)
                    .insert_header(bearer(&admin))
                    .to_request();
                assert_refused(&send(&app, request).await, name, &format!("{method} {uri}"));
                tried += 1;
            }
            // Each path parameter in turn.
            for (at, _) in path.match_indices('{') {
                let end = at + path[at..].find('}').unwrap();
                let uri = filled_path(&format!("{}{bad}{}", &path[..at], &path[end + 1..]), &plot);
                let request = TestRequest::default()
                    .method(method.clone())
                    .uri(&uri)
                    .insert_header(bearer(&admin))
                    .to_request();
                assert_refused(
                    &send(&app, request).await,
                    "path",
                    &format!("{method} {uri}"),
                );
                tried += 1;
            }
        }
    }
    // Items alone take 29 parameters; every operation is in the document.
    assert!(tried > 150, "{tried} inputs tried");
    assert_eq!(
        everything_stored(&db).await,
        before,
        "nothing stored changed"
    );
}

/// Every string in `value`, as a JSON pointer and as the problem names it
/// (`properties.documents[0].title`).
fn text_fields(value: &Value) -> Vec<(String, String)> {
    fn walk(value: &Value, pointer: String, name: String, out: &mut Vec<(String, String)>) {
        let join = |child: &str| {
            if name.is_empty() {
                child.to_owned()
            } else {
                format!("{name}.{child}")
            }
        };
        match value {
            Value::String(_) => out.push((pointer, name)),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, format!("{pointer}/{i}"), format!("{name}[{i}]"), out);
                }
            }
            Value::Object(members) => {
                for (key, member) in members {
                    walk(member, format!("{pointer}/{key}"), join(key), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, String::new(), String::new(), &mut out);
    out
}

/// A plot with every text property of the catalogue given (its code-list
/// values where it has one), so that each one can be spoilt in turn.
fn plot_with_all_text(reference: &str) -> Value {
    let mut feature = new_plot(reference);
    for property in catalogue::PROPERTIES {
        let given = &feature["properties"][property.name];
        if !given.is_null() {
            continue;
        }
        let text = property.codes.map_or("Tekst", |codes| codes[0]);
        let value = match property.kind {
            Kind::Text => json!(text),
            Kind::TextList => json!([text]),
            Kind::Documents => {
                json!([{"title": "Reguleringsplan", "url": "https://example.no/plan.pdf"}])
            }
            _ => continue,
        };
        feature["properties"][property.name] = value;
    }
    feature
}

/// A body sent: method, URI, content type, the body, and how the problem
/// names a field of it.
type BodyCase<'a> = (Method, &'a str, &'a str, Value, fn(&str) -> String);

/// `body` with the string at `pointer` holding a NUL.
fn spoilt(body: &Value, pointer: &str) -> Value {
    let mut body = body.clone();
    let field = body.pointer_mut(pointer).unwrap();
    *field = json!(format!("{}\u{0}", field.as_str().unwrap()));
    body
}

fn request(
    method: Method,
    uri: &str,
    key: &str,
    content_type: &str,
    body: Vec<u8>,
) -> actix_http::Request {
    TestRequest::default()
        .method(method)
        .uri(uri)
        .insert_header(bearer(key))
        .insert_header(("content-type", content_type))
        .insert_header(("if-match", "\"x-1\""))
        .set_payload(body)
        .to_request()
}

#[actix_web::test]
async fn every_text_field_of_every_body_refuses_a_nul() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let admin = key(&db, "root", Role::Admin).await;
    let plot = id_of(&db, "DRM-0001").await;
    let enquiry = {
        let answer = send(
            &app,
            request(
                Method::POST,
                "/enquiries",
                &admin,
                "application/json",
                json!({"name": "Kari", "company": "AS", "organisation_number": "974 760 673", "email": "kari@eksempel.no", "message": "Ledig?"})
                    .to_string()
                    .into_bytes(),
            ),
        )
        .await;
        assert_eq!(
            answer.status,
            201,
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
        answer.json()["id"].as_str().unwrap().to_owned()
    };
    let before = everything_stored(&db).await;

    let feature = plot_with_all_text("TST-NUL");
    let needs = json!({
        "area_m2": {"min": 1000}, "land_use": [1340], "location_class": ["A", "B"],
        "offer_type": "sale", "focus_area": "port_logistics", "available_by": "2027-01-01",
        "places": [{"name": "Vårt lager", "lon": 10.2, "lat": 59.74, "max_distance_m": 5000}],
        "required": ["location_class"],
    });
    let matched = send(
        &app,
        request(
            Method::POST,
            "/collections/plots/match",
            &admin,
            "application/json",
            needs.to_string().into_bytes(),
        ),
    )
    .await;
    assert_eq!(
        matched.status,
        200,
        "the needs are valid: {}",
        String::from_utf8_lossy(&matched.body)
    );
    let item = format!("/collections/plots/items/{plot}");
    let enquiry_uri = format!("/enquiries/{enquiry}");
    let bodies: Vec<BodyCase> = vec![
        (
            Method::POST,
            "/collections/plots/items",
            "application/geo+json",
            feature.clone(),
            str::to_owned,
        ),
        (
            Method::PUT,
            &item,
            "application/geo+json",
            feature.clone(),
            str::to_owned,
        ),
        (
            Method::PATCH,
            &item,
            "application/merge-patch+json",
            json!({"properties": feature["properties"]}),
            str::to_owned,
        ),
        (
            Method::POST,
            "/collections/plots/import",
            "application/geo+json",
            json!({"type": "FeatureCollection", "features": [feature]}),
            |name| name.strip_prefix("features[0].").unwrap_or(name).to_owned(),
        ),
        (
            Method::POST,
            "/collections/plots/match",
            "application/json",
            needs,
            str::to_owned,
        ),
        (
            Method::POST,
            "/enquiries",
            "application/json",
            json!({
                "name": "Kari Nordmann", "company": "Eksempel AS", "organisation_number": "974 760 673",
                "email": "kari@eksempel.no", "phone": "+47 912 34 567", "message": "Ledig?",
                "plot_id": plot, "needs": {"location_class": ["A"], "offer_type": "lease"},
            }),
            str::to_owned,
        ),
        (
            Method::PATCH,
            &enquiry_uri,
            "application/json",
            json!({"status": "in_progress", "assigned_to": "root", "note": "Ringt opp"}),
            str::to_owned,
        ),
        (
            Method::POST,
            "/keys",
            "application/json",
            json!({"name": "ola", "role": "planner"}),
            str::to_owned,
        ),
    ];
    let mut tried = 0;
    for (method, uri, content_type, body, named) in &bodies {
        let fields = text_fields(body);
        assert!(!fields.is_empty(), "{method} {uri}");
        let sent = |body: Vec<u8>| {
            send(
                &app,
                request(method.clone(), uri, &admin, content_type, body),
            )
        };
        for (pointer, name) in fields {
            if pointer.ends_with("/type") && !pointer.contains("documents") {
                // GeoJSON's own `type` members: a NUL there is refused too,
                // but as a feature that is not a Feature.
                continue;
            }
            let what = format!("{method} {uri} {name}");
            let answer = sent(spoilt(body, &pointer).to_string().into_bytes()).await;
            assert_refused(&answer, &named(&name), &what);
            tried += 1;
        }
        // A member name with a NUL, and bytes that are not UTF-8.
        let mut odd = body.clone();
        odd.as_object_mut()
            .unwrap()
            .insert("x\u{0}".to_owned(), json!(1));
        let answer = sent(odd.to_string().into_bytes()).await;
        assert_eq!(
            answer.status, 400,
            "{method} {uri}: a member name with a NUL"
        );
        let answer = sent(b"{\"name\": \"\xff\"}".to_vec()).await;
        assert_eq!(answer.status, 400, "{method} {uri}: not UTF-8");
        // (An import names the body `file`, as it names a file the CLI reads.)
        let problem = answer.json();
        assert!(
            ["body", "file"].contains(&offending(&problem)[0]),
            "{method} {uri}: {problem}"
        );
    }
    // Every text property of a plot, three ways and by import, and the rest.
    let text_properties = catalogue::PROPERTIES
        .iter()
        .filter(|p| matches!(p.kind, Kind::Text | Kind::TextList | Kind::Documents))
        .count();
    assert!(tried > 4 * text_properties, "{tried} fields tried");
    assert_eq!(
        everything_stored(&db).await,
        before,
        "nothing stored changed"
    );
}

/// Values PostgreSQL itself would refuse, refused first: a LIKE pattern
/// ending with its escape character. The patterns that are fine are served.
#[actix_web::test]
async fn values_postgresql_would_refuse_are_400s() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let filter = |f: &str| {
        let encoded: String = url::form_urlencoded::byte_serialize(f.as_bytes()).collect();
        format!("/collections/plots/items?filter={encoded}")
    };
    for bad in [r"name LIKE '\'", r"name LIKE 'Holmen\'"] {
        let answer = crate::common::get(&app, &filter(bad)).await;
        assert_eq!(
            answer.status,
            400,
            "{bad}: {}",
            String::from_utf8_lossy(&answer.body)
        );
        assert_eq!(offending(&answer.json()), ["filter"], "{bad}");
    }
    for good in [
        r"name LIKE '\\'",
        r"name LIKE '%\%%'",
        r"name LIKE 'Holmen%'",
    ] {
        let answer = crate::common::get(&app, &filter(good)).await;
        assert_eq!(
            answer.status,
            200,
            "{good}: {}",
            String::from_utf8_lossy(&answer.body)
        );
    }
}
