//! `GET /demand`: demand against supply for planners, as JSON, CSV (one row
//! per segment and power band, with a column per quarter) or a page.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::Utc;

use super::page;
use super::report::{Report, report};
use crate::error::ApiError;
use crate::http;
use crate::http::caller::Planner;
use crate::http::params::{PeriodQuery, report_query};
use crate::http::problems;
use crate::state::AppState;

/// Demand against supply for a period: the enquiries', searches' and saved
/// alerts' needs by segment (land-use group × size band × location class)
/// and by power band, each with the plots on offer now that meet it and by
/// quarter, demand exceeding supply first; and the needs no plot met.
/// Planners only.
#[utoipa::path(
    tag = "Demand",
    security(("api_key" = [])),
    params(PeriodQuery),
    responses(
        (status = 200, description = "The report (JSON; CSV with `f=csv`; a page with `f=html`)",
            content((Report = "application/json"), (String = "text/csv"), (String = "text/html"))),
        problems::BadQueryNamed,
        problems::Unauthorized,
        problems::Unavailable,
    )
)]
#[get("/demand")]
pub async fn get_demand(
    req: HttpRequest,
    _: Planner,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (from, to, format) = report_query(&req, Utc::now().date_naive())?;
    let mut conn = state.conn().await?;
    let report = report(&mut conn, from, to).await?;
    drop(conn);
    match format.as_str() {
        "csv" => {
            let body = to_csv(&report).map_err(anyhow::Error::from)?;
            Ok(http::csv::attachment(
                body,
                &format!("demand-{from}-{to}.csv"),
            ))
        }
        "html" => {
            let base = state.base_url(&req);
            page::render(&req, &base, &format!("{base}/demand"), &report)
        }
        _ => Ok(HttpResponse::Ok().json(report)),
    }
}

/// One row per segment, then per power band: the keys, demand, supply and
/// a column per quarter.
fn to_csv(report: &Report) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = [
        "kind",
        "land_use_group",
        "size_band",
        "location_class",
        "power_band",
        "plan_term",
        "enquiries",
        "searches",
        "alerts",
        "demand",
        "unmet",
        "supply_plots",
        "supply_daa",
        "shortfall",
    ]
    .map(str::to_owned)
    .to_vec();
    header.extend(report.quarters.iter().cloned());
    w.write_record(&header)?;
    for s in &report.segments {
        let mut row = vec![
            "segment".to_owned(),
            s.land_use_group.clone(),
            s.size_band.clone(),
            s.location_class.clone(),
            String::new(),
            s.plan_term.unwrap_or_default().to_owned(),
        ];
        row.extend(
            [
                s.enquiries,
                s.searches,
                s.alerts,
                s.demand,
                s.unmet,
                s.supply.plots,
            ]
            .map(|n| n.to_string()),
        );
        row.push(s.supply.area_daa.to_string());
        row.push(s.shortfall.to_string());
        row.extend(s.quarters.iter().map(|q| q.total().to_string()));
        w.write_record(&row)?;
    }
    for b in &report.power {
        let mut row = vec![
            "power".to_owned(),
            String::new(),
            String::new(),
            String::new(),
            b.power_band.clone(),
            b.plan_term.unwrap_or_default().to_owned(),
        ];
        row.extend(
            [
                b.enquiries,
                b.searches,
                b.alerts,
                b.demand,
                b.unmet,
                b.supply.plots,
            ]
            .map(|n| n.to_string()),
        );
        row.push(b.supply.area_daa.to_string());
        row.push(b.shortfall.to_string());
        row.extend(report.quarters.iter().map(|_| String::new()));
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}
