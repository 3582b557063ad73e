//! Numbers and dates as people read them in each language: `12 345,6` and
//! `1. jan. 2027` in bokmål, `12,345.6` and `1 Jan 2027` in English.

use chrono::{Datelike, NaiveDate};

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

/// A whole number with grouped thousands.
pub fn integer(lang: Lang, value: i64) -> String {
    number(lang, value as f64, 0)
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
