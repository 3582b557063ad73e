//! PostgreSQL clusters of a test's own, on free ports, made and driven by
//! `scripts/pg-cluster.sh` (as the drills in `bench/` are): a primary, and
//! hot standbys streaming from it. Deleted when the value is dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use diesel_async::{AsyncConnection, AsyncPgConnection};
use naeringsareal::config::DbConfig;
use naeringsareal::{db, demo};

/// The database the clusters' tests use.
pub const DATABASE: &str = "naeringsareal";

/// One cluster.
pub struct Cluster {
    dir: PathBuf,
    pub port: u16,
}

fn script(args: &[&str]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pg-cluster.sh");
    let output = Command::new(&script).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "pg-cluster.sh {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn new_dir(role: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "naer-pg-{role}-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    // The script makes it, owned by the cluster's user.
    dir
}

impl Cluster {
    /// A new primary.
    pub fn primary() -> Self {
        let cluster = Self {
            dir: new_dir("primary"),
            port: free_port(),
        };
        script(&["primary", cluster.path(), &cluster.port.to_string()]);
        cluster
    }

    /// A hot standby of this primary, made with `pg_basebackup -R`; with
    /// `sync`, the primary's commits wait for it from then on.
    pub fn standby(&self, sync: bool) -> Self {
        let standby = Self {
            dir: new_dir("standby"),
            port: free_port(),
        };
        let (port, primary) = (standby.port.to_string(), self.port.to_string());
        let mut args = vec!["standby", standby.path(), &port, &primary];
        if sync {
            args.push("sync");
        }
        script(&args);
        standby
    }

    fn path(&self) -> &str {
        self.dir.to_str().unwrap()
    }

    /// The URL of `database` on this cluster.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{DATABASE}", self.port)
    }

    pub fn stop(&self, mode: &str) {
        script(&["stop", self.path(), mode]);
    }

    pub fn start(&self) {
        script(&["start", self.path()]);
    }

    pub fn promote(&self) {
        script(&["promote", self.path()]);
    }

    /// Migrates the database and loads the demo data into it.
    pub async fn seed(&self) {
        let config = DbConfig::for_url(&self.url());
        db::run_migrations(&config).await.unwrap();
        let mut conn = AsyncPgConnection::establish(&self.url()).await.unwrap();
        demo::seed(&mut conn).await.unwrap();
    }

    /// [`seed`](Self::seed), and a planner's key (named `kari`).
    pub async fn seed_with_planner(&self) -> String {
        self.seed().await;
        naeringsareal::keys::store::create(
            &mut self.conn().await,
            "kari",
            naeringsareal::keys::role::Role::Planner,
        )
        .await
        .unwrap()
        .0
    }

    /// A connection to the database, waiting up to 30 s for the server.
    pub async fn conn(&self) -> AsyncPgConnection {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match AsyncPgConnection::establish(&self.url()).await {
                Ok(conn) => return conn,
                Err(e) if Instant::now() > deadline => panic!("{}: {e}", self.url()),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pg-cluster.sh");
        let _ = Command::new(script).args(["destroy", self.path()]).output();
    }
}
