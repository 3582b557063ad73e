//! The reserve overview, `GET /collections/plots/reserve`, in its three
//! forms: JSON, CSV, and the page people read — the totals of the land on
//! offer by land use and by ABC location class as tables with bars, and
//! how the reserve changed over the last years as a chart drawn on the
//! server (SVG) with its numbers beside it. The map's reserve tab shows the
//! same section (`#reserve-overview`), taken from this page.

use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use chrono::{DateTime, Months, Utc};

use super::reserve::{Group, Reserve, ReserveQuery, Selection, totals};
use super::trend::{Step, trend};
use crate::error::ApiError;
use crate::html::format;
use crate::html::negotiate::{Form, form};
use crate::html::page::{Page, respond as respond_html};
use crate::http;
use crate::http::link::{Link, url_with};
use crate::http::params::QueryParams;
use crate::http::{media, problems};
use crate::plots::catalogue::COLLECTION_ID;
use crate::plots::pages::Labels;
use crate::plots::queries;
use crate::state::AppState;

/// Totals of the land on the register — count, m² and daa — by land use,
/// location class, locality, municipality and/or status; now or at a past
/// date; as JSON or CSV (`f=csv`).
#[utoipa::path(
    tag = "Plots",
    params(ReserveQuery),
    responses(
        (status = 200, description = "The overview (JSON; CSV with `f=csv`; a page with the reserve over time with `f=html`, for the plots on offer unless `status` says otherwise)", content((Reserve = "application/json"), (String = "text/csv"), (String = "text/html"))),
        problems::BadQuery,
        problems::Unavailable,
    )
)]
#[get("/collections/plots/reserve")]
pub async fn get_reserve(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut p = QueryParams::parse(req.query_string());
    p.check_format(&["json", "csv", "html"]);
    let html = form(&req) == Form::Html && p.get("f") != Some("csv");
    // The page is about the land on offer, unless asked otherwise.
    let default_status: &[&str] = if html { &["available"] } else { &[] };
    let Selection {
        group_by,
        statuses,
        municipalities,
    } = Selection::parse(&mut p, default_status);
    let as_of = p.parsed("as_of", crate::plots::search::request::parse_as_of);
    let csv = p.get("f") == Some("csv");
    let pairs = p.finish(&["group_by", "status", "municipality", "as_of", "f"])?;
    if html {
        let selection = Selection {
            group_by,
            statuses,
            municipalities,
        };
        return respond(&req, &state, &selection, as_of).await;
    }

    let mut conn = state.read_conn(true).await?;
    let groups = totals(&mut conn, &group_by, &statuses, &municipalities, as_of).await?;
    drop(conn);
    let total = Group::total(&groups);
    if csv {
        let body = to_csv(&group_by, &groups, &total).map_err(anyhow::Error::from)?;
        return Ok(http::csv::attachment(body, "reserve.csv"));
    }
    let base = state.base_url(&req);
    let this = format!("{base}/collections/{COLLECTION_ID}/reserve");
    let with = |url: &str, extra: &[(&str, &str)]| url_with(url, &pairs, &["f", "group_by"], extra);
    let mut links = vec![
        Link::new(
            format!("{this}?{}", req.query_string()),
            "self",
            media::JSON,
            "This overview",
        ),
        Link::new(
            with(&this, &[("f", "html")]),
            "alternate",
            media::HTML,
            "The overview as a page, with the reserve over time",
        ),
        Link::new(
            with(&this, &[("group_by", &group_by.join(",")), ("f", "csv")]),
            "alternate",
            "text/csv",
            "This overview as CSV",
        ),
    ];
    links.push(Link::new(
        with(
            &format!("{base}/collections/{COLLECTION_ID}/items"),
            &[("limit", "1000")],
        ),
        "items",
        media::GEOJSON,
        "These plots as GeoJSON",
    ));
    let mut reserve = Reserve {
        as_of: as_of.unwrap_or_default(),
        group_by: group_by.iter().map(|g| (*g).to_owned()).collect(),
        groups,
        total,
        links,
    };
    let mut answer = HttpResponse::Ok();
    if as_of.is_none() {
        // The overview of now says when now was: its tag leaves that out,
        // so that the same figures asked again are not modified.
        let tag = http::cache::content_tag(&reserve).map_err(anyhow::Error::from)?;
        answer.insert_header(actix_web::http::header::ETag(tag));
        reserve.as_of = Utc::now();
    }
    Ok(answer.json(reserve))
}

fn to_csv(group_by: &[&str], groups: &[Group], total: &Group) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(Group::header(group_by))?;
    for g in groups.iter().chain(std::iter::once(total)) {
        w.write_record(g.record(group_by))?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// How far back the page shows the reserve.
const YEARS_BACK: u32 = 3;

/// The page of the reserve for `selection` (its statuses and
/// municipalities; the page chooses its own groups), now or `as_of`.
async fn respond(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    selection: &Selection,
    as_of: Option<DateTime<Utc>>,
) -> Result<HttpResponse, ApiError> {
    let (statuses, municipalities) = (&selection.statuses, &selection.municipalities);
    let mut conn = state.read_conn(true).await?;
    let land_uses = queries::land_use_codes(&mut conn).await?;
    let by_land_use = totals(&mut conn, &["land_use"], statuses, municipalities, as_of).await?;
    let by_class = totals(
        &mut conn,
        &["location_class"],
        statuses,
        municipalities,
        as_of,
    )
    .await?;
    let now = as_of.unwrap_or_else(Utc::now);
    let from = now
        .checked_sub_months(Months::new(12 * YEARS_BACK))
        .unwrap_or(now);
    let over_time = Selection {
        group_by: vec!["status"],
        statuses: statuses.clone(),
        municipalities: municipalities.clone(),
    };
    // The trend runs to now; a past `as_of` shows it up to then.
    let points = trend(&mut conn, &over_time, Step::Quarter, from).await?;
    drop(conn);

    let base = state.base_url(req);
    let t = Page::texts(req);
    let this = format!("{base}/collections/{COLLECTION_ID}/reserve");
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect();
    let page = Page::new(req, &base, t.get("reserve.title"))
        .crumb(t.get("landing.title"), format!("{base}/"))
        .json(
            url_with(&this, &pairs, &["f"], &[("f", "json")]),
            crate::http::media::JSON,
        )
        .section("reserve");
    let labels = Labels::new(page.lang, &land_uses);
    let status_label = match statuses.as_slice() {
        [] => t.get("filter.any").to_owned(),
        some => some
            .iter()
            .map(|s| labels.code("status", s))
            .collect::<Vec<_>>()
            .join(", "),
    };
    let trend: Vec<Point> = points
        .iter()
        .filter(|p| as_of.is_none_or(|as_of| p.at <= as_of))
        .map(|p| Point {
            label: p.period.clone(),
            daa: p.total.area_daa,
            count: p.total.count,
        })
        .collect();
    let overview = Overview {
        total: Group::total(&by_land_use),
        breakdowns: vec![
            breakdown(
                t.get("reserve.by_land_use").to_owned(),
                &by_land_use,
                "land_use",
                |v| labels.land_use(v.as_i64().unwrap_or_default()),
                &labels,
            ),
            breakdown(
                t.get("reserve.by_location_class").to_owned(),
                &by_class,
                "location_class",
                |v| labels.code("location_class", v.as_str().unwrap_or_default()),
                &labels,
            ),
        ],
        trend,
        status_label,
        csv: url_with(
            &this,
            &pairs,
            &["f", "group_by"],
            &[("group_by", "land_use,location_class"), ("f", "csv")],
        ),
        as_of: now,
    };
    respond_html(page.lang, render(&page, &labels, overview))
}

/// One bar of a breakdown.
pub struct Bar {
    pub label: String,
    pub count: String,
    pub daa: String,
    /// Its share of the largest bar, in per cent (for the bar's width).
    pub width: String,
}

/// One breakdown: a heading and its bars.
pub struct Breakdown {
    pub title: String,
    pub bars: Vec<Bar>,
}

/// One point of the reserve over time.
pub struct Point {
    pub label: String,
    pub daa: f64,
    pub count: i64,
}

/// The chart of the reserve over time, drawn as SVG.
pub struct Chart {
    pub width: u32,
    pub height: u32,
    /// The line through the points, as an SVG path.
    pub path: String,
    /// The area under it.
    pub area: String,
    /// Each point: x, y, the label, the value shown.
    pub dots: Vec<(f64, f64, String, String)>,
    /// The horizontal grid: y and the value there.
    pub grid: Vec<(f64, String)>,
    /// The labels of the x axis: x and the text (every few points).
    pub ticks: Vec<(f64, String)>,
    pub rows: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "reserve.html")]
struct ReserveView<'a> {
    page: &'a Page,
    total_count: String,
    total_daa: String,
    breakdowns: Vec<Breakdown>,
    chart: Option<Chart>,
    status_label: String,
    csv: String,
    as_of: String,
}

/// The bars of `groups` keyed by `key`, labelled by `label`.
fn breakdown(
    title: String,
    groups: &[Group],
    key: &str,
    label: impl Fn(&serde_json::Value) -> String,
    labels: &Labels,
) -> Breakdown {
    let largest = groups.iter().map(|g| g.area_daa).fold(0.0, f64::max);
    let mut groups: Vec<&Group> = groups.iter().collect();
    groups.sort_by(|a, b| b.area_daa.total_cmp(&a.area_daa));
    Breakdown {
        title,
        bars: groups
            .into_iter()
            .map(|g| Bar {
                label: label(&g.key[key]),
                count: format::integer(labels.lang, g.count),
                daa: format::number(labels.lang, g.area_daa, 1),
                width: format!(
                    "{:.1}",
                    if largest > 0.0 {
                        g.area_daa / largest * 100.0
                    } else {
                        0.0
                    }
                ),
            })
            .collect(),
    }
}

/// The chart of `points` (oldest first).
fn chart(points: &[Point], labels: &Labels) -> Option<Chart> {
    if points.len() < 2 {
        return None;
    }
    let (width, height) = (640u32, 240u32);
    let (left, right, top, bottom) = (56.0, 30.0, 12.0, 28.0);
    let plot_w = f64::from(width) - left - right;
    let plot_h = f64::from(height) - top - bottom;
    let highest = points.iter().map(|p| p.daa).fold(0.0, f64::max);
    let step = nice_step(highest / 4.0);
    let top_value = (highest / step).ceil().max(1.0) * step;
    let x = |i: usize| left + plot_w * i as f64 / (points.len() - 1) as f64;
    let y = |v: f64| top + plot_h * (1.0 - v / top_value);
    let coords: Vec<(f64, f64)> = points
        .iter()
        .enumerate()
        .map(|(i, p)| (x(i), y(p.daa)))
        .collect();
    let path = coords
        .iter()
        .enumerate()
        .map(|(i, (cx, cy))| format!("{}{cx:.1},{cy:.1}", if i == 0 { "M" } else { "L" }))
        .collect::<String>();
    let area = format!(
        "{path}L{:.1},{:.1}L{:.1},{:.1}Z",
        coords.last()?.0,
        y(0.0),
        coords[0].0,
        y(0.0)
    );
    let grid = (0..=((top_value / step).round() as usize))
        .map(|k| {
            let v = step * k as f64;
            (y(v), format::number(labels.lang, v, 0))
        })
        .collect();
    let every = points.len().div_ceil(6);
    let ticks = points
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            let last = points.len() - 1;
            *i == last || (i % every == 0 && last - i >= every.div_ceil(2).max(1))
        })
        .map(|(i, p)| (x(i), p.label.clone()))
        .collect();
    let dots = points
        .iter()
        .zip(&coords)
        .map(|(p, (cx, cy))| {
            (
                *cx,
                *cy,
                p.label.clone(),
                format::number(labels.lang, p.daa, 1),
            )
        })
        .collect();
    let rows = points
        .iter()
        .map(|p| {
            (
                p.label.clone(),
                format::integer(labels.lang, p.count),
                format::number(labels.lang, p.daa, 1),
            )
        })
        .collect();
    Some(Chart {
        width,
        height,
        path,
        area,
        dots,
        grid,
        ticks,
        rows,
    })
}

/// 1, 2 or 5 times a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    if raw <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * power)
}

/// Everything the page shows.
pub struct Overview {
    pub total: Group,
    pub breakdowns: Vec<Breakdown>,
    pub trend: Vec<Point>,
    pub status_label: String,
    pub csv: String,
    pub as_of: chrono::DateTime<chrono::Utc>,
}

fn render(page: &Page, labels: &Labels, overview: Overview) -> askama::Result<String> {
    ReserveView {
        page,
        total_count: format::integer(labels.lang, overview.total.count),
        total_daa: format::number(labels.lang, overview.total.area_daa, 1),
        chart: chart(&overview.trend, labels),
        breakdowns: overview.breakdowns,
        status_label: overview.status_label,
        csv: overview.csv,
        as_of: format::date(labels.lang, overview.as_of.date_naive()),
    }
    .render()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(0.7), 1.0);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(120.0), 200.0);
        assert_eq!(nice_step(0.0), 1.0);
    }
}
