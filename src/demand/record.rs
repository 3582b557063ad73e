//! Demand records: what a company asked for, kept without anything that
//! names it. A site search is one record per session (its last statement
//! of needs, and how often it searched); an enquiry's statement of needs one
//! record of its own, which stays when the enquiry's personal data goes.
//! Site matching turns its statements of needs into these and back
//! (`Needs::demand`, `Needs::of_demand`): this module knows none of it.

use std::sync::Mutex;

use actix_web::HttpRequest;
use chrono::{NaiveDate, Utc};
use diesel::sql_types::{Array, Date, Double, Integer, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::ApiError;

/// The header the site finder sends with a search: a random id it keeps for
/// the browser tab's session, so that the session's searches count once.
pub const SESSION_HEADER: &str = "naeringsareal-session";

/// The needs a demand record keeps: a statement's own fields less the
/// company's places (they are its addresses) and the page size. Read
/// leniently: an enquiry's needs are free-form, and what is not one of
/// these fields, or not of its type, is left out.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Demand {
    pub area_min_m2: Option<f64>,
    pub area_max_m2: Option<f64>,
    pub land_use: Option<Vec<i32>>,
    pub location_class: Option<Vec<String>>,
    pub min_power_kw: Option<f64>,
    pub max_port_distance_m: Option<f64>,
    pub max_rail_terminal_distance_m: Option<f64>,
    pub max_motorway_distance_m: Option<f64>,
    pub max_station_distance_m: Option<f64>,
    pub available_by: Option<NaiveDate>,
    pub required: Vec<String>,
}

impl Demand {
    /// What an enquiry's free-form needs ask for, field by field (a field
    /// of the wrong type is left out, not the rest); `None` when they name
    /// nothing a record keeps.
    pub fn of_enquiry(needs: &Value) -> Option<Self> {
        let object = needs.as_object()?;
        fn field<T: for<'de> Deserialize<'de>>(
            object: &serde_json::Map<String, Value>,
            name: &str,
        ) -> Option<T> {
            object
                .get(name)
                .and_then(|v| serde_json::from_value(v.clone()).ok())
        }
        let non_negative = |v: Option<f64>| v.filter(|v| v.is_finite() && *v >= 0.0);
        let area: Option<serde_json::Map<String, Value>> = field(object, "area_m2");
        let area_part = |part: &str| {
            non_negative(
                area.as_ref()
                    .and_then(|a| a.get(part))
                    .and_then(Value::as_f64),
            )
        };
        let demand = Self {
            area_min_m2: area_part("min"),
            area_max_m2: area_part("max"),
            land_use: field::<Vec<i32>>(object, "land_use").filter(|l| !l.is_empty()),
            location_class: field::<Vec<String>>(object, "location_class").filter(|c| {
                !c.is_empty() && c.iter().all(|c| ["A", "B", "C"].contains(&c.as_str()))
            }),
            min_power_kw: non_negative(field(object, "min_power_kw")),
            max_port_distance_m: non_negative(field(object, "max_port_distance_m")),
            max_rail_terminal_distance_m: non_negative(field(
                object,
                "max_rail_terminal_distance_m",
            )),
            max_motorway_distance_m: non_negative(field(object, "max_motorway_distance_m")),
            max_station_distance_m: non_negative(field(object, "max_station_distance_m")),
            available_by: field(object, "available_by"),
            required: field::<Vec<String>>(object, "required").unwrap_or_default(),
        };
        (demand != Self::default()).then_some(demand)
    }
}

/// Where a demand record comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source<'a> {
    /// A site search, by its session's digest.
    Search(&'a str),
    /// An enquiry, by its id.
    Enquiry(Uuid),
    /// A company's saved alert, when it is confirmed.
    Alert,
}

/// Stores `demand`, asked when `candidates` plots on offer met every hard
/// requirement: a new record, or for a session that has one, its record
/// with these needs (the last statement counts) and one search more.
pub async fn store(
    conn: &mut AsyncPgConnection,
    source: Source<'_>,
    demand: &Demand,
    candidates: usize,
) -> Result<(), ApiError> {
    let (kind, session, enquiry) = match source {
        Source::Search(session) => ("search", Some(session), None),
        Source::Enquiry(id) => ("enquiry", None, Some(id)),
        Source::Alert => ("alert", None, None),
    };
    diesel::sql_query(include_str!("sql/store.sql"))
        .bind::<Text, _>(kind)
        .bind::<Nullable<Text>, _>(session)
        .bind::<Nullable<SqlUuid>, _>(enquiry)
        .bind::<Nullable<Double>, _>(demand.area_min_m2)
        .bind::<Nullable<Double>, _>(demand.area_max_m2)
        .bind::<Nullable<Array<Integer>>, _>(&demand.land_use)
        .bind::<Nullable<Array<Text>>, _>(&demand.location_class)
        .bind::<Nullable<Double>, _>(demand.min_power_kw)
        .bind::<Nullable<Double>, _>(demand.max_port_distance_m)
        .bind::<Nullable<Double>, _>(demand.max_rail_terminal_distance_m)
        .bind::<Nullable<Double>, _>(demand.max_motorway_distance_m)
        .bind::<Nullable<Double>, _>(demand.max_station_distance_m)
        .bind::<Nullable<Date>, _>(demand.available_by)
        .bind::<Array<Text>, _>(&demand.required)
        .bind::<Integer, _>(i32::try_from(candidates).unwrap_or(i32::MAX))
        .execute(conn)
        .await?;
    Ok(())
}

/// The salt of the day for sessions known only by address and user agent:
/// random, kept in memory and replaced at midnight (UTC), so that a digest
/// cannot be traced back to an address afterwards, even by the service.
static SALT: Mutex<Option<(NaiveDate, [u8; 32])>> = Mutex::new(None);

fn salt_of_today() -> [u8; 32] {
    let today = Utc::now().date_naive();
    let mut salt = SALT.lock().unwrap_or_else(|e| e.into_inner());
    match *salt {
        Some((day, bytes)) if day == today => bytes,
        _ => {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).expect("the operating system gives random bytes");
            *salt = Some((today, bytes));
            bytes
        }
    }
}

/// The digest of a search's session: the site finder's session id if it
/// sent one, else the caller's key and the day, else the client's address
/// and user agent with the day's salt. Nothing of them is kept but this.
pub fn session_of(req: &HttpRequest, key: Option<&str>, client: &str) -> String {
    let mut hash = Sha256::new();
    let sent = req
        .headers()
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| (8..=128).contains(&v.len()));
    match (sent, key) {
        (Some(id), _) => {
            hash.update(b"session\0");
            hash.update(id.as_bytes());
        }
        (None, Some(key)) => {
            hash.update(b"key\0");
            hash.update(key.as_bytes());
            hash.update(Utc::now().date_naive().to_string().as_bytes());
        }
        (None, None) => {
            hash.update(b"client\0");
            hash.update(salt_of_today());
            hash.update(client.as_bytes());
            hash.update(b"\0");
            let agent = req.headers().get(actix_web::http::header::USER_AGENT);
            hash.update(agent.map(|a| a.as_bytes()).unwrap_or_default());
        }
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_enquirys_needs_are_read_field_by_field() {
        let demand = Demand::of_enquiry(&json!({
            "area_m2": {"min": 20000, "max": "lots"},
            "land_use": [1340, 1350],
            "location_class": ["C"],
            "min_power_kw": -5,
            "available_by": "2027-06-30",
            "places": [{"name": "Home", "lon": 10.2, "lat": 59.7, "max_distance_m": 100}],
            "wish": "a view",
            "required": ["area_m2", "places"]
        }))
        .unwrap();
        assert_eq!(demand.area_min_m2, Some(20000.0));
        assert_eq!(demand.area_max_m2, None, "not a number");
        assert_eq!(demand.land_use, Some(vec![1340, 1350]));
        assert_eq!(demand.location_class, Some(vec!["C".to_owned()]));
        assert_eq!(demand.min_power_kw, None, "negative");
        assert_eq!(demand.available_by, NaiveDate::from_ymd_opt(2027, 6, 30));
        assert_eq!(demand.required, ["area_m2", "places"]);
    }

    #[test]
    fn needs_that_name_nothing_kept_are_no_demand() {
        assert_eq!(Demand::of_enquiry(&json!({"wish": "a view"})), None);
        assert_eq!(Demand::of_enquiry(&json!({"location_class": ["D"]})), None);
        assert_eq!(Demand::of_enquiry(&json!([1, 2])), None);
    }

    #[test]
    fn a_session_is_its_id_or_the_key_or_the_client() {
        let with_id = actix_web::test::TestRequest::default()
            .insert_header((SESSION_HEADER, "3f2b9c1e-aaaa"))
            .to_http_request();
        let plain = actix_web::test::TestRequest::default()
            .insert_header(("user-agent", "Firefox"))
            .to_http_request();
        let a = session_of(&with_id, None, "192.0.2.1");
        assert_eq!(a.len(), 64);
        assert_eq!(
            a,
            session_of(&with_id, Some("planner"), "192.0.2.9"),
            "the id wins"
        );
        assert_ne!(
            session_of(&plain, None, "192.0.2.1"),
            session_of(&plain, None, "192.0.2.2")
        );
        assert_eq!(
            session_of(&plain, None, "192.0.2.1"),
            session_of(&plain, None, "192.0.2.1")
        );
        assert_ne!(
            session_of(&plain, Some("kari"), "192.0.2.1"),
            session_of(&plain, None, "192.0.2.1")
        );
        assert!(!a.contains("3f2b9c1e"));
    }
}
