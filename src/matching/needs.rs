//! A company's statement of needs, its checks, and the judge of one plot
//! against it: a score and the reasons (which needs it meets, which it
//! misses and by how much). Needs named in `required` are hard: a plot that
//! misses one is not a candidate. The others are preferences: each scores
//! from 0 to 1 (full when met, less the further it misses) and the plot's
//! score is the mean over every stated need. Each of the company's own
//! `places` counts as one need, hard or not by its kind of distance
//! ([`super::places`]).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use strum::{AsRefStr, EnumIter, EnumString, IntoEnumIterator, VariantNames};

use super::candidate::Candidate;
use super::places::{self, Place, Target, Verdict};
use crate::demand::record::Demand;
use crate::error::FieldError;
use crate::html::format::whole;
use crate::html::i18n::{Lang, Messages};
use crate::plots::codes::{Contamination, FocusArea, LocationClass, OfferType};

/// A range of plot area in m².
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AreaRange {
    /// At least this many m².
    pub min: Option<f64>,
    /// At most this many m².
    pub max: Option<f64>,
}

/// What a company needs.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Needs {
    /// Plot area in m² (20 daa is 20000).
    pub area_m2: Option<AreaRange>,
    /// Acceptable SOSI land-use codes.
    pub land_use: Option<Vec<i32>>,
    /// Acceptable ABC location classes.
    pub location_class: Option<Vec<LocationClass>>,
    /// Farthest acceptable distance to a port, in metres.
    pub max_port_distance_m: Option<f64>,
    /// … to a rail freight terminal.
    pub max_rail_terminal_distance_m: Option<f64>,
    /// … to a motorway junction.
    pub max_motorway_distance_m: Option<f64>,
    /// … to a train station.
    pub max_station_distance_m: Option<f64>,
    /// Least power capacity, in kW.
    pub min_power_kw: Option<f64>,
    /// The plot must be available by this date.
    pub available_by: Option<NaiveDate>,
    /// Highest acceptable price, NOK per m² (sale).
    pub max_price_nok_per_m2: Option<f64>,
    /// Sale or lease (`sale_or_lease` plots fit either).
    pub offer_type: Option<OfferType>,
    /// The plan's focus area the company belongs to.
    pub focus_area: Option<FocusArea>,
    /// Ground free of known or suspected contamination.
    pub no_contamination: Option<bool>,
    /// The company's own points (its current site, key customers,
    /// suppliers), at most 20, each with the farthest (hard) or the
    /// preferred distance from it to the plot's boundary, geodesic, in
    /// metres (0 inside the plot). Each is a need of its own in the score
    /// and the reasons; `required` does not name them.
    #[schema(example = json!([
        {"name": "Our current site", "lon": 10.2, "lat": 59.74, "max_distance_m": 5000},
        {"name": "Key customer", "lon": 10.25, "lat": 59.76, "preferred_distance_m": 2000}
    ]))]
    pub places: Option<Vec<Place>>,
    /// Which of the needs above are hard requirements (by name); the rest are
    /// preferences. Not `places`: each place's kind of distance says it.
    #[serde(default)]
    pub required: Vec<String>,
    /// How many plots to return, 1–100 (default 10).
    pub limit: Option<u32>,
}

/// The needs a company can state, by the names `required` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumString, AsRefStr, VariantNames, EnumIter)]
#[strum(serialize_all = "snake_case")]
pub enum Need {
    AreaM2,
    LandUse,
    LocationClass,
    MaxPortDistanceM,
    MaxRailTerminalDistanceM,
    MaxMotorwayDistanceM,
    MaxStationDistanceM,
    MinPowerKw,
    AvailableBy,
    MaxPriceNokPerM2,
    OfferType,
    FocusArea,
    NoContamination,
    Places,
}

impl Need {
    fn bit(self) -> u16 {
        1 << self as u16
    }
}

/// One need, met or missed, for one plot.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Reason {
    /// The need.
    pub need: String,
    /// For `places`: which place, by its position in the list (from 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<usize>,
    /// Whether the plot meets it.
    pub met: bool,
    /// Whether it was a hard requirement.
    pub required: bool,
    /// What the plot has, against what was asked, and by how much it misses.
    pub detail: String,
    /// This need's share of the score, 0 to 1.
    pub score: f64,
}

impl Needs {
    /// Every problem with the needs at once.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        for name in &self.required {
            match name.parse::<Need>() {
                Err(_) => errors.push(FieldError::new(
                    "required",
                    format!(
                        "`{name}` is not a need; needs: {}",
                        Need::VARIANTS.join(", ")
                    ),
                )),
                Ok(Need::Places) => errors.push(FieldError::new(
                    "required",
                    "`places` is not named here: a place with max_distance_m is hard, \
                     one with preferred_distance_m a preference",
                )),
                Ok(need) if !self.given(need) => errors.push(FieldError::new(
                    "required",
                    format!("`{name}` is required but not stated"),
                )),
                Ok(_) => {}
            }
        }
        let positive = [
            ("max_port_distance_m", self.max_port_distance_m),
            (
                "max_rail_terminal_distance_m",
                self.max_rail_terminal_distance_m,
            ),
            ("max_motorway_distance_m", self.max_motorway_distance_m),
            ("max_station_distance_m", self.max_station_distance_m),
            ("min_power_kw", self.min_power_kw),
            ("max_price_nok_per_m2", self.max_price_nok_per_m2),
        ];
        for (name, value) in positive {
            if value.is_some_and(|v| !v.is_finite() || v < 0.0) {
                errors.push(FieldError::new(name, "must be a number of at least 0"));
            }
        }
        if let Some(AreaRange { min, max }) = self.area_m2 {
            if min.is_none() && max.is_none() {
                errors.push(FieldError::new("area_m2", "needs min, max or both"));
            }
            if [min, max]
                .into_iter()
                .flatten()
                .any(|v| !v.is_finite() || v < 0.0)
            {
                errors.push(FieldError::new(
                    "area_m2",
                    "min and max must be numbers of at least 0",
                ));
            }
            if let (Some(a), Some(b)) = (min, max)
                && a > b
            {
                errors.push(FieldError::new("area_m2", "min is above max"));
            }
        }
        if self.land_use.as_ref().is_some_and(Vec::is_empty)
            || self.location_class.as_ref().is_some_and(Vec::is_empty)
        {
            errors.push(FieldError::new("land_use", "lists must not be empty"));
        }
        if let Some(list) = &self.places {
            places::check(list, &mut errors);
        }
        if self.limit.is_some_and(|l| !(1..=100).contains(&l)) {
            errors.push(FieldError::new("limit", "must be from 1 to 100"));
        }
        if !Need::iter().any(|need| self.given(need)) {
            errors.push(FieldError::new("needs", "state at least one need"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn given(&self, need: Need) -> bool {
        match need {
            Need::AreaM2 => self.area_m2.is_some(),
            Need::LandUse => self.land_use.is_some(),
            Need::LocationClass => self.location_class.is_some(),
            Need::MaxPortDistanceM => self.max_port_distance_m.is_some(),
            Need::MaxRailTerminalDistanceM => self.max_rail_terminal_distance_m.is_some(),
            Need::MaxMotorwayDistanceM => self.max_motorway_distance_m.is_some(),
            Need::MaxStationDistanceM => self.max_station_distance_m.is_some(),
            Need::MinPowerKw => self.min_power_kw.is_some(),
            Need::AvailableBy => self.available_by.is_some(),
            Need::MaxPriceNokPerM2 => self.max_price_nok_per_m2.is_some(),
            Need::OfferType => self.offer_type.is_some(),
            Need::FocusArea => self.focus_area.is_some(),
            Need::NoContamination => self.no_contamination == Some(true),
            Need::Places => self.places.is_some(),
        }
    }

    /// The needs made ready to judge many plots: the hard requirements, one
    /// bit per need (see [`Need::bit`]; names that are not needs are refused
    /// by [`Needs::check`]), and the places as targets.
    pub fn prepare(&self) -> Prepared {
        Prepared {
            required: self
                .required
                .iter()
                .filter_map(|name| name.parse::<Need>().ok())
                .fold(0, |bits, need| bits | need.bit()),
            targets: self.places.iter().flatten().map(Target::new).collect(),
        }
    }

    /// Judges the plot on each stated need, in a fixed order, calling
    /// `verdict` with the need, whether the plot meets it, its score (0–1
    /// once clamped) and what the plot has against what was asked. The
    /// detail is a closure, formatted only by callers that show it: the
    /// ranking judges every candidate and never formats. The places are
    /// judged, measured, only `with_places`: the ranking judges them itself
    /// ([`Needs::score`]).
    ///
    /// A met need scores exactly 1, a missed one less, so a plot meeting
    /// every stated need scores exactly 1 and no other plot does.
    fn judge(
        &self,
        plot: &Candidate,
        prepared: &Prepared,
        with_places: bool,
        mut verdict: impl FnMut(Subject, bool, f64, &dyn Fn(&Messages) -> String),
    ) {
        let mut verdict_on =
            |need: Need, met: bool, score: f64, detail: &dyn Fn(&Messages) -> String| {
                verdict(Subject::Need(need), met, score, detail);
            };
        // A maximum missed by x% scores 1 - x/100 (0 from double the limit on).
        let mut at_most = |need: Need, limit: Option<f64>, value: Option<i32>, unit: &str| {
            let Some(limit) = limit else { return };
            let unit = format!("reason.unit.{unit}");
            match value.map(f64::from) {
                None => verdict_on(need, false, 0.0, &|t| t.get("reason.unknown").to_owned()),
                Some(v) if v <= limit => verdict_on(need, true, 1.0, &|t| {
                    t.fill(
                        "reason.at_most",
                        &[
                            ("value", &whole(v)),
                            ("unit", t.get(&unit)),
                            ("limit", &whole(limit)),
                        ],
                    )
                }),
                Some(v) => verdict_on(need, false, 1.0 - (v - limit) / limit.max(1.0), &|t| {
                    t.fill(
                        "reason.at_most.over",
                        &[
                            ("value", &whole(v)),
                            ("unit", t.get(&unit)),
                            ("over", &whole(v - limit)),
                            ("limit", &whole(limit)),
                        ],
                    )
                }),
            }
        };
        at_most(
            Need::MaxPortDistanceM,
            self.max_port_distance_m,
            plot.port_distance_m,
            "port",
        );
        at_most(
            Need::MaxRailTerminalDistanceM,
            self.max_rail_terminal_distance_m,
            plot.rail_terminal_distance_m,
            "rail_terminal",
        );
        at_most(
            Need::MaxMotorwayDistanceM,
            self.max_motorway_distance_m,
            plot.motorway_distance_m,
            "motorway",
        );
        at_most(
            Need::MaxStationDistanceM,
            self.max_station_distance_m,
            plot.station_distance_m,
            "station",
        );
        at_most(
            Need::MaxPriceNokPerM2,
            self.max_price_nok_per_m2,
            plot.price_nok_per_m2,
            "price",
        );
        if let Some(AreaRange { min, max }) = self.area_m2 {
            let area = plot.area_m2.unwrap_or_default();
            match (min, max) {
                (Some(lo), _) if area < lo => verdict_on(Need::AreaM2, false, area / lo, &|t| {
                    t.fill(
                        "reason.area.short",
                        &[
                            ("area", &whole(area)),
                            ("short", &whole(lo - area)),
                            ("min", &whole(lo)),
                        ],
                    )
                }),
                (_, Some(hi)) if area > hi => verdict_on(Need::AreaM2, false, hi / area, &|t| {
                    t.fill(
                        "reason.area.over",
                        &[
                            ("area", &whole(area)),
                            ("over", &whole(area - hi)),
                            ("max", &whole(hi)),
                        ],
                    )
                }),
                _ => verdict_on(Need::AreaM2, true, 1.0, &|t| {
                    t.fill("reason.area", &[("area", &whole(area))])
                }),
            }
        }
        if let Some(codes) = &self.land_use {
            let met = codes.contains(&plot.land_use);
            verdict_on(Need::LandUse, met, all_or_nothing(met), &|t| {
                t.fill("reason.land_use", &[("code", &plot.land_use.to_string())])
            });
        }
        if let Some(classes) = &self.location_class {
            let met = classes.contains(&plot.location_class);
            verdict_on(Need::LocationClass, met, all_or_nothing(met), &|t| {
                t.fill(
                    "reason.location_class",
                    &[("class", plot.location_class.as_ref())],
                )
            });
        }
        if let Some(kw) = self.min_power_kw {
            match plot.power_capacity_kw.map(f64::from) {
                None => verdict_on(Need::MinPowerKw, false, 0.0, &|t| {
                    t.get("reason.power.unknown").to_owned()
                }),
                Some(p) if p >= kw => verdict_on(Need::MinPowerKw, true, 1.0, &|t| {
                    t.fill("reason.power", &[("power", &whole(p)), ("min", &whole(kw))])
                }),
                Some(p) => verdict_on(Need::MinPowerKw, false, p / kw.max(1.0), &|t| {
                    t.fill(
                        "reason.power.short",
                        &[("power", &whole(p)), ("short", &whole(kw - p))],
                    )
                }),
            }
        }
        if let Some(by) = self.available_by {
            match plot.available_from {
                None => verdict_on(Need::AvailableBy, true, 1.0, &|t| {
                    t.get("reason.available.now").to_owned()
                }),
                Some(d) if d <= by => verdict_on(Need::AvailableBy, true, 1.0, &|t| {
                    t.fill("reason.available", &[("date", &d.to_string())])
                }),
                Some(d) => {
                    let late = (d - by).num_days();
                    verdict_on(Need::AvailableBy, false, 1.0 - late as f64 / 365.0, &|t| {
                        t.fill(
                            "reason.available.late",
                            &[("date", &d.to_string()), ("late", &late.to_string())],
                        )
                    })
                }
            }
        }
        if let Some(offer) = self.offer_type {
            let met = plot.offer_type == offer || plot.offer_type == OfferType::SaleOrLease;
            verdict_on(Need::OfferType, met, all_or_nothing(met), &|t| {
                let offer = format!("code.offer_type.{}", plot.offer_type.as_ref());
                t.fill("reason.offer_type", &[("offer", t.get(&offer))])
            });
        }
        if let Some(area) = self.focus_area {
            let met = plot.focus_areas.contains(area);
            verdict_on(Need::FocusArea, met, all_or_nothing(met), &|t| {
                t.fill(
                    "reason.focus_area",
                    &[("areas", &plot.focus_areas.to_string())],
                )
            });
        }
        if self.no_contamination == Some(true) {
            let (met, score) = match plot.contamination {
                Contamination::None => (true, 1.0),
                Contamination::Suspected => (false, 0.5),
                Contamination::Confirmed => (false, 0.0),
            };
            verdict_on(Need::NoContamination, met, score, &|t| {
                let value = format!("code.contamination.{}", plot.contamination.as_ref());
                t.fill("reason.contamination", &[("value", t.get(&value))])
            });
        }
        if !with_places {
            return;
        }
        for (index, (place, target)) in self.places().iter().zip(&prepared.targets).enumerate() {
            let distance = target.distance_m(&plot.boundary);
            let met = distance <= place.limit_m();
            verdict(Subject::Place(index), met, place.score(distance), &|t| {
                place.detail(t, index, distance)
            });
        }
    }

    /// The places, none when not stated.
    fn places(&self) -> &[Place] {
        self.places.as_deref().unwrap_or_default()
    }

    /// Whether the need (or the place) is a hard requirement.
    fn is_hard(&self, subject: Subject, required: u16) -> bool {
        match subject {
            Subject::Need(need) => required & need.bit() != 0,
            Subject::Place(i) => self.places()[i].is_hard(),
        }
    }

    /// The plot's exact score (the mean over the stated needs), unless it
    /// misses a hard requirement, or cannot score `floor` or more
    /// (`prepared` by [`Needs::prepare`]). The ranking calls this for every
    /// candidate, with the worst score of the best so far as the floor.
    ///
    /// A place's distance is measured only when the plot's box does not
    /// settle the verdict, and then only while the plot can still reach the
    /// floor if each distance not yet measured were the least the box
    /// allows: measuring is the costly part, and most plots far from the
    /// best are left without.
    pub fn score(&self, plot: &Candidate, prepared: &Prepared, floor: f64) -> Fit {
        let (mut sum, mut count, mut missed_hard) = (0.0, 0u32, false);
        self.judge(plot, prepared, false, |subject, met, score, _| {
            sum += score.clamp(0.0, 1.0);
            count += 1;
            missed_hard |= !met && self.is_hard(subject, prepared.required);
        });
        if missed_hard {
            return Fit::Missed;
        }
        // The preferred places still to measure, each with the best score
        // the box allows.
        let mut unmeasured = [(0usize, 0.0f64); places::MAX_PLACES];
        let mut open = 0;
        let boundary = &plot.boundary;
        for (i, (place, target)) in self.places().iter().zip(&prepared.targets).enumerate() {
            count += 1;
            match (target.judge(boundary), place.is_hard()) {
                (Verdict::Met, _) => sum += 1.0,
                (Verdict::TooFar, true) => return Fit::Missed,
                (Verdict::TooFar, false) => {}
                (Verdict::Near(_), true) => {
                    let distance = target.distance_m(boundary);
                    if distance > place.limit_m() {
                        return Fit::Missed;
                    }
                    sum += 1.0;
                }
                (Verdict::Near(nearest), false) if open < unmeasured.len() => {
                    unmeasured[open] = (i, place.score(nearest).clamp(0.0, 1.0));
                    open += 1;
                }
                (Verdict::Near(_), false) => {
                    let distance = target.distance_m(boundary);
                    sum += place.score(distance).clamp(0.0, 1.0);
                }
            }
        }
        if count == 0 {
            return Fit::Scored(1.0);
        }
        let count = f64::from(count);
        let places = self.places();
        for k in 0..open {
            let hope: f64 = unmeasured[k..open].iter().map(|(_, best)| best).sum();
            if (sum + hope) / count < floor {
                return Fit::Below;
            }
            let (i, _) = unmeasured[k];
            let distance = prepared.targets[i].distance_m(boundary);
            sum += places[i].score(distance).clamp(0.0, 1.0);
        }
        Fit::Scored(sum / count)
    }

    /// The plot's score (0–1, the mean over the stated needs, to 3
    /// decimals) and the reasons, their details in `lang`.
    pub fn assess(&self, plot: &Candidate, lang: Lang) -> (f64, Vec<Reason>) {
        let t = lang.messages();
        let prepared = self.prepare();
        let mut reasons = Vec::new();
        self.judge(plot, &prepared, true, |subject, met, score, detail| {
            let (need, place) = match subject {
                Subject::Need(need) => (need, None),
                Subject::Place(i) => (Need::Places, Some(i)),
            };
            reasons.push(Reason {
                need: need.as_ref().to_owned(),
                place,
                met,
                required: self.is_hard(subject, prepared.required),
                detail: detail(t),
                score: round3(score.clamp(0.0, 1.0)),
            });
        });
        let score = if reasons.is_empty() {
            1.0
        } else {
            reasons.iter().map(|r| r.score).sum::<f64>() / reasons.len() as f64
        };
        (round3(score), reasons)
    }
}

/// What the ranking learns of a plot ([`Needs::score`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fit {
    /// It misses a hard requirement: not a candidate.
    Missed,
    /// A candidate that scores below the floor asked for.
    Below,
    /// A candidate, and its exact score.
    Scored(f64),
}

/// What one verdict is on: a need, or one of the places (by position).
#[derive(Debug, Clone, Copy)]
enum Subject {
    Need(Need),
    Place(usize),
}

/// Needs made ready to judge many plots ([`Needs::prepare`]).
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The hard requirements, one bit per need.
    required: u16,
    /// The places, in order.
    targets: Vec<Target>,
}

fn all_or_nothing(met: bool) -> f64 {
    f64::from(u8::from(met))
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The needs echoed in an answer, as JSON.
pub fn echo(needs: &Needs) -> Value {
    serde_json::to_value(needs).unwrap_or(Value::Null)
}

/// Needs as demand: what a demand record keeps of them, and back.
impl Needs {
    /// What a demand record keeps: the needs less the company's places
    /// (its addresses) and the page size.
    pub fn demand(&self) -> Demand {
        Demand {
            area_min_m2: self.area_m2.and_then(|a| a.min),
            area_max_m2: self.area_m2.and_then(|a| a.max),
            land_use: self.land_use.clone(),
            location_class: self
                .location_class
                .as_ref()
                .map(|c| c.iter().map(|c| c.as_ref().to_owned()).collect()),
            min_power_kw: self.min_power_kw,
            max_port_distance_m: self.max_port_distance_m,
            max_rail_terminal_distance_m: self.max_rail_terminal_distance_m,
            max_motorway_distance_m: self.max_motorway_distance_m,
            max_station_distance_m: self.max_station_distance_m,
            available_by: self.available_by,
            required: self.required.clone(),
        }
    }

    /// The statement of needs a demand record is, to match it (it has no
    /// places, so `places` is not required).
    pub fn of_demand(demand: &Demand) -> Self {
        Self {
            area_m2: (demand.area_min_m2.is_some() || demand.area_max_m2.is_some()).then_some(
                AreaRange {
                    min: demand.area_min_m2,
                    max: demand.area_max_m2,
                },
            ),
            land_use: demand.land_use.clone(),
            location_class: demand
                .location_class
                .as_ref()
                .map(|c| c.iter().filter_map(|c| c.parse().ok()).collect()),
            min_power_kw: demand.min_power_kw,
            max_port_distance_m: demand.max_port_distance_m,
            max_rail_terminal_distance_m: demand.max_rail_terminal_distance_m,
            max_motorway_distance_m: demand.max_motorway_distance_m,
            max_station_distance_m: demand.max_station_distance_m,
            available_by: demand.available_by,
            required: demand
                .required
                .iter()
                .filter(|r| r.as_str() != "places")
                .cloned()
                .collect(),
            ..Self::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_need_is_named_as_its_field() {
        let value = serde_json::to_value(Needs::default()).unwrap();
        let mut fields: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .filter(|k| *k != "required" && *k != "limit")
            .collect();
        let mut names: Vec<&str> = Need::VARIANTS.to_vec();
        names.sort_unstable();
        fields.sort_unstable();
        assert_eq!(names, fields);
    }

    /// The statement of needs of the place tests: a hard place, three
    /// preferred ones (one where most plots score between 0 and 1), and the
    /// area.
    fn with_places() -> Needs {
        serde_json::from_value(serde_json::json!({
            "area_m2": {"min": 50000},
            "places": [
                {"name": "Current site", "lon": 10.2, "lat": 59.74, "max_distance_m": 45000},
                {"lon": 10.0, "lat": 59.6, "preferred_distance_m": 2000},
                {"lon": 9.9, "lat": 59.8, "preferred_distance_m": 20000},
                {"lon": 10.6, "lat": 59.7, "preferred_distance_m": 500}
            ]
        }))
        .unwrap()
    }

    #[test]
    fn the_ranking_s_score_is_the_measured_one() {
        // What the plot's box settles without measuring gives the score
        // that measuring every distance gives.
        use super::super::candidate::testing::scattered;
        let needs = with_places();
        assert!(needs.check().is_ok());
        let prepared = needs.prepare();
        let (mut settled, mut missed) = (0, 0);
        for plot in scattered(5000) {
            let (mut sum, mut count, mut hard_missed) = (0.0, 0, false);
            needs.judge(&plot, &prepared, true, |subject, met, score, _| {
                sum += score.clamp(0.0, 1.0);
                count += 1;
                hard_missed |= !met && needs.is_hard(subject, prepared.required);
            });
            let measured = sum / f64::from(count);
            match needs.score(&plot, &prepared, f64::NEG_INFINITY) {
                Fit::Missed => {
                    assert!(hard_missed);
                    missed += 1;
                }
                Fit::Scored(score) => {
                    assert!(!hard_missed);
                    assert!((score - measured).abs() < 1e-12, "{score} vs {measured}");
                }
                Fit::Below => panic!("nothing is below no floor"),
            }
            for target in &prepared.targets {
                settled += usize::from(!matches!(target.judge(&plot.boundary), Verdict::Near(_)));
            }
        }
        // The test means something: plots are missed, and most verdicts
        // are settled by the box.
        assert!(missed > 100 && missed < 4900, "{missed}");
        assert!(settled > 10_000, "{settled}");
    }

    #[test]
    fn a_plot_below_the_floor_is_told_so_only_when_it_is() {
        use super::super::candidate::testing::scattered;
        let needs = with_places();
        let prepared = needs.prepare();
        let mut below = 0;
        for plot in scattered(3000) {
            let Fit::Scored(exact) = needs.score(&plot, &prepared, f64::NEG_INFINITY) else {
                continue;
            };
            for floor in [0.3, 0.5, 0.6, 0.7, exact] {
                match needs.score(&plot, &prepared, floor) {
                    Fit::Below => {
                        assert!(exact < floor, "{exact} below {floor}?");
                        below += 1;
                    }
                    Fit::Scored(score) => assert_eq!(score, exact),
                    Fit::Missed => panic!("a candidate"),
                }
            }
        }
        assert!(below > 100, "{below}");
    }

    #[test]
    fn a_demand_record_keeps_no_places_and_matches_back() {
        let needs: Needs = serde_json::from_value(serde_json::json!({
            "area_m2": {"min": 20000}, "land_use": [1340], "location_class": ["C"],
            "places": [{"name": "Home", "lon": 10.2, "lat": 59.7, "max_distance_m": 100}],
            "required": ["area_m2", "land_use"], "limit": 5
        }))
        .unwrap();
        let demand = needs.demand();
        assert_eq!(demand.area_min_m2, Some(20000.0));
        assert_eq!(demand.location_class, Some(vec!["C".to_owned()]));
        let back = Needs::of_demand(&demand);
        assert!(back.places.is_none() && back.limit.is_none());
        assert_eq!(back.required, ["area_m2", "land_use"]);
        assert!(back.check().is_ok());
        let free_form = Demand {
            required: vec!["places".to_owned(), "min_power_kw".to_owned()],
            min_power_kw: Some(500.0),
            ..Demand::default()
        };
        assert_eq!(Needs::of_demand(&free_form).required, ["min_power_kw"]);
    }
}

#[cfg(test)]
mod reasons {
    use super::*;
    use crate::matching::candidate::testing::plot_with;

    #[test]
    fn reasons_are_written_in_the_asked_language() {
        let needs: Needs = serde_json::from_value(serde_json::json!({
            "area_m2": {"min": 12000}, "min_power_kw": 2000, "offer_type": "sale",
            "required": ["area_m2"]
        }))
        .unwrap();
        let plot = plot_with(Default::default());
        let details = |lang| {
            needs
                .assess(&plot, lang)
                .1
                .into_iter()
                .map(|r| r.detail)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            details(Lang::En),
            [
                "10000 m²: 2000 m² short of 12000",
                "power capacity not known",
                "offer: Sale"
            ]
        );
        assert_eq!(
            details(Lang::Nb),
            [
                "10000 m²: 2000 m² mindre enn 12000",
                "effektkapasitet ikke kjent",
                "tilbud: Salg"
            ]
        );
    }
}
