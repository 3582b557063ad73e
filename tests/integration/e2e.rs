//! End to end: the real binary, over a socket, read by a real GIS client
//! (GDAL's OGC API – Features driver).

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::TestDb;

const BIN: &str = env!("CARGO_BIN_EXE_naeringsareal");

fn run(db: &TestDb, args: &[&str]) {
    let status = Command::new(BIN)
        .args(args)
        .env("DATABASE_URL", &db.url)
        .status()
        .unwrap();
    assert!(status.success(), "naeringsareal {args:?} failed");
}

struct Server {
    child: Child,
    base: String,
    /// Everything the server wrote (stdout and stderr), at log level debug.
    log: String,
}

impl Server {
    async fn start(db: &TestDb) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let listen = format!("127.0.0.1:{port}");
        let log = tempfile_path("server.log");
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(BIN)
            .args(["serve", "--listen", &listen])
            .env("DATABASE_URL", &db.url)
            .env("NAERINGSAREAL_WORKERS", "2")
            .env("RUST_LOG", "debug")
            .stdout(Stdio::from(out.try_clone().unwrap()))
            .stderr(Stdio::from(out))
            .spawn()
            .unwrap();
        let server = Self {
            child,
            base: format!("http://{listen}"),
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = reqwest::get(format!("{}/ready", server.base)).await
                && r.status().is_success()
            {
                return server;
            }
            assert!(Instant::now() < deadline, "the server did not become ready");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Asks the server to stop as an orchestrator would (SIGTERM), waits,
    /// and gives its exit status and what it wrote.
    fn stop(mut self) -> (std::process::ExitStatus, String) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, std::fs::read_to_string(&self.log).unwrap());
            }
            assert!(
                Instant::now() < deadline,
                "the server did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = std::fs::remove_file(&self.log);
    }
}

fn gdal(program: &str, args: &[&str]) -> String {
    let output = Command::new(program).args(args).output().unwrap_or_else(|e| {
        panic!("{program} is needed for this test (Debian: gdal-bin; scripts/test.sh installs it): {e}")
    });
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[actix_web::test]
async fn gdal_reads_every_plot_across_pages_from_the_real_binary() {
    let db = TestDb::new().await;
    run(&db, &["migrate"]);
    run(&db, &["seed-demo"]);
    let server = Server::start(&db).await;
    let source = format!("OAPIF:{}", server.base);

    let info = gdal("ogrinfo", &["-ro", "-so", &source, "plots"]);
    assert!(info.contains("Feature Count: 33"), "{info}");

    // Page size 4 makes GDAL follow nine `next` links.
    let out = tempfile_path("plots.geojson");
    gdal(
        "ogr2ogr",
        &[
            "-f",
            "GeoJSON",
            &out,
            &source,
            "plots",
            "-oo",
            "PAGE_SIZE=4",
        ],
    );
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let features = written["features"].as_array().unwrap();
    assert_eq!(features.len(), 33);
    let references: std::collections::HashSet<&str> = features
        .iter()
        .map(|f| f["properties"]["reference"].as_str().unwrap())
        .collect();
    assert_eq!(references.len(), 33, "each plot exactly once");
    let _ = std::fs::remove_file(&out);

    assert!(server.stop().0.success(), "a graceful stop exits 0");
}

/// Every GET operation of the OpenAPI document, its path parameters
/// filled with values that name a demo resource.
fn every_get_path(plot: &str) -> Vec<String> {
    let doc: serde_json::Value =
        serde_json::from_str(&naeringsareal::router::openapi_json()).unwrap();
    doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, item)| item.get("get").is_some())
        .map(|(path, _)| crate::common::filled_path(path, plot))
        .collect()
}

#[actix_web::test]
async fn head_answers_every_get_resource_as_get_does_without_a_body() {
    let db = TestDb::new().await;
    run(&db, &["migrate"]);
    run(&db, &["seed-demo"]);
    let server = Server::start(&db).await;
    let plot = crate::common::id_of(&db, "DRM-0001").await;
    let client = reqwest::Client::new();
    let paths = every_get_path(&plot);
    assert!(paths.len() >= 20, "{paths:?}");
    for path in paths
        .iter()
        .map(String::as_str)
        .chain(["/api.html", "/collections/plots/items?f=html"])
    {
        let url = format!("{}{path}", server.base);
        let get = client.get(&url).send().await.unwrap();
        let head = client.head(&url).send().await.unwrap();
        assert_eq!(head.status(), get.status(), "HEAD {path}");
        // (reqwest's content_length() is the body's size, 0 for any HEAD.)
        let names = [
            "content-type",
            "content-length",
            "etag",
            "cache-control",
            "content-crs",
            "link",
        ];
        for name in names {
            if name == "etag" && head.headers().get(name) != get.headers().get(name) {
                // A digest of a body that says when it was made (the
                // reserve's trend runs to now) differs from one ask to the
                // next, GET or HEAD.
                let again = client.get(&url).send().await.unwrap();
                assert_ne!(
                    again.headers().get(name),
                    get.headers().get(name),
                    "HEAD {path}: etag differs, a second GET's does not"
                );
                continue;
            }
            assert_eq!(
                head.headers().get(name),
                get.headers().get(name),
                "HEAD {path}: {name}"
            );
        }
        let length = get.headers().get("content-length").cloned();
        let body = get.bytes().await.unwrap();
        if let Some(length) = length {
            assert_eq!(
                length.to_str().unwrap(),
                body.len().to_string(),
                "GET {path}"
            );
        }
        assert!(
            head.bytes().await.unwrap().is_empty(),
            "HEAD {path} has no body"
        );
    }
    assert!(server.stop().0.success());
}

fn tempfile_path(name: &str) -> String {
    std::env::temp_dir()
        .join(format!("naer-{}-{name}", uuid::Uuid::new_v4().simple()))
        .to_string_lossy()
        .into_owned()
}

fn output_of(db: &TestDb, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .env("DATABASE_URL", &db.url)
        .output()
        .unwrap()
}

fn curl(args: &[&str]) -> (u16, String, String) {
    let headers = tempfile_path("headers");
    let output = Command::new("curl")
        .args(["-sS", "-D", &headers, "-o", "-"])
        .args(args)
        .output()
        .expect("curl is needed for this test");
    assert!(
        output.status.success(),
        "curl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let head = std::fs::read_to_string(&headers).unwrap();
    let _ = std::fs::remove_file(&headers);
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (
        status,
        head,
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

fn header<'a>(head: &'a str, name: &str) -> &'a str {
    head.lines()
        .find_map(|l| {
            l.split_once(':')
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim())
        })
        .unwrap_or_else(|| panic!("no {name} in {head}"))
}

#[actix_web::test]
async fn a_planner_writes_with_curl_and_imports_with_the_cli() {
    let db = TestDb::new().await;
    run(&db, &["migrate"]);
    run(&db, &["seed-demo"]);
    let made = output_of(
        &db,
        &["api-key", "create", "--name", "e2e", "--role", "planner"],
    );
    assert!(made.status.success());
    let stdout = String::from_utf8(made.stdout).unwrap();
    let key = stdout.lines().last().unwrap().to_owned();
    assert!(key.starts_with("naer_"), "{stdout}");
    let listed = String::from_utf8(output_of(&db, &["api-key", "list"]).stdout).unwrap();
    assert!(
        listed.starts_with("e2e\tplanner\t") && !listed.contains(&key),
        "{listed}"
    );
    let server = Server::start(&db).await;
    let auth = format!("Authorization: Bearer {key}");
    let items = format!("{}/collections/plots/items", server.base);

    // curl adds a plot and reserves it.
    let file = tempfile_path("plot.geojson");
    std::fs::write(&file, crate::common::new_plot("E2E-1").to_string()).unwrap();
    let (status, head, body) = curl(&[
        "-X",
        "POST",
        "-H",
        &auth,
        "-H",
        "Content-Type: application/geo+json",
        "--data-binary",
        &format!("@{file}"),
        &items,
    ]);
    assert_eq!(status, 201, "{body}");
    let location = header(&head, "location").to_owned();
    let etag = header(&head, "etag").to_owned();
    let (status, _, body) = curl(&[
        "-X",
        "PATCH",
        "-H",
        &auth,
        "-H",
        "Content-Type: application/merge-patch+json",
        "-H",
        &format!("If-Match: {etag}"),
        "--data",
        r#"{"properties":{"status":"reserved"}}"#,
        &location,
    ]);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""status":"reserved""#));
    // Without the key, the public may not write.
    let (status, _, _) = curl(&[
        "-X",
        "POST",
        "-H",
        "Content-Type: application/geo+json",
        "--data-binary",
        &format!("@{file}"),
        &items,
    ]);
    assert_eq!(status, 401);

    // The CLI imports a file in EUREF89 UTM 32: a dry run first.
    let mut utm = crate::common::new_plot("E2E-2");
    utm["geometry"] = serde_json::json!({"type": "Polygon", "coordinates": [[
        [571000.0, 6621000.0], [571080.0, 6621000.0], [571080.0, 6621050.0], [571000.0, 6621050.0], [571000.0, 6621000.0]
    ]]});
    let utm_file = tempfile_path("utm.geojson");
    std::fs::write(
        &utm_file,
        serde_json::json!({"type": "FeatureCollection", "features": [utm]}).to_string(),
    )
    .unwrap();
    let dry = output_of(
        &db,
        &["import", &utm_file, "--crs", "EPSG:25832", "--dry-run"],
    );
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&dry.stdout).trim(),
        "would import 1 features: 1 created, 0 updated, 0 unchanged"
    );
    let real = output_of(&db, &["import", &utm_file, "--crs", "EPSG:25832"]);
    assert_eq!(
        String::from_utf8_lossy(&real.stdout).trim(),
        "imported 1 features: 1 created, 0 updated, 0 unchanged"
    );
    let found: serde_json::Value = reqwest::get(format!("{items}?reference=E2E-2"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let area = found["features"][0]["properties"]["area_m2"]
        .as_f64()
        .unwrap();
    assert!((area - 4000.0).abs() < 10.0, "{area}");

    // A bad file: every problem named, exit status 1, nothing written.
    let mut bad = crate::common::new_plot("E2E-3");
    bad["properties"]["status"] = serde_json::json!("gone");
    std::fs::write(
        &utm_file,
        serde_json::json!({"type": "FeatureCollection", "features": [bad]}).to_string(),
    )
    .unwrap();
    let refused = output_of(&db, &["import", &utm_file]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("feature 0 (E2E-3): properties.status: `gone` is not one of"),
        "{stderr}"
    );

    // What GDAL exports from the registry imports back unchanged, even when
    // the first plot GDAL sees has empty lists (it would type them as text
    // and garble the lists of later pages, were it not for the collection's
    // schema).
    crate::common::copy_plot(
        &db,
        "DRM-0001",
        "00000000-0000-4000-8000-000000000001",
        "DRM-0999",
    )
    .await;
    let export = tempfile_path("export.geojson");
    gdal(
        "ogr2ogr",
        &[
            "-f",
            "GeoJSON",
            &export,
            &format!("OAPIF:{}", server.base),
            "plots",
        ],
    );
    let round = output_of(&db, &["import", &export]);
    assert!(
        round.status.success(),
        "{}",
        String::from_utf8_lossy(&round.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&round.stdout).trim(),
        "imported 36 features: 0 created, 0 updated, 36 unchanged"
    );
    for f in [&file, &utm_file, &export] {
        let _ = std::fs::remove_file(f);
    }
    // The key was sent with every write, and never written to the log (at
    // debug level), though the writes were: the log names the key's name.
    let (status, log) = server.stop();
    assert!(status.success());
    assert!(log.contains("plot added") && log.contains("e2e"), "{log}");
    assert!(!log.contains(&key), "the key is in the server's log");
    assert!(
        !log.contains(&key[5..]),
        "part of the key is in the server's log"
    );
}
