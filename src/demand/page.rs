//! The demand report as a page for planners: demand against supply by
//! segment and power band as bars, demand by quarter as a chart drawn on the
//! server (SVG), and the needs no plot met.

use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use super::report::{Report, Unmet};
use crate::error::ApiError;
use crate::html::format;
use crate::html::i18n::{Lang, Messages};
use crate::html::page::{Page, respond};

/// One row of demand against supply.
pub struct Row {
    pub label: String,
    pub term: Option<&'static str>,
    pub enquiries: String,
    pub searches: String,
    pub alerts: String,
    pub unmet: String,
    pub plots: String,
    pub daa: String,
    pub shortfall: String,
    /// Demand exceeds supply.
    pub short: bool,
    /// The bars' widths, in per cent of the largest value in the table.
    pub demand_width: String,
    pub supply_width: String,
}

/// A column of the quarterly chart.
pub struct Column {
    pub x: f64,
    pub label: String,
    pub value: String,
    /// Top and height of the searches' part and of the enquiries' part.
    pub searches: (f64, f64),
    pub enquiries: (f64, f64),
}

/// The chart of demand by quarter.
pub struct Chart {
    pub width: u32,
    pub height: u32,
    pub bar_width: f64,
    pub columns: Vec<Column>,
    /// The horizontal grid: y and the value there.
    pub grid: Vec<(f64, String)>,
}

#[derive(Template)]
#[template(path = "demand.html")]
struct DemandView<'a> {
    page: &'a Page,
    from: String,
    to: String,
    period: String,
    enquiries: String,
    searches: String,
    alerts: String,
    unmet: String,
    segments: Vec<Row>,
    power: Vec<Row>,
    chart: Option<Chart>,
    unmet_rows: Vec<(String, String, String)>,
    unmet_more: Option<String>,
    csv: String,
}

fn width(value: i64, largest: i64) -> String {
    if largest > 0 {
        format!("{:.1}", value as f64 / largest as f64 * 100.0)
    } else {
        "0".to_owned()
    }
}

/// The page of `report`; `this` is the report's URL without its query.
pub fn render(
    req: &HttpRequest,
    base: &str,
    this: &str,
    report: &Report,
) -> Result<HttpResponse, ApiError> {
    let t = Page::texts(req);
    let page = Page::new(req, base, t.get("demand.title"))
        .crumb(t.get("landing.title"), format!("{base}/"))
        .json(
            format!("{this}?from={}&to={}&f=json", report.from, report.to),
            crate::http::media::JSON,
        )
        .section("demand");
    let lang = page.lang;
    let n = |v: i64| format::integer(lang, v);
    let largest =
        |rows: &mut dyn Iterator<Item = (i64, i64)>| rows.fold(0, |m, (d, s)| m.max(d).max(s));
    let seg_largest = largest(&mut report.segments.iter().map(|s| (s.demand, s.supply.plots)));
    let segments = report
        .segments
        .iter()
        .map(|s| Row {
            label: format!(
                "{} · {} · {}",
                group_label(t, &s.land_use_group),
                size_label(t, &s.size_band),
                class_label(t, &s.location_class)
            ),
            term: s.plan_term,
            enquiries: n(s.enquiries),
            searches: n(s.searches),
            alerts: n(s.alerts),
            unmet: n(s.unmet),
            plots: n(s.supply.plots),
            daa: format::number(lang, s.supply.area_daa, 1),
            shortfall: n(s.shortfall),
            short: s.shortfall > 0,
            demand_width: width(s.demand, seg_largest),
            supply_width: width(s.supply.plots, seg_largest),
        })
        .collect();
    let power_largest = largest(&mut report.power.iter().map(|p| (p.demand, p.supply.plots)));
    let power = report
        .power
        .iter()
        .map(|p| Row {
            label: t.get(&format!("demand.power.{}", p.power_band)).to_owned(),
            term: p.plan_term,
            enquiries: n(p.enquiries),
            searches: n(p.searches),
            alerts: n(p.alerts),
            unmet: n(p.unmet),
            plots: n(p.supply.plots),
            daa: format::number(lang, p.supply.area_daa, 1),
            shortfall: n(p.shortfall),
            short: p.shortfall > 0,
            demand_width: width(p.demand, power_largest),
            supply_width: width(p.supply.plots, power_largest),
        })
        .collect();
    let unmet_rows = report
        .unmet_needs
        .iter()
        .map(|u| {
            (
                format::date(lang, u.first_at.date_naive()),
                t.get(&format!("demand.source.{}", u.source)).to_owned(),
                asked(t, lang, u),
            )
        })
        .collect();
    let listed = report.unmet_needs.len() as i64;
    let view = DemandView {
        page: &page,
        from: report.from.to_string(),
        to: report.to.to_string(),
        period: format!(
            "{} – {}",
            format::date(lang, report.from),
            format::date(lang, report.to)
        ),
        enquiries: n(report.enquiries),
        searches: n(report.searches),
        alerts: n(report.alerts),
        unmet: n(report.unmet),
        segments,
        power,
        chart: chart(report, lang),
        unmet_rows,
        unmet_more: (report.unmet_total > listed).then(|| {
            t.get("demand.unmet.more")
                .replace("{listed}", &n(listed))
                .replace("{total}", &n(report.unmet_total))
        }),
        csv: format!("{this}?from={}&to={}&f=csv", report.from, report.to),
    };
    respond(lang, view.render())
}

fn group_label(t: &Messages, group: &str) -> String {
    t.get(&format!("demand.group.{group}")).to_owned()
}

fn size_label(t: &Messages, band: &str) -> String {
    t.get(&format!("demand.size.{band}")).to_owned()
}

fn class_label(t: &Messages, class: &str) -> String {
    match class {
        "any" => t.get("demand.class.any").to_owned(),
        class => format!("{} {class}", t.get("demand.class")),
    }
}

/// What an unmet need asked for, in words.
fn asked(t: &Messages, lang: Lang, u: &Unmet) -> String {
    let daa = |m2: f64| format!("{} daa", format::number(lang, m2 / 1000.0, 1));
    let km = |m: f64| format!("{} km", format::number(lang, m / 1000.0, 1));
    let mut parts = Vec::new();
    match (u.area_min_m2, u.area_max_m2) {
        (Some(min), Some(max)) => parts.push(format!("{}–{}", daa(min), daa(max))),
        (Some(min), None) => parts.push(format!("≥ {}", daa(min))),
        (None, Some(max)) => parts.push(format!("≤ {}", daa(max))),
        (None, None) => {}
    }
    if let Some(codes) = &u.land_use {
        parts.push(format!(
            "{} {}",
            t.get("demand.asked.land_use"),
            codes
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(classes) = &u.location_class {
        parts.push(format!("{} {}", t.get("demand.class"), classes.join("/")));
    }
    if let Some(kw) = u.min_power_kw {
        parts.push(format!("≥ {} kW", format::number(lang, kw, 0)));
    }
    for (label, value) in [
        ("demand.asked.port", u.max_port_distance_m),
        ("demand.asked.rail", u.max_rail_terminal_distance_m),
        ("demand.asked.motorway", u.max_motorway_distance_m),
        ("demand.asked.station", u.max_station_distance_m),
    ] {
        if let Some(m) = value {
            parts.push(format!("{} ≤ {}", t.get(label), km(m)));
        }
    }
    if let Some(by) = u.available_by {
        parts.push(format!(
            "{} {}",
            t.get("demand.asked.available_by"),
            format::date(lang, by)
        ));
    }
    if !u.required.is_empty() {
        parts.push(format!(
            "{}: {}",
            t.get("demand.asked.required"),
            u.required.join(", ")
        ));
    }
    parts.join("; ")
}

/// Demand by quarter as stacked columns (searches below, enquiries above).
fn chart(report: &Report, lang: Lang) -> Option<Chart> {
    let quarters = &report.quarters;
    if quarters.is_empty() {
        return None;
    }
    let totals: Vec<(i64, i64)> = quarters
        .iter()
        .enumerate()
        .map(|(i, _)| {
            report.segments.iter().fold((0, 0), |(s, e), seg| {
                let q = &seg.quarters[i];
                (s + q.searches + q.alerts, e + q.enquiries)
            })
        })
        .collect();
    let highest = totals.iter().map(|(s, e)| s + e).max().unwrap_or(0).max(1);
    let (width, height) = (640u32, 220u32);
    let (left, right, top, bottom) = (48.0, 12.0, 12.0, 28.0);
    let plot_w = f64::from(width) - left - right;
    let plot_h = f64::from(height) - top - bottom;
    let step = (highest as f64 / 4.0).ceil().max(1.0);
    let top_value = (highest as f64 / step).ceil() * step;
    let y = |v: f64| top + plot_h * (1.0 - v / top_value);
    let slot = plot_w / quarters.len() as f64;
    let bar_width = (slot * 0.6).min(48.0);
    let columns = quarters
        .iter()
        .zip(&totals)
        .enumerate()
        .map(|(i, (quarter, &(searches, enquiries)))| {
            let (s, e) = (searches as f64, enquiries as f64);
            Column {
                x: left + slot * (i as f64 + 0.5),
                label: quarter.clone(),
                value: format::integer(lang, searches + enquiries),
                searches: (y(s), plot_h * s / top_value),
                enquiries: (y(s + e), plot_h * e / top_value),
            }
        })
        .collect();
    let grid = (0..=((top_value / step) as i64))
        .map(|k| {
            let v = k as f64 * step;
            (y(v), format::integer(lang, v as i64))
        })
        .collect();
    Some(Chart {
        width,
        height,
        bar_width,
        columns,
        grid,
    })
}
