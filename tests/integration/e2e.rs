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
}

impl Server {
    async fn start(db: &TestDb) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let listen = format!("127.0.0.1:{port}");
        let child = Command::new(BIN)
            .args(["serve", "--listen", &listen])
            .env("DATABASE_URL", &db.url)
            .env("NAERINGSAREAL_WORKERS", "2")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Self {
            child,
            base: format!("http://{listen}"),
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

    /// Asks the server to stop as an orchestrator would (SIGTERM) and waits.
    fn stop(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
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

    assert!(server.stop().success(), "a graceful stop exits 0");
}

fn tempfile_path(name: &str) -> String {
    std::env::temp_dir()
        .join(format!("naer-{}-{name}", uuid::Uuid::new_v4().simple()))
        .to_string_lossy()
        .into_owned()
}
