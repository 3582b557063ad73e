//! The served OpenAPI document is the committed one.

use crate::common::{TestDb, app_on, get};

const COMMITTED: &str = "openapi/openapi.json";

#[actix_web::test]
async fn served_openapi_matches_the_committed_copy() {
    let db = TestDb::new().await;
    let app = app_on(&db).await;
    let answer = get(&app, "/api").await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.content_type(),
        "application/vnd.oai.openapi+json;version=3.1"
    );
    let served = String::from_utf8(answer.body).unwrap();
    // What `scripts/update-openapi.sh` writes (`naeringsareal openapi`) is
    // what is served, so the script's output passes this test.
    assert!(
        served == naeringsareal::router::openapi_json(),
        "the `openapi` command prints another document than /api serves"
    );
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(COMMITTED);
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("{COMMITTED} cannot be read ({e}); make it with `scripts/update-openapi.sh`")
    });
    assert!(
        served == committed,
        "{COMMITTED} differs from what the service serves; regenerate it with \
         `scripts/update-openapi.sh`, review the diff and commit it"
    );
}

#[test]
fn every_operation_documents_its_errors_as_problems() {
    let doc: serde_json::Value =
        serde_json::from_str(&naeringsareal::router::openapi_json()).unwrap();
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
