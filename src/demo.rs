//! The demo data set: fictional plots around Drammen and the reference
//! places that access distances are measured to. Loading it is idempotent:
//! a second run changes no plot (no new version, no new history).

use anyhow::Context;
use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::plots::catalogue;

/// The demo reference places (GeoJSON points).
pub const REFERENCE_PLACES: &str = include_str!("../data/demo/reference_places.geojson");
/// The demo plots (GeoJSON polygons); every one is marked as demo data.
pub const PLOTS: &str = include_str!("../data/demo/plots.geojson");

/// What a seeding run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seeded {
    pub reference_places: usize,
    pub plots: usize,
}

/// The columns the demo plots set: the writable ones and the ending, of
/// those the file's features carry (the others keep their defaults).
fn plot_columns(plots: &serde_json::Value) -> Vec<&'static str> {
    let carried = |name: &str| {
        plots["features"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|f| f["properties"].get(name).is_some())
    };
    catalogue::writable_columns()
        .chain(["ended_at", "end_reason"])
        .filter(|c| carried(c))
        .collect()
}

fn upsert_plots_sql() -> anyhow::Result<String> {
    let plots: serde_json::Value = serde_json::from_str(PLOTS).context("reading the demo plots")?;
    let columns = plot_columns(&plots);
    let from_props = columns
        .iter()
        .map(|c| format!("p.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let updates = columns
        .iter()
        .filter(|c| **c != "reference")
        .map(|c| format!("{c} = EXCLUDED.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    // Demo plots that have ended must have begun before they ended.
    // The trigger raises the version (and writes history) only when
    // something really changed, so re-seeding is a no-op.
    let columns = columns.join(", ");
    Ok(format!(
        "INSERT INTO plots ({columns}, geom, is_demo, created_at) \
         SELECT {from_props}, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(f->'geometry'), 4326)), true, \
                LEAST(now(), coalesce(p.ended_at, now()) - interval '90 days') \
         FROM jsonb_array_elements($1::jsonb -> 'features') AS f, \
              jsonb_populate_record(NULL::plots, f -> 'properties') AS p \
         ON CONFLICT (reference) DO UPDATE SET {updates}, geom = EXCLUDED.geom, is_demo = true"
    ))
}

const UPSERT_PLACES_SQL: &str = include_str!("sql/demo_reference_places.sql");

/// Loads the demo reference places only (the places access distances are
/// measured to), e.g. before importing plots of one's own.
pub async fn seed_reference_places(conn: &mut AsyncPgConnection) -> anyhow::Result<usize> {
    diesel::sql_query(UPSERT_PLACES_SQL)
        .bind::<Text, _>(REFERENCE_PLACES)
        .execute(conn)
        .await
        .context("loading the demo reference places")
}

/// Loads the demo reference places and plots in one transaction.
pub async fn seed(conn: &mut AsyncPgConnection) -> anyhow::Result<Seeded> {
    let plots_sql = upsert_plots_sql()?;
    conn.transaction(async |conn| {
        diesel::sql_query("SELECT set_config('naeringsareal.changed_by', 'seed-demo', true)")
            .execute(conn)
            .await?;
        let reference_places = diesel::sql_query(UPSERT_PLACES_SQL)
            .bind::<Text, _>(REFERENCE_PLACES)
            .execute(conn)
            .await?;
        let plots = diesel::sql_query(plots_sql.as_str())
            .bind::<Text, _>(PLOTS)
            .execute(conn)
            .await?;
        Ok::<_, diesel::result::Error>(Seeded {
            reference_places,
            plots,
        })
    })
    .await
    .context("loading the demo data")
}
