//! The reserve of land: totals (count, m², daa) of the plots on the
//! register, grouped by land use, location class, locality, municipality
//! and/or status, now or at a past date (from the history); what an
//! overview selects, and its wire types. `overview` serves it, `trend`
//! follows it over time.

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Double, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::http;
use crate::http::link::Link;
use crate::http::params::{QueryParams, list_of};
use crate::plots::catalogue::shown_area;
use crate::plots::codes::Status;

/// What totals can be grouped by.
pub const GROUPS: &[&str] = &[
    "land_use",
    "location_class",
    "locality",
    "municipality",
    "status",
];

/// Parameters of the overview.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReserveQuery {
    /// Group by these, comma-separated: land_use, location_class, locality,
    /// municipality, status (default land_use).
    #[param(example = "land_use,status")]
    pub group_by: Option<String>,
    /// Only plots with these statuses (comma-separated), e.g. `available`.
    #[param(example = "available")]
    pub status: Option<String>,
    /// Only plots in these municipalities (comma-separated numbers).
    pub municipality: Option<String>,
    /// The register as it stood at this instant or at the end of this date.
    #[param(example = "2026-06-30")]
    pub as_of: Option<String>,
    /// `json` (default), `csv`, or `html` (a page; browsers get it by their `Accept`).
    #[param(value_type = Option<crate::http::params::ReportFormat>, inline)]
    pub f: Option<String>,
}

/// One group's totals.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Group {
    /// The group's values (e.g. `{"land_use": 1340, "status": "available"}`).
    #[schema(value_type = Object)]
    pub key: Value,
    /// Number of plots.
    pub count: i64,
    /// Their area in m².
    pub area_m2: f64,
    /// Their area in decare (daa).
    pub area_daa: f64,
}

impl Group {
    /// The totals of `groups` together (an empty key).
    pub fn total(groups: &[Group]) -> Group {
        let (area_m2, area_daa) = shown_area(groups.iter().map(|g| g.area_m2).sum());
        Group {
            key: Value::Object(Default::default()),
            count: groups.iter().map(|g| g.count).sum(),
            area_m2,
            area_daa,
        }
    }

    /// The CSV header of groups by `group_by`.
    pub fn header<'a>(group_by: &[&'a str]) -> Vec<&'a str> {
        let mut header = group_by.to_vec();
        header.extend(["count", "area_m2", "area_daa"]);
        header
    }

    /// This group as a CSV record under [`Group::header`]: its values, or
    /// `total` for the total, then its totals.
    pub fn record(&self, group_by: &[&str]) -> Vec<String> {
        let mut record: Vec<String> = group_by
            .iter()
            .enumerate()
            .map(|(i, name)| match self.key.get(name) {
                Some(v) => http::csv::cell(v),
                None if i == 0 => "total".to_owned(),
                None => String::new(),
            })
            .collect();
        record.extend([
            self.count.to_string(),
            self.area_m2.to_string(),
            self.area_daa.to_string(),
        ]);
        record
    }
}

/// What an overview counts: the groups it totals, and the plots' statuses
/// and municipalities (empty: any), from the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Names from [`GROUPS`], each once.
    pub group_by: Vec<&'static str>,
    pub statuses: Vec<String>,
    pub municipalities: Vec<String>,
}

impl Selection {
    /// Parses `group_by` (default land_use), `status` (default
    /// `default_status`) and `municipality` of `p`, recording their errors.
    pub fn parse(p: &mut QueryParams, default_status: &[&str]) -> Self {
        let group_by = p
            .parsed("group_by", |v| {
                let names = list_of(v, |name| {
                    GROUPS.iter().find(|g| **g == name).copied().ok_or_else(|| {
                        format!("cannot group by `{name}`; use {}", GROUPS.join(", "))
                    })
                })?;
                if names
                    .iter()
                    .enumerate()
                    .any(|(i, n)| names[..i].contains(n))
                {
                    return Err("names a group twice".to_owned());
                }
                Ok(names)
            })
            .unwrap_or_else(|| vec!["land_use"]);
        let statuses = p
            .parsed("status", |v| {
                list_of(v, |s| {
                    s.parse::<Status>()
                        .map(|_| s.to_owned())
                        .map_err(|_| format!("`{s}` is not a status"))
                })
            })
            .unwrap_or_else(|| default_status.iter().map(|s| (*s).to_owned()).collect());
        let municipalities = p
            .parsed("municipality", |v| list_of(v, |s| Ok(s.to_owned())))
            .unwrap_or_default();
        Self {
            group_by,
            statuses,
            municipalities,
        }
    }
}

/// The overview.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reserve {
    /// When the register is described: now, or the `as_of` asked for.
    pub as_of: DateTime<Utc>,
    /// What the totals are grouped by.
    pub group_by: Vec<String>,
    /// One entry per group, in the order of the groups' values.
    pub groups: Vec<Group>,
    /// All groups together.
    pub total: Group,
    /// `self`, the CSV, and the same plots as GeoJSON.
    pub links: Vec<Link>,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Jsonb)]
    key: Value,
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = Nullable<Double>)]
    area: Option<f64>,
}

/// The totals by `group_by` of the plots (open and published, optionally
/// with these statuses and municipalities), now or `as_of`.
pub async fn totals(
    conn: &mut AsyncPgConnection,
    group_by: &[&str],
    statuses: &[String],
    municipalities: &[String],
    as_of: Option<DateTime<Utc>>,
) -> diesel::QueryResult<Vec<Group>> {
    // Names come from GROUPS only; values are bound.
    let (source, field): (&str, fn(&str) -> String) = match as_of {
        None => (
            "(SELECT * FROM plots WHERE ended_at IS NULL AND published) AS p",
            |c| format!("to_jsonb(p.{c})"),
        ),
        Some(_) => (
            "(SELECT DISTINCT ON (plot_id) data FROM plot_versions WHERE valid_from <= $3 \
              ORDER BY plot_id, version DESC) AS v, \
             LATERAL (SELECT v.data ->> 'ended_at' AS ended_at, \
                             coalesce((v.data ->> 'published')::boolean, true) AS published, \
                             (v.data ->> 'area_m2')::float8 AS area_m2, \
                             v.data ->> 'status' AS status, v.data ->> 'municipality' AS municipality) AS p",
            |c| format!("v.data -> '{c}'"),
        ),
    };
    let key = group_by
        .iter()
        .map(|c| format!("'{c}', {}", field(c)))
        .collect::<Vec<_>>()
        .join(", ");
    let open = if as_of.is_some() {
        " AND p.ended_at IS NULL AND p.published"
    } else {
        ""
    };
    let sql = format!(
        "SELECT jsonb_build_object({key}) AS key, count(*) AS n, sum(p.area_m2) AS area \
         FROM {source} \
         WHERE (cardinality($1::text[]) = 0 OR p.status = ANY($1)) \
           AND (cardinality($2::text[]) = 0 OR p.municipality = ANY($2)){open} \
         GROUP BY 1 ORDER BY 1"
    );
    let rows: Vec<Row> = diesel::sql_query(sql)
        .bind::<Array<Text>, _>(statuses)
        .bind::<Array<Text>, _>(municipalities)
        .bind::<Timestamptz, _>(as_of.unwrap_or_else(Utc::now))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (area_m2, area_daa) = shown_area(r.area.unwrap_or_default());
            Group {
                key: r.key,
                count: r.n,
                area_m2,
                area_daa,
            }
        })
        .collect())
}
