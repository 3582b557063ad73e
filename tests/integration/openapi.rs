//! The served OpenAPI documents are the committed ones, and the 3.0 one
//! holds nothing that only 3.1 knows.

use crate::common::{TestDb, app_on, get};
use serde_json::Value;

const COMMITTED: &str = "openapi/openapi.json";
const COMMITTED_30: &str = "openapi/openapi-3.0.json";

fn committed(file: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("{file} cannot be read ({e}); make it with `scripts/update-openapi.sh`")
    })
}

#[actix_web::test]
async fn served_openapi_matches_the_committed_copies() {
    let db = TestDb::new().await;
    let app = app_on(&db).await;
    for (url, media_type, printed, file) in [
        (
            "/api",
            "application/vnd.oai.openapi+json;version=3.1",
            naeringsareal::router::openapi_json(),
            COMMITTED,
        ),
        (
            "/api/openapi-3.0.json",
            "application/vnd.oai.openapi+json;version=3.0",
            naeringsareal::router::openapi30_json(),
            COMMITTED_30,
        ),
    ] {
        let answer = get(&app, url).await;
        assert_eq!(answer.status, 200, "{url}");
        assert_eq!(answer.content_type(), media_type, "{url}");
        let served = String::from_utf8(answer.body).unwrap();
        // What `scripts/update-openapi.sh` writes (`naeringsareal openapi
        // [--version 3.0]`) is what is served, so the script's output passes
        // this test.
        assert!(
            served == printed,
            "the `openapi` command prints another document than {url} serves"
        );
        assert!(
            served == committed(file),
            "{file} differs from what the service serves at {url}; regenerate it with \
             `scripts/update-openapi.sh`, review the diff and commit it"
        );
    }
}

#[test]
fn every_operation_documents_its_errors_as_problems() {
    let doc: Value = serde_json::from_str(&naeringsareal::router::openapi_json()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap_or_default();
            assert!(!id.is_empty(), "{method} {path} has an operationId");
            for (status, response) in operation["responses"].as_object().unwrap() {
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        response["content"]["application/problem+json"].is_object(),
                        "{method} {path} {status} is described as problem+json"
                    );
                }
            }
        }
    }
}

/// The keywords of an OpenAPI 3.0 schema object.
const SCHEMA_30: &[&str] = &[
    "title",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxProperties",
    "minProperties",
    "required",
    "enum",
    "type",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "items",
    "properties",
    "additionalProperties",
    "description",
    "format",
    "default",
    "nullable",
    "discriminator",
    "readOnly",
    "writeOnly",
    "xml",
    "externalDocs",
    "example",
    "deprecated",
    "$ref",
];

/// Checks one 3.0 schema and every schema in it; `at` is where it is.
fn check_schema_30(schema: &Value, at: &str, problems: &mut Vec<String>) {
    let Some(object) = schema.as_object() else {
        problems.push(format!("{at}: a schema is an object in 3.0, not {schema}"));
        return;
    };
    for (key, value) in object {
        let here = format!("{at}/{key}");
        if !SCHEMA_30.contains(&key.as_str()) && !key.starts_with("x-") {
            problems.push(format!("{here}: not a 3.0 schema keyword"));
        }
        match key.as_str() {
            "type" => match value.as_str() {
                Some("null") | None => problems.push(format!("{here}: {value} is not a 3.0 type")),
                Some(_) => {}
            },
            "$ref" if object.len() > 1 => {
                problems.push(format!("{at}: $ref with siblings (3.0 ignores them)"));
            }
            "exclusiveMinimum" | "exclusiveMaximum" | "nullable" if !value.is_boolean() => {
                problems.push(format!("{here}: a boolean in 3.0"));
            }
            "required" if value.as_array().is_none_or(Vec::is_empty) => {
                problems.push(format!("{here}: a non-empty list in 3.0"));
            }
            "properties" => {
                for (name, property) in value.as_object().unwrap() {
                    check_schema_30(property, &format!("{here}/{name}"), problems);
                }
            }
            "items" | "not" => check_schema_30(value, &here, problems),
            "additionalProperties" if !value.is_boolean() => {
                check_schema_30(value, &here, problems);
            }
            "allOf" | "oneOf" | "anyOf" => {
                for (i, alternative) in value.as_array().unwrap().iter().enumerate() {
                    if alternative.get("type") == Some(&Value::from("null")) {
                        problems.push(format!("{here}/{i}: a null alternative"));
                    }
                    check_schema_30(alternative, &format!("{here}/{i}"), problems);
                }
            }
            _ => {}
        }
    }
    if object.get("type") == Some(&Value::from("array")) && !object.contains_key("items") {
        problems.push(format!("{at}: an array without `items`"));
    }
}

/// Every schema of the document, wherever OpenAPI 3.0 puts one, and every
/// other object, checked for what only 3.1 has.
fn check_document_30(value: &Value, at: &str, problems: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            for (key, item) in object {
                let here = format!("{at}/{key}");
                match key.as_str() {
                    "schema" => check_schema_30(item, &here, problems),
                    "schemas" if at == "/components" => {
                        for (name, schema) in item.as_object().unwrap() {
                            check_schema_30(schema, &format!("{here}/{name}"), problems);
                        }
                    }
                    "webhooks" | "jsonSchemaDialect" | "pathItems" | "identifier" | "const"
                    | "prefixItems" | "$defs" | "$schema" | "contentMediaType"
                    | "contentEncoding" => problems.push(format!("{here}: only in 3.1")),
                    "summary" if at == "/info" => problems.push(format!("{here}: only in 3.1")),
                    "$ref" if object.len() > 1 => {
                        problems.push(format!("{at}: a reference with siblings"));
                    }
                    "examples" if item.is_array() => {
                        problems.push(format!("{here}: a list (a map of examples in 3.0)"));
                    }
                    _ => check_document_30(item, &here, problems),
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_document_30(item, &format!("{at}/{i}"), problems);
            }
        }
        _ => {}
    }
}

#[test]
fn the_openapi_30_document_holds_nothing_only_31_has() {
    let doc: Value = serde_json::from_str(&naeringsareal::router::openapi30_json()).unwrap();
    assert_eq!(doc["openapi"], "3.0.3");
    let mut problems = Vec::new();
    check_document_30(&doc, "", &mut problems);
    assert!(
        problems.is_empty(),
        "3.1 in the 3.0 document:\n{}",
        problems.join("\n")
    );
    // It is the same API: the same operations and schemas.
    let v31: Value = serde_json::from_str(&naeringsareal::router::openapi_json()).unwrap();
    let operations = |doc: &Value| -> Vec<String> {
        let mut ops = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                ops.push(format!("{method} {path}"));
            }
        }
        ops
    };
    assert_eq!(operations(&doc), operations(&v31));
    let names = |doc: &Value| -> Vec<String> {
        doc["components"]["schemas"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(names(&doc), names(&v31));
    // The nullable properties of a plot stay nullable, and its references
    // with a description stay references.
    let plot = &doc["components"]["schemas"]["PlotProperties"]["properties"];
    assert_eq!(plot["price_nok_per_m2"]["nullable"], true);
    assert_ne!(plot["price_nok_per_m2"]["type"], Value::Null);
    assert_eq!(
        plot["status"]["allOf"][0]["$ref"],
        "#/components/schemas/Status"
    );
    assert_eq!(plot["utilisation_type"]["nullable"], true);
}

/// The checker finds what it looks for (so that a pass above means something).
#[test]
fn the_31_document_fails_the_30_check() {
    let doc: Value = serde_json::from_str(&naeringsareal::router::openapi_json()).unwrap();
    let mut problems = Vec::new();
    check_document_30(&doc, "", &mut problems);
    for expected in [
        "is not a 3.0 type",
        "$ref with siblings",
        "a null alternative",
        "only in 3.1",
    ] {
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "the check finds {expected:?} in the 3.1 document"
        );
    }
}

/// Every member `schema` requires is in `value`, following `$ref`s,
/// through objects and arrays; the paths of those missing.
fn missing_required(doc: &Value, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return missing_required(doc, &doc["components"]["schemas"][name], value, at, out);
    }
    if let Some(items) = value.as_array() {
        for (i, item) in items.iter().enumerate() {
            missing_required(doc, &schema["items"], item, &format!("{at}[{i}]"), out);
        }
        return;
    }
    let Some(object) = value.as_object() else {
        return;
    };
    for name in schema["required"].as_array().into_iter().flatten() {
        let name = name.as_str().unwrap();
        if !object.contains_key(name) {
            out.push(format!("{at}.{name}"));
        }
    }
    for (name, member) in object {
        if let Some(member_schema) = schema["properties"].get(name) {
            missing_required(doc, member_schema, member, &format!("{at}.{name}"), out);
        }
    }
}

/// An items page with `properties=` (its documented example) holds what
/// the operation's response schema requires, and so does a full page and
/// a single plot.
#[actix_web::test]
async fn answers_with_chosen_properties_match_the_documented_schema() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let doc: Value = serde_json::from_str(&naeringsareal::router::openapi_json()).unwrap();
    let items = &doc["paths"]["/collections/plots/items"]["get"];
    let example = items["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "properties")
        .unwrap()["example"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(example, "reference,name,area_m2,status");
    let schema = &items["responses"]["200"]["content"]["application/geo+json"]["schema"];
    for uri in [
        format!("/collections/plots/items?properties={example}"),
        "/collections/plots/items".to_owned(),
        "/collections/plots/items?near=10.2,59.74&properties=name".to_owned(),
    ] {
        let page = get(&app, &uri).await.json();
        assert!(page["numberReturned"].as_u64().unwrap() > 0, "{uri}");
        let mut missing = Vec::new();
        missing_required(&doc, schema, &page, "page", &mut missing);
        missing.truncate(10);
        assert!(missing.is_empty(), "{uri}: missing {missing:?}…");
    }
    let one = get(&app, "/collections/plots/items?limit=1").await.json();
    let id = one["features"][0]["id"].as_str().unwrap();
    let plot = get(&app, &format!("/collections/plots/items/{id}"))
        .await
        .json();
    let schema = &doc["paths"]["/collections/plots/items/{featureId}"]["get"]["responses"]["200"]["content"]
        ["application/geo+json"]["schema"];
    let mut missing = Vec::new();
    missing_required(&doc, schema, &plot, "plot", &mut missing);
    assert!(missing.is_empty(), "one plot: missing {missing:?}");
    assert!(
        schema.is_object() && !schema.as_object().unwrap().is_empty(),
        "the plot's schema is documented"
    );
}
