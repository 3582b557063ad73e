//! `GET /reception`: response times and ratings for planners (JSON, CSV,
//! a page); `GET`/`POST /rating`: the company's rating page, reached by
//! the signed link of the mail it gets when its enquiry is closed.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::Utc;

use super::page;
use super::rating;
use super::report::{ReceptionReport, ResponseTarget, report};
use crate::error::{ApiError, FieldError, Problem};
use crate::html::page::no_store;
use crate::http;
use crate::http::body::read_body;
use crate::http::caller::Planner;
use crate::http::params::{PeriodQuery, report_query};
use crate::http::problems;
use crate::state::AppState;

/// The reception: the enquiries waiting for a first answer (the overdue
/// ones first) against the target, and by quarter the enquiries received,
/// answered and answered in time, the median and 90th percentile hours to
/// the first answer and to closing, and the companies' ratings. Planners
/// only.
#[utoipa::path(
    tag = "Enquiries",
    security(("api_key" = [])),
    params(PeriodQuery),
    responses(
        (status = 200, description = "The report (JSON; CSV of the quarters with `f=csv`; a page with `f=html`)",
            content((ReceptionReport = "application/json"), (String = "text/csv"), (String = "text/html"))),
        problems::BadQueryNamed,
        problems::Unauthorized,
        problems::Unavailable,
    )
)]
#[get("/reception")]
pub async fn get_reception(
    req: HttpRequest,
    _: Planner,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (from, to, format) = report_query(&req, Utc::now().date_naive())?;
    let target = ResponseTarget {
        first_answer_working_days: state.api.answer_working_days,
    };
    let mut conn = state.conn().await?;
    let report = report(&mut conn, from, to, target).await?;
    drop(conn);
    match format.as_str() {
        "csv" => {
            let body = to_csv(&report).map_err(anyhow::Error::from)?;
            Ok(http::csv::attachment(
                body,
                &format!("reception-{from}-{to}.csv"),
            ))
        }
        "html" => {
            let base = state.base_url(&req);
            page::report(&req, &base, &report)
        }
        _ => Ok(HttpResponse::Ok().json(report)),
    }
}

/// One row per quarter.
fn to_csv(report: &ReceptionReport) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "quarter",
        "received",
        "answered",
        "on_time",
        "overdue",
        "first_answer_median_hours",
        "first_answer_p90_hours",
        "closed",
        "closing_median_hours",
        "closing_p90_hours",
        "ratings",
        "mean_score",
        "satisfied",
        "score_1",
        "score_2",
        "score_3",
        "score_4",
        "score_5",
    ])?;
    let hours = |h: Option<f64>| h.map(|h| format!("{h:.1}")).unwrap_or_default();
    for q in &report.quarters {
        let mut row = vec![
            q.quarter.clone(),
            q.received.to_string(),
            q.answered.to_string(),
            q.on_time.to_string(),
            q.overdue.to_string(),
            hours(q.first_answer_hours.median),
            hours(q.first_answer_hours.p90),
            q.closed.to_string(),
            hours(q.closing_hours.median),
            hours(q.closing_hours.p90),
            q.ratings.count.to_string(),
            q.ratings
                .mean
                .map(|m| format!("{m:.2}"))
                .unwrap_or_default(),
            q.ratings.satisfied.to_string(),
        ];
        row.extend(q.ratings.by_score.iter().map(i64::to_string));
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// The value of the field `name` of a query or a form.
fn field<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn unknown_link() -> ApiError {
    ApiError::NotFound(
        "this rating link is not valid: it may have been cut short or mistyped, \
         or the enquiry no longer exists"
            .to_owned(),
    )
}

/// The enquiry of the `token` in `pairs`.
async fn enquiry_of(
    conn: &mut diesel_async::AsyncPgConnection,
    pairs: &[(String, String)],
) -> Result<uuid::Uuid, ApiError> {
    let token = field(pairs, "token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::invalid("token", "is required: follow the link of the mail"))?;
    rating::enquiry_of(conn, token)
        .await?
        .ok_or_else(unknown_link)
}

fn pairs(bytes: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(bytes).into_owned().collect()
}

/// The rating page of a closed enquiry's link: a button per score (1 very
/// dissatisfied to 5 very satisfied) and room for a comment. No login:
/// the link's token is signed.
#[utoipa::path(
    tag = "Enquiries",
    params(("token" = String, Query, description = "The token of the rating mail's link")),
    responses(
        (status = 200, description = "The rating page", content_type = "text/html"),
        (status = 400, description = "No token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The token is not valid, or its enquiry no longer exists", body = Problem, content_type = "application/problem+json"),
        problems::Unavailable,
    )
)]
#[get("/rating")]
pub async fn rating_page(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let query = pairs(req.query_string().as_bytes());
    let mut conn = state.conn().await?;
    let id = enquiry_of(&mut conn, &query).await?;
    let rated = rating::rated(&mut conn, id)
        .await?
        .ok_or_else(unknown_link)?;
    drop(conn);
    let token = field(&query, "token").unwrap_or_default();
    let page = page::rating(&req, &state.base_url(&req), token, &rated, false)?;
    Ok(no_store(page))
}

/// The rating page's form.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct RatingForm {
    /// The token of the rating link.
    pub token: String,
    /// From 1 (very dissatisfied) to 5 (very satisfied).
    #[schema(minimum = 1, maximum = 5)]
    pub score: i16,
    /// Anything the company wants to add, at most 2000 characters.
    #[schema(max_length = 2000)]
    pub comment: Option<String>,
}

/// The largest rating form (413 past it).
const MAX_FORM_BYTES: usize = 16 * 1024;
/// The longest comment, in characters.
const MAX_COMMENT_CHARS: usize = 2000;

/// Records the company's rating (the rating page's form: `token`, `score`
/// 1–5, an optional `comment`); a second one replaces the first.
#[utoipa::path(
    tag = "Enquiries",
    request_body(content = RatingForm, content_type = "application/x-www-form-urlencoded",
        description = "The link's token, a score from 1 (very dissatisfied) to 5 (very satisfied), and an optional comment"),
    responses(
        (status = 200, description = "A page thanking for the rating", content_type = "text/html"),
        (status = 400, description = "No token, or a score or comment that is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The token is not valid, or its enquiry no longer exists", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The form is larger than 16 KiB", body = Problem, content_type = "application/problem+json"),
        problems::Unavailable,
    )
)]
#[post("/rating")]
pub async fn rate(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let form = pairs(&read_body(&req, payload, MAX_FORM_BYTES).await?);
    let mut errors = Vec::new();
    let score = match field(&form, "score").map(str::trim) {
        None | Some("") => {
            errors.push(FieldError::new("score", "is required: choose from 1 to 5"));
            0
        }
        Some(s) => match s.parse::<i16>() {
            Ok(n @ 1..=5) => n,
            _ => {
                errors.push(FieldError::new(
                    "score",
                    format!("`{s}` is not a whole number from 1 to 5"),
                ));
                0
            }
        },
    };
    let comment = field(&form, "comment")
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if comment.is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
        errors.push(FieldError::new(
            "comment",
            format!("is longer than {MAX_COMMENT_CHARS} characters"),
        ));
    }
    let mut conn = state.conn().await?;
    let id = enquiry_of(&mut conn, &form).await?;
    if !errors.is_empty() {
        return Err(ApiError::InvalidBody(errors));
    }
    rating::record(&mut conn, id, score, comment).await?;
    let rated = rating::rated(&mut conn, id)
        .await?
        .ok_or_else(unknown_link)?;
    drop(conn);
    tracing::info!(enquiry = %id, score, "reception rated");
    let token = field(&form, "token").unwrap_or_default();
    let page = page::rating(&req, &state.base_url(&req), token, &rated, true)?;
    Ok(no_store(page))
}
