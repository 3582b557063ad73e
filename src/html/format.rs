//! Numbers and dates as people read them in each language: `12 345,6` and
//! `1. jan. 2027` in bokmål, `12,345.6` and `1 Jan 2027` in English.

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};

use super::i18n::Lang;

/// `value` with `decimals` decimals (trailing zeros kept) and grouped thousands.
pub fn number(lang: Lang, value: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let (group, point) = match lang {
        Lang::Nb => ('\u{a0}', ','),
        Lang::En => (',', '.'),
    };
    let mut out = String::new();
    if value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.push('−');
    }
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(group);
        }
        out.push(c);
    }
    if !fraction.is_empty() {
        out.push(point);
        out.push_str(fraction);
    }
    out
}

/// A whole number without grouping (`12000`), as the reasons of site
/// matching write the figures they quote back.
pub fn whole(value: f64) -> String {
    format!("{value:.0}")
}

/// A whole number with grouped thousands.
pub fn integer(lang: Lang, value: i64) -> String {
    number(lang, value as f64, 0)
}

/// Norway's time zone: days, quarters and deadlines are Norwegian.
pub const NORWAY: chrono_tz::Tz = chrono_tz::Europe::Oslo;

/// The day that ends at `deadline`, a midnight in Norwegian time.
pub fn last_day(deadline: DateTime<Utc>) -> NaiveDate {
    (deadline - TimeDelta::seconds(1))
        .with_timezone(&NORWAY)
        .date_naive()
}

/// A calendar date with its weekday: "torsdag 3. des. 2026".
pub fn weekday_date(lang: Lang, day: NaiveDate) -> String {
    const NB: [&str; 7] = [
        "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag",
    ];
    const EN: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    let weekday = day.weekday().num_days_from_monday() as usize;
    match lang {
        Lang::Nb => format!("{} {}", NB[weekday], date(lang, day)),
        Lang::En => format!("{} {}", EN[weekday], date(lang, day)),
    }
}

/// A moment in Norwegian time, to the minute: "3. des. 2026 14:05".
pub fn local_time(lang: Lang, at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&NORWAY);
    format!(
        "{} {}",
        date(lang, local.date_naive()),
        local.format("%H:%M")
    )
}

/// A calendar date.
pub fn date(lang: Lang, date: NaiveDate) -> String {
    const NB: [&str; 12] = [
        "jan.", "feb.", "mars", "apr.", "mai", "juni", "juli", "aug.", "sep.", "okt.", "nov.",
        "des.",
    ];
    const EN: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = date.month0() as usize;
    match lang {
        Lang::Nb => format!("{}. {} {}", date.day(), NB[month], date.year()),
        Lang::En => format!("{} {} {}", date.day(), EN[month], date.year()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_end_on_the_norwegian_day_before_their_midnight() {
        // Midnight at the end of Thursday 3 December 2026, Norwegian time
        // (UTC+1), and of Wednesday 31 March 2027 (summer time, UTC+2).
        let winter = "2026-12-03T23:00:00Z".parse().unwrap();
        assert_eq!(
            last_day(winter),
            NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
        );
        let summer = "2027-03-31T22:00:00Z".parse().unwrap();
        assert_eq!(
            last_day(summer),
            NaiveDate::from_ymd_opt(2027, 3, 31).unwrap()
        );
        assert_eq!(
            weekday_date(Lang::Nb, last_day(winter)),
            "torsdag 3. des. 2026"
        );
        assert_eq!(
            weekday_date(Lang::En, last_day(summer)),
            "Wednesday 31 Mar 2027"
        );
        assert_eq!(local_time(Lang::En, summer), "1 Apr 2027 00:00");
    }

    #[test]
    fn numbers_group_and_point_by_language() {
        assert_eq!(number(Lang::Nb, 12345.64, 1), "12\u{a0}345,6");
        assert_eq!(number(Lang::En, 12345.64, 1), "12,345.6");
        assert_eq!(number(Lang::En, 999.0, 0), "999");
        assert_eq!(number(Lang::En, 1_000_000.0, 0), "1,000,000");
        assert_eq!(number(Lang::En, -1234.5, 1), "−1,234.5");
        assert_eq!(number(Lang::En, -0.01, 1), "0.0");
        assert_eq!(integer(Lang::Nb, 5000), "5\u{a0}000");
    }

    #[test]
    fn dates_read_naturally() {
        let d = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        assert_eq!(date(Lang::Nb, d), "1. jan. 2027");
        assert_eq!(date(Lang::En, d), "1 Jan 2027");
    }
}
