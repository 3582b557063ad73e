//! Test databases: each test gets its own database, created from a template
//! that is migrated once per set of migrations, and dropped when the test ends.
//! The server is the one `DATABASE_URL` names (default: local PostgreSQL).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::sync::OnceLock;

pub use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::{self, TestRequest};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use naeringsareal::config::{ApiConfig, DbConfig};
use naeringsareal::router::app;
use naeringsareal::state::AppState;
use naeringsareal::{db, demo};
use serde_json::Value;

const DEFAULT_SERVER: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The server's URL with `database` as its path.
fn url_for(database: &str) -> String {
    let base = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_SERVER.to_owned());
    let mut url = url::Url::parse(&base).expect("DATABASE_URL is a URL");
    url.set_path(&format!("/{database}"));
    url.to_string()
}

/// A name for the template that changes whenever a migration changes.
fn template_name() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<_> = walk(&dir);
    files.sort();
    let mut hasher = DefaultHasher::new();
    for file in files {
        file.strip_prefix(&dir).unwrap().hash(&mut hasher);
        std::fs::read(&file).unwrap().hash(&mut hasher);
    }
    format!("naer_tmpl_{:016x}", hasher.finish())
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

async fn admin() -> AsyncPgConnection {
    let url = url_for("postgres");
    AsyncPgConnection::establish(&url)
        .await
        .unwrap_or_else(|e| panic!("tests need PostgreSQL at {url} (set DATABASE_URL): {e}"))
}

async fn exec(conn: &mut AsyncPgConnection, sql: &str) -> diesel::QueryResult<usize> {
    diesel::sql_query(sql).execute(conn).await
}

/// Creates the migrated template once (across parallel test processes too:
/// an advisory lock serialises them).
async fn create_template(name: &str) {
    let mut conn = admin().await;
    exec(&mut conn, "SELECT pg_advisory_lock(727272)")
        .await
        .unwrap();
    #[derive(diesel::QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let found: Found = diesel::sql_query(format!(
        "SELECT count(*) AS n FROM pg_database WHERE datname = '{name}'"
    ))
    .get_result(&mut conn)
    .await
    .unwrap();
    if found.n == 0 {
        let building = format!("{name}_building");
        exec(&mut conn, &format!("DROP DATABASE IF EXISTS {building}"))
            .await
            .unwrap();
        exec(&mut conn, &format!("CREATE DATABASE {building}"))
            .await
            .unwrap();
        db::run_migrations(&DbConfig::for_url(&url_for(&building)))
            .await
            .expect("migrating the template database");
        exec(
            &mut conn,
            &format!("ALTER DATABASE {building} RENAME TO {name}"),
        )
        .await
        .unwrap();
        exec(
            &mut conn,
            &format!("ALTER DATABASE {name} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"),
        )
        .await
        .unwrap();
    }
    exec(&mut conn, "SELECT pg_advisory_unlock(727272)")
        .await
        .unwrap();
}

fn template() -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let name = template_name();
        let for_thread = name.clone();
        std::thread::spawn(move || {
            tokio::runtime::Runtime::new()
                .unwrap()
                .block_on(create_template(&for_thread));
        })
        .join()
        .expect("creating the template database");
        name
    })
}

/// A database of one test's own; dropped when the value is.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    /// A fresh, migrated, empty database.
    pub async fn new() -> Self {
        let template = template();
        let name = format!("naer_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = admin().await;
        let sql = format!("CREATE DATABASE {name} TEMPLATE {template}");
        let mut tries = 0;
        while let Err(e) = exec(&mut conn, &sql).await {
            // Two creations from one template at the same instant can collide.
            tries += 1;
            assert!(
                tries < 20 && e.to_string().contains("being accessed"),
                "{e}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50 * tries)).await;
        }
        Self {
            url: url_for(&name),
            name,
        }
    }

    /// A fresh database with nothing in it, not even PostGIS.
    pub async fn unmigrated() -> Self {
        let name = format!("naer_test_{}", uuid::Uuid::new_v4().simple());
        exec(&mut admin().await, &format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        Self {
            url: url_for(&name),
            name,
        }
    }

    /// A fresh database with the demo data loaded.
    pub async fn with_demo() -> Self {
        let db = Self::new().await;
        demo::seed(&mut db.conn().await)
            .await
            .expect("seeding the demo data");
        db
    }

    /// A direct connection to this database.
    pub async fn conn(&self) -> AsyncPgConnection {
        AsyncPgConnection::establish(&self.url)
            .await
            .expect("connecting to the test database")
    }

    /// The app's state on this database.
    pub fn state(&self) -> AppState {
        self.state_with(ApiConfig::default())
    }

    /// The app's state on this database, with other API settings.
    pub fn state_with(&self, api: ApiConfig) -> AppState {
        AppState {
            pool: db::build_pool(&DbConfig::for_url(&self.url)).unwrap(),
            replica: None,
            api,
            public_url: None,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs outside any async context we could await in; a thread
        // with its own runtime does the dropping, even when the test panicked.
        let _ = std::thread::spawn(move || {
            tokio::runtime::Runtime::new().unwrap().block_on(async {
                let mut conn = admin().await;
                let _ = exec(
                    &mut conn,
                    &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                )
                .await;
            });
        })
        .join();
    }
}

/// A response's status, headers and body, read.
pub struct Answer {
    pub status: u16,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    pub fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or("")
    }
}

/// Sends `req` through `app` and reads the answer.
pub async fn send<B: MessageBody>(app: &impl TestApp<B>, req: actix_http::Request) -> Answer {
    let res = test::call_service(app, req).await;
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = test::read_body(res).await.to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

/// GETs `uri` from `app`.
pub async fn get<B: MessageBody>(app: &impl TestApp<B>, uri: &str) -> Answer {
    send(app, test::TestRequest::get().uri(uri).to_request()).await
}

/// DELETE of a plot (retiring it) with a planner's key and `If-Match`;
/// `reason` URL-encoded.
pub fn retire_plot(key: &str, id: &str, etag: &str, reason: &str) -> actix_http::Request {
    TestRequest::delete()
        .uri(&format!("/collections/plots/items/{id}?reason={reason}"))
        .insert_header(bearer(key))
        .insert_header(("if-match", etag))
        .to_request()
}

/// The app under test, as the helpers take it.
pub trait TestApp<B>:
    Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>
{
}

impl<S, B> TestApp<B> for S where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>
{
}

/// The app on `db`, as production builds it.
pub async fn app_on(
    db: &TestDb,
) -> impl Service<
    actix_http::Request,
    Response = ServiceResponse<impl MessageBody>,
    Error = actix_web::Error,
> {
    test::init_service(app(db.state())).await
}

/// Strips the scheme and host of a link so it can be sent to the test app.
pub fn path_of(href: &str) -> String {
    let url = url::Url::parse(href).expect("links are absolute URLs");
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

/// A new API key on `db` with `role`, named `name`.
pub async fn key(db: &TestDb, name: &str, role: naeringsareal::keys::role::Role) -> String {
    naeringsareal::keys::store::create(&mut db.conn().await, name, role)
        .await
        .expect("making a key")
        .0
}

/// `Authorization: Bearer <key>`.
pub fn bearer(key: &str) -> (&'static str, String) {
    ("authorization", format!("Bearer {key}"))
}

/// POST of a new plot with a planner's key.
pub fn post_plot(key: &str, body: &Value) -> actix_http::Request {
    TestRequest::post()
        .uri("/collections/plots/items")
        .insert_header(bearer(key))
        .insert_header(("content-type", "application/geo+json"))
        .set_payload(body.to_string())
        .to_request()
}

/// A merge-patch of a plot with a planner's key and `If-Match`.
pub fn patch_plot(key: &str, id: &str, etag: &str, patch: &Value) -> actix_http::Request {
    TestRequest::patch()
        .uri(&format!("/collections/plots/items/{id}"))
        .insert_header(bearer(key))
        .insert_header(("content-type", "application/merge-patch+json"))
        .insert_header(("if-match", etag))
        .set_payload(patch.to_string())
        .to_request()
}

/// A valid new plot near Drammen (about 100 m × 110 m), as a GeoJSON Feature.
pub fn new_plot(reference: &str) -> Value {
    serde_json::json!({
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [[
            [10.2000, 59.7400], [10.2018, 59.7400], [10.2018, 59.7410], [10.2000, 59.7410], [10.2000, 59.7400]
        ]]},
        "properties": {
            "reference": reference, "name": "Testtomta", "municipality": "3301", "land_use": 1340,
            "land_use_status": "current", "planning_status": "zoned", "location_class": "C",
            "readiness": "zoned", "ownership": "public", "offer_type": "sale", "status": "available",
            "price_nok_per_m2": 1200, "focus_areas": ["port_logistics"],
        }
    })
}

/// How many rows `table` has.
pub async fn count_rows(db: &TestDb, table: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let n: N = diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
        .get_result(&mut db.conn().await)
        .await
        .unwrap();
    n.n
}

/// The id of the plot with `reference`, ended or not.
pub async fn id_of(db: &TestDb, reference: &str) -> String {
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        id: uuid::Uuid,
    }
    let row: Id = diesel::sql_query("SELECT id FROM plots WHERE reference = $1")
        .bind::<diesel::sql_types::Text, _>(reference)
        .get_result(&mut db.conn().await)
        .await
        .unwrap();
    row.id.to_string()
}

/// Adds a copy of the plot `from` (a reference) with the given id and
/// reference and no cadastral units, through SQL (the API chooses ids
/// itself): for tests that need a plot at a chosen place in id order.
pub async fn copy_plot(db: &TestDb, from: &str, id: &str, reference: &str) {
    #[derive(diesel::QueryableByName)]
    struct Columns {
        #[diesel(sql_type = diesel::sql_types::Text)]
        list: String,
    }
    let mut conn = db.conn().await;
    let columns: Columns = diesel::sql_query(
        "SELECT string_agg(quote_ident(column_name), ', ') AS list FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name = 'plots' AND is_generated = 'NEVER'",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    diesel::sql_query(format!(
        "INSERT INTO plots ({0}) SELECT {0} FROM jsonb_populate_record(NULL::plots, \
         (SELECT to_jsonb(p) || jsonb_build_object('id', $1::uuid, 'reference', $2, \
          'cadastral_units', '[]'::jsonb) FROM plots p WHERE reference = $3))",
        columns.list
    ))
    .bind::<diesel::sql_types::Text, _>(id)
    .bind::<diesel::sql_types::Text, _>(reference)
    .bind::<diesel::sql_types::Text, _>(from)
    .execute(&mut conn)
    .await
    .unwrap();
}

/// The names of the offending parameters or fields in a problem body, in
/// its order.
pub fn offending(problem: &serde_json::Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect()
}

/// Checks that `answer` is a 400 problem (`application/problem+json`, an
/// invalid query parameter) naming exactly `parameter`; `what` is the
/// request, for the failure messages.
pub fn assert_invalid_parameter(answer: &Answer, parameter: &str, what: &str) {
    assert_eq!(
        answer.status,
        400,
        "{what}: {}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(answer.content_type(), "application/problem+json", "{what}");
    let problem = answer.json();
    assert_eq!(
        problem["type"], "urn:naeringsareal:problem:invalid-parameter",
        "{what}: {problem}"
    );
    assert_eq!(offending(&problem), [parameter], "{what}: {problem}");
}

/// An OpenAPI path (`/collections/plots/items/{featureId}`) with its
/// parameters filled with values that name demo resources (`plot` for a
/// plot's id); a parameter left without a value fails the test.
pub fn filled_path(path: &str, plot: &str) -> String {
    let filled = [
        ("{featureId}", plot),
        ("{tileMatrixSetId}", "WebMercatorQuad"),
        ("{tileMatrix}", "12"),
        ("{tileRow}", "1195"),
        ("{tileCol}", "2164"),
        ("{id}", "6f1c2a8e-0000-4000-8000-000000000001"),
        ("{name}", "nobody"),
    ]
    .iter()
    .fold(path.to_owned(), |p, (name, value)| p.replace(name, value));
    assert!(
        !filled.contains('{'),
        "a value for each parameter of {path}"
    );
    filled
}
