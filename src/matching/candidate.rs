//! A plot as site matching judges it: the matching columns only, with its
//! code lists as types, and its boundary, read from the database
//! ([`CandidateRow`]) or from a plot already read ([`Plot`]).

use std::fmt;
use std::sync::LazyLock;

use chrono::NaiveDate;
use diesel::QueryableByName;
use diesel::sql_types::{Array, Bool, Date, Double, Integer, Nullable, Text, Uuid as SqlUuid};
use postgis_diesel::sql_types::Geometry;
use postgis_diesel::types::{MultiPolygon, Point};
use uuid::Uuid;

use super::boundary::Boundary;
use crate::plots::catalogue;
use crate::plots::codes::{Contamination, FocusArea, LocationClass, OfferType};
use crate::plots::queries::{Plot, PlotRow};

/// What matching judges a plot by.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub area_m2: Option<f64>,
    pub land_use: i32,
    pub location_class: LocationClass,
    pub port_distance_m: Option<i32>,
    pub rail_terminal_distance_m: Option<i32>,
    pub motorway_distance_m: Option<i32>,
    pub station_distance_m: Option<i32>,
    pub power_capacity_kw: Option<i32>,
    pub available_from: Option<NaiveDate>,
    pub price_nok_per_m2: Option<i32>,
    pub offer_type: OfferType,
    pub contamination: Contamination,
    pub focus_areas: FocusAreas,
    /// For the distances to the company's own places.
    pub boundary: Boundary,
}

/// A set of focus areas, one bit each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FocusAreas(u8);

impl FocusAreas {
    pub fn contains(self, area: FocusArea) -> bool {
        self.0 & (1 << area as u8) != 0
    }

    pub fn insert(&mut self, area: FocusArea) {
        self.0 |= 1 << area as u8;
    }
}

impl fmt::Display for FocusAreas {
    /// The areas in the order of the code list, comma-separated.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use strum::VariantNames;
        let names = FocusArea::VARIANTS
            .iter()
            .filter(|name| name.parse().is_ok_and(|area| self.contains(area)));
        for (i, name) in names.enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(name)?;
        }
        Ok(())
    }
}

/// A plot's matching columns as the database has them (codes as text).
#[derive(Debug, QueryableByName)]
pub struct CandidateRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Nullable<Double>)]
    pub area_m2: Option<f64>,
    #[diesel(sql_type = Integer)]
    pub land_use: i32,
    #[diesel(sql_type = Text)]
    pub location_class: LocationClass,
    #[diesel(sql_type = Nullable<Integer>)]
    pub port_distance_m: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub rail_terminal_distance_m: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub motorway_distance_m: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub station_distance_m: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub power_capacity_kw: Option<i32>,
    #[diesel(sql_type = Nullable<Date>)]
    pub available_from: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub price_nok_per_m2: Option<i32>,
    #[diesel(sql_type = Text)]
    pub offer_type: OfferType,
    #[diesel(sql_type = Text)]
    pub contamination: Contamination,
    #[diesel(sql_type = Array<Nullable<Text>>)]
    pub focus_areas: Vec<Option<FocusArea>>,
    /// The boundary (CRS84).
    #[diesel(sql_type = Geometry)]
    pub geom: MultiPolygon<Point>,
    /// Open, published and available (see [`PlotRow::is_on_offer`]).
    #[diesel(sql_type = Bool)]
    pub on_offer: bool,
}

/// The columns of a [`CandidateRow`] but `on_offer`, from `plots AS p`.
pub static COLUMNS: LazyLock<String> = LazyLock::new(|| {
    catalogue::matched_columns()
        .chain(["geom"])
        .map(|c| format!("p.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
});

/// The boundary of a MultiPolygon as PostGIS gives it.
fn boundary(geom: &MultiPolygon<Point>) -> Boundary {
    Boundary::from_rings(
        geom.polygons
            .iter()
            .flat_map(|polygon| &polygon.rings)
            .map(|ring| ring.iter().map(|p| (p.x, p.y))),
    )
}

impl From<&CandidateRow> for Candidate {
    fn from(row: &CandidateRow) -> Self {
        let mut focus_areas = FocusAreas::default();
        for area in row.focus_areas.iter().flatten() {
            focus_areas.insert(*area);
        }
        Candidate {
            area_m2: row.area_m2,
            land_use: row.land_use,
            location_class: row.location_class,
            port_distance_m: row.port_distance_m,
            rail_terminal_distance_m: row.rail_terminal_distance_m,
            motorway_distance_m: row.motorway_distance_m,
            station_distance_m: row.station_distance_m,
            power_capacity_kw: row.power_capacity_kw,
            available_from: row.available_from,
            price_nok_per_m2: row.price_nok_per_m2,
            offer_type: row.offer_type,
            contamination: row.contamination,
            focus_areas,
            boundary: boundary(&row.geom),
        }
    }
}

impl Candidate {
    /// A plot already read, its boundary from its GeoJSON, which must be
    /// in CRS84.
    pub fn from_plot(plot: &Plot) -> Result<Self, serde_json::Error> {
        Ok(Candidate {
            boundary: Boundary::from_geojson(&plot.geometry)?,
            ..Candidate::from(&plot.row)
        })
    }
}

impl From<&PlotRow> for Candidate {
    /// The plot's columns, with no boundary (see [`Candidate::from_plot`]).
    fn from(plot: &PlotRow) -> Self {
        Candidate::from(&CandidateRow {
            id: plot.id,
            area_m2: plot.area_m2,
            land_use: plot.land_use,
            location_class: plot.location_class,
            port_distance_m: plot.port_distance_m,
            rail_terminal_distance_m: plot.rail_terminal_distance_m,
            motorway_distance_m: plot.motorway_distance_m,
            station_distance_m: plot.station_distance_m,
            power_capacity_kw: plot.power_capacity_kw,
            available_from: plot.available_from,
            price_nok_per_m2: plot.price_nok_per_m2,
            offer_type: plot.offer_type,
            contamination: plot.contamination,
            focus_areas: plot.focus_areas.clone(),
            geom: MultiPolygon {
                polygons: Vec::new(),
                srid: None,
            },
            on_offer: plot.is_on_offer(),
        })
    }
}

/// Plots made up for the tests of matching.
#[cfg(test)]
pub mod testing {
    use super::*;

    /// A plot of industry (class C, for sale, clean ground, nothing else
    /// known) with this boundary.
    pub fn plot_with(boundary: Boundary) -> Candidate {
        Candidate {
            area_m2: Some(10_000.0),
            land_use: 1340,
            location_class: LocationClass::C,
            port_distance_m: None,
            rail_terminal_distance_m: None,
            motorway_distance_m: None,
            station_distance_m: None,
            power_capacity_kw: None,
            available_from: None,
            price_nok_per_m2: None,
            offer_type: OfferType::Sale,
            contamination: Contamination::None,
            focus_areas: FocusAreas::default(),
            boundary,
        }
    }

    /// `n` plots scattered over about 100 × 70 km around Drammen: squares
    /// and triangles of 20 m to 2 km, by a fixed sequence.
    pub fn scattered(n: usize) -> Vec<Candidate> {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            // xorshift64*: the same plots every run.
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
        };
        (0..n)
            .map(|i| {
                let (lon, lat) = (9.3 + 1.8 * next(), 59.4 + 0.65 * next());
                let size = 0.0002 + 0.02 * next().powi(3);
                let (w, h) = (size * 2.0, size);
                let ring = if i % 3 == 0 {
                    vec![(lon, lat), (lon + w, lat), (lon + w / 2.0, lat + h)]
                } else {
                    vec![
                        (lon, lat),
                        (lon + w, lat),
                        (lon + w, lat + h),
                        (lon, lat + h),
                    ]
                };
                plot_with(Boundary::from_rings([ring]))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_row_reads_the_catalogues_matching_columns() {
        // The row's fields (but `on_offer`, which the query computes, and
        // the boundary) are the columns the catalogue marks as matched.
        let row = CandidateRow {
            id: Uuid::nil(),
            area_m2: None,
            land_use: 0,
            location_class: LocationClass::A,
            port_distance_m: None,
            rail_terminal_distance_m: None,
            motorway_distance_m: None,
            station_distance_m: None,
            power_capacity_kw: None,
            available_from: None,
            price_nok_per_m2: None,
            offer_type: OfferType::Sale,
            contamination: Contamination::None,
            focus_areas: Vec::new(),
            geom: MultiPolygon {
                polygons: Vec::new(),
                srid: None,
            },
            on_offer: false,
        };
        // The field names of its `Debug` form, at the top level only.
        let debug = format!("{row:?}");
        let body = debug
            .trim_start_matches("CandidateRow { ")
            .trim_end_matches(" }");
        let (mut depth, mut start, mut fields) = (0, 0, Vec::new());
        for (i, c) in body.char_indices().chain([(body.len(), ',')]) {
            match c {
                '{' | '[' | '(' => depth += 1,
                '}' | ']' | ')' => depth -= 1,
                ',' if depth == 0 => {
                    let field = &body[start..i];
                    fields.extend(field.split_once(':').map(|(name, _)| name.trim()));
                    start = i + 1;
                }
                _ => {}
            }
        }
        fields.retain(|name| *name != "on_offer" && *name != "geom");
        let mut columns: Vec<&str> = catalogue::matched_columns().collect();
        fields.sort_unstable();
        columns.sort_unstable();
        assert_eq!(fields, columns);
    }
}
