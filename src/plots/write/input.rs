//! A plot as planners send it: a GeoJSON Feature, checked property by
//! property with every problem reported at once. What passes is a complete
//! record of the writable columns (defaults filled in) and the geometry as
//! given; the geometry's validity, extent and size are checked by PostGIS
//! (see `writes::check_geometries`), which knows GEOS's reasons.

use std::str::FromStr;

use chrono::NaiveDate;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::contact::{check_email, check_phone};
use crate::error::FieldError;
use crate::http::text::nul_fields;
use crate::plots::catalogue::{self, Check};
use crate::plots::codes::Status;

/// Checks that no two figures are further apart than output rounding allows.
pub fn computed_matches(name: &str, given: &Value, computed: &Value) -> bool {
    match (given, computed) {
        (Value::Number(g), Value::Number(c)) => {
            let (g, c) = (g.as_f64().unwrap_or(f64::NAN), c.as_f64().unwrap_or(0.0));
            // area_m2 is written with 1 decimal, area_daa with 2, distances whole.
            let tolerance = match name {
                "area_m2" => 0.051,
                "area_daa" => 0.0051,
                _ => 0.51,
            };
            (g - c).abs() <= tolerance
        }
        (g, c) => g == c,
    }
}

/// A feature that passed the property checks.
#[derive(Debug, Clone)]
pub struct PlotInput {
    /// Every writable column, defaults filled in.
    pub values: Map<String, Value>,
    /// The GeoJSON geometry as sent (a Polygon or MultiPolygon, well formed).
    pub geometry: Value,
    /// Computed properties the client sent back, to compare after the write.
    pub computed: Map<String, Value>,
}

impl PlotInput {
    /// The plot's reference.
    pub fn reference(&self) -> &str {
        self.values["reference"].as_str().unwrap_or_default()
    }

    /// The plot's status.
    pub fn status(&self) -> Status {
        self.values["status"]
            .as_str()
            .and_then(|s| Status::from_str(s).ok())
            .unwrap_or(Status::Available)
    }
}

/// Checks a GeoJSON Feature. `land_uses` are the codes the registry knows.
pub fn check_feature(feature: &Value, land_uses: &[i32]) -> Result<PlotInput, Vec<FieldError>> {
    // Text PostgreSQL cannot hold, wherever it is (an import's features
    // come here without passing `parse_json`).
    let unstorable = nul_fields(feature);
    if !unstorable.is_empty() {
        return Err(unstorable);
    }
    let mut errors = Vec::new();
    let Some(object) = feature.as_object() else {
        return Err(vec![FieldError::new(
            "feature",
            "must be a GeoJSON Feature object",
        )]);
    };
    match object.get("type") {
        Some(Value::String(t)) if t == "Feature" => {}
        Some(other) => errors.push(FieldError::new(
            "type",
            format!("must be `Feature`, got {other}"),
        )),
        None => errors.push(FieldError::new("type", "is missing; it must be `Feature`")),
    }
    for key in object.keys() {
        if !["type", "id", "geometry", "properties", "links", "bbox"].contains(&key.as_str()) {
            errors.push(FieldError::new(
                key.clone(),
                "is not a member of a GeoJSON Feature here; plot data goes in `properties`",
            ));
        }
    }
    let geometry = match object.get("geometry") {
        None | Some(Value::Null) => {
            errors.push(FieldError::new(
                "geometry",
                "is missing; a plot needs its boundary as a Polygon or MultiPolygon",
            ));
            Value::Null
        }
        Some(g) => {
            if let Err(reason) = check_geometry_shape(g) {
                errors.push(FieldError::new("geometry", reason));
            }
            g.clone()
        }
    };
    let empty = Map::new();
    let properties = match object.get("properties") {
        Some(Value::Object(p)) => p,
        None | Some(Value::Null) => {
            errors.push(FieldError::new("properties", "are missing"));
            &empty
        }
        Some(_) => {
            errors.push(FieldError::new("properties", "must be an object"));
            &empty
        }
    };
    let mut values = Map::new();
    let mut computed = Map::new();
    for (name, value) in properties {
        let known = catalogue::property(name).is_some() || catalogue::is_kept(name);
        if !known {
            errors.push(FieldError::new(
                format!("properties.{name}"),
                "is not a property of a plot",
            ));
        }
        if catalogue::is_computed(name) && !value.is_null() {
            computed.insert(name.clone(), value.clone());
        }
    }
    for (field, check, default) in catalogue::writable() {
        let value = properties.get(field.name).unwrap_or(&Value::Null);
        let name = format!("properties.{}", field.name);
        if value.is_null() {
            match default {
                Some(default) => {
                    values.insert(field.name.to_owned(), default());
                }
                None => errors.push(FieldError::new(name, "is required")),
            }
            continue;
        }
        let codes = field.codes.unwrap_or_default();
        match check_value(check, codes, value, land_uses) {
            Ok(v) => {
                values.insert(field.name.to_owned(), v);
            }
            Err(reason) => errors.push(FieldError::new(name, reason)),
        }
    }
    if values.get("utilisation_type").is_some_and(|v| !v.is_null())
        && values.get("utilisation_percent").is_none_or(Value::is_null)
    {
        errors.push(FieldError::new(
            "properties.utilisation_type",
            "needs utilisation_percent: it says what that percentage measures",
        ));
    }
    if errors.is_empty() {
        Ok(PlotInput {
            values,
            geometry,
            computed,
        })
    } else {
        Err(errors)
    }
}

/// Whether a plot may go from `from` to `to`. A plot that is sold, leased or
/// withdrawn must be reopened (made available) before it can be reserved or
/// negotiated again.
pub fn check_transition(from: Status, to: Status) -> Result<(), String> {
    use Status::*;
    let allowed = from == to
        || match from {
            Available | Reserved | UnderNegotiation => true,
            Sold | Leased | Withdrawn => to == Available,
        };
    if allowed {
        Ok(())
    } else {
        Err(format!(
            "cannot go from {} to {}: a {} plot must be reopened (status available) first",
            from.as_ref(),
            to.as_ref(),
            from.as_ref()
        ))
    }
}

/// The structure of a GeoJSON geometry: a Polygon or MultiPolygon of closed
/// rings of at least four positions of finite numbers. Validity (self-
/// intersections and the like) is PostGIS's to judge.
pub fn check_geometry_shape(geometry: &Value) -> Result<(), String> {
    let parsed: geojson::Geometry = serde_json::from_value(geometry.clone())
        .map_err(|e| format!("is not a GeoJSON geometry: {e}"))?;
    let polygons: Vec<&geojson::PolygonType> = match &parsed.value {
        geojson::GeometryValue::Polygon { coordinates } => vec![coordinates],
        geojson::GeometryValue::MultiPolygon { coordinates } => coordinates.iter().collect(),
        other => {
            return Err(format!(
                "must be a Polygon or MultiPolygon, got {}",
                other.type_name()
            ));
        }
    };
    if polygons.is_empty() || polygons.iter().any(|p| p.is_empty()) {
        return Err("is empty: a plot needs at least one ring".to_owned());
    }
    for (p, polygon) in polygons.iter().enumerate() {
        for (r, ring) in polygon.iter().enumerate() {
            let at = if polygons.len() > 1 {
                format!("polygon {p}, ring {r}")
            } else {
                format!("ring {r}")
            };
            if ring.len() < 4 {
                return Err(format!(
                    "{at} has {} positions; a ring needs at least 4 (the last repeating the first)",
                    ring.len()
                ));
            }
            if let Some(bad) = ring
                .iter()
                .find(|pos| !(2..=3).contains(&pos.as_slice().len()))
            {
                return Err(format!(
                    "{at} has a position with {} numbers; positions are [x, y] or [x, y, z]",
                    bad.as_slice().len()
                ));
            }
            if ring
                .iter()
                .flat_map(|p| p.as_slice())
                .any(|c| !c.is_finite())
            {
                return Err(format!("{at} has a coordinate that is not a finite number"));
            }
            if ring.first().map(|p| &p.as_slice()[..2]) != ring.last().map(|p| &p.as_slice()[..2]) {
                return Err(format!(
                    "{at} is not closed: its last position must repeat its first"
                ));
            }
        }
    }
    Ok(())
}

/// Checks a value as `check` says; `codes` is the property's code list.
fn check_value(
    check: Check,
    codes: &[&str],
    value: &Value,
    land_uses: &[i32],
) -> Result<Value, String> {
    let text = |value: &Value| -> Result<String, String> {
        value
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("must be text, got {}", describe(value)))
    };
    match check {
        Check::Text { max } => {
            let s = text(value)?;
            let trimmed = s.trim();
            if trimmed.is_empty() {
                Err("must not be blank".to_owned())
            } else if trimmed.chars().count() > max {
                Err(format!(
                    "is {} characters long; at most {max}",
                    trimmed.chars().count()
                ))
            } else {
                Ok(Value::String(trimmed.to_owned()))
            }
        }
        Check::Reference => {
            let s = text(value)?;
            let ok = s.split_once('-').is_some_and(|(a, b)| {
                (2..=8).contains(&a.len())
                    && a.chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                    && (1..=7).contains(&b.len())
                    && b.chars().all(|c| c.is_ascii_digit())
            });
            if ok {
                Ok(Value::String(s))
            } else {
                Err(format!(
                    "`{s}` is not a reference: 2–8 capital letters or digits, a dash and 1–7 digits, e.g. DRM-0042"
                ))
            }
        }
        Check::Municipality => {
            let s = text(value)?;
            check_municipality(&s).map(|()| Value::String(s))
        }
        Check::Code => {
            let s = text(value)?;
            if codes.contains(&s.as_str()) {
                Ok(Value::String(s))
            } else {
                Err(format!("`{s}` is not one of {}", codes.join(", ")))
            }
        }
        Check::LandUse => {
            let code = value.as_i64().ok_or_else(|| {
                format!(
                    "must be a SOSI code (a whole number), got {}",
                    describe(value)
                )
            })?;
            if land_uses.iter().any(|c| i64::from(*c) == code) {
                Ok(json!(code))
            } else {
                let known: Vec<String> = land_uses.iter().map(i32::to_string).collect();
                Err(format!(
                    "{code} is not a SOSI business land-use code the registry knows ({})",
                    known.join(", ")
                ))
            }
        }
        Check::Int { min, max } => {
            // (`-0` reads as the float -0.0: it is 0.)
            let n = value
                .as_i64()
                .or_else(|| value.as_f64().filter(|f| *f == 0.0).map(|_| 0))
                .ok_or_else(|| format!("must be a whole number, got {}", describe(value)))?;
            if (min..=max).contains(&n) {
                Ok(json!(n))
            } else {
                Err(format!("{n} is out of range: {min} to {max}"))
            }
        }
        Check::Number { above, max } => {
            let n = value
                .as_f64()
                .ok_or_else(|| format!("must be a number, got {}", describe(value)))?;
            if n > above && n <= max {
                Ok(json!(n))
            } else {
                Err(format!("{n} is out of range: above {above}, at most {max}"))
            }
        }
        Check::Bool => value
            .as_bool()
            .map(Value::Bool)
            .ok_or_else(|| format!("must be true or false, got {}", describe(value))),
        Check::Date => {
            let s = text(value)?;
            match NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
                Ok(d) if (1900..=2200).contains(&chrono::Datelike::year(&d)) => {
                    Ok(Value::String(d.to_string()))
                }
                Ok(_) => Err(format!("{s} is not a plausible date (years 1900–2200)")),
                Err(_) => Err(format!("`{s}` is not a date: write YYYY-MM-DD")),
            }
        }
        Check::CadastralUnits => list(value, |item| {
            let s = text(item)?;
            check_cadastral_unit(&s).map(|()| Value::String(s))
        }),
        Check::PlotIds => list(value, |item| {
            let s = text(item)?;
            Uuid::parse_str(&s)
                .map(|id| Value::String(id.to_string()))
                .map_err(|_| format!("`{s}` is not a plot id (a UUID)"))
        }),
        Check::FocusAreas => {
            let areas = list(value, |item| {
                check_value(Check::Code, codes, item, land_uses)
            })?;
            let items = areas.as_array().map(Vec::as_slice).unwrap_or_default();
            if items
                .iter()
                .enumerate()
                .any(|(i, a)| items[..i].contains(a))
            {
                return Err("names a focus area twice".to_owned());
            }
            Ok(areas)
        }
        Check::Documents => list(value, |item| {
            let Some(doc) = item.as_object() else {
                return Err(format!(
                    "each document must be {{\"title\", \"url\"}}, got {}",
                    describe(item)
                ));
            };
            if let Some(extra) = doc
                .keys()
                .find(|k| !["title", "url", "type"].contains(&k.as_str()))
            {
                return Err(format!(
                    "a document has `{extra}`; documents have title, url and type"
                ));
            }
            let title = doc.get("title").ok_or("a document has no title")?;
            let title = check_value(Check::Text { max: 200 }, &[], title, land_uses)?;
            let url = doc
                .get("url")
                .and_then(Value::as_str)
                .ok_or("a document has no url")?;
            let url = match url::Url::parse(url) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => u,
                _ => return Err(format!("`{url}` is not an http(s) URL")),
            };
            let mut checked = json!({"title": title, "url": url.as_str()});
            if let Some(kind) = doc.get("type").filter(|t| !t.is_null()) {
                let kind = kind.as_str().filter(|t| t.contains('/') && t.len() <= 100).ok_or_else(|| {
                    format!("a document's type must be a media type such as application/pdf, got {}", describe(kind))
                })?;
                checked["type"] = json!(kind);
            }
            Ok(checked)
        }),
        Check::Email => {
            let s = text(value)?;
            check_email(&s).map(|()| Value::String(s))
        }
        Check::Phone => {
            let s = text(value)?;
            check_phone(&s).map(|()| Value::String(s))
        }
    }
}

fn list(value: &Value, item: impl Fn(&Value) -> Result<Value, String>) -> Result<Value, String> {
    let items = value
        .as_array()
        .ok_or_else(|| format!("must be a list, got {}", describe(value)))?;
    items
        .iter()
        .enumerate()
        .map(|(i, v)| item(v).map_err(|reason| format!("item {i}: {reason}")))
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

/// Norway's county numbers since 2024 (the first two digits of a
/// municipality number), with Svalbard (21) and Jan Mayen (22).
const COUNTIES: &[&str] = &[
    "03", "11", "15", "18", "21", "22", "31", "32", "33", "34", "39", "40", "42", "46", "50", "55",
    "56",
];

fn check_municipality(s: &str) -> Result<(), String> {
    if s.len() != 4 || !s.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "`{s}` is not a municipality number: 4 digits, e.g. 3301 (Drammen)"
        ));
    }
    if !COUNTIES.contains(&&s[..2]) {
        return Err(format!(
            "`{s}` is not a municipality number: no county is numbered {} (since 2024: {})",
            &s[..2],
            COUNTIES.join(", ")
        ));
    }
    Ok(())
}

/// `knr-gnr/bnr` or `knr-gnr/bnr/fnr/snr`.
fn check_cadastral_unit(s: &str) -> Result<(), String> {
    let wrong = || {
        format!(
            "`{s}` is not a cadastral unit: write knr-gnr/bnr or knr-gnr/bnr/fnr/snr, e.g. 3301-113/245"
        )
    };
    let (knr, rest) = s.split_once('-').ok_or_else(wrong)?;
    check_municipality(knr).map_err(|_| wrong())?;
    let parts: Vec<&str> = rest.split('/').collect();
    let number = |p: &str, max_len: usize, zero_ok: bool| {
        !p.is_empty()
            && p.len() <= max_len
            && p.chars().all(|c| c.is_ascii_digit())
            && (zero_ok || !p.starts_with('0'))
    };
    let ok = match parts.as_slice() {
        [gnr, bnr] => number(gnr, 5, false) && number(bnr, 5, false),
        [gnr, bnr, fnr, snr] => {
            number(gnr, 5, false)
                && number(bnr, 5, false)
                && number(fnr, 4, true)
                && number(snr, 4, true)
        }
        _ => false,
    };
    if ok { Ok(()) } else { Err(wrong()) }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.chars().count() > 40 => "a long text".to_owned(),
        Value::String(s) => format!("\"{s}\""),
        Value::Array(_) => "a list".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODES: &[i32] = &[1300, 1340, 1350];

    fn feature(properties: Value) -> Value {
        json!({
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [[[10.2, 59.7], [10.21, 59.7], [10.21, 59.71], [10.2, 59.7]]]},
            "properties": properties,
        })
    }

    fn minimal() -> Value {
        json!({
            "reference": "DRM-0100", "name": "Test", "municipality": "3301", "land_use": 1340,
            "land_use_status": "current", "planning_status": "zoned", "location_class": "C",
            "readiness": "zoned", "ownership": "public", "offer_type": "sale", "status": "available",
        })
    }

    #[test]
    fn a_minimal_plot_passes_with_defaults_filled_in() {
        let input = check_feature(&feature(minimal()), CODES).unwrap();
        assert_eq!(input.reference(), "DRM-0100");
        assert_eq!(input.values["contamination"], "none");
        assert_eq!(input.values["published"], true);
        assert_eq!(input.values["address"], Value::Null);
        assert_eq!(input.values.len(), catalogue::writable().count());
    }

    /// Found by the feature fuzz target: NUL passed the text checks, and
    /// PostgreSQL refuses it at the insert (a 500, not a 400).
    #[test]
    fn nul_in_text_is_refused_by_name() {
        let mut props = minimal();
        props["name"] = json!("Test\u{0}plot");
        props["documents"] = json!([{"title": "\u{0}", "url": "https://example.org/a.pdf"}]);
        let errors = check_feature(&feature(props), CODES).unwrap_err();
        for name in ["properties.name", "properties.documents[0].title"] {
            let error = errors.iter().find(|e| e.name == name).expect(name);
            assert!(error.reason.contains("NUL"), "{error:?}");
        }
    }

    #[test]
    fn minus_zero_is_the_whole_number_zero() {
        let mut props = minimal();
        props["price_nok_per_m2"] = serde_json::from_str("-0").unwrap();
        let input = check_feature(&feature(props), CODES).unwrap();
        assert_eq!(input.values["price_nok_per_m2"], 0);
        let mut props = minimal();
        props["price_nok_per_m2"] = json!(0.5);
        assert!(check_feature(&feature(props), CODES).is_err());
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut props = minimal();
        props["status"] = json!("gone");
        props["municipality"] = json!("9901");
        props["colour"] = json!("red");
        props["cadastral_units"] = json!(["3301-113/245", "113/245"]);
        props.as_object_mut().unwrap().remove("name");
        let errors = check_feature(&feature(props), CODES).unwrap_err();
        let names: Vec<&str> = errors.iter().map(|e| e.name.as_str()).collect();
        for expected in [
            "properties.status",
            "properties.municipality",
            "properties.colour",
            "properties.cadastral_units",
            "properties.name",
        ] {
            assert!(
                names.contains(&expected),
                "{expected} missing from {names:?}"
            );
        }
        let cadastral = errors
            .iter()
            .find(|e| e.name == "properties.cadastral_units")
            .unwrap();
        assert!(
            cadastral.reason.starts_with("item 1:"),
            "{}",
            cadastral.reason
        );
    }

    #[test]
    fn geometry_shapes_are_checked() {
        let open = json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]});
        assert!(
            check_geometry_shape(&open)
                .unwrap_err()
                .contains("not closed")
        );
        let point = json!({"type": "Point", "coordinates": [10.2, 59.7]});
        assert!(check_geometry_shape(&point).unwrap_err().contains("Point"));
        let empty = json!({"type": "MultiPolygon", "coordinates": []});
        assert!(check_geometry_shape(&empty).unwrap_err().contains("empty"));
    }

    #[test]
    fn reopening_is_needed_after_a_sale() {
        assert!(check_transition(Status::Sold, Status::Reserved).is_err());
        assert!(check_transition(Status::Sold, Status::Available).is_ok());
        assert!(check_transition(Status::Available, Status::Reserved).is_ok());
        assert!(check_transition(Status::Withdrawn, Status::UnderNegotiation).is_err());
    }

    #[test]
    fn cadastral_units_and_municipalities() {
        assert!(check_cadastral_unit("3301-113/245").is_ok());
        assert!(check_cadastral_unit("3301-113/245/0/3").is_ok());
        assert!(check_cadastral_unit("3301-113/245/0").is_err());
        assert!(check_cadastral_unit("3301-0113/245").is_err());
        assert!(check_municipality("3301").is_ok());
        assert!(check_municipality("0301").is_ok());
        assert!(check_municipality("0101").is_err());
        assert!(check_municipality("330").is_err());
    }
}
