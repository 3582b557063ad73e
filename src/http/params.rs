//! Query-string handling shared by every resource: unknown parameters and
//! invalid values are answered 400, naming the parameter and the reason.

use chrono::{Months, NaiveDate};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::{ApiError, FieldError};

/// The largest page size a server may be configured to serve.
pub const LIMIT_MAX: u32 = 10_000;

/// The `f` parameter of a resource that is JSON or a page.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatParam {
    /// Output format: `json`, or `html` for a page (browsers get it by their
    /// `Accept`); `f` wins over `Accept`.
    #[param(value_type = Option<PageFormat>, inline, example = "json")]
    pub f: Option<String>,
}

/// The `f` parameter of a resource that is JSON only.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JsonFormatParam {
    /// Output format: `json`, the only one (OGC clients may send it).
    #[param(value_type = Option<JsonFormat>, inline, example = "json")]
    pub f: Option<String>,
}

// The values of the text parameters that take one of a few, for the
// OpenAPI document (`#[param(value_type = Option<…>, inline)]`); the
// handlers check the text themselves.

/// `f`: `json` or `html`.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum PageFormat {
    Json,
    Html,
}

/// `f`: `json`.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum JsonFormat {
    Json,
}

/// `f` of one feature: GeoJSON (`json`, `geojson`) or a page.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum FeatureFormat {
    Json,
    Geojson,
    Html,
}

/// `f` of the items: GeoJSON, CSV or a page.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum ItemsFormat {
    Json,
    Geojson,
    Csv,
    Html,
}

/// `f` of a report: JSON, CSV or a page.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum ReportFormat {
    Json,
    Csv,
    Html,
}

/// `f` of a report: JSON or CSV.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum DataFormat {
    Json,
    Csv,
}

/// `filter-lang`.
#[derive(ToSchema)]
#[schema(rename_all = "kebab-case")]
pub enum FilterLang {
    Cql2Text,
    Cql2Json,
}

/// The OGC URI of a supported CRS (the service also reads the short forms
/// `CRS84` and `EPSG:25832`).
#[derive(ToSchema)]
pub enum CrsUri {
    #[schema(rename = "http://www.opengis.net/def/crs/OGC/1.3/CRS84")]
    Crs84,
    #[schema(rename = "http://www.opengis.net/def/crs/EPSG/0/4326")]
    Epsg4326,
    #[schema(rename = "http://www.opengis.net/def/crs/EPSG/0/4258")]
    Epsg4258,
    #[schema(rename = "http://www.opengis.net/def/crs/EPSG/0/25832")]
    Epsg25832,
    #[schema(rename = "http://www.opengis.net/def/crs/EPSG/0/25833")]
    Epsg25833,
    #[schema(rename = "http://www.opengis.net/def/crs/EPSG/0/25835")]
    Epsg25835,
    #[schema(rename = "http://www.opengis.net/def/crs/EPSG/0/3857")]
    Epsg3857,
}

/// The decoded parameters of a query string, in order.
#[derive(Debug, Default)]
pub struct QueryParams {
    pairs: Vec<(String, String)>,
    errors: Vec<FieldError>,
}

impl QueryParams {
    /// Decodes `query`; a parameter given twice is an error.
    pub fn parse(query: &str) -> Self {
        let mut params = Self::default();
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            if params.pairs.iter().any(|(n, _)| *n == name) {
                params.error(&name, "is given more than once");
            } else {
                params.pairs.push((name.into_owned(), value.into_owned()));
            }
        }
        params
    }

    /// The value of `name`, if given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every parameter as given.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// Records that `name` is invalid for `reason`.
    pub fn error(&mut self, name: &str, reason: impl Into<String>) {
        self.errors.push(FieldError::new(name, reason));
    }

    /// Parses `name` with `parse` if it is given, recording its error.
    pub fn parsed<T>(
        &mut self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let value = self.get(name)?.to_owned();
        match parse(&value) {
            Ok(v) => Some(v),
            Err(reason) => {
                self.error(name, reason);
                None
            }
        }
    }

    /// Records every parameter not in `known` as unknown, then answers with
    /// all errors at once, if any.
    pub fn finish(mut self, known: &[&str]) -> Result<Vec<(String, String)>, ApiError> {
        let unknown: Vec<String> = self
            .pairs
            .iter()
            .map(|(n, _)| n.clone())
            .filter(|n| !known.contains(&n.as_str()))
            .collect();
        for name in unknown {
            let reason = format!(
                "is not a parameter of this resource; known: {}",
                known.join(", ")
            );
            self.error(&name, reason);
        }
        if self.errors.is_empty() {
            Ok(self.pairs)
        } else {
            Err(ApiError::InvalidParameters(self.errors))
        }
    }

    /// Checks `f`: JSON is the only format served.
    pub fn check_format(&mut self, accepted: &[&str]) {
        if let Some(f) = self.get("f")
            && !accepted.contains(&f)
        {
            let reason = format!("format `{f}` is not served; use {}", accepted.join(" or "));
            self.error("f", reason);
        }
    }
}

/// For resources that take no parameters but `f` (one of `formats`).
pub fn only_format_param(query: &str, formats: &[&str]) -> Result<(), ApiError> {
    let mut params = QueryParams::parse(query);
    params.check_format(formats);
    params.finish(&["f"]).map(drop)
}

/// Parses a comma-separated list, each item with `parse`.
pub fn list_of<T>(
    value: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Vec<T>, String> {
    value
        .split(',')
        .map(|item| {
            let item = item.trim();
            if item.is_empty() {
                Err("has an empty item in its list".to_owned())
            } else {
                parse(item)
            }
        })
        .collect()
}

/// A page size: a whole number of at least 1, of any size. OGC API –
/// Features Part 1 (/req/core/query-param-limit-response) makes a limit
/// above the maximum no error: it is served as the maximum, so values
/// above [`LIMIT_MAX`] come back as it (the caller then clamps to the
/// server's own maximum).
pub fn parse_limit(value: &str) -> Result<u32, String> {
    let digits = value.strip_prefix('+').unwrap_or(value);
    let whole = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    if !whole || digits.bytes().all(|b| b == b'0') {
        return Err(format!(
            "must be a whole number of at least 1, got `{value}`"
        ));
    }
    Ok(digits
        .parse::<u32>()
        .map_or(LIMIT_MAX, |n| n.min(LIMIT_MAX)))
}

/// The schema of a `limit` parameter: a whole number of at least 1, of any
/// size (no `format`: however large, it is served as the maximum).
pub fn limit_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(1))
        .description(Some(
            "Page size, at least 1 (default 10); a larger value than the server's maximum \
             (default 1000), however large, is no error and is served as the maximum.",
        ))
        .examples([100])
        .build()
}

/// Query parameters of a report over a period (`GET /demand`,
/// `GET /reception`).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// The first day (YYYY-MM-DD, Norwegian time); default: a year before `to`.
    #[param(example = "2026-01-01")]
    pub from: Option<String>,
    /// The last day, included; default: today.
    #[param(example = "2026-12-31")]
    pub to: Option<String>,
    /// `json` (default), `csv` or `html` (the default when `Accept` prefers it).
    pub f: Option<String>,
}

/// The longest period one report covers, in years.
pub const PERIOD_MAX_YEARS: u32 = 10;

/// A day, `YYYY-MM-DD`.
pub fn parse_day(value: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| format!("`{value}` is not a date: write YYYY-MM-DD"))
}

/// The period and format of a report ([`PeriodQuery`]), every problem
/// with them at once: the days as [`period`] reads them, and the format
/// (`json`, `csv` or `html`; without `f`, `html` when `Accept` prefers it).
pub fn report_query(
    req: &actix_web::HttpRequest,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate, String), ApiError> {
    use crate::html::negotiate::{Form, form};
    let mut p = QueryParams::parse(req.query_string());
    p.check_format(&["json", "csv", "html"]);
    let (from, to) = period(&mut p, today);
    let format = match p.get("f") {
        Some(f) => f.to_owned(),
        None if form(req) == Form::Html => "html".to_owned(),
        None => "json".to_owned(),
    };
    p.finish(&["from", "to", "f"])?;
    Ok((from, to, format))
}

/// The period of a report, from its `from` and `to` days (both included):
/// by default the year up to `today`; at most [`PERIOD_MAX_YEARS`] long.
pub fn period(p: &mut QueryParams, today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let to = p.parsed("to", parse_day).unwrap_or(today);
    let from = p.parsed("from", parse_day).unwrap_or_else(|| {
        to.checked_sub_months(Months::new(12))
            .and_then(|d| d.succ_opt())
            .unwrap_or(to)
    });
    if from > to {
        p.error("from", format!("{from} is after `to` ({to})"));
    } else if to
        .checked_sub_months(Months::new(12 * PERIOD_MAX_YEARS))
        .is_some_and(|d| from < d)
    {
        p.error(
            "from",
            format!("a report covers at most {PERIOD_MAX_YEARS} years"),
        );
    }
    (from, to)
}

/// The id of a resource in a path segment: a UUID. Anything else names no
/// resource, so it is a 404 (a client asked for something that does not
/// exist), saying what ids look like.
pub fn resource_id(value: &str, what: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(value).map_err(|_| {
        ApiError::NotFound(format!(
            "there is no {what} `{value}` ({what} ids are UUIDs)"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_and_repeated_parameters_are_named() {
        let mut params = QueryParams::parse("limit=1&limit=2&colour=red");
        params.check_format(&["json"]);
        let Err(ApiError::InvalidParameters(errors)) = params.finish(&["limit"]) else {
            panic!("expected errors");
        };
        let names: Vec<_> = errors.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["limit", "colour"]);
        assert!(errors[1].reason.contains("not a parameter"));
    }

    #[test]
    fn format_other_than_json_is_refused() {
        assert!(only_format_param("f=json", &["json"]).is_ok());
        // The documented CRSs are the supported ones.
        let schema = serde_json::to_value(<CrsUri as utoipa::PartialSchema>::schema()).unwrap();
        assert_eq!(
            schema["enum"],
            serde_json::json!(crate::crs::Crs::all_uris()),
            "CrsUri lists every supported CRS"
        );
        assert!(only_format_param("", &["json"]).is_ok());
        assert!(only_format_param("f=html", &["json"]).is_err());
    }

    #[test]
    fn limits_above_the_maximum_are_the_maximum() {
        assert_eq!(parse_limit("1"), Ok(1));
        assert_eq!(parse_limit("+7"), Ok(7));
        assert_eq!(parse_limit("10000"), Ok(LIMIT_MAX));
        assert_eq!(parse_limit("10001"), Ok(LIMIT_MAX));
        assert_eq!(parse_limit("99999999999999999999999999"), Ok(LIMIT_MAX));
        for bad in ["0", "000", "-1", "1.5", "", "+", "ten", "1e3", " 5"] {
            assert!(parse_limit(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ids_that_are_not_uuids_name_no_resource() {
        assert!(resource_id("6f1c2a8e-0000-4000-8000-000000000001", "plot").is_ok());
        assert!(matches!(
            resource_id("DRM-0001", "plot"),
            Err(ApiError::NotFound(_))
        ));
    }

    #[test]
    fn lists_refuse_empty_items() {
        let parse = |s: &str| Ok::<_, String>(s.to_owned());
        assert_eq!(list_of("a,b", parse).unwrap(), ["a", "b"]);
        assert!(list_of("a,,b", parse).is_err());
    }
}
