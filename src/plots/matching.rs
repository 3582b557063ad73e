//! Site matching: a company states its needs; the registry returns the
//! plots ranked by fit, each with a score and the reasons (which needs it
//! meets, which it misses and by how much). Needs named in `required` are
//! hard: they filter in SQL. The others are preferences: each scores from 0
//! to 1 (full when met, less the further it misses) and the plot's score is
//! their mean.

use actix_web::post;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::codes::{FocusArea, LocationClass, OfferType};
use super::filter::{Bind, Filter, Number};
use super::queries::PlotRow;
use crate::error::FieldError;

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
    /// Which of the needs above are hard requirements (by name); the rest are preferences.
    #[serde(default)]
    pub required: Vec<String>,
    /// How many plots to return, 1–100 (default 10).
    pub limit: Option<u32>,
}

const NEED_NAMES: &[&str] = &[
    "area_m2",
    "land_use",
    "location_class",
    "max_port_distance_m",
    "max_rail_terminal_distance_m",
    "max_motorway_distance_m",
    "max_station_distance_m",
    "min_power_kw",
    "available_by",
    "max_price_nok_per_m2",
    "offer_type",
    "focus_area",
    "no_contamination",
];

/// One need, met or missed, for one plot.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Reason {
    /// The need.
    pub need: String,
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
            if !NEED_NAMES.contains(&name.as_str()) {
                errors.push(FieldError::new(
                    "required",
                    format!("`{name}` is not a need; needs: {}", NEED_NAMES.join(", ")),
                ));
            } else if !self.given(name) {
                errors.push(FieldError::new(
                    "required",
                    format!("`{name}` is required but not stated"),
                ));
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
        if self.limit.is_some_and(|l| !(1..=100).contains(&l)) {
            errors.push(FieldError::new("limit", "must be from 1 to 100"));
        }
        if NEED_NAMES.iter().all(|n| !self.given(n)) {
            errors.push(FieldError::new("needs", "state at least one need"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn given(&self, name: &str) -> bool {
        match name {
            "area_m2" => self.area_m2.is_some(),
            "land_use" => self.land_use.is_some(),
            "location_class" => self.location_class.is_some(),
            "max_port_distance_m" => self.max_port_distance_m.is_some(),
            "max_rail_terminal_distance_m" => self.max_rail_terminal_distance_m.is_some(),
            "max_motorway_distance_m" => self.max_motorway_distance_m.is_some(),
            "max_station_distance_m" => self.max_station_distance_m.is_some(),
            "min_power_kw" => self.min_power_kw.is_some(),
            "available_by" => self.available_by.is_some(),
            "max_price_nok_per_m2" => self.max_price_nok_per_m2.is_some(),
            "offer_type" => self.offer_type.is_some(),
            "focus_area" => self.focus_area.is_some(),
            "no_contamination" => self.no_contamination == Some(true),
            _ => false,
        }
    }

    fn is_required(&self, name: &str) -> bool {
        self.required.iter().any(|r| r == name)
    }

    /// The hard requirements as an SQL condition (columns from this code,
    /// values bound).
    pub fn hard_filter(&self) -> Filter {
        let mut f = Filter::new();
        // Only vacant land is a candidate: reserved, sold, leased and
        // withdrawn plots are not on offer.
        f.sql("(status = 'available'");
        let at_most = |f: &mut Filter, column: &str, value: Option<f64>, name: &str| {
            if let (Some(v), true) = (value, self.is_required(name)) {
                f.sql(&format!(" AND {column} <= "));
                f.bind(Bind::Number(v));
            }
        };
        at_most(
            &mut f,
            "port_distance_m",
            self.max_port_distance_m,
            "max_port_distance_m",
        );
        at_most(
            &mut f,
            "rail_terminal_distance_m",
            self.max_rail_terminal_distance_m,
            "max_rail_terminal_distance_m",
        );
        at_most(
            &mut f,
            "motorway_distance_m",
            self.max_motorway_distance_m,
            "max_motorway_distance_m",
        );
        at_most(
            &mut f,
            "station_distance_m",
            self.max_station_distance_m,
            "max_station_distance_m",
        );
        at_most(
            &mut f,
            "price_nok_per_m2",
            self.max_price_nok_per_m2,
            "max_price_nok_per_m2",
        );
        if let (Some(range), true) = (self.area_m2, self.is_required("area_m2")) {
            if let Some(min) = range.min {
                f.sql(" AND area_m2 >= ");
                f.bind(Bind::Number(min));
            }
            if let Some(max) = range.max {
                f.sql(" AND area_m2 <= ");
                f.bind(Bind::Number(max));
            }
        }
        if let (Some(codes), true) = (&self.land_use, self.is_required("land_use")) {
            f.sql(" AND land_use = ANY(");
            f.bind(Bind::IntegerList(codes.clone()));
            f.sql(")");
        }
        if let (Some(classes), true) = (&self.location_class, self.is_required("location_class")) {
            f.sql(" AND location_class = ANY(");
            f.bind(Bind::TextList(
                classes.iter().map(|c| c.as_ref().to_owned()).collect(),
            ));
            f.sql(")");
        }
        if let (Some(kw), true) = (self.min_power_kw, self.is_required("min_power_kw")) {
            f.sql(" AND power_capacity_kw >= ");
            f.bind(Bind::Number(kw));
        }
        if let (Some(date), true) = (self.available_by, self.is_required("available_by")) {
            f.sql(" AND (available_from IS NULL OR available_from <= ");
            f.bind(Bind::Date(date));
            f.sql(")");
        }
        if let (Some(offer), true) = (self.offer_type, self.is_required("offer_type")) {
            f.sql(" AND offer_type = ANY(");
            f.bind(Bind::TextList(vec![
                offer.as_ref().to_owned(),
                "sale_or_lease".to_owned(),
            ]));
            f.sql(")");
        }
        if let (Some(area), true) = (self.focus_area, self.is_required("focus_area")) {
            f.sql(" AND focus_areas @> ");
            f.bind(Bind::TextList(vec![area.as_ref().to_owned()]));
        }
        if self.no_contamination == Some(true) && self.is_required("no_contamination") {
            f.sql(" AND contamination = 'none'");
        }
        f.sql(")");
        f
    }

    /// The score as SQL, the same formula as [`Needs::assess`], so that the
    /// database ranks every candidate and only the best are read. Each term
    /// is exactly 1 when its need is met and less when not, so a plot that
    /// meets every stated need scores exactly 1 and no other plot does (the
    /// search for full matches relies on it).
    pub fn score_sql(&self) -> Number {
        let mut f = Filter::new();
        let mut terms = 0;
        f.sql("((0");
        let limits = [
            ("port_distance_m", self.max_port_distance_m),
            (
                "rail_terminal_distance_m",
                self.max_rail_terminal_distance_m,
            ),
            ("motorway_distance_m", self.max_motorway_distance_m),
            ("station_distance_m", self.max_station_distance_m),
            ("price_nok_per_m2", self.max_price_nok_per_m2),
        ];
        for (column, limit) in limits {
            if let Some(limit) = limit {
                terms += 1;
                // 1 within the limit; less by the share it is over; 0 unknown.
                f.sql(&format!(
                    " + coalesce(greatest(0, least(1, 1 - ({column} - "
                ));
                f.bind(Bind::Number(limit));
                f.sql(") / ");
                f.bind(Bind::Number(limit.max(1.0)));
                f.sql(")), 0)");
            }
        }
        if let Some(AreaRange { min, max }) = self.area_m2 {
            terms += 1;
            f.sql(" + CASE");
            if let Some(min) = min {
                f.sql(" WHEN area_m2 < ");
                f.bind(Bind::Number(min));
                f.sql(" THEN area_m2 / ");
                f.bind(Bind::Number(min));
            }
            if let Some(max) = max {
                f.sql(" WHEN area_m2 > ");
                f.bind(Bind::Number(max));
                f.sql(" THEN ");
                f.bind(Bind::Number(max));
                f.sql(" / area_m2");
            }
            f.sql(" ELSE 1 END");
        }
        if let Some(codes) = &self.land_use {
            terms += 1;
            f.sql(" + (land_use = ANY(");
            f.bind(Bind::IntegerList(codes.clone()));
            f.sql("))::int");
        }
        if let Some(classes) = &self.location_class {
            terms += 1;
            f.sql(" + (location_class = ANY(");
            f.bind(Bind::TextList(
                classes.iter().map(|c| c.as_ref().to_owned()).collect(),
            ));
            f.sql("))::int");
        }
        if let Some(kw) = self.min_power_kw {
            terms += 1;
            f.sql(" + coalesce(CASE WHEN power_capacity_kw >= ");
            f.bind(Bind::Number(kw));
            f.sql(" THEN 1 ELSE power_capacity_kw / ");
            f.bind(Bind::Number(kw.max(1.0)));
            f.sql(" END, 0)");
        }
        if let Some(by) = self.available_by {
            terms += 1;
            f.sql(" + coalesce(greatest(0, least(1, 1 - (available_from - ");
            f.bind(Bind::Date(by));
            f.sql(") / 365::float8)), 1)");
        }
        if let Some(offer) = self.offer_type {
            terms += 1;
            f.sql(" + (offer_type = ANY(");
            f.bind(Bind::TextList(vec![
                offer.as_ref().to_owned(),
                "sale_or_lease".to_owned(),
            ]));
            f.sql("))::int");
        }
        if let Some(area) = self.focus_area {
            terms += 1;
            f.sql(" + (focus_areas @> ");
            f.bind(Bind::TextList(vec![area.as_ref().to_owned()]));
            f.sql(")::int");
        }
        if self.no_contamination == Some(true) {
            terms += 1;
            f.sql(" + CASE contamination WHEN 'none' THEN 1::float8 WHEN 'suspected' THEN 0.5::float8 ELSE 0::float8 END");
        }
        f.sql(&format!(")::float8 / {})", terms.max(1)));
        Number(f)
    }

    /// The plot's score (0–1, the mean over the stated needs) and the reasons.
    pub fn assess(&self, plot: &PlotRow) -> (f64, Vec<Reason>) {
        let mut reasons = Vec::new();
        let mut push = |need: &str, met: bool, score: f64, detail: String| {
            reasons.push(Reason {
                need: need.to_owned(),
                met,
                required: self.is_required(need),
                detail,
                score: (score.clamp(0.0, 1.0) * 1000.0).round() / 1000.0,
            });
        };
        // A maximum missed by x% scores 1 - x/100 (0 from double the limit on).
        let at_most = |value: Option<f64>, limit: f64, unit: &str| -> (bool, f64, String) {
            match value {
                None => (false, 0.0, "not known".to_owned()),
                Some(v) if v <= limit => (true, 1.0, format!("{v:.0} {unit} (at most {limit:.0})")),
                Some(v) => (
                    false,
                    1.0 - (v - limit) / limit.max(1.0),
                    format!("{v:.0} {unit}: {:.0} {unit} over {limit:.0}", v - limit),
                ),
            }
        };
        let f = |v: Option<i32>| v.map(f64::from);
        let distances = [
            (
                "max_port_distance_m",
                self.max_port_distance_m,
                f(plot.port_distance_m),
                "m to the port",
            ),
            (
                "max_rail_terminal_distance_m",
                self.max_rail_terminal_distance_m,
                f(plot.rail_terminal_distance_m),
                "m to the rail terminal",
            ),
            (
                "max_motorway_distance_m",
                self.max_motorway_distance_m,
                f(plot.motorway_distance_m),
                "m to the motorway",
            ),
            (
                "max_station_distance_m",
                self.max_station_distance_m,
                f(plot.station_distance_m),
                "m to the station",
            ),
            (
                "max_price_nok_per_m2",
                self.max_price_nok_per_m2,
                f(plot.price_nok_per_m2),
                "NOK/m²",
            ),
        ];
        for (need, limit, value, unit) in distances {
            if let Some(limit) = limit {
                let (met, score, detail) = at_most(value, limit, unit);
                push(need, met, score, detail);
            }
        }
        if let Some(AreaRange { min, max }) = self.area_m2 {
            let area = plot.area_m2.unwrap_or_default();
            let (met, score, detail) = match (min, max) {
                (Some(lo), _) if area < lo => (
                    false,
                    area / lo,
                    format!("{area:.0} m²: {:.0} m² short of {lo:.0}", lo - area),
                ),
                (_, Some(hi)) if area > hi => (
                    false,
                    hi / area,
                    format!("{area:.0} m²: {:.0} m² over {hi:.0}", area - hi),
                ),
                _ => (true, 1.0, format!("{area:.0} m²")),
            };
            push("area_m2", met, score, detail);
        }
        if let Some(codes) = &self.land_use {
            let met = codes.contains(&plot.land_use);
            push(
                "land_use",
                met,
                f64::from(u8::from(met)),
                format!("land use {}", plot.land_use),
            );
        }
        if let Some(classes) = &self.location_class {
            let met = classes.iter().any(|c| c.as_ref() == plot.location_class);
            push(
                "location_class",
                met,
                f64::from(u8::from(met)),
                format!("class {}", plot.location_class),
            );
        }
        if let Some(kw) = self.min_power_kw {
            let (met, score, detail) = match plot.power_capacity_kw.map(f64::from) {
                None => (false, 0.0, "power capacity not known".to_owned()),
                Some(p) if p >= kw => (true, 1.0, format!("{p:.0} kW (at least {kw:.0})")),
                Some(p) => (
                    false,
                    p / kw.max(1.0),
                    format!("{p:.0} kW: {:.0} kW short", kw - p),
                ),
            };
            push("min_power_kw", met, score, detail);
        }
        if let Some(by) = self.available_by {
            let (met, score, detail) = match plot.available_from {
                None => (true, 1.0, "available now".to_owned()),
                Some(d) if d <= by => (true, 1.0, format!("available from {d}")),
                Some(d) => {
                    let late = (d - by).num_days();
                    (
                        false,
                        1.0 - late as f64 / 365.0,
                        format!("available from {d}: {late} days late"),
                    )
                }
            };
            push("available_by", met, score, detail);
        }
        if let Some(offer) = self.offer_type {
            let met = plot.offer_type == offer.as_ref() || plot.offer_type == "sale_or_lease";
            push(
                "offer_type",
                met,
                f64::from(u8::from(met)),
                format!("offered for {}", plot.offer_type),
            );
        }
        if let Some(area) = self.focus_area {
            let met = plot
                .focus_areas
                .iter()
                .flatten()
                .any(|a| a == area.as_ref());
            push(
                "focus_area",
                met,
                f64::from(u8::from(met)),
                format!(
                    "suits {}",
                    plot.focus_areas
                        .iter()
                        .flatten()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        if self.no_contamination == Some(true) {
            let (met, score) = match plot.contamination.as_str() {
                "none" => (true, 1.0),
                "suspected" => (false, 0.5),
                _ => (false, 0.0),
            };
            push(
                "no_contamination",
                met,
                score,
                format!("contamination: {}", plot.contamination),
            );
        }
        let score = if reasons.is_empty() {
            1.0
        } else {
            reasons.iter().map(|r| r.score).sum::<f64>() / reasons.len() as f64
        };
        ((score * 1000.0).round() / 1000.0, reasons)
    }
}

/// The needs echoed in an answer, as JSON.
pub fn echo(needs: &Needs) -> Value {
    serde_json::to_value(needs).unwrap_or(Value::Null)
}

/// Ranks the plots for `needs`: a GeoJSON FeatureCollection, best first,
/// each feature with `match_score` and `match_reasons`.
#[utoipa::path(
    tag = "Plots",
    request_body(content = Needs, description = "The company's needs; those named in `required` are hard requirements",
        example = json!({"area_m2": {"min": 20000}, "land_use": [1340, 1350, 1826], "max_port_distance_m": 3000,
                         "min_power_kw": 2000, "available_by": "2027-12-31", "no_contamination": true,
                         "required": ["land_use", "area_m2"], "limit": 10})),
    responses(
        (status = 200, description = "The plots, best first", body = Object, content_type = "application/geo+json"),
        (status = 400, description = "The needs are not valid; every problem is in `errors`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is busy or unreachable", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/collections/plots/match")]
pub async fn match_plots(
    req: actix_web::HttpRequest,
    state: actix_web::web::Data<crate::app::AppState>,
    payload: actix_web::web::Payload,
) -> Result<actix_web::HttpResponse, crate::error::ApiError> {
    use crate::error::ApiError;
    super::edit::check_content_type(&req, &[crate::ogc::media::JSON])?;
    let body = super::edit::read_body(&req, payload, 64 * 1024).await?;
    let needs: Needs = serde_json::from_slice(&body)
        .map_err(|e| ApiError::invalid("body", format!("is not a statement of needs: {e}")))?;
    needs.check().map_err(ApiError::InvalidParameters)?;
    let limit = i64::from(needs.limit.unwrap_or(10));
    // The ranking and the count each scan every candidate: on a spare
    // connection they run side by side, and the answer takes as long as the
    // slower of them, not both.
    let mut conn = state.conn().await?;
    let ranking =
        super::queries::best_matches(&mut conn, needs.hard_filter(), needs.score_sql(), limit);
    let (best, considered) = match state.spare_conn().await {
        Some(mut spare) => {
            let count = super::queries::count_candidates(&mut spare, needs.hard_filter());
            tokio::try_join!(ranking, count)?
        }
        None => {
            let best = ranking.await?;
            (
                best,
                super::queries::count_candidates(&mut conn, needs.hard_filter()).await?,
            )
        }
    };
    drop(conn);
    // In the database's order: it ranked by the exact score (ties by id);
    // the score shown is rounded.
    let mut features = Vec::with_capacity(best.len());
    for plot in best {
        let (score, reasons) = needs.assess(&plot.row);
        let feature = super::wire::PlotFeature::from_plot(plot)?;
        let mut value = serde_json::to_value(&feature).map_err(anyhow::Error::from)?;
        value["properties"]["match_score"] = serde_json::json!(score);
        value["properties"]["match_reasons"] =
            serde_json::to_value(&reasons).map_err(anyhow::Error::from)?;
        features.push(value);
    }
    Ok(actix_web::HttpResponse::Ok()
        .content_type(crate::ogc::media::GEOJSON)
        .json(serde_json::json!({
            "type": "FeatureCollection",
            "features": features,
            "numberReturned": features.len(),
            "candidates": considered,
            "needs": echo(&needs),
            "timeStamp": chrono::Utc::now(),
        })))
}
