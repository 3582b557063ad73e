//! The texts of the mails, in bokmål and English: one catalogue per language
//! (`messages/nb.json`, `messages/en.json`, keyed alike; a test keeps them
//! complete), with `{name}` placeholders filled from the facts of what the
//! mail tells of. Mails are plain text (UTF-8), so values go in as they are;
//! only the subject, a header, has its line breaks and control characters
//! turned into spaces.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};

use crate::html::format;
use crate::html::i18n::{Lang, fill};

/// A mail's subject and body, rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// One line.
    pub subject: String,
    /// Plain text.
    pub body: String,
}

/// What the reception's mails say of a new enquiry.
#[derive(Debug, Clone)]
pub struct EnquiryFacts<'a> {
    /// Its reference number (`HEN-000042`).
    pub reference: &'a str,
    /// When it was received.
    pub received: DateTime<Utc>,
    /// When its first answer is due.
    pub due: DateTime<Utc>,
    /// The person asking.
    pub name: &'a str,
    /// Their company.
    pub company: &'a str,
    /// The company's organisation number.
    pub organisation_number: &'a str,
    /// The address to answer to.
    pub email: &'a str,
    /// A phone number, if given.
    pub phone: Option<&'a str>,
    /// What they ask.
    pub message: &'a str,
    /// The plot asked about: its reference and name.
    pub plot: Option<(&'a str, &'a str)>,
    /// The needs from the site search, as given.
    pub needs: Option<&'a serde_json::Value>,
    /// The enquiry's URL, for planners.
    pub link: &'a str,
}

/// One language's texts by key.
struct Catalogue(HashMap<String, String>);

static NB: LazyLock<Catalogue> = LazyLock::new(|| load(include_str!("messages/nb.json")));
static EN: LazyLock<Catalogue> = LazyLock::new(|| load(include_str!("messages/en.json")));

fn load(json: &str) -> Catalogue {
    Catalogue(serde_json::from_str(json).expect("a mail catalogue is a JSON object of texts"))
}

fn catalogue(lang: Lang) -> &'static Catalogue {
    match lang {
        Lang::Nb => &NB,
        Lang::En => &EN,
    }
}

impl Catalogue {
    /// The text of `key` with its placeholders filled.
    fn fill(&self, key: &str, values: &[(&str, &str)]) -> String {
        let text = self.0.get(key).map_or(key, String::as_str);
        fill(text, values)
    }
}

/// A header's text: one line, without control characters.
fn one_line(text: &str) -> String {
    let line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The placeholders both mails of an enquiry fill.
fn enquiry_values(lang: Lang, facts: &EnquiryFacts<'_>) -> (Vec<(&'static str, String)>, String) {
    let t = catalogue(lang);
    let about = match facts.plot {
        Some((reference, name)) => t.fill(
            "about.plot",
            &[("plot_reference", reference), ("plot_name", name)],
        ),
        None => t.fill("about.need", &[]),
    };
    let needs = facts
        .needs
        .map(|n| {
            let pretty = serde_json::to_string_pretty(n).unwrap_or_default();
            t.fill("needs", &[("needs", &pretty)])
        })
        .unwrap_or_default();
    let values = vec![
        ("reference", facts.reference.to_owned()),
        ("received", format::local_time(lang, facts.received)),
        (
            "due",
            format::weekday_date(lang, format::last_day(facts.due)),
        ),
        ("name", facts.name.to_owned()),
        ("company", facts.company.to_owned()),
        ("organisation_number", facts.organisation_number.to_owned()),
        ("email", facts.email.to_owned()),
        (
            "phone",
            facts
                .phone
                .map_or_else(|| t.fill("phone.none", &[]), str::to_owned),
        ),
        ("about", about),
        ("message", facts.message.to_owned()),
        ("needs", needs),
        ("link", facts.link.to_owned()),
    ];
    (values, lang.tag().to_owned())
}

fn render(lang: Lang, which: &str, values: &[(&str, String)]) -> Rendered {
    let t = catalogue(lang);
    let values: Vec<(&str, &str)> = values.iter().map(|(n, v)| (*n, v.as_str())).collect();
    Rendered {
        subject: one_line(&t.fill(&format!("{which}.subject"), &values)),
        body: t.fill(&format!("{which}.body"), &values),
    }
}

/// The notice of a new enquiry to the planners, in the enquiry's language
/// (`language` says which, so that they answer in it).
pub fn enquiry_notice(lang: Lang, facts: &EnquiryFacts<'_>) -> Rendered {
    let (mut values, tag) = enquiry_values(lang, facts);
    values.push((
        "language",
        catalogue(lang).fill(&format!("language.{tag}"), &[]),
    ));
    render(lang, "notice", &values)
}

/// The confirmation to the company, with the reference number, in the
/// enquiry's language.
pub fn enquiry_confirmation(lang: Lang, facts: &EnquiryFacts<'_>) -> Rendered {
    let (values, _) = enquiry_values(lang, facts);
    render(lang, "confirmation", &values)
}

/// The request to rate the reception, to `name` after their enquiry
/// `reference` closed: `link` opens the rating page.
pub fn rating_request(lang: Lang, name: &str, reference: &str, link: &str) -> Rendered {
    let values = [
        ("name", name.to_owned()),
        ("reference", reference.to_owned()),
        ("link", link.to_owned()),
    ];
    render(lang, "rating", &values)
}

/// The double opt-in mail of an alert saved for `email`: the needs, the
/// link that confirms it and the one that ends it.
pub fn alert_confirmation(
    lang: Lang,
    email: &str,
    needs: &serde_json::Value,
    confirm_link: &str,
    unsubscribe_link: &str,
) -> Rendered {
    let needs = serde_json::to_string_pretty(needs).unwrap_or_default();
    let values = [
        ("email", email.to_owned()),
        ("needs", needs),
        ("confirm_link", confirm_link.to_owned()),
        ("unsubscribe_link", unsubscribe_link.to_owned()),
    ];
    render(lang, "alert_confirmation", &values)
}

/// A plot in an alert's digest: what names it, and why it fits (each need
/// with whether it is met and the matching's own detail).
#[derive(Debug, Clone)]
pub struct DigestPlot {
    pub reference: String,
    pub name: String,
    pub link: String,
    pub reasons: Vec<(bool, String)>,
}

/// An alert's digest: the plots that came to meet its needs.
pub fn alert_digest(
    lang: Lang,
    plots: &[DigestPlot],
    map_link: &str,
    unsubscribe_link: &str,
) -> Rendered {
    let t = catalogue(lang);
    let listed: String = plots
        .iter()
        .map(|p| {
            let reasons: Vec<String> = p
                .reasons
                .iter()
                .map(|(met, detail)| {
                    let key = if *met {
                        "alert_digest.met"
                    } else {
                        "alert_digest.unmet"
                    };
                    t.fill(key, &[("detail", detail)])
                })
                .collect();
            t.fill(
                "alert_digest.plot",
                &[
                    ("reference", &p.reference),
                    ("name", &p.name),
                    ("link", &p.link),
                    ("reasons", &reasons.join("\n")),
                ],
            ) + "\n"
        })
        .collect();
    let values = [
        ("count", plots.len().to_string()),
        ("plots", listed),
        ("map_link", map_link.to_owned()),
        ("unsubscribe_link", unsubscribe_link.to_owned()),
    ];
    render(lang, "alert_digest", &values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> EnquiryFacts<'static> {
        static NEEDS: LazyLock<serde_json::Value> =
            LazyLock::new(|| serde_json::json!({"area_m2_min": 20000}));
        EnquiryFacts {
            reference: "HEN-000042",
            received: DateTime::from_timestamp(1_790_000_000, 0).unwrap(),
            // The end of Wednesday 23 September 2026, Norwegian summer time.
            due: "2026-09-23T22:00:00Z".parse().unwrap(),
            name: "Kari Nordmann",
            company: "Eksempel Logistikk AS\nBcc: x@y.no",
            organisation_number: "974760673",
            email: "kari@eksempel.no",
            phone: None,
            message: "Er tomta {ledig}?",
            plot: Some(("DRM-0042", "Holmen nord")),
            needs: Some(&*NEEDS),
            link: "http://127.0.0.1:8080/enquiries/x",
        }
    }

    #[test]
    fn the_catalogues_have_the_same_keys_and_placeholders() {
        let placeholders = |text: &str| {
            let mut names: Vec<String> = text
                .split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_owned()))
                .collect();
            names.sort();
            names
        };
        let (nb, en) = (&NB.0, &EN.0);
        let mut keys: Vec<_> = nb.keys().chain(en.keys()).collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            let (Some(a), Some(b)) = (nb.get(key), en.get(key)) else {
                panic!("`{key}` is in one catalogue only");
            };
            assert_eq!(placeholders(a), placeholders(b), "{key}");
            assert!(!a.trim().is_empty() && !b.trim().is_empty(), "{key}");
        }
        for key in [
            "confirmation.subject",
            "confirmation.body",
            "notice.subject",
            "notice.body",
            "about.plot",
            "about.need",
            "needs",
            "phone.none",
            "language.nb",
            "language.en",
            "alert_confirmation.subject",
            "alert_confirmation.body",
            "alert_digest.subject",
            "alert_digest.body",
            "alert_digest.plot",
            "alert_digest.met",
            "alert_digest.unmet",
        ] {
            assert!(
                nb.contains_key(key),
                "{key} is used but not in the catalogues"
            );
        }
    }

    #[test]
    fn the_confirmation_quotes_the_reference_in_the_enquirys_language() {
        let nb = enquiry_confirmation(Lang::Nb, &facts());
        assert_eq!(nb.subject, "Vi har mottatt henvendelsen din (HEN-000042)");
        assert!(nb.body.starts_with("Hei Kari Nordmann,"), "{}", nb.body);
        assert!(nb.body.contains("referansenummeret HEN-000042"));
        assert!(nb.body.contains("tomt DRM-0042, Holmen nord"));
        // A value's own braces are text, not placeholders.
        assert!(nb.body.contains("Er tomta {ledig}?"));
        // When the answer is due, on the Norwegian calendar.
        assert!(
            nb.body.contains("senest onsdag 23. sep. 2026"),
            "{}",
            nb.body
        );
        let en = enquiry_confirmation(Lang::En, &facts());
        assert_eq!(en.subject, "We have received your enquiry (HEN-000042)");
        assert!(en.body.contains("its reference number is HEN-000042"));
        assert!(en.body.contains("by Wednesday 23 Sep 2026 at the latest"));
        for unfilled in ["{name}", "{reference}", "{about}", "{message}"] {
            assert!(!en.body.contains(unfilled), "{unfilled} in {}", en.body);
        }
    }

    #[test]
    fn the_notice_has_every_fact_and_a_one_line_subject() {
        let notice = enquiry_notice(Lang::En, &facts());
        // The company's line break cannot add a header.
        assert_eq!(
            notice.subject,
            "New enquiry HEN-000042 from Eksempel Logistikk AS Bcc: x@y.no"
        );
        for part in [
            "Reference: HEN-000042",
            // Norwegian time (summer time: UTC+2).
            "Received: 21 Sep 2026 16:13",
            "Answer due: Wednesday 23 Sep 2026",
            "Language: English",
            "org. no. 974760673",
            "E-mail: kari@eksempel.no",
            "Phone: not given",
            "\"area_m2_min\": 20000",
            "http://127.0.0.1:8080/enquiries/x",
        ] {
            assert!(notice.body.contains(part), "{part} in {}", notice.body);
        }
        let nb = enquiry_notice(Lang::Nb, &facts());
        assert!(nb.body.contains("Språk: bokmål"), "{}", nb.body);
        assert!(nb.body.contains("Telefon: ikke oppgitt"));
    }

    #[test]
    fn the_alert_confirmation_has_both_links() {
        let needs = serde_json::json!({"land_use": [1340], "required": ["land_use"]});
        let mail = alert_confirmation(
            Lang::En,
            "kari@eksempel.no",
            &needs,
            "http://x/alerts/confirm?token=c",
            "http://x/alerts/unsubscribe?token=u",
        );
        assert_eq!(mail.subject, "Confirm your alert for vacant business land");
        for part in [
            "to kari@eksempel.no",
            "\"land_use\"",
            "http://x/alerts/confirm?token=c",
            "End the alert: http://x/alerts/unsubscribe?token=u",
        ] {
            assert!(mail.body.contains(part), "{part} in {}", mail.body);
        }
    }

    #[test]
    fn the_digest_names_each_plot_and_why_it_fits() {
        let plots = [DigestPlot {
            reference: "DRM-0042".into(),
            name: "Holmen nord".into(),
            link: "http://x/collections/plots/items/1?f=html".into(),
            reasons: vec![
                (true, "24 000 m²".into()),
                (false, "4 km to the port".into()),
            ],
        }];
        let mail = alert_digest(
            Lang::Nb,
            &plots,
            "http://x/map",
            "http://x/alerts/unsubscribe?token=u",
        );
        assert_eq!(
            mail.subject,
            "Ledige næringsarealer som passer behovene dine (1)"
        );
        for part in [
            "DRM-0042 – Holmen nord\nhttp://x/collections/plots/items/1?f=html",
            "  ✓ 24 000 m²",
            "  – 4 km to the port (et ønske, ikke oppfylt)",
            "Avslutt varselet: http://x/alerts/unsubscribe?token=u",
        ] {
            assert!(mail.body.contains(part), "{part} in {}", mail.body);
        }
    }

    #[test]
    fn placeholders_fill_in_one_pass() {
        assert_eq!(
            fill("{a} and {b}", &[("a", "{b}"), ("b", "2")]),
            "{b} and 2"
        );
        assert_eq!(fill("{unknown} {", &[]), "{unknown} {");
    }
}
