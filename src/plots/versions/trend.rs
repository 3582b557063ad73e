//! The reserve over time: the overview of the reserve (as
//! [`reserve`](super::reserve) gives it) at the end of each month, quarter
//! or year since a date, and now, from the history; as JSON or CSV.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Datelike, Months, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Double, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::reserve::{GROUPS, Group, Selection};
use crate::error::ApiError;
use crate::http;
use crate::http::link::{Link, url_with};
use crate::http::params::QueryParams;
use crate::http::{media, problems};
use crate::plots::catalogue::{COLLECTION_ID, shown_area};
use crate::plots::search::request::parse_instant;
use crate::state::AppState;

/// The most points one answer has (e.g. 50 years by month).
pub const MAX_POINTS: u32 = 600;

/// The length of the periods a trend has a point for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Month,
    Quarter,
    Year,
}

impl Step {
    /// Every step, by name.
    pub const ALL: [Step; 3] = [Step::Month, Step::Quarter, Step::Year];

    /// Its name, as `step` takes it (and PostgreSQL's `date_trunc`).
    pub fn name(self) -> &'static str {
        match self {
            Step::Month => "month",
            Step::Quarter => "quarter",
            Step::Year => "year",
        }
    }

    fn months(self) -> u32 {
        match self {
            Step::Month => 1,
            Step::Quarter => 3,
            Step::Year => 12,
        }
    }

    fn parse(value: &str) -> Result<Step, String> {
        Step::ALL
            .into_iter()
            .find(|s| s.name() == value)
            .ok_or_else(|| format!("`{value}` is not a step; use month, quarter or year"))
    }

    /// The name of the period that begins at `start`: `2026-03`, `2026-Q1`
    /// or `2026`.
    pub fn label(self, start: DateTime<Utc>) -> String {
        match self {
            Step::Month => start.format("%Y-%m").to_string(),
            Step::Quarter => format!("{}-Q{}", start.year(), start.month0() / 3 + 1),
            Step::Year => start.year().to_string(),
        }
    }

    /// How many periods from the one holding `from` to the one holding `to`.
    fn periods(self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        let month = |t: DateTime<Utc>| i64::from(t.year()) * 12 + i64::from(t.month0());
        let step = i64::from(self.months());
        month(to).div_euclid(step) - month(from).div_euclid(step) + 1
    }
}

/// Parameters of the trend.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrendQuery {
    /// The periods: `month`, `quarter` (default) or `year` (UTC calendar).
    #[param(example = "quarter")]
    pub step: Option<String>,
    /// The first period is the one holding this instant or date (RFC 3339;
    /// default: three years ago).
    #[param(example = "2023-12-01")]
    pub from: Option<String>,
    /// Group by these, comma-separated: land_use, location_class, locality,
    /// municipality, status (default land_use).
    #[param(example = "location_class")]
    pub group_by: Option<String>,
    /// Only plots with these statuses then (comma-separated; default
    /// `available`, the vacant land).
    #[param(example = "available,reserved")]
    pub status: Option<String>,
    /// Only plots in these municipalities then (comma-separated numbers).
    #[param(example = "3301")]
    pub municipality: Option<String>,
    /// `json` (default) or `csv`.
    #[param(value_type = Option<crate::http::params::DataFormat>, inline)]
    pub f: Option<String>,
}

/// The reserve at one instant.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrendPoint {
    /// The period: `2026-03`, `2026-Q1` or `2026`.
    pub period: String,
    /// When it begins.
    pub start: DateTime<Utc>,
    /// When the reserve is counted: the period's last microsecond (as
    /// `as_of` takes a date), or now for the period under way.
    pub at: DateTime<Utc>,
    /// One entry per group with plots then, in the order of the groups'
    /// values (as the overview of the reserve `as_of` then gives them).
    pub groups: Vec<Group>,
    /// All groups together.
    pub total: Group,
}

/// The reserve over time.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "step": "quarter",
    "from": "2023-10-01T00:00:00Z",
    "group_by": ["land_use"],
    "status": ["available"],
    "municipality": [],
    "points": [
        {"period": "2023-Q4", "start": "2023-10-01T00:00:00Z", "at": "2023-12-31T23:59:59.999999Z",
         "groups": [{"key": {"land_use": 1340}, "count": 2, "area_m2": 130576.6, "area_daa": 130.58}],
         "total": {"key": {}, "count": 2, "area_m2": 130576.6, "area_daa": 130.58}},
        {"period": "2026-Q4", "start": "2026-10-01T00:00:00Z", "at": "2026-12-02T09:30:00Z",
         "groups": [{"key": {"land_use": 1340}, "count": 3, "area_m2": 183214.2, "area_daa": 183.21}],
         "total": {"key": {}, "count": 3, "area_m2": 183214.2, "area_daa": 183.21}}
    ],
    "links": [
        {"href": "http://127.0.0.1:8080/collections/plots/reserve/trend?step=quarter", "rel": "self", "type": "application/json", "title": "This trend"}
    ]
}))]
pub struct ReserveTrend {
    /// The length of the periods.
    pub step: String,
    /// When the first period begins.
    pub from: DateTime<Utc>,
    /// What the totals are grouped by.
    pub group_by: Vec<String>,
    /// The statuses counted (empty: every status).
    pub status: Vec<String>,
    /// The municipalities counted (empty: every municipality).
    pub municipality: Vec<String>,
    /// One point per period, oldest first; the last is now.
    pub points: Vec<TrendPoint>,
    /// `self`, the CSV, and the overview of the reserve now.
    pub links: Vec<Link>,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Timestamptz)]
    start: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Jsonb>)]
    key: Option<Value>,
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = Nullable<Double>)]
    area: Option<f64>,
}

/// The reserve of `selection` at the end of each period of `step` from
/// the one holding `from`, and now (the last point), from the versions.
/// One query, whatever the number of points.
pub async fn trend(
    conn: &mut AsyncPgConnection,
    selection: &Selection,
    step: Step,
    from: DateTime<Utc>,
) -> diesel::QueryResult<Vec<TrendPoint>> {
    let left_out: Vec<&str> = GROUPS
        .iter()
        .copied()
        .filter(|g| !selection.group_by.contains(g))
        .collect();
    let rows: Vec<Row> = diesel::sql_query(include_str!("sql/reserve_trend.sql"))
        .bind::<Array<Text>, _>(&selection.statuses)
        .bind::<Array<Text>, _>(&selection.municipalities)
        .bind::<Array<Text>, _>(&left_out)
        .bind::<Timestamptz, _>(from)
        .bind::<Text, _>(step.name())
        .bind::<Text, _>(format!("{} months", step.months()))
        .load(conn)
        .await?;
    let mut points: Vec<TrendPoint> = Vec::new();
    for row in rows {
        if points.last().is_none_or(|p| p.start != row.start) {
            points.push(TrendPoint {
                period: step.label(row.start),
                start: row.start,
                at: row.at,
                groups: Vec::new(),
                total: Group::total(&[]),
            });
        }
        let point = points.last_mut().expect("pushed above");
        if let Some(key) = row.key {
            let (area_m2, area_daa) = shown_area(row.area.unwrap_or_default());
            point.groups.push(Group {
                key,
                count: row.n,
                area_m2,
                area_daa,
            });
        }
    }
    for point in &mut points {
        point.total = Group::total(&point.groups);
    }
    Ok(points)
}

/// The reserve over time: count, m² and daa of the land on the register
/// (by default the vacant land, status `available`) at the end of each
/// month, quarter or year since a date (three years ago by default), and
/// now, by land use, location class, locality, municipality and/or status,
/// rebuilt from the history; as JSON or CSV (`f=csv`). The last point is
/// the overview of the reserve now with the same filters; each earlier one
/// is the overview `as_of` the end of its period.
#[utoipa::path(
    tag = "Plots",
    params(TrendQuery),
    responses(
        (status = 200, description = "The reserve at each point (JSON, or CSV with `f=csv`)",
            content(
                (ReserveTrend = "application/json"),
                (String = "text/csv", example = "period,at,land_use,count,area_m2,area_daa\n\
                    2026-Q3,2026-09-30T23:59:59.999999Z,1340,2,123871.3,123.87\n\
                    2026-Q3,2026-09-30T23:59:59.999999Z,total,2,123871.3,123.87\n"),
            )),
        problems::BadQuery,
        problems::Unavailable,
    )
)]
#[get("/collections/plots/reserve/trend")]
pub async fn get_reserve_trend(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut p = QueryParams::parse(req.query_string());
    p.check_format(&["json", "csv"]);
    let selection = Selection::parse(&mut p, &["available"]);
    let step = p.parsed("step", Step::parse).unwrap_or(Step::Quarter);
    let now = Utc::now();
    let from = p
        .parsed("from", |v| {
            let from = parse_instant(v)?;
            if from > now {
                return Err(format!("`{v}` is in the future"));
            }
            Ok(from)
        })
        .unwrap_or_else(|| now - Months::new(36));
    if step.periods(from, now) > i64::from(MAX_POINTS) {
        p.error(
            "from",
            format!(
                "asks for {} points by {}; at most {MAX_POINTS}: take a later date or a longer step",
                step.periods(from, now),
                step.name()
            ),
        );
    }
    let csv = p.get("f") == Some("csv");
    let pairs = p.finish(&["step", "from", "group_by", "status", "municipality", "f"])?;

    let mut conn = state.read_conn(true).await?;
    let points = trend(&mut conn, &selection, step, from).await?;
    drop(conn);
    let group_by = &selection.group_by;
    if csv {
        let body = to_csv(group_by, &points).map_err(anyhow::Error::from)?;
        return Ok(http::csv::attachment(body, "reserve-trend.csv"));
    }
    let base = state.base_url(&req);
    let this = format!("{base}/collections/{COLLECTION_ID}/reserve/trend");
    let statuses = selection.statuses.join(",");
    let status: Vec<(&str, &str)> = Some(("status", statuses.as_str()))
        .filter(|(_, s)| !s.is_empty())
        .into_iter()
        .collect();
    let links = vec![
        Link::new(
            format!("{this}?{}", req.query_string()),
            "self",
            media::JSON,
            "This trend",
        ),
        Link::new(
            url_with(&this, &pairs, &["f"], &[("f", "csv")]),
            "alternate",
            "text/csv",
            "This trend as CSV",
        ),
        Link::new(
            url_with(
                &format!("{base}/collections/{COLLECTION_ID}/reserve"),
                &pairs,
                &["f", "step", "from", "status"],
                &status,
            ),
            "related",
            media::JSON,
            "The reserve now",
        ),
    ];
    Ok(HttpResponse::Ok().json(ReserveTrend {
        step: step.name().to_owned(),
        from: points.iter().map(|p| p.start).next().unwrap_or(from),
        group_by: group_by.iter().map(|g| (*g).to_owned()).collect(),
        status: selection.statuses,
        municipality: selection.municipalities,
        points,
        links,
    }))
}

/// One row per point and group, and a `total` row per point.
fn to_csv(group_by: &[&str], points: &[TrendPoint]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["period", "at"];
    header.extend(Group::header(group_by));
    w.write_record(&header)?;
    for point in points {
        let at = point
            .at
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
        for g in point.groups.iter().chain(std::iter::once(&point.total)) {
            let mut record = vec![point.period.clone(), at.clone()];
            record.extend(g.record(group_by));
            w.write_record(&record)?;
        }
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn periods_are_named_and_counted_by_the_calendar() {
        assert_eq!(Step::Quarter.label(t("2024-10-01T00:00:00Z")), "2024-Q4");
        assert_eq!(Step::Month.label(t("2024-03-01T00:00:00Z")), "2024-03");
        assert_eq!(Step::Year.label(t("2024-01-01T00:00:00Z")), "2024");
        let (from, to) = (t("2023-12-02T10:00:00Z"), t("2026-12-02T10:00:00Z"));
        assert_eq!(Step::Quarter.periods(from, to), 13);
        assert_eq!(Step::Month.periods(from, to), 37);
        assert_eq!(Step::Year.periods(from, to), 4);
        assert_eq!(Step::Quarter.periods(to, to), 1);
        assert!(
            Step::parse("week")
                .unwrap_err()
                .contains("month, quarter or year")
        );
    }

    #[test]
    fn the_csv_has_a_row_per_group_and_a_total_per_point() {
        let group = |key: Value, count| Group {
            key,
            count,
            area_m2: 1000.0 * count as f64,
            area_daa: count as f64,
        };
        let points = vec![
            TrendPoint {
                period: "2024-Q1".to_owned(),
                start: t("2024-01-01T00:00:00Z"),
                at: t("2024-03-31T23:59:59.999999Z"),
                groups: vec![],
                total: group(json!({}), 0),
            },
            TrendPoint {
                period: "2024-Q2".to_owned(),
                start: t("2024-04-01T00:00:00Z"),
                at: t("2024-06-30T23:59:59.999999Z"),
                groups: vec![group(json!({"land_use": 1340}), 2)],
                total: group(json!({}), 2),
            },
        ];
        let text = String::from_utf8(to_csv(&["land_use"], &points).unwrap()).unwrap();
        assert_eq!(
            text,
            "period,at,land_use,count,area_m2,area_daa\n\
             2024-Q1,2024-03-31T23:59:59.999999Z,total,0,0,0\n\
             2024-Q2,2024-06-30T23:59:59.999999Z,1340,2,2000,2\n\
             2024-Q2,2024-06-30T23:59:59.999999Z,total,2,2000,2\n"
        );
    }
}
