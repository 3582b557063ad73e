//! The company's own points as a need: its current site, key customers,
//! suppliers, each with a farthest distance (hard: plots farther are not
//! candidates) or a preferred one (a preference: the score falls the
//! further a plot misses it). The distance is geodesic, from the point to
//! the plot's boundary, 0 inside ([`Boundary::distance_m`]).
//!
//! The ranking judges every plot on offer against every place, so a place
//! is first made a [`Target`]: a box in degrees that holds every point
//! within the distance that still matters (beyond it, a hard place is
//! missed and a preferred one scores 0), and bounds from the plot's box.
//! Only plots whose distance falls between "surely met" and "surely too
//! far" need measuring, and the ranking measures them only while they
//! can still make the best (see [`super::needs::Needs::score`]); the
//! verdict is the same as measured.

use geo::{Distance, Haversine, Point};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::boundary::Boundary;
use crate::error::FieldError;
use crate::html::format::whole;
use crate::html::i18n::Messages;

/// The most places a statement of needs may name.
pub const MAX_PLACES: usize = 20;

/// The longest name of a place, in characters.
pub const MAX_NAME: usize = 100;

/// One of the company's own points, with how far from it a plot may be.
/// Give exactly one of `max_distance_m` and `preferred_distance_m`.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Our current site", "lon": 10.2, "lat": 59.74, "max_distance_m": 5000}))]
pub struct Place {
    /// What the point is, 1–100 characters ("Our current site", a key
    /// customer, a supplier); the reasons name the place by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Longitude, CRS84 (−180 to 180).
    pub lon: f64,
    /// Latitude, CRS84 (−90 to 90).
    pub lat: f64,
    /// Farthest acceptable geodesic distance from the point to the plot, in
    /// metres: a hard requirement, plots farther are not candidates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_distance_m: Option<f64>,
    /// Preferred greatest distance, in metres: a preference, like the other
    /// distances (a plot missing it by x % scores 1 − x/100 for it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_distance_m: Option<f64>,
}

impl Place {
    /// Whether a plot too far from it is not a candidate.
    pub fn is_hard(&self) -> bool {
        self.max_distance_m.is_some()
    }

    /// The distance asked for (the farthest, or the preferred).
    pub fn limit_m(&self) -> f64 {
        self.max_distance_m
            .or(self.preferred_distance_m)
            .unwrap_or_default()
    }

    /// The score for a plot this far, 0–1 once clamped: 1 within the
    /// limit, then falling by the share it misses by, as the other
    /// distances do (0 from double the limit on).
    pub fn score(&self, distance_m: f64) -> f64 {
        let limit = self.limit_m();
        if distance_m <= limit {
            1.0
        } else {
            1.0 - (distance_m - limit) / limit.max(1.0)
        }
    }

    /// How the reasons name it: its name, or its place in the list.
    pub fn label(&self, index: usize) -> String {
        match &self.name {
            Some(name) => name.trim().to_owned(),
            None => format!("places[{index}]"),
        }
    }

    /// What the plot has against what was asked, in the language of `t`.
    pub fn detail(&self, t: &Messages, index: usize, distance_m: f64) -> String {
        let (label, limit) = (self.label(index), whole(self.limit_m()));
        let asked = t.fill(
            if self.is_hard() {
                "reason.place.at_most"
            } else {
                "reason.place.preferably"
            },
            &[("limit", &limit)],
        );
        let values = [
            ("label", label.as_str()),
            ("asked", asked.as_str()),
            ("distance", &whole(distance_m)),
            ("over", &whole(distance_m - self.limit_m())),
            ("limit", &limit),
        ];
        let key = if distance_m == 0.0 {
            "reason.place.inside"
        } else if distance_m <= self.limit_m() {
            "reason.place"
        } else {
            "reason.place.over"
        };
        t.fill(key, &values)
    }
}

/// Every problem with the places, each named by its path
/// (`places[2].lat`).
pub fn check(places: &[Place], errors: &mut Vec<FieldError>) {
    if places.is_empty() {
        errors.push(FieldError::new("places", "must not be empty"));
    }
    if places.len() > MAX_PLACES {
        errors.push(FieldError::new(
            "places",
            format!("{} places; at most {MAX_PLACES}", places.len()),
        ));
    }
    for (i, place) in places.iter().enumerate() {
        let field = |name: &str| format!("places[{i}].{name}");
        if let Some(name) = &place.name {
            let length = name.trim().chars().count();
            if length == 0 {
                errors.push(FieldError::new(field("name"), "must not be blank"));
            } else if length > MAX_NAME {
                errors.push(FieldError::new(
                    field("name"),
                    format!("is {length} characters long; at most {MAX_NAME}"),
                ));
            }
        }
        if !(place.lon.is_finite() && (-180.0..=180.0).contains(&place.lon)) {
            errors.push(FieldError::new(field("lon"), "must be from -180 to 180"));
        }
        if !(place.lat.is_finite() && (-90.0..=90.0).contains(&place.lat)) {
            errors.push(FieldError::new(field("lat"), "must be from -90 to 90"));
        }
        for (name, value) in [
            ("max_distance_m", place.max_distance_m),
            ("preferred_distance_m", place.preferred_distance_m),
        ] {
            if value.is_some_and(|v| !v.is_finite() || v < 0.0) {
                errors.push(FieldError::new(
                    field(name),
                    "must be a number of at least 0",
                ));
            }
        }
        match (place.max_distance_m, place.preferred_distance_m) {
            (Some(_), Some(_)) => errors.push(FieldError::new(
                field("preferred_distance_m"),
                "give max_distance_m (hard) or preferred_distance_m (a preference), not both",
            )),
            (None, None) => errors.push(FieldError::new(
                field("max_distance_m"),
                "give max_distance_m (hard) or preferred_distance_m (a preference)",
            )),
            _ => {}
        }
    }
}

/// Metres of a degree of latitude, at least (at the equator).
const MIN_METRES_PER_DEGREE_LAT: f64 = 110_574.0;

/// The smallest radius of curvature of the WGS84 ellipsoid (the meridian's,
/// at the equator), in metres: a distance is the most degrees on it.
const MIN_RADIUS: f64 = 6_335_439.0;

/// Metres of a degree along a meridian or parallel, at most (a meridian's,
/// at the poles).
const MAX_METRES_PER_DEGREE: f64 = 111_700.0;

/// The ellipsoid's distance between two points over the sphere's
/// ([`Haversine`], of the mean radius), at most and at least: the radii of
/// curvature of WGS84 lie from 0.9944 to 1.0045 of the mean radius, and a
/// margin is added.
const SPHERE_ABOVE: f64 = 1.007;
const SPHERE_BELOW: f64 = 0.993;

/// The widest plot box the bounds are used for, in degrees; a wider one is
/// always measured.
const MAX_BOUNDED_DEGREES: f64 = 0.5;

/// What a plot's box says of its distance from a place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    /// Met for sure: within the limit.
    Met,
    /// Too far for sure: beyond where the distance still matters.
    TooFar,
    /// Neither: the distance must be measured; it is at least this many
    /// metres.
    Near(f64),
}

/// A place made ready to judge many plots.
#[derive(Debug, Clone)]
pub struct Target {
    at: Point,
    /// The distance asked for.
    limit: f64,
    /// Beyond this distance a plot misses the place and scores 0 for it.
    reach: f64,
    /// West, south, east and north in 1e-7°: every point within `reach`
    /// of the place is in it.
    bbox: [i64; 4],
}

impl Target {
    pub fn new(place: &Place) -> Self {
        let limit = place.limit_m();
        // The score is 0 from `reach` on; a hard place is missed past its
        // limit. Half a metre more: a distance is judged in whole metres,
        // as the reasons show it.
        let reach = 0.5
            + if place.is_hard() {
                limit
            } else {
                limit + limit.max(1.0)
            };
        let at = Point::new(place.lon, place.lat);
        // A margin of 1 % and 1e-4° (about 10 m), for a great-circle edge
        // that bows out of its ends' box and for the sphere's bounds.
        let margin = 1e-4;
        let dlat = reach / MIN_METRES_PER_DEGREE_LAT * 1.01 + margin;
        let angle = reach / MIN_RADIUS * 1.01;
        let (south, north) = (place.lat - dlat, place.lat + dlat);
        let widest = south.abs().max(north.abs());
        // On a sphere, the points within `angle` of a point at latitude φ
        // lie within asin(sin(angle) / cos φ) of its longitude, unless the
        // circle reaches a pole.
        let spread = angle.sin() / widest.to_radians().cos();
        let dlon = if angle < std::f64::consts::FRAC_PI_2 && widest < 89.0 && spread < 1.0 {
            spread.asin().to_degrees() * 1.01 + margin
        } else {
            f64::INFINITY
        };
        let (west, east) = if place.lon - dlon < -180.0 || place.lon + dlon > 180.0 {
            (f64::NEG_INFINITY, f64::INFINITY)
        } else {
            (place.lon - dlon, place.lon + dlon)
        };
        let clamp = |degrees: f64| (degrees * 1e7).clamp(-4e9, 4e9) as i64;
        Self {
            at,
            limit,
            reach,
            bbox: [clamp(west), clamp(south), clamp(east), clamp(north)],
        }
    }

    /// What the plot's box says, without measuring the distance.
    pub fn judge(&self, boundary: &Boundary) -> Verdict {
        let [w, s, e, n] = boundary.bbox().map(i64::from);
        let [west, south, east, north] = self.bbox;
        if e < west || w > east || n < south || s > north {
            return Verdict::TooFar;
        }
        let (width, height) = (
            f64::from(boundary.bbox()[2] - boundary.bbox()[0]) / 1e7,
            f64::from(boundary.bbox()[3] - boundary.bbox()[1]) / 1e7,
        );
        if width <= MAX_BOUNDED_DEGREES && height <= MAX_BOUNDED_DEGREES {
            // The boundary lies within `radius` of the box's centre (a
            // degree of longitude is longest nearest the equator).
            let nearest_equator = if s <= 0 && n >= 0 {
                0.0
            } else {
                s.abs().min(n.abs()) as f64 / 1e7
            };
            let radius = (width / 2.0 * nearest_equator.to_radians().cos()).hypot(height / 2.0)
                * MAX_METRES_PER_DEGREE
                * 1.01
                + 1.0;
            let to_centre = Haversine.distance(self.at, boundary.centre());
            if to_centre * SPHERE_ABOVE + radius <= self.limit {
                return Verdict::Met;
            }
            let nearest = to_centre * SPHERE_BELOW - radius;
            if nearest > self.reach {
                return Verdict::TooFar;
            }
            return Verdict::Near(nearest.max(0.0));
        }
        Verdict::Near(0.0)
    }

    /// The distance in whole metres, as the reasons show it: the figure
    /// judged against the limit is the figure shown.
    pub fn distance_m(&self, boundary: &Boundary) -> f64 {
        boundary.distance_m(self.at).round()
    }
}
