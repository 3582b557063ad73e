//! The reception's pages: the report for planners, and the company's
//! rating page.

use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use super::rating::Rated;
use super::report::{ReceptionReport, ResponseHours};
use crate::error::ApiError;
use crate::html::format;
use crate::html::i18n::{Lang, Messages};
use crate::html::page::{Page, respond};

/// A row of the waiting list.
pub struct WaitingRow {
    pub reference: String,
    pub link: String,
    pub received: String,
    pub due: String,
    pub overdue: bool,
    pub status: String,
    pub assigned_to: String,
    pub plot: String,
}

/// A row of the quarters' table, as text.
pub struct QuarterRow {
    pub quarter: String,
    pub received: String,
    pub answered: String,
    pub on_time: String,
    pub overdue: String,
    pub answer: (String, String),
    pub closed: String,
    pub closing: (String, String),
    pub ratings: String,
    pub mean: String,
    pub satisfied: String,
}

#[derive(Template)]
#[template(path = "reception.html")]
struct ReceptionView<'a> {
    page: &'a Page,
    from: String,
    to: String,
    target: String,
    summary: String,
    waiting: Vec<WaitingRow>,
    more: Option<String>,
    quarters: Vec<QuarterRow>,
    csv: String,
}

/// Hours as people read them: "12 min" under an hour, "5,5 t" under two
/// days, else "3,2 d".
fn duration(lang: Lang, t: &Messages, hours: Option<f64>) -> String {
    match hours {
        None => "–".to_owned(),
        Some(h) if h < 1.0 => format!("{} min", format::integer(lang, (h * 60.0).round() as i64)),
        Some(h) if h < 48.0 => format!(
            "{} {}",
            format::number(lang, h, 1),
            t.get("reception.hours")
        ),
        Some(h) => format!(
            "{} {}",
            format::number(lang, h / 24.0, 1),
            t.get("reception.days")
        ),
    }
}

fn pair(lang: Lang, t: &Messages, h: ResponseHours) -> (String, String) {
    (duration(lang, t, h.median), duration(lang, t, h.p90))
}

/// `2026-Q4` as people say it: "4. kv. 2026", "Q4 2026".
fn quarter_label(lang: Lang, quarter: &str) -> String {
    match (quarter.split_once("-Q"), lang) {
        (Some((year, q)), Lang::Nb) => format!("{q}. kv. {year}"),
        (Some((year, q)), Lang::En) => format!("Q{q} {year}"),
        (None, _) => quarter.to_owned(),
    }
}

/// `part` of `whole` in per cent, "–" of nothing.
fn share(lang: Lang, part: i64, whole: i64) -> String {
    if whole == 0 {
        "–".to_owned()
    } else {
        format!(
            "{} %",
            format::number(lang, part as f64 / whole as f64 * 100.0, 0)
        )
    }
}

/// The report as a page.
pub fn report(
    req: &HttpRequest,
    base: &str,
    report: &ReceptionReport,
) -> Result<HttpResponse, ApiError> {
    let t = Page::texts(req);
    let this = format!("{base}/reception");
    let query = format!("from={}&to={}", report.from, report.to);
    let page = Page::new(req, base, t.get("reception.title"))
        .crumb(t.get("landing.title"), format!("{base}/"))
        .json(format!("{this}?{query}&f=json"), crate::http::media::JSON)
        .section("reception");
    let lang = page.lang;
    let n = |v: i64| format::integer(lang, v);
    let days = report.target.first_answer_working_days;
    let target = t
        .get(if days == 1 {
            "reception.target.one"
        } else {
            "reception.target"
        })
        .replace("{days}", &days.to_string());
    let summary = t
        .get("reception.summary")
        .replace("{awaiting}", &n(report.awaiting))
        .replace("{overdue}", &n(report.overdue));
    let waiting = report
        .waiting
        .iter()
        .map(|w| WaitingRow {
            reference: w.reference.clone(),
            link: format!("{base}/enquiries/{}", w.id),
            received: format::local_time(lang, w.created_at),
            due: format::weekday_date(lang, format::last_day(w.answer_due_at)),
            overdue: w.overdue,
            status: t
                .find(&format!("reception.status.{}", w.status))
                .unwrap_or(&w.status)
                .to_owned(),
            assigned_to: w.assigned_to.clone().unwrap_or_else(|| "–".to_owned()),
            plot: w.plot_reference.clone().unwrap_or_else(|| "–".to_owned()),
        })
        .collect();
    let shown = report.waiting.len() as i64;
    let more = (report.awaiting > shown).then(|| {
        t.get("reception.more")
            .replace("{shown}", &n(shown))
            .replace("{all}", &n(report.awaiting))
    });
    let quarters = report
        .quarters
        .iter()
        .rev()
        .map(|q| QuarterRow {
            quarter: quarter_label(lang, &q.quarter),
            received: n(q.received),
            answered: n(q.answered),
            on_time: share(lang, q.on_time, q.answered),
            overdue: n(q.overdue),
            answer: pair(lang, t, q.first_answer_hours),
            closed: n(q.closed),
            closing: pair(lang, t, q.closing_hours),
            ratings: n(q.ratings.count),
            mean: q
                .ratings
                .mean
                .map_or_else(|| "–".to_owned(), |m| format::number(lang, m, 1)),
            satisfied: share(lang, q.ratings.satisfied, q.ratings.count),
        })
        .collect();
    let view = ReceptionView {
        page: &page,
        from: report.from.to_string(),
        to: report.to.to_string(),
        target,
        summary,
        waiting,
        more,
        quarters,
        csv: format!("{this}?{query}&f=csv"),
    };
    respond(lang, view.render())
}

#[derive(Template)]
#[template(path = "rating.html")]
struct RatingView<'a> {
    page: &'a Page,
    action: String,
    token: &'a str,
    lead: String,
    thanks: Option<String>,
    before: Option<String>,
    comment: String,
    scores: Vec<(i16, &'a str, bool)>,
}

/// The rating page of the enquiry `rated`, for the link's `token`;
/// `thanked` right after a rating was recorded.
pub fn rating(
    req: &HttpRequest,
    base: &str,
    token: &str,
    rated: &Rated,
    thanked: bool,
) -> Result<HttpResponse, ApiError> {
    let t = Page::texts(req);
    let page = Page::new(req, base, t.get("rating.title"));
    let lang = page.lang;
    let score_text = |s: i16| t.find(&format!("rating.score.{s}")).unwrap_or_default();
    let said = |key: &str| {
        rated.score.map(|s| {
            t.get(key)
                .replace("{score}", &s.to_string())
                .replace("{label}", score_text(s))
                .replace(
                    "{date}",
                    &rated
                        .rated_at
                        .map(|at| format::local_time(lang, at))
                        .unwrap_or_default(),
                )
        })
    };
    let view = RatingView {
        page: &page,
        action: format!("{base}/rating"),
        token,
        lead: t
            .get("rating.lead")
            .replace("{reference}", &rated.reference),
        thanks: if thanked { said("rating.thanks") } else { None },
        before: if thanked { None } else { said("rating.before") },
        comment: rated.comment.clone().unwrap_or_default(),
        scores: (1..=5)
            .map(|s| (s, score_text(s), rated.score == Some(s)))
            .collect(),
    };
    respond(lang, view.render())
}
