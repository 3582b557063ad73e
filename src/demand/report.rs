//! Demand against supply for a period: the demand records by segment
//! (land-use group × size band × location class) and by power band, each
//! with the plots on offer now that meet it, and by quarter; the segments
//! where demand outruns supply first; and the searches and enquiries that
//! found no plot meeting their hard requirements.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Date, Double, Integer, Nullable, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;

/// The time zone quarters are counted in.
pub const TIME_ZONE: &str = "Europe/Oslo";

/// The land-use groups, by the names `land_use_codes.demand_group` takes.
pub const LAND_USE_GROUPS: [&str; 4] = ["industry", "offices", "other", "any"];
/// The size bands (daa): under 5, 5–20, 20–50, 50 and more, or any.
pub const SIZE_BANDS: [&str; 5] = ["lt5", "5-20", "20-50", "ge50", "any"];
/// The power bands (MW): under 1, 1–5, 5 and more, or not asked for.
pub const POWER_BANDS: [&str; 4] = ["lt1", "1-5", "ge5", "any"];

/// The plan's own word for a segment, where one fits: space-demanding
/// business (industry and warehouses of 20 daa and more) and
/// workplace-intensive business (offices in A locations, by the ABC
/// principle); power-intensive for 5 MW and more.
pub fn plan_term(
    land_use_group: &str,
    size_band: &str,
    location_class: &str,
) -> Option<&'static str> {
    match (land_use_group, size_band, location_class) {
        ("industry", "20-50" | "ge50", _) => Some("arealkrevende næringer"),
        ("offices", _, "A") => Some("arbeidsplassintensive næringer"),
        _ => None,
    }
}

/// The plan's word for a power band.
pub fn power_term(band: &str) -> Option<&'static str> {
    (band == "ge5").then_some("kraftkrevende næringer")
}

/// Demand in one quarter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Quarter {
    /// `2026-Q3`.
    pub quarter: String,
    pub enquiries: i64,
    pub searches: i64,
    pub alerts: i64,
}

impl Quarter {
    fn add(&mut self, source: &str, n: i64) {
        match source {
            "enquiry" => self.enquiries += n,
            "search" => self.searches += n,
            _ => self.alerts += n,
        }
    }

    /// Enquiries, searches and saved alerts together.
    pub fn total(&self) -> i64 {
        self.enquiries + self.searches + self.alerts
    }
}

/// The plots on offer now that meet a segment: how many, and their area.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, ToSchema)]
pub struct Supply {
    pub plots: i64,
    pub area_daa: f64,
}

/// One segment of demand, against the supply that meets it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Segment {
    /// `industry` (industry and warehouses: SOSI 1340, 1350, 1826),
    /// `offices` (offices, hotels, restaurants: 1310, 1320, 1330), `other`,
    /// or `any` (none named, or several groups).
    pub land_use_group: String,
    /// `lt5`, `5-20`, `20-50`, `ge50` (daa, by the least area asked for) or `any`.
    pub size_band: String,
    /// `A`, `B`, `C` or `any`.
    pub location_class: String,
    /// The plan's word for it, where one fits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_term: Option<&'static str>,
    /// Enquiries, searches (one per session) and saved alerts in the period.
    pub enquiries: i64,
    pub searches: i64,
    pub alerts: i64,
    /// All three together.
    pub demand: i64,
    /// How many of them found no plot on offer meeting every hard requirement.
    pub unmet: i64,
    /// The plots on offer now in this segment.
    pub supply: Supply,
    /// Demand less the plots on offer: above 0, demand exceeds supply.
    pub shortfall: i64,
    /// Demand by quarter, oldest first.
    pub quarters: Vec<Quarter>,
}

/// Demand by the least power asked for.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PowerBand {
    /// `lt1`, `1-5`, `ge5` (MW) or `any` (no power asked for).
    pub power_band: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_term: Option<&'static str>,
    pub enquiries: i64,
    pub searches: i64,
    pub alerts: i64,
    pub demand: i64,
    pub unmet: i64,
    /// The plots on offer now with at least the band's least power
    /// (any stated power for `lt1`; every plot for `any`).
    pub supply: Supply,
    pub shortfall: i64,
}

/// A search or enquiry that found no plot meeting its hard requirements.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema, QueryableByName)]
pub struct Unmet {
    #[diesel(sql_type = Text)]
    pub source: String,
    #[diesel(sql_type = Timestamptz)]
    pub first_at: DateTime<Utc>,
    /// How often the session searched.
    #[diesel(sql_type = Integer)]
    pub asked: i32,
    #[diesel(sql_type = Nullable<Double>)]
    pub area_min_m2: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub area_max_m2: Option<f64>,
    #[diesel(sql_type = Nullable<Array<Integer>>)]
    pub land_use: Option<Vec<i32>>,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    pub location_class: Option<Vec<String>>,
    #[diesel(sql_type = Nullable<Double>)]
    pub min_power_kw: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub max_port_distance_m: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub max_rail_terminal_distance_m: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub max_motorway_distance_m: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub max_station_distance_m: Option<f64>,
    #[diesel(sql_type = Nullable<Date>)]
    pub available_by: Option<NaiveDate>,
    #[diesel(sql_type = Array<Text>)]
    pub required: Vec<String>,
    #[serde(skip)]
    #[diesel(sql_type = BigInt)]
    pub total: i64,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Report {
    /// The period, both days included.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The quarters the period touches, oldest first.
    pub quarters: Vec<String>,
    pub enquiries: i64,
    pub searches: i64,
    pub alerts: i64,
    /// Those that found no plot meeting every hard requirement.
    pub unmet: i64,
    /// Segments with demand, demand exceeding supply first (by shortfall),
    /// then by demand.
    pub segments: Vec<Segment>,
    pub power: Vec<PowerBand>,
    /// The newest unmet searches and enquiries, with what they asked for.
    pub unmet_needs: Vec<Unmet>,
    /// How many unmet there are in all (`unmet_needs` holds at most 100).
    pub unmet_total: i64,
}

#[derive(QueryableByName)]
struct DemandRow {
    #[diesel(sql_type = Text)]
    land_use_group: String,
    #[diesel(sql_type = Text)]
    size_band: String,
    #[diesel(sql_type = Text)]
    location_class: String,
    #[diesel(sql_type = Text)]
    power_band: String,
    #[diesel(sql_type = Text)]
    quarter: String,
    #[diesel(sql_type = Text)]
    source: String,
    #[diesel(sql_type = BigInt)]
    records: i64,
    #[diesel(sql_type = BigInt)]
    unmet: i64,
}

#[derive(QueryableByName)]
struct SupplyRow {
    #[diesel(sql_type = Text)]
    land_use_group: String,
    #[diesel(sql_type = Text)]
    size_band: String,
    #[diesel(sql_type = Text)]
    location_class: String,
    #[diesel(sql_type = BigInt)]
    plots: i64,
    #[diesel(sql_type = Double)]
    area_m2: f64,
    #[diesel(sql_type = BigInt)]
    plots_kw0: i64,
    #[diesel(sql_type = Double)]
    area_m2_kw0: f64,
    #[diesel(sql_type = BigInt)]
    plots_kw1000: i64,
    #[diesel(sql_type = Double)]
    area_m2_kw1000: f64,
    #[diesel(sql_type = BigInt)]
    plots_kw5000: i64,
    #[diesel(sql_type = Double)]
    area_m2_kw5000: f64,
}

/// The most unmet needs listed.
pub const UNMET_LISTED: i64 = 100;

fn supply(plots: i64, area_m2: f64) -> Supply {
    Supply {
        plots,
        area_daa: (area_m2 / 100.0).round() / 10.0,
    }
}

/// The report for the days `from` to `to`, both included (Norwegian time).
pub async fn report(
    conn: &mut AsyncPgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Report, ApiError> {
    let (demand, supplies, unmet_needs) = conn
        .transaction(async |conn| {
            // The planner's estimates of these aggregates pass
            // jit_above_cost, and compiling them takes longer (about 350 ms)
            // than running them (measured at 1M plots, bench/README.md).
            diesel::sql_query("SET LOCAL jit = off")
                .execute(conn)
                .await?;
            let demand: Vec<DemandRow> = diesel::sql_query(include_str!("sql/demand.sql"))
                .bind::<Date, _>(from)
                .bind::<Date, _>(to)
                .bind::<Text, _>(TIME_ZONE)
                .load(conn)
                .await?;
            let supplies: Vec<SupplyRow> = diesel::sql_query(include_str!("sql/supply.sql"))
                .load(conn)
                .await?;
            let unmet_needs: Vec<Unmet> = diesel::sql_query(include_str!("sql/unmet.sql"))
                .bind::<Date, _>(from)
                .bind::<Date, _>(to)
                .bind::<BigInt, _>(UNMET_LISTED)
                .bind::<Text, _>(TIME_ZONE)
                .load(conn)
                .await?;
            Ok::<_, ApiError>((demand, supplies, unmet_needs))
        })
        .await?;
    Ok(assemble(from, to, &demand, &supplies, unmet_needs))
}

/// The quarters from the one holding `from` to the one holding `to`.
pub fn quarters(from: NaiveDate, to: NaiveDate) -> Vec<String> {
    use chrono::Datelike;
    let index = |d: NaiveDate| d.year() * 4 + (d.month0() / 3) as i32;
    (index(from)..=index(to))
        .map(|i| format!("{}-Q{}", i.div_euclid(4), i.rem_euclid(4) + 1))
        .collect()
}

fn assemble(
    from: NaiveDate,
    to: NaiveDate,
    demand: &[DemandRow],
    supplies: &[SupplyRow],
    unmet_needs: Vec<Unmet>,
) -> Report {
    let all_quarters = quarters(from, to);
    let empty_quarters = || -> Vec<Quarter> {
        all_quarters
            .iter()
            .map(|q| Quarter {
                quarter: q.clone(),
                ..Quarter::default()
            })
            .collect()
    };
    let mut by_segment: BTreeMap<(String, String, String), (Vec<Quarter>, i64)> = BTreeMap::new();
    let mut by_power: BTreeMap<String, (Quarter, i64)> = BTreeMap::new();
    let mut totals = Quarter::default();
    let mut unmet_all = 0;
    for row in demand {
        let key = (
            row.land_use_group.clone(),
            row.size_band.clone(),
            row.location_class.clone(),
        );
        let (quarters, unmet) = by_segment
            .entry(key)
            .or_insert_with(|| (empty_quarters(), 0));
        if let Some(q) = quarters.iter_mut().find(|q| q.quarter == row.quarter) {
            q.add(&row.source, row.records);
        }
        *unmet += row.unmet;
        let (power, unmet) = by_power.entry(row.power_band.clone()).or_default();
        power.add(&row.source, row.records);
        *unmet += row.unmet;
        totals.add(&row.source, row.records);
        unmet_all += row.unmet;
    }
    let supply_of = |g: &str, b: &str, c: &str| {
        supplies
            .iter()
            .find(|s| s.land_use_group == g && s.size_band == b && s.location_class == c)
    };
    let mut segments: Vec<Segment> = by_segment
        .into_iter()
        .map(|((group, band, class), (quarters, unmet))| {
            let sum = quarters.iter().fold(Quarter::default(), |mut t, q| {
                t.enquiries += q.enquiries;
                t.searches += q.searches;
                t.alerts += q.alerts;
                t
            });
            let offer = supply_of(&group, &band, &class)
                .map_or_else(Supply::default, |s| supply(s.plots, s.area_m2));
            Segment {
                plan_term: plan_term(&group, &band, &class),
                land_use_group: group,
                size_band: band,
                location_class: class,
                enquiries: sum.enquiries,
                searches: sum.searches,
                alerts: sum.alerts,
                demand: sum.total(),
                unmet,
                shortfall: sum.total() - offer.plots,
                supply: offer,
                quarters,
            }
        })
        .collect();
    segments.sort_by(|a, b| {
        b.shortfall
            .cmp(&a.shortfall)
            .then(b.demand.cmp(&a.demand))
            .then_with(|| {
                (&a.land_use_group, &a.size_band, &a.location_class).cmp(&(
                    &b.land_use_group,
                    &b.size_band,
                    &b.location_class,
                ))
            })
    });
    let everything = supply_of("any", "any", "any");
    let power = POWER_BANDS
        .iter()
        .filter_map(|band| {
            let (q, unmet) = by_power.get(*band)?;
            let offer = everything.map_or_else(Supply::default, |s| match *band {
                "lt1" => supply(s.plots_kw0, s.area_m2_kw0),
                "1-5" => supply(s.plots_kw1000, s.area_m2_kw1000),
                "ge5" => supply(s.plots_kw5000, s.area_m2_kw5000),
                _ => supply(s.plots, s.area_m2),
            });
            Some(PowerBand {
                power_band: (*band).to_owned(),
                plan_term: power_term(band),
                enquiries: q.enquiries,
                searches: q.searches,
                alerts: q.alerts,
                demand: q.total(),
                unmet: *unmet,
                shortfall: q.total() - offer.plots,
                supply: offer,
            })
        })
        .collect();
    Report {
        from,
        to,
        quarters: all_quarters,
        enquiries: totals.enquiries,
        searches: totals.searches,
        alerts: totals.alerts,
        unmet: unmet_all,
        segments,
        power,
        unmet_total: <[Unmet]>::first(&unmet_needs).map_or(0, |u| u.total),
        unmet_needs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_run_from_the_first_to_the_last_touched() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            quarters(d(2025, 12, 2), d(2026, 4, 1)),
            ["2025-Q4", "2026-Q1", "2026-Q2"]
        );
        assert_eq!(quarters(d(2026, 1, 1), d(2026, 3, 31)), ["2026-Q1"]);
    }

    #[test]
    fn the_plans_words_fit_their_segments() {
        assert_eq!(
            plan_term("industry", "ge50", "C"),
            Some("arealkrevende næringer")
        );
        assert_eq!(plan_term("industry", "5-20", "C"), None);
        assert_eq!(
            plan_term("offices", "lt5", "A"),
            Some("arbeidsplassintensive næringer")
        );
        assert_eq!(power_term("ge5"), Some("kraftkrevende næringer"));
    }
}
