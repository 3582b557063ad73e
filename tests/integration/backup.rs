//! Backup and restore, as the README's recipe does it: `pg_dump -Fc` of a
//! register with history and enquiries, `pg_restore` into a fresh database,
//! and the same register, history, enquiries and keys there.

use std::process::Command;

use diesel_async::RunQueryDsl;
use naeringsareal::keys::role::Role;
use serde_json::json;

use crate::common::*;
use crate::enquiries::{enquiry, post};

/// A fingerprint of every row of the registry's own tables.
async fn fingerprint(db: &TestDb) -> String {
    #[derive(diesel::QueryableByName)]
    struct Hash {
        #[diesel(sql_type = diesel::sql_types::Text)]
        h: String,
    }
    let tables = [
        ("plots", "id"),
        ("plot_versions", "plot_id, version"),
        ("enquiries", "id"),
        ("enquiry_events", "id"),
        ("api_keys", "id"),
        ("reference_places", "id"),
        ("land_use_codes", "code"),
    ];
    let parts: Vec<String> = tables
        .iter()
        .map(|(table, order)| {
            format!(
                "coalesce((SELECT md5(string_agg(to_jsonb(t)::text, '|' ORDER BY {order})) FROM {table} t), '-')"
            )
        })
        .collect();
    let hash: Hash = diesel::sql_query(format!("SELECT concat_ws(' ', {}) AS h", parts.join(", ")))
        .get_result(&mut db.conn().await)
        .await
        .unwrap();
    hash.h
}

fn run(program: &str, args: &[&str]) {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("{program} is needed for this test (Debian: postgresql-client): {e}")
        });
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[actix_web::test]
async fn a_dump_restored_into_a_fresh_database_holds_the_same_register() {
    let db = TestDb::with_demo().await;
    let app = app_on(&db).await;
    let planner = key(&db, "kari", Role::Planner).await;
    // History (a new plot, then a change of it) and an enquiry about it.
    let created = send(&app, post_plot(&planner, &new_plot("BK-1"))).await;
    assert_eq!(created.status, 201);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let etag = created.header("etag").unwrap().to_owned();
    let changed = send(
        &app,
        patch_plot(
            &planner,
            &id,
            &etag,
            &json!({"properties": {"status": "reserved"}}),
        ),
    )
    .await;
    assert_eq!(changed.status, 200);
    assert_eq!(send(&app, post(&enquiry(Some(&id)))).await.status, 201);
    let before = fingerprint(&db).await;
    assert!(count_rows(&db, "enquiries").await > 0);

    let dump = std::env::temp_dir().join(format!("{}.dump", db.name));
    let dump = dump.to_str().unwrap();
    run("pg_dump", &["-Fc", "-d", &db.url, "-f", dump]);
    let restored = TestDb::unmigrated().await;
    run(
        "pg_restore",
        &["--no-owner", "--exit-on-error", "-d", &restored.url, dump],
    );
    let _ = std::fs::remove_file(dump);

    assert_eq!(fingerprint(&restored).await, before);
    // And the service serves it: the plot with its history.
    let app = app_on(&restored).await;
    let plot = get(&app, &format!("/collections/plots/items/{id}")).await;
    assert_eq!(plot.status, 200);
    assert_eq!(plot.json()["properties"]["status"], "reserved");
    let history = send(
        &app,
        actix_web::test::TestRequest::get()
            .uri(&format!("/collections/plots/items/{id}/history"))
            .insert_header(bearer(&planner))
            .to_request(),
    )
    .await;
    assert_eq!(
        history.status,
        200,
        "{}",
        String::from_utf8_lossy(&history.body)
    );
}
