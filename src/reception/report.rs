//! The reception's report for planners: the enquiries waiting for a first
//! answer (the overdue ones first), and by quarter the response times
//! against the target and the companies' ratings.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool, Date, Double, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// The most enquiries the waiting list shows (the count says how many wait).
pub const AWAITING_MAX: i64 = 500;

/// The reception's report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReceptionReport {
    /// The first day of the period (Norwegian time).
    pub from: NaiveDate,
    /// The last day, included.
    pub to: NaiveDate,
    /// The target for a first answer.
    pub target: ResponseTarget,
    /// How many enquiries wait for a first answer now.
    pub awaiting: i64,
    /// How many of them are overdue.
    pub overdue: i64,
    /// The enquiries waiting for a first answer, the most overdue first (at
    /// most 500).
    pub waiting: Vec<WaitingEnquiry>,
    /// Each quarter of the period, oldest first.
    pub quarters: Vec<ReceptionQuarter>,
}

/// The target for a first answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResponseTarget {
    /// Working days (Monday to Friday but Norway's public holidays) after
    /// the day an enquiry arrives; due at the end of the last of them.
    pub first_answer_working_days: u32,
}

/// An enquiry waiting for its first answer. (No personal fields: the
/// enquiry itself, at `id`, has them, and reading it is logged.)
#[derive(Debug, Clone, Serialize, ToSchema, QueryableByName)]
pub struct WaitingEnquiry {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    /// Its reference number.
    #[diesel(sql_type = Text)]
    pub reference: String,
    /// When it arrived.
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    /// When its first answer is due.
    #[diesel(sql_type = Timestamptz)]
    pub answer_due_at: DateTime<Utc>,
    /// It is past due.
    #[diesel(sql_type = Bool)]
    pub overdue: bool,
    /// `new` or `in_progress`.
    #[diesel(sql_type = Text)]
    pub status: String,
    /// The planner in charge, if any.
    #[diesel(sql_type = Nullable<Text>)]
    pub assigned_to: Option<String>,
    /// The plot asked about, if any.
    #[diesel(sql_type = Nullable<Text>)]
    pub plot_reference: Option<String>,
    #[serde(skip)]
    #[diesel(sql_type = BigInt)]
    total: i64,
    #[serde(skip)]
    #[diesel(sql_type = BigInt)]
    overdue_total: i64,
}

/// Hours from arrival, to two decimals: the median and the 90th
/// percentile, of the enquiries that got there (null when none did).
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct ResponseHours {
    pub median: Option<f64>,
    pub p90: Option<f64>,
}

/// The companies' ratings given in a quarter (1 very dissatisfied to 5
/// very satisfied).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RatingCounts {
    /// How many were given.
    pub count: i64,
    /// Their mean, to two decimals; null without any.
    pub mean: Option<f64>,
    /// How many gave 4 or 5: satisfied.
    pub satisfied: i64,
    /// How many gave 1, 2, 3, 4 and 5.
    pub by_score: [i64; 5],
}

/// The reception in one quarter: the enquiries received in it, and the
/// ratings given in it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReceptionQuarter {
    /// `2026-Q4`.
    #[schema(example = "2026-Q4")]
    pub quarter: String,
    /// Enquiries received.
    pub received: i64,
    /// Of them, those that have had a first answer.
    pub answered: i64,
    /// Of them, those answered by when it was due.
    pub on_time: i64,
    /// Of those received, the ones still without an answer and past due.
    pub overdue: i64,
    /// Hours to the first answer.
    pub first_answer_hours: ResponseHours,
    /// Of those received, the ones closed now.
    pub closed: i64,
    /// Hours to closing.
    pub closing_hours: ResponseHours,
    /// The ratings given in the quarter.
    pub ratings: RatingCounts,
}

#[derive(QueryableByName)]
struct QuarterRow {
    #[diesel(sql_type = Text)]
    quarter: String,
    #[diesel(sql_type = BigInt)]
    received: i64,
    #[diesel(sql_type = BigInt)]
    answered: i64,
    #[diesel(sql_type = BigInt)]
    on_time: i64,
    #[diesel(sql_type = BigInt)]
    overdue: i64,
    #[diesel(sql_type = Nullable<Double>)]
    answer_median_hours: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    answer_p90_hours: Option<f64>,
    #[diesel(sql_type = BigInt)]
    closed: i64,
    #[diesel(sql_type = Nullable<Double>)]
    closing_median_hours: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    closing_p90_hours: Option<f64>,
    #[diesel(sql_type = BigInt)]
    ratings: i64,
    #[diesel(sql_type = Nullable<Double>)]
    mean_score: Option<f64>,
    #[diesel(sql_type = BigInt)]
    satisfied: i64,
    #[diesel(sql_type = BigInt)]
    score_1: i64,
    #[diesel(sql_type = BigInt)]
    score_2: i64,
    #[diesel(sql_type = BigInt)]
    score_3: i64,
    #[diesel(sql_type = BigInt)]
    score_4: i64,
    #[diesel(sql_type = BigInt)]
    score_5: i64,
}

impl From<QuarterRow> for ReceptionQuarter {
    fn from(r: QuarterRow) -> Self {
        Self {
            quarter: r.quarter,
            received: r.received,
            answered: r.answered,
            on_time: r.on_time,
            overdue: r.overdue,
            first_answer_hours: ResponseHours {
                median: r.answer_median_hours,
                p90: r.answer_p90_hours,
            },
            closed: r.closed,
            closing_hours: ResponseHours {
                median: r.closing_median_hours,
                p90: r.closing_p90_hours,
            },
            ratings: RatingCounts {
                count: r.ratings,
                mean: r.mean_score,
                satisfied: r.satisfied,
                by_score: [r.score_1, r.score_2, r.score_3, r.score_4, r.score_5],
            },
        }
    }
}

/// The report for the days `from` to `to`, with `target`.
pub async fn report(
    conn: &mut AsyncPgConnection,
    from: NaiveDate,
    to: NaiveDate,
    target: ResponseTarget,
) -> diesel::QueryResult<ReceptionReport> {
    let quarters: Vec<QuarterRow> = diesel::sql_query(include_str!("sql/quarters.sql"))
        .bind::<Date, _>(from)
        .bind::<Date, _>(to)
        .load(conn)
        .await?;
    let waiting: Vec<WaitingEnquiry> = diesel::sql_query(include_str!("sql/awaiting.sql"))
        .bind::<BigInt, _>(AWAITING_MAX)
        .load(conn)
        .await?;
    let (awaiting, overdue) =
        <[WaitingEnquiry]>::first(&waiting).map_or((0, 0), |w| (w.total, w.overdue_total));
    Ok(ReceptionReport {
        from,
        to,
        target,
        awaiting,
        overdue,
        waiting,
        quarters: quarters.into_iter().map(ReceptionQuarter::from).collect(),
    })
}
