//! The demo data set: fictional plots around Drammen, their history over
//! the last three years, and the reference places that access distances
//! are measured to. Loading it is idempotent: a second run changes no plot
//! (no new version, no new history).

use std::collections::{BTreeMap, HashSet};

use anyhow::{Context, bail, ensure};
use chrono::{NaiveDate, NaiveTime};
use diesel::QueryableByName;
use diesel::sql_types::{Array, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::plots::catalogue;

/// The demo reference places (GeoJSON points).
pub const REFERENCE_PLACES: &str = include_str!("../data/demo/reference_places.geojson");
/// The demo plots (GeoJSON polygons) as they are now; every one is marked
/// as demo data.
pub const PLOTS: &str = include_str!("../data/demo/plots.geojson");
/// The demo plots' history: for each plot (by reference), its dated events,
/// oldest first, each with the properties it changed (data/demo/README.md).
pub const HISTORY: &str = include_str!("../data/demo/history.json");

/// The time of day (UTC) a dated event is written at: 13:00 or 14:00 in
/// Norway, working hours.
const EVENT_TIME: NaiveTime = NaiveTime::from_hms_opt(12, 0, 0).unwrap();

/// What a seeding run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seeded {
    pub reference_places: usize,
    /// The demo plots written as they are now (the unchanged ones too).
    pub plots: usize,
    /// The dated writes of their history (none when the plots were there).
    pub history: usize,
}

/// One event of a demo plot's history.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Event {
    date: NaiveDate,
    /// What happened, for people: `created`, `reserved`, `sold`, …
    event: String,
    /// The properties it changed, to their new values; for `created`, the
    /// properties that differed then from the plot as it is now.
    set: Map<String, Value>,
}

/// A plot's state after one event of its history.
#[derive(Debug)]
struct Step {
    /// Whether the event added the plot.
    created: bool,
    /// The plot then, as a feature.
    feature: Value,
}

/// The demo plots' states over time, from `plots` (the plots now) and
/// `history`: for each date with an event, the state each plot with an
/// event that day took, as a whole feature. A plot's events begin with
/// `created`, follow each other by date, set only the columns the demo
/// plots carry, and end in the plot as it is now.
fn timeline(plots: &Value, history: &str) -> anyhow::Result<BTreeMap<NaiveDate, Vec<Step>>> {
    let history: BTreeMap<String, Vec<Event>> =
        serde_json::from_str(history).context("reading the demo plots' history")?;
    let columns = plot_columns(plots);
    let features: BTreeMap<&str, &Value> = plots["features"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| Some((f["properties"]["reference"].as_str()?, f)))
        .collect();
    let mut days: BTreeMap<NaiveDate, Vec<Step>> = BTreeMap::new();
    for (reference, events) in &history {
        let Some(feature) = features.get(reference.as_str()) else {
            bail!("the demo history names {reference}, which is not a demo plot");
        };
        let now = feature["properties"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let mut state = now.clone();
        let mut last: Option<NaiveDate> = None;
        for (i, event) in events.iter().enumerate() {
            let context = format!("{reference}'s event of {}", event.date);
            ensure!(
                (i == 0) == (event.event == "created"),
                "{context}: a plot's history begins with `created`, and only there"
            );
            ensure!(
                last.is_none_or(|l| l < event.date),
                "{context}: events follow each other by date, one a day"
            );
            for (name, value) in &event.set {
                ensure!(
                    columns.contains(&name.as_str()),
                    "{context}: sets `{name}`, which the demo plots do not carry"
                );
                state.insert(name.clone(), value.clone());
            }
            last = Some(event.date);
            days.entry(event.date).or_default().push(Step {
                created: i == 0,
                feature: json!({
                    "type": "Feature",
                    "geometry": feature["geometry"],
                    "properties": state,
                }),
            });
        }
        let differ: Vec<&String> = now
            .keys()
            .filter(|k| state.get(*k) != now.get(*k))
            .collect();
        ensure!(
            differ.is_empty(),
            "{reference}'s history does not end in the plot as it is now: {differ:?} differ"
        );
    }
    Ok(days)
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

/// The statements that write the demo plots of the FeatureCollection `$1`.
struct PlotStatements {
    /// Adds the plots, or brings those there (by reference) to the
    /// features' state.
    upsert: String,
    /// Brings the plots there to the features' state (no insert: a
    /// plot's later event).
    update: String,
}

fn plot_statements() -> anyhow::Result<PlotStatements> {
    let plots: serde_json::Value = serde_json::from_str(PLOTS).context("reading the demo plots")?;
    let columns = plot_columns(&plots);
    let from_props = columns
        .iter()
        .map(|c| format!("p.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let assign = |from: &str| {
        columns
            .iter()
            .filter(|c| **c != "reference")
            .map(|c| format!("{c} = {from}.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (updates, sets) = (assign("EXCLUDED"), assign("p"));
    let features = "FROM jsonb_array_elements($1::jsonb -> 'features') AS f, \
                    jsonb_populate_record(NULL::plots, f -> 'properties') AS p";
    let boundary = "ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(f->'geometry'), 4326))";
    // Demo plots that have ended must have begun before they ended (a
    // dated write, on the clock, takes the clock's time instead).
    // The trigger raises the version (and writes history) only when
    // something really changed, so re-seeding is a no-op.
    let columns = columns.join(", ");
    Ok(PlotStatements {
        upsert: format!(
            "INSERT INTO plots ({columns}, geom, is_demo, created_at) \
             SELECT {from_props}, {boundary}, true, \
                    LEAST(now(), coalesce(p.ended_at, now()) - interval '90 days') \
             {features} \
             ON CONFLICT (reference) DO UPDATE SET {updates}, geom = EXCLUDED.geom, is_demo = true"
        ),
        // Not an upsert: the row an upsert proposes to insert gets the
        // clock as its created_at, and a plot that ends that day (earlier
        // than the clock's hour) would break `ended_at >= created_at`.
        update: format!(
            "UPDATE plots AS t SET {sets}, geom = {boundary} {features} WHERE t.reference = p.reference"
        ),
    })
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

#[derive(QueryableByName)]
struct Reference {
    #[diesel(sql_type = Text)]
    reference: String,
}

/// Sets the clock the writes of the transaction are stamped with
/// (`naeringsareal.clock`, migration 2026-12-02-000007): `at`, or the
/// database's own with `None`.
async fn set_clock(conn: &mut AsyncPgConnection, at: Option<NaiveDate>) -> diesel::QueryResult<()> {
    let at = at
        .map(|d| d.and_time(EVENT_TIME).and_utc().to_rfc3339())
        .unwrap_or_default();
    diesel::sql_query("SELECT set_config('naeringsareal.clock', $1, true)")
        .bind::<Text, _>(at)
        .execute(conn)
        .await
        .map(drop)
}

/// Loads the demo reference places and plots in one transaction. A demo
/// plot not yet on the register is written with its history: each event
/// as a version at its date. A plot already there (a register seeded
/// before the demo had a history, or a second run) keeps its past: it is
/// only brought to its state now, which changes nothing when it is there.
pub async fn seed(conn: &mut AsyncPgConnection) -> anyhow::Result<Seeded> {
    let statements = plot_statements()?;
    let plots: serde_json::Value = serde_json::from_str(PLOTS).context("reading the demo plots")?;
    let timeline = timeline(&plots, HISTORY)?;
    let references: Vec<&str> = plots["features"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["properties"]["reference"].as_str())
        .collect();
    conn.transaction(async |conn| {
        diesel::sql_query("SELECT set_config('naeringsareal.changed_by', 'seed-demo', true)")
            .execute(conn)
            .await?;
        let reference_places = diesel::sql_query(UPSERT_PLACES_SQL)
            .bind::<Text, _>(REFERENCE_PLACES)
            .execute(conn)
            .await?;
        let there: HashSet<String> =
            diesel::sql_query("SELECT reference FROM plots WHERE reference = ANY($1)")
                .bind::<Array<Text>, _>(&references)
                .load::<Reference>(conn)
                .await?
                .into_iter()
                .map(|r| r.reference)
                .collect();
        let mut history = 0;
        for (date, steps) in &timeline {
            let new = |created: bool| -> Vec<&Value> {
                steps
                    .iter()
                    .filter(|s| s.created == created)
                    .map(|s| &s.feature)
                    .filter(|f| {
                        f["properties"]["reference"]
                            .as_str()
                            .is_some_and(|r| !there.contains(r))
                    })
                    .collect()
            };
            for (sql, features) in [
                (&statements.upsert, new(true)),
                (&statements.update, new(false)),
            ] {
                if features.is_empty() {
                    continue;
                }
                set_clock(conn, Some(*date)).await?;
                history += diesel::sql_query(sql.as_str())
                    .bind::<Text, _>(json!({"features": features}).to_string())
                    .execute(conn)
                    .await?;
            }
        }
        set_clock(conn, None).await?;
        let plots = diesel::sql_query(statements.upsert.as_str())
            .bind::<Text, _>(PLOTS)
            .execute(conn)
            .await?;
        Ok::<_, diesel::result::Error>(Seeded {
            reference_places,
            plots,
            history,
        })
    })
    .await
    .context("loading the demo data")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_plot_has_a_history_that_ends_in_the_plot_now() {
        let plots: Value = serde_json::from_str(PLOTS).unwrap();
        let days = timeline(&plots, HISTORY).unwrap();
        let mut with_history: Vec<&str> = days
            .values()
            .flatten()
            .filter_map(|s| s.feature["properties"]["reference"].as_str())
            .collect();
        with_history.sort_unstable();
        with_history.dedup();
        assert_eq!(
            with_history.len(),
            plots["features"].as_array().unwrap().len()
        );
        let (first, last) = (days.keys().next().unwrap(), days.keys().last().unwrap());
        assert!(
            *first >= NaiveDate::from_ymd_opt(2023, 12, 1).unwrap(),
            "{first}"
        );
        assert!(
            *last <= NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            "{last}"
        );
        assert!((*last - *first).num_days() > 2 * 365);
    }

    #[test]
    fn a_history_that_does_not_end_in_the_plot_now_is_refused() {
        let plots: Value = serde_json::from_str(PLOTS).unwrap();
        let history = r#"{"DRM-0001": [{"date": "2024-01-01", "event": "created", "set": {"status": "reserved"}}]}"#;
        let error = timeline(&plots, history).unwrap_err().to_string();
        assert!(
            error.contains("DRM-0001") && error.contains("status"),
            "{error}"
        );
        let unordered = r#"{"DRM-0001": [{"date": "2024-01-01", "event": "created", "set": {}},
            {"date": "2023-01-01", "event": "reserved", "set": {}}]}"#;
        assert!(timeline(&plots, unordered).is_err());
        let unknown = r#"{"DRM-0001": [{"date": "2024-01-01", "event": "created", "set": {"colour": "red"}}]}"#;
        assert!(
            timeline(&plots, unknown)
                .unwrap_err()
                .to_string()
                .contains("colour")
        );
        let stranger = r#"{"XYZ-1": [{"date": "2024-01-01", "event": "created", "set": {}}]}"#;
        assert!(timeline(&plots, stranger).is_err());
    }
}
