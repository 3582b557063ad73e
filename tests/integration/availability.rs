//! Available at all times: a restart of the database, a failover to a
//! promoted standby, a read replica that is down or behind, two instances
//! on one database and migrations started by both at once. The clusters
//! are real PostgreSQL servers of each test's own (see `cluster`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::test::{TestRequest, init_service};
use diesel_async::RunQueryDsl;
use naeringsareal::config::{ApiConfig, DbConfig};
use naeringsareal::db::{self, replica::Replica};
use naeringsareal::keys::role::Role;
use naeringsareal::router::{Shared, app};
use naeringsareal::state::AppState;
use serde_json::{Value, json};

use crate::cluster::{Cluster, DATABASE};
use crate::common::*;
use crate::matching::{match_request, matched, nearly_free};
use crate::tiles::{DRAMMEN_Z12, decode};

/// How long a request may take before the test calls it a hang: far more
/// than the pool's wait timeout (1 s here).
const HANG: Duration = Duration::from_secs(20);

fn config(url: &str) -> DbConfig {
    DbConfig {
        pool_timeout: Duration::from_secs(1),
        ..DbConfig::for_url(url)
    }
}

fn state_on(url: &str) -> AppState {
    AppState {
        pool: db::build_pool(&config(url)).unwrap(),
        replica: None,
        api: ApiConfig::default(),
        public_url: None,
    }
}

/// The state with a read replica at `replica`, used while its lag is at
/// most `max_lag`, measured every 100 ms when `monitored` (otherwise when
/// the test calls `check`).
fn state_with_replica(
    primary: &str,
    replica: &str,
    max_lag: Duration,
    monitored: bool,
) -> AppState {
    let mut state = state_on(primary);
    let config = DbConfig {
        read_database_url: Some(replica.to_owned().into()),
        ..config(primary)
    };
    let pool = db::build_replica_pool(&config).unwrap().unwrap();
    let replica = Arc::new(Replica::new(pool, max_lag));
    if monitored {
        db::replica::monitor(
            Arc::clone(&replica),
            state.pool.clone(),
            Duration::from_millis(100),
        );
    }
    state.replica = Some(replica);
    state
}

/// Sends `req`, failing the test if no answer comes within [`HANG`].
async fn answer<B: MessageBody>(app: &impl TestApp<B>, req: actix_http::Request) -> Answer {
    let started = Instant::now();
    let answer = tokio::time::timeout(HANG, send(app, req))
        .await
        .expect("the request hung");
    answer.assert_status_is_clean(started);
    answer
}

trait Clean {
    fn assert_status_is_clean(&self, started: Instant);
}

impl Clean for Answer {
    /// Never a 500; a 503 is problem+json with `Retry-After`.
    fn assert_status_is_clean(&self, started: Instant) {
        assert!(
            self.status < 500 || self.status == 503,
            "{} after {:?}: {}",
            self.status,
            started.elapsed(),
            String::from_utf8_lossy(&self.body)
        );
        if self.status == 503 {
            assert_eq!(self.content_type(), "application/problem+json");
            assert!(
                self.header("retry-after").is_some(),
                "503 without Retry-After"
            );
        }
    }
}

async fn get_clean<B: MessageBody>(app: &impl TestApp<B>, uri: &str) -> Answer {
    answer(app, TestRequest::get().uri(uri).to_request()).await
}

/// Asks `uri` until it answers 200 (at most 30 s); returns the answer.
async fn until_ok<B: MessageBody>(app: &impl TestApp<B>, uri: &str) -> Answer {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = get_clean(app, uri).await;
        if got.status == 200 {
            return got;
        }
        assert!(
            Instant::now() < deadline,
            "{uri} still {} after 30 s",
            got.status
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn sql(cluster: &Cluster, statement: &str) {
    diesel::sql_query(statement)
        .execute(&mut cluster.conn().await)
        .await
        .unwrap();
}

async fn id_on(cluster: &Cluster, reference: &str) -> String {
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
    }
    diesel::sql_query(format!(
        "SELECT id::text AS id FROM plots WHERE reference = '{reference}' AND ended_at IS NULL"
    ))
    .get_result::<Id>(&mut cluster.conn().await)
    .await
    .unwrap()
    .id
}

/// The status of the plot `reference` in the Drammen z12 tile.
fn status_in_tile(tile: &Answer, reference: &str) -> Option<Value> {
    decode(&tile.body)
        .into_iter()
        .find(|f| f["reference"] == reference)
        .map(|f| f["status"].clone())
}

/// An available plot in the Drammen z12 tile, other than DRM-0001.
fn available_in_tile(tile: &Answer) -> String {
    decode(&tile.body)
        .into_iter()
        .find(|f| f["status"] == "available" && f["reference"] != "DRM-0001")
        .map(|f| f["reference"].as_str().unwrap().to_owned())
        .expect("an available plot in the tile")
}

#[actix_web::test]
async fn a_database_restart_is_503_with_retry_after_and_then_served_again() {
    let primary = Cluster::primary();
    primary.seed().await;
    let app = init_service(app(Shared::from(state_on(&primary.url())))).await;
    let plot = id_on(&primary, "DRM-0001").await;
    let item = format!("/collections/plots/items/{plot}");
    // The copies are loaded: site matching's and the tile cache's.
    assert_eq!(matched(&app, &nearly_free()).await, Vec::<String>::new());
    let tile = until_ok(&app, DRAMMEN_Z12).await;
    let in_tile = available_in_tile(&tile);

    primary.stop("fast");
    for uri in [
        "/collections/plots/items",
        item.as_str(),
        DRAMMEN_Z12,
        "/collections/plots?f=json",
        "/ready",
    ] {
        let got = get_clean(&app, uri).await;
        assert_eq!(got.status, 503, "{uri} with the database down");
    }
    let ready = get_clean(&app, "/ready").await.json();
    assert!(
        ready["detail"].as_str().unwrap().contains("connection"),
        "{ready}"
    );
    let matching = answer(&app, match_request(&nearly_free())).await;
    assert_eq!(matching.status, 503);

    // Back, with writes made by another hand before the service looks again.
    primary.start();
    sql(
        &primary,
        "UPDATE plots SET price_nok_per_m2 = 1 WHERE reference = 'DRM-0001'",
    )
    .await;
    sql(
        &primary,
        &format!("UPDATE plots SET status = 'reserved' WHERE reference = '{in_tile}'"),
    )
    .await;
    until_ok(&app, "/collections/plots/items").await;
    assert_eq!(get_clean(&app, "/ready").await.status, 200);
    assert_eq!(get_clean(&app, &item).await.status, 200);
    assert_eq!(matched(&app, &nearly_free()).await, [plot]);
    let tile = get_clean(&app, DRAMMEN_Z12).await;
    assert_eq!(status_in_tile(&tile, &in_tile), Some(json!("reserved")));
}

#[actix_web::test]
async fn after_a_failover_the_service_writes_to_the_promoted_standby_without_a_restart() {
    let primary = Cluster::primary();
    let planner = primary.seed_with_planner().await;
    let standby = primary.standby(true);
    let url = format!(
        "postgres://postgres@127.0.0.1:{},127.0.0.1:{}/{DATABASE}?target_session_attrs=read-write",
        primary.port, standby.port
    );
    let app = init_service(app(Shared::from(state_on(&url)))).await;
    let written = answer(&app, post_plot(&planner, &new_plot("FO-1"))).await;
    assert_eq!(
        written.status,
        201,
        "{}",
        String::from_utf8_lossy(&written.body)
    );
    let location = path_of(written.header("location").unwrap());
    assert_eq!(matched(&app, &nearly_free()).await, Vec::<String>::new());

    primary.stop("immediate");
    // The standby takes no writes: target_session_attrs=read-write refuses it.
    let refused = answer(&app, post_plot(&planner, &new_plot("FO-2"))).await;
    assert_eq!(refused.status, 503);

    standby.promote();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let again = answer(&app, post_plot(&planner, &new_plot("FO-2"))).await;
        if again.status == 201 {
            break;
        }
        assert_eq!(
            again.status,
            503,
            "{}",
            String::from_utf8_lossy(&again.body)
        );
        assert!(
            Instant::now() < deadline,
            "no write 30 s after the promotion"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The write acknowledged before the failover is there (synchronous
    // replication), and the copies follow the new primary.
    assert_eq!(get_clean(&app, &location).await.status, 200);
    sql(
        &standby,
        "UPDATE plots SET price_nok_per_m2 = 1 WHERE reference = 'FO-1'",
    )
    .await;
    assert_eq!(
        matched(&app, &nearly_free()).await,
        [id_on(&standby, "FO-1").await]
    );
}

/// Waits until `/ready` shows the replica in `state`.
async fn until_replica<B: MessageBody>(app: &impl TestApp<B>, state: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = get_clean(app, "/ready").await;
        if ready.status == 200 && ready.json()["replica"]["state"] == state {
            return ready.json();
        }
        assert!(
            Instant::now() < deadline,
            "the replica is not `{state}`: {}",
            String::from_utf8_lossy(&ready.body)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn public_reads_use_the_replica_and_fall_back_to_the_primary() {
    let primary = Cluster::primary();
    let planner = primary.seed_with_planner().await;
    let standby = primary.standby(false);
    let strict = state_with_replica(
        &primary.url(),
        &standby.url(),
        Duration::from_millis(300),
        true,
    );
    let app = init_service(app(Shared::from(strict))).await;
    let ready = until_replica(&app, "in use").await;
    assert!(
        ready["replica"]["lag_seconds"].as_f64().is_some(),
        "{ready}"
    );
    let plot = id_on(&primary, "DRM-0001").await;
    let item = format!("/collections/plots/items/{plot}");

    // With the primary down, the public still reads, from the replica;
    // planners, who read the primary, are told to come back.
    primary.stop("fast");
    assert_eq!(
        get_clean(&app, "/collections/plots/items").await.status,
        200
    );
    assert_eq!(get_clean(&app, &item).await.status, 200);
    assert_eq!(get_clean(&app, DRAMMEN_Z12).await.status, 200);
    let planners = answer(
        &app,
        TestRequest::get()
            .uri("/collections/plots/items")
            .insert_header(bearer(&planner))
            .to_request(),
    )
    .await;
    assert_eq!(planners.status, 503);
    primary.start();
    until_ok(&app, "/ready").await;

    // A replica that stops replaying falls behind the bound: reads go to
    // the primary, and see the write at once.
    sql(&standby, "SELECT pg_wal_replay_pause()").await;
    let etag = get_clean(&app, &item)
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let patch = answer(
        &app,
        patch_plot(
            &planner,
            &plot,
            &etag,
            &json!({"properties": {"name": "Ny tomt"}}),
        ),
    )
    .await;
    assert_eq!(patch.status, 200);
    until_replica(&app, "lagging").await;
    assert_eq!(
        get_clean(&app, &item).await.json()["properties"]["name"],
        "Ny tomt"
    );

    // A replica that is down: reads go to the primary.
    sql(&standby, "SELECT pg_wal_replay_resume()").await;
    until_replica(&app, "in use").await;
    standby.stop("fast");
    let got = get_clean(&app, &item).await;
    assert_eq!(got.status, 200, "{}", String::from_utf8_lossy(&got.body));
    let ready = until_replica(&app, "down").await;
    assert!(ready["replica"]["reason"].is_string(), "{ready}");
    standby.start();
    until_replica(&app, "in use").await;
}

#[actix_web::test]
async fn the_copies_never_take_a_replica_behind_them_for_current() {
    let primary = Cluster::primary();
    let planner = primary.seed_with_planner().await;
    let standby = primary.standby(false);
    // A bound so large that the replica stays in use while it is behind;
    // measured when the test says.
    let state = state_with_replica(
        &primary.url(),
        &standby.url(),
        Duration::from_secs(3600),
        false,
    );
    let replica = Arc::clone(state.replica.as_ref().unwrap());
    let pool = state.pool.clone();
    let app = init_service(app(Shared::from(state))).await;
    replica.check(&pool).await;
    assert_eq!(replica.status().state, "in use");
    let tile = get_clean(&app, DRAMMEN_Z12).await;
    let in_tile = available_in_tile(&tile);
    assert_eq!(matched(&app, &nearly_free()).await, Vec::<String>::new());

    sql(&standby, "SELECT pg_wal_replay_pause()").await;
    sql(
        &primary,
        &format!("UPDATE plots SET status = 'reserved', price_nok_per_m2 = 1 WHERE reference = '{in_tile}'"),
    )
    .await;
    // A planner's tile is rendered on the primary: the cache sees the write.
    let planners = answer(
        &app,
        TestRequest::get()
            .uri(DRAMMEN_Z12)
            .insert_header(bearer(&planner))
            .to_request(),
    )
    .await;
    assert_eq!(status_in_tile(&planners, &in_tile), Some(json!("reserved")));
    // The public's tile: the replica, in use but behind what the cache saw,
    // is passed over for the primary; a stale tile is neither served nor kept.
    let public = get_clean(&app, DRAMMEN_Z12).await;
    assert_eq!(status_in_tile(&public, &in_tile), Some(json!("reserved")));

    // Site matching: a match made on the primary (the replica marked down a
    // moment) moves the copy past the replica; the next, with the replica
    // back in use, must not go back to it.
    replica.mark_down("test".to_owned());
    let id = id_on(&primary, &in_tile).await;
    let reserved_is_not_on_offer = matched(&app, &nearly_free()).await;
    assert_eq!(reserved_is_not_on_offer, Vec::<String>::new());
    sql(
        &primary,
        &format!("UPDATE plots SET status = 'available' WHERE reference = '{in_tile}'"),
    )
    .await;
    assert_eq!(
        matched(&app, &nearly_free()).await,
        std::slice::from_ref(&id)
    );
    replica.check(&pool).await;
    assert_eq!(replica.status().state, "in use");
    assert_eq!(matched(&app, &nearly_free()).await, [id]);
    sql(&standby, "SELECT pg_wal_replay_resume()").await;
}

#[actix_web::test]
async fn two_instances_on_one_database_agree_at_once() {
    let db = TestDb::with_demo().await;
    let one = init_service(app(db.state())).await;
    let other = init_service(app(db.state())).await;
    let planner = key(&db, "kari", Role::Planner).await;
    // The other instance has its copies loaded and a tile cached.
    assert_eq!(matched(&other, &nearly_free()).await, Vec::<String>::new());
    let tile = get(&other, DRAMMEN_Z12).await;
    let in_tile = available_in_tile(&tile);
    let id = id_of(&db, &in_tile).await;
    let item = format!("/collections/plots/items/{id}");

    let etag = get(&one, &item).await.header("etag").unwrap().to_owned();
    let patch = send(
        &one,
        patch_plot(
            &planner,
            &id,
            &etag,
            &json!({"properties": {"price_nok_per_m2": 1, "status": "reserved"}}),
        ),
    )
    .await;
    assert_eq!(patch.status, 200);
    let tile = get(&other, DRAMMEN_Z12).await;
    assert_eq!(status_in_tile(&tile, &in_tile), Some(json!("reserved")));
    assert_eq!(
        get(&other, &item).await.json()["properties"]["status"],
        "reserved"
    );

    let etag = get(&one, &item).await.header("etag").unwrap().to_owned();
    let patch = send(
        &one,
        patch_plot(
            &planner,
            &id,
            &etag,
            &json!({"properties": {"status": "available"}}),
        ),
    )
    .await;
    assert_eq!(patch.status, 200);
    assert_eq!(matched(&other, &nearly_free()).await, [id]);
}

#[actix_web::test]
async fn migrations_started_by_two_instances_at_once_run_once() {
    let db = TestDb::unmigrated().await;
    let config = DbConfig::for_url(&db.url);
    let (one, other) = tokio::join!(db::run_migrations(&config), db::run_migrations(&config));
    let (one, other) = (one.unwrap(), other.unwrap());
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .count();
    // One ran them all; the other, once it had the lock, found none left.
    let mut applied = [one.len(), other.len()];
    applied.sort();
    assert_eq!(applied, [0, migrations]);
    assert_eq!(
        count_rows(&db, "__diesel_schema_migrations").await,
        migrations as i64
    );
}
