//! The database: connection pool, embedded migrations, the generated schema
//! and the PostGIS SQL functions the queries use.

pub mod bound;
pub mod replica;
pub mod schema;
pub mod sql;

use std::time::Duration;

use anyhow::Context;
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use futures_util::FutureExt;

use crate::config::DbConfig;

/// The pool every request borrows a connection from.
pub type DbPool = Pool<AsyncPgConnection>;
/// A connection borrowed from the pool.
pub type DbConn = Object<AsyncPgConnection>;

/// The migrations under `migrations/`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Key of the advisory lock that serialises migrations, so that replicas
/// starting together do not race ("næring" in ASCII, as a number).
const MIGRATION_LOCK_KEY: i64 = 0x6e_e6_72_69_6e_67;

/// Builds the pool: `pool_size` connections, each with `statement_timeout` set,
/// and a wait timeout after which a request is answered 503.
pub fn build_pool(config: &DbConfig) -> anyhow::Result<DbPool> {
    pool_for(config, config.url(), RecyclingMethod::Fast)
}

/// The replica's pool, built as the primary's, when a replica is configured.
pub fn build_replica_pool(config: &DbConfig) -> anyhow::Result<Option<DbPool>> {
    config
        .read_url()
        .map(|url| {
            // Checked at every checkout: a replica that went away must be
            // found out before the request is served from it, so that the
            // request goes to the primary instead of failing.
            pool_for(config, url, RecyclingMethod::Verified)
                .context("building the read replica's pool")
        })
        .transpose()
}

fn pool_for(
    config: &DbConfig,
    url: &str,
    recycling: RecyclingMethod<AsyncPgConnection>,
) -> anyhow::Result<DbPool> {
    let statement_timeout_ms = config.statement_timeout.as_millis();
    let mut manager_config = ManagerConfig::default();
    // The primary's pool recycles fast: diesel-async's default pings the
    // server with `SELECT 1` at every checkout, a second round trip for
    // every request (measured: it held single-plot reads to under half the
    // SQL floor). A connection that died is found out by the query that
    // uses it, answered 503, and not put back into the pool.
    manager_config.recycling_method = recycling;
    manager_config.custom_setup = Box::new(move |url| {
        async move {
            let mut conn = AsyncPgConnection::establish(url).await?;
            // Custom plans always: a generic plan cannot know how much of the
            // table a bbox selects, and picked a plan 100x slower for a dense
            // box (measured at 1M plots: 714 ms against 4.5 ms).
            // No parallel workers and no JIT: the API's queries are short,
            // many run at once, and starting workers or compiling cost more
            // than they save (a page query took 65 ms with 2 workers, 4.5 ms
            // without; JIT added 200-350 ms to large counts).
            conn.batch_execute(&format!(
                "SET statement_timeout = {statement_timeout_ms}; \
                 SET plan_cache_mode = force_custom_plan; \
                 SET max_parallel_workers_per_gather = 0; \
                 SET jit = off"
            ))
            .await
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok(conn)
        }
        .boxed()
    });
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, manager_config);
    Pool::builder(manager)
        .max_size(config.pool_size.get() as usize)
        .wait_timeout(Some(config.pool_timeout))
        .create_timeout(Some(config.pool_timeout.max(Duration::from_secs(1))))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .context("building the database pool")
}

/// Applies pending migrations under an advisory lock and returns the versions
/// applied. The first migration creates the PostGIS extension.
pub async fn run_migrations(config: &DbConfig) -> anyhow::Result<Vec<String>> {
    create_database_if_missing(config).await?;
    let url = config.url().to_owned();
    tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<String>> {
        let mut conn =
            <AsyncConnectionWrapper<AsyncPgConnection> as diesel::Connection>::establish(&url)
                .context("connecting to the database to migrate it")?;
        let lock = diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"));
        diesel::RunQueryDsl::execute(lock, &mut conn)?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.iter().map(ToString::to_string).collect())
            .map_err(|e| explain_migration_error(&e.to_string()));
        let unlock = diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"));
        diesel::RunQueryDsl::execute(unlock, &mut conn)?;
        applied
    })
    .await
    .context("the migration task panicked")?
}

/// Creates the configured database when the server lacks it, so that
/// `migrate` works on a fresh PostgreSQL.
async fn create_database_if_missing(config: &DbConfig) -> anyhow::Result<()> {
    let error = match AsyncPgConnection::establish(config.url()).await {
        Ok(_) => return Ok(()),
        Err(e) if e.to_string().contains("does not exist") => e,
        Err(e) => return Err(anyhow::Error::new(e).context("connecting to the database")),
    };
    let mut url = url::Url::parse(config.url()).context("DATABASE_URL is not a URL")?;
    let name = url.path().trim_start_matches('/').to_owned();
    if name.is_empty() || name.contains('"') {
        return Err(anyhow::Error::new(error).context("connecting to the database"));
    }
    url.set_path("/postgres");
    let mut admin = AsyncPgConnection::establish(url.as_str())
        .await
        .with_context(|| format!("database {name} does not exist, and the server's `postgres` database cannot be reached to create it"))?;
    diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
        .execute(&mut admin)
        .await
        .with_context(|| format!("creating database {name}"))?;
    tracing::info!(database = %name, "created the database");
    Ok(())
}

fn explain_migration_error(message: &str) -> anyhow::Error {
    if message.contains("extension \"postgis\" is not available")
        || message.contains("postgis.control")
    {
        anyhow::anyhow!(
            "PostGIS is not installed on the database server ({message}). \
             Install it (Debian: `apt-get install postgresql-15-postgis-3`) or run \
             `scripts/dev.sh`, which does it for you."
        )
    } else {
        anyhow::anyhow!("migrating the database failed: {message}")
    }
}

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = Text)]
    version: String,
}

/// The PostGIS version of the database, or an explanation of why there is none.
pub async fn postgis_version(conn: &mut AsyncPgConnection) -> anyhow::Result<String> {
    diesel::sql_query("SELECT postgis_lib_version() AS version")
        .get_result::<Version>(conn)
        .await
        .map(|v| v.version)
        .map_err(|e| {
            anyhow::anyhow!(
                "PostGIS is not available in this database ({e}); run `naeringsareal migrate` first"
            )
        })
}

/// Checks at start-up that the database is reachable, migrated and has PostGIS 3.
pub async fn check_database(pool: &DbPool) -> anyhow::Result<String> {
    let mut conn = pool
        .get()
        .await
        .map_err(|e| anyhow::anyhow!("cannot connect to the database: {e}"))?;
    let version = postgis_version(&mut conn).await?;
    if !version.starts_with('3') {
        anyhow::bail!("PostGIS {version} found; the registry needs PostGIS 3");
    }
    Ok(version)
}

/// The work of a housekeeping job: what it did, counted.
pub type Chore = for<'c> fn(
    &'c mut AsyncPgConnection,
    u64,
) -> futures_util::future::BoxFuture<'c, diesel::QueryResult<usize>>;

/// Runs `chore` with `arg` at once and then once an hour, for as long as the
/// service runs (every instance does; the chores are single statements that
/// do not conflict), logging what it did as `done`. A failure is logged and
/// tried again the next hour.
pub async fn hourly(pool: DbPool, chore: Chore, arg: u64, done: &'static str) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let result = match pool.get().await {
            Ok(mut conn) => chore(&mut conn, arg).await.map_err(anyhow::Error::from),
            Err(e) => Err(anyhow::Error::from(e)),
        };
        match result {
            Ok(0) => {}
            Ok(n) => tracing::info!(count = n, "{done}"),
            Err(e) => tracing::warn!(error = %e, "housekeeping failed: {done}"),
        }
    }
}
