//! The database itself refuses bad data, keeps every version, derives what
//! it derives, and the migrations go down and up again.

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Integer, Nullable};
use diesel_async::RunQueryDsl;
use naeringsareal::demo;

use crate::common::TestDb;

const VALID: &str = "'DRM-0500', 'Test', ST_Multi(ST_GeomFromText('POLYGON((10.40 59.70,10.401 59.70,10.401 59.701,10.40 59.701,10.40 59.70))', 4326)), \
    '3301', 1340, 'current', 'zoned', 'C', 'zoned', 'public', 'sale', 'available'";
const COLUMNS: &str = "reference, name, geom, municipality, land_use, land_use_status, planning_status, location_class, readiness, ownership, offer_type, status";

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn count(db: &TestDb, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<N>(&mut db.conn().await)
        .await
        .unwrap()
        .n
}

#[actix_web::test]
async fn the_database_refuses_bad_plots() {
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    diesel::sql_query(format!("INSERT INTO plots ({COLUMNS}) VALUES ({VALID})"))
        .execute(&mut conn)
        .await
        .expect("the valid plot is accepted");
    let bad = [
        ("self-intersecting polygon", VALID.replace("10.401 59.70,10.401 59.701,10.40 59.701", "10.401 59.701,10.401 59.70,10.40 59.701")),
        ("empty geometry", VALID.replace("ST_Multi(ST_GeomFromText('POLYGON((10.40 59.70,10.401 59.70,10.401 59.701,10.40 59.701,10.40 59.70))', 4326))", "ST_GeomFromText('MULTIPOLYGON EMPTY', 4326)")),
        ("wrong SRID", VALID.replace(", 4326))", ", 25832))")),
        ("outside Norway", VALID.replace("10.40 59.70,10.401 59.70,10.401 59.701,10.40 59.701,10.40 59.70", "50.40 9.70,50.401 9.70,50.401 9.701,50.40 9.701,50.40 9.70")),
        ("a point, not a polygon", VALID.replace("ST_Multi(ST_GeomFromText('POLYGON((10.40 59.70,10.401 59.70,10.401 59.701,10.40 59.701,10.40 59.70))', 4326))", "ST_GeomFromText('POINT(10.4 59.7)', 4326)")),
        ("municipality of 3 digits", VALID.replace("'3301'", "'330'")),
        ("unknown land-use code", VALID.replace("1340", "4242")),
        ("unknown status", VALID.replace("'available'", "'free'")),
        ("location class D", VALID.replace("'C'", "'D'")),
        ("bad reference", VALID.replace("'DRM-0500'", "'drm 500'")),
        ("empty name", VALID.replace("'Test'", "''")),
        ("duplicate reference", VALID.to_owned()),
    ];
    for (what, values) in bad {
        let result = diesel::sql_query(format!("INSERT INTO plots ({COLUMNS}) VALUES ({values})"))
            .execute(&mut conn)
            .await;
        assert!(result.is_err(), "{what} was accepted");
    }
    let updates = [
        ("bad cadastral unit", "cadastral_units = ARRAY['3301-0/1']"),
        ("unknown focus area", "focus_areas = ARRAY['tourism']"),
        ("ended without a reason", "ended_at = now()"),
        ("documents not a list", "documents = '{}'"),
        ("negative price", "price_nok_per_m2 = -1"),
        ("changing the id", "id = gen_random_uuid()"),
        ("a bad e-mail", "contact_email = 'nobody'"),
    ];
    for (what, set) in updates {
        let result = diesel::sql_query(format!(
            "UPDATE plots SET {set} WHERE reference = 'DRM-0500'"
        ))
        .execute(&mut conn)
        .await;
        assert!(result.is_err(), "{what} was accepted");
    }
    let deleted = diesel::sql_query("DELETE FROM plots")
        .execute(&mut conn)
        .await;
    assert!(deleted.unwrap_err().to_string().contains("never deleted"));
    assert_eq!(count(&db, "SELECT count(*) AS n FROM plots").await, 1);
}

#[actix_web::test]
async fn every_change_is_a_version_in_the_history_and_only_real_changes_count() {
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    diesel::sql_query(format!("INSERT INTO plots ({COLUMNS}) VALUES ({VALID})"))
        .execute(&mut conn)
        .await
        .unwrap();
    diesel::sql_query("UPDATE plots SET status = 'reserved'")
        .execute(&mut conn)
        .await
        .unwrap();
    diesel::sql_query("UPDATE plots SET status = 'reserved'")
        .execute(&mut conn)
        .await
        .unwrap();
    diesel::sql_query("UPDATE plots SET ended_at = now(), end_reason = 'sold'")
        .execute(&mut conn)
        .await
        .unwrap();
    #[derive(QueryableByName, Debug, PartialEq)]
    struct V {
        #[diesel(sql_type = Integer)]
        version: i32,
        #[diesel(sql_type = diesel::sql_types::Text)]
        operation: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        status: String,
    }
    let versions: Vec<V> = diesel::sql_query(
        "SELECT version, operation, data->>'status' AS status FROM plot_versions ORDER BY version",
    )
    .load(&mut conn)
    .await
    .unwrap();
    let got: Vec<(i32, &str, &str)> = versions
        .iter()
        .map(|v| (v.version, v.operation.as_str(), v.status.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (1, "create", "available"),
            (2, "update", "reserved"),
            (3, "end", "reserved")
        ]
    );
    // A failed change leaves neither the plot nor its history changed.
    let failed = diesel::sql_query("UPDATE plots SET status = 'sold', municipality = 'x'")
        .execute(&mut conn)
        .await;
    assert!(failed.is_err());
    assert_eq!(
        count(&db, "SELECT count(*) AS n FROM plot_versions").await,
        3
    );
    assert_eq!(
        count(&db, "SELECT max(version)::bigint AS n FROM plots").await,
        3
    );
}

#[actix_web::test]
async fn access_distances_are_derived_from_reference_places() {
    let db = TestDb::with_demo().await;
    let mut conn = db.conn().await;
    #[derive(QueryableByName)]
    struct D {
        #[diesel(sql_type = Nullable<Integer>)]
        port: Option<i32>,
        #[diesel(sql_type = Nullable<Integer>)]
        station: Option<i32>,
    }
    let holmen: D = diesel::sql_query(
        "SELECT port_distance_m AS port, station_distance_m AS station FROM plots WHERE locality = 'Holmen' ORDER BY reference LIMIT 1",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    assert!(
        holmen.port.unwrap() < 1500,
        "Holmen is by the port: {:?}",
        holmen.port
    );
    assert!(holmen.station.unwrap() > 0);
    // Moving the port moves every distance, and is not a new version of any plot.
    let versions_before = count(&db, "SELECT count(*) AS n FROM plot_versions").await;
    diesel::sql_query("UPDATE reference_places SET geom = ST_SetSRID(ST_MakePoint(10.9, 59.2), 4326) WHERE kind = 'port'")
        .execute(&mut conn)
        .await
        .unwrap();
    let moved: D = diesel::sql_query(
        "SELECT port_distance_m AS port, station_distance_m AS station FROM plots WHERE locality = 'Holmen' ORDER BY reference LIMIT 1",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    assert!(moved.port.unwrap() > 40_000, "{:?}", moved.port);
    assert_eq!(
        count(&db, "SELECT count(*) AS n FROM plot_versions").await,
        versions_before
    );
}

#[actix_web::test]
async fn seeding_the_demo_twice_changes_nothing() {
    let db = TestDb::with_demo().await;
    let plots = count(&db, "SELECT count(*) AS n FROM plots").await;
    let versions = count(&db, "SELECT count(*) AS n FROM plot_versions").await;
    assert!(plots >= 30, "a few dozen demo plots: {plots}");
    assert!(versions > plots * 3 / 2, "a history: {versions} versions");
    let seeded = demo::seed(&mut db.conn().await).await.unwrap();
    assert_eq!(seeded.history, 0, "no history is written twice");
    assert_eq!(count(&db, "SELECT count(*) AS n FROM plots").await, plots);
    assert_eq!(
        count(&db, "SELECT count(*) AS n FROM plot_versions").await,
        versions
    );
    assert_eq!(
        count(&db, "SELECT count(*) AS n FROM plots WHERE NOT is_demo").await,
        0
    );
}

#[actix_web::test]
async fn demo_plots_already_there_keep_their_past() {
    // A register seeded before the demo had a history: its demo plots
    // were added when it was seeded, as they were then.
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    diesel::sql_query(
        "INSERT INTO plots (reference, name, geom, municipality, land_use, land_use_status, \
                            planning_status, location_class, readiness, ownership, offer_type, \
                            status, is_demo, created_at, ended_at, end_reason) \
         SELECT p.reference, p.name, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(f -> 'geometry'), 4326)), \
                p.municipality, p.land_use, p.land_use_status, p.planning_status, p.location_class, \
                p.readiness, p.ownership, p.offer_type, p.status, true, \
                LEAST(now(), coalesce(p.ended_at, now()) - interval '90 days'), p.ended_at, p.end_reason \
         FROM jsonb_array_elements($1::jsonb -> 'features') AS f, \
              jsonb_populate_record(NULL::plots, f -> 'properties') AS p",
    )
    .bind::<diesel::sql_types::Text, _>(demo::PLOTS)
    .execute(&mut conn)
    .await
    .unwrap();
    let plots = count(&db, "SELECT count(*) AS n FROM plots").await;
    let seeded = demo::seed(&mut conn).await.unwrap();
    assert_eq!(seeded.history, 0);
    assert_eq!(count(&db, "SELECT count(*) AS n FROM plots").await, plots);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) AS n FROM plot_versions WHERE valid_from < now() - interval '1 day'"
        )
        .await,
        0,
        "no version is dated in the past"
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) AS n FROM plot_versions WHERE version > 2"
        )
        .await,
        0,
        "each plot only brought to its state now"
    );
}

#[derive(QueryableByName, Debug, PartialEq)]
struct Stamps {
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    created_at: chrono::DateTime<chrono::Utc>,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    updated_at: chrono::DateTime<chrono::Utc>,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    valid_from: chrono::DateTime<chrono::Utc>,
    #[diesel(sql_type = Integer)]
    version: i32,
}

#[actix_web::test]
async fn a_transaction_may_date_its_writes_but_not_ahead_or_back() {
    use diesel_async::AsyncConnection;
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    let t = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    async fn run(
        conn: &mut diesel_async::AsyncPgConnection,
        clock: &str,
        sql: &str,
    ) -> diesel::QueryResult<usize> {
        conn.transaction(async |conn| {
            diesel::sql_query("SELECT set_config('naeringsareal.clock', $1, true)")
                .bind::<diesel::sql_types::Text, _>(clock)
                .execute(conn)
                .await?;
            diesel::sql_query(sql).execute(conn).await
        })
        .await
    }
    async fn stamps(conn: &mut diesel_async::AsyncPgConnection) -> Stamps {
        diesel::sql_query(
            "SELECT p.created_at, p.updated_at, v.valid_from, p.version FROM plots p \
             JOIN plot_versions v ON v.plot_id = p.id AND v.version = p.version",
        )
        .get_result(conn)
        .await
        .unwrap()
    }
    let insert = format!("INSERT INTO plots ({COLUMNS}) VALUES ({VALID})");
    run(&mut conn, "2024-01-10T12:00:00Z", &insert)
        .await
        .unwrap();
    let jan = t("2024-01-10T12:00:00Z");
    assert_eq!(
        stamps(&mut conn).await,
        Stamps {
            created_at: jan,
            updated_at: jan,
            valid_from: jan,
            version: 1
        }
    );
    // A change at a later date is a version of that date; no change, none.
    let june = t("2024-06-01T12:00:00Z");
    run(
        &mut conn,
        "2024-06-01T12:00:00Z",
        "UPDATE plots SET status = 'reserved'",
    )
    .await
    .unwrap();
    run(
        &mut conn,
        "2024-07-01T12:00:00Z",
        "UPDATE plots SET status = 'reserved'",
    )
    .await
    .unwrap();
    assert_eq!(
        stamps(&mut conn).await,
        Stamps {
            created_at: jan,
            updated_at: june,
            valid_from: june,
            version: 2
        }
    );
    // The clock cannot run back before the last change, nor ahead of now.
    let back = run(
        &mut conn,
        "2024-03-01T12:00:00Z",
        "UPDATE plots SET status = 'available'",
    )
    .await;
    assert!(
        back.unwrap_err()
            .to_string()
            .contains("before the plot's last change")
    );
    let ahead = run(
        &mut conn,
        "2999-01-01T00:00:00Z",
        "UPDATE plots SET status = 'available'",
    )
    .await;
    assert!(
        ahead
            .unwrap_err()
            .to_string()
            .contains("ahead of the database's clock")
    );
    // It is the transaction's own: the next one writes at now.
    diesel::sql_query("UPDATE plots SET status = 'available'")
        .execute(&mut conn)
        .await
        .unwrap();
    let now = stamps(&mut conn).await;
    assert_eq!(now.version, 3);
    assert!(now.updated_at > chrono::Utc::now() - chrono::Duration::minutes(5));
    assert_eq!(now.valid_from, now.updated_at);
}

#[actix_web::test]
async fn demo_plots_are_plausible() {
    let db = TestDb::with_demo().await;
    assert_eq!(
        count(
            &db,
            "SELECT count(*) AS n FROM plots WHERE area_m2 NOT BETWEEN 2000 AND 300000"
        )
        .await,
        0
    );
    assert_eq!(
        count(&db, "SELECT count(*) AS n FROM plots a JOIN plots b ON a.id < b.id AND ST_Intersects(a.geom, b.geom)").await,
        0,
        "demo plots do not overlap"
    );
    for status in [
        "available",
        "reserved",
        "under_negotiation",
        "sold",
        "leased",
        "withdrawn",
    ] {
        assert!(
            count(
                &db,
                &format!("SELECT count(*) AS n FROM plots WHERE status = '{status}'")
            )
            .await
                > 0,
            "{status}"
        );
    }
    assert_eq!(
        count(&db, "SELECT count(*) AS n FROM land_use_codes c WHERE NOT EXISTS (SELECT 1 FROM plots WHERE land_use = c.code)").await,
        0,
        "every land use is represented"
    );
}

/// One row of `schema_snapshot.sql`: an object of the public schema (or a part of
/// one, such as a column) and its definition.
#[derive(QueryableByName, Debug, Clone, PartialEq, Eq)]
struct SchemaItem {
    #[diesel(sql_type = diesel::sql_types::Text)]
    kind: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    definition: String,
}

impl std::fmt::Display for SchemaItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.kind, self.name, self.definition)
    }
}

type MigrationConn =
    diesel_async::async_connection_wrapper::AsyncConnectionWrapper<diesel_async::AsyncPgConnection>;

/// The public schema, as `schema_snapshot.sql` lists it.
fn schema_of(conn: &mut MigrationConn) -> Vec<SchemaItem> {
    diesel::RunQueryDsl::load(diesel::sql_query(include_str!("schema_snapshot.sql")), conn)
        .expect("reading the catalogue")
}

/// Fails with `why`, listing what is missing and what is new or changed,
/// when `got` is not `expected`.
fn assert_same_schema(expected: &[SchemaItem], got: &[SchemaItem], why: &str) {
    if expected == got {
        return;
    }
    let list = |items: Vec<&SchemaItem>| {
        items
            .iter()
            .map(|item| format!("  {item}\n"))
            .collect::<String>()
    };
    let missing = list(expected.iter().filter(|i| !got.contains(i)).collect());
    let new = list(got.iter().filter(|i| !expected.contains(i)).collect());
    panic!("{why}\nmissing:\n{missing}new or changed:\n{new}");
}

/// `schema` without what reverting 2026-12-02-000008 (the area stored as
/// shown) cannot undo in place: PostgreSQL 15 cannot make the area a
/// generated column again where it was (see its down.sql), so once it has
/// run, the area stays a plain column kept by a trigger, whichever
/// migrations are reverted after it. The column itself is still compared
/// (its place and type), only not how it is filled.
fn without_what_cannot_go_back(mut schema: Vec<SchemaItem>) -> Vec<SchemaItem> {
    schema.retain(|i| {
        !matches!(
            (i.kind.as_str(), i.name.as_str()),
            ("trigger", "plots.plots_shown_area") | ("function", "plots_shown_area()")
        )
    });
    for item in &mut schema {
        if item.kind == "column"
            && item.name == "plots.area_m2"
            && let Some(at) = item.definition.find(" generated always as ")
        {
            item.definition.truncate(at);
        }
    }
    schema
}

#[actix_web::test]
async fn migrations_go_down_and_up_again_to_the_same_schema() {
    let db = TestDb::new().await;
    let url = db.url.clone();
    tokio::task::spawn_blocking(move || {
        use diesel::Connection;
        use diesel_migrations::MigrationHarness;
        use naeringsareal::db::MIGRATIONS;
        let mut conn = MigrationConn::establish(&url).unwrap();
        let migrated = schema_of(&mut conn);
        // The catalogue sees the schema (were it blind, every schema would
        // compare equal).
        for (kind, name) in [
            ("extension", "postgis"),
            ("relation", "plots"),
            ("column", "plots.geom"),
            ("constraint", "plots.plots_reference_key"),
            ("index", "plots_open_geom_idx"),
            ("trigger", "plots.plots_derive"),
            ("function", "plots_derive()"),
            ("sequence", "api_keys_id_seq"),
        ] {
            assert!(
                migrated.iter().any(|i| i.kind == kind && i.name == name),
                "the catalogue lists the {kind} {name}"
            );
        }

        // Down, one migration at a time, noting the schema each leaves.
        let applied = conn.applied_migrations().unwrap().len();
        assert!(applied > 1, "{applied} migrations");
        let mut down = Vec::new();
        for _ in 0..applied {
            let version = conn
                .revert_last_migration(MIGRATIONS)
                .expect("every down.sql runs")
                .to_string();
            down.push((version, schema_of(&mut conn)));
        }
        // Every down.sql together leaves only diesel's own table (and
        // PostgreSQL's plpgsql).
        let left: Vec<String> = down
            .last()
            .unwrap()
            .1
            .iter()
            .filter(|i| !i.name.starts_with("__diesel_schema_migrations"))
            .filter(|i| !(i.kind == "extension" && i.name == "plpgsql"))
            .map(ToString::to_string)
            .collect();
        assert!(
            left.is_empty(),
            "left after every down.sql:\n{}",
            left.join("\n")
        );

        // Up again, one at a time: before each migration runs, the schema
        // (what the migrations before it make) is the one that reverting it
        // left, so each down.sql undid exactly what its up.sql did; and at
        // the end it is the schema we started from.
        for (version, left_by_reverting_it) in down.iter().rev() {
            assert_same_schema(
                &without_what_cannot_go_back(schema_of(&mut conn)),
                &without_what_cannot_go_back(left_by_reverting_it.clone()),
                &format!(
                    "reverting {version} left another schema than the migrations before it make"
                ),
            );
            let ran = conn
                .run_next_migration(MIGRATIONS)
                .expect("every up.sql runs again")
                .to_string();
            assert_eq!(&ran, version);
        }
        assert!(!conn.has_pending_migration(MIGRATIONS).unwrap());
        assert_same_schema(
            &migrated,
            &schema_of(&mut conn),
            "after every down.sql and every up.sql again, the schema is not the one before",
        );
    })
    .await
    .unwrap();
    demo::seed(&mut db.conn().await)
        .await
        .expect("the schema works after the round trip");
}
