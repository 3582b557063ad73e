//! Handlers of `/alerts`: a company saves its needs with an address (no
//! key, no account), confirms by the link of the mail that follows (double
//! opt-in), and ends it by the link in every mail of the alert.
//!
//! The links open a page with a button, and only the button's POST
//! changes anything: mail scanners that follow every link in a mail (to
//! check it) would otherwise confirm, or end, alerts nobody meant to.
//! Mail clients' one-click unsubscribe (RFC 8058) POSTs to the same URL.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::Value;

use super::store::{self, AlertRow};
use super::watch;
use super::wire::{Alert, NewAlert};
use crate::config::RateLimit;
use crate::contact::check_email;
use crate::demand::record::{self, Source};
use crate::error::{ApiError, FieldError, Problem};
use crate::html::i18n::Lang;
use crate::html::page::{Page, no_store, respond};
use crate::http::body::{check_content_type, parse_json, read_body};
use crate::http::caller::Caller;
use crate::http::client::client_address;
use crate::http::params::only_format_param;
use crate::http::{media, problems};
use crate::mail::outbox::{self, NewMail};
use crate::mail::templates;
use crate::mail::wire::MailKind;
use crate::matching::candidates::Candidates;
use crate::matching::needs::Needs;
use crate::state::AppState;

/// The largest body of a new alert (413 past it).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

const FIELDS: &[&str] = &["email", "needs", "lang"];

/// Saves an alert: when a plot becomes available, or changes so that it
/// meets every hard requirement of `needs`, the address gets an e-mail
/// naming the plot and why it fits (at most one a day). Nothing is sent
/// until the address confirms: a mail with the confirmation link is queued
/// at once (double opt-in); every mail has a link that ends the alert. No
/// key is needed; a client address may save as many alerts in a while as
/// it may send enquiries (`NAERINGSAREAL_ENQUIRY_RATE`).
#[utoipa::path(
    tag = "Alerts",
    request_body(content = NewAlert, content_type = "application/json"),
    responses(
        (status = 202, description = "The alert, saved and pending until the link of the mail sent to `email` is followed", body = Alert),
        (status = 400, description = "The alert is not valid; every problem is in `errors`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "An Authorization header with an invalid key", body = Problem, content_type = "application/problem+json"),
        problems::TooLarge16K,
        problems::NotJson,
        (status = 429, description = "This address has saved as many alerts as it may for now", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until it may save again"))),
        problems::Unavailable,
    )
)]
#[post("/alerts")]
pub async fn create_alert(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    only_format_param(req.query_string(), &["json"])?;
    check_content_type(&req, &[media::JSON])?;
    let body = parse_json(&read_body(&req, payload, MAX_BODY_BYTES).await?)?;
    let (email, needs, lang) = check(&body)?;
    let lang = lang.unwrap_or_else(|| Lang::of(&req));
    let client = client_address(&req, state.api.trust_forwarded);
    let rate = if caller.is_planner() {
        RateLimit::Off
    } else {
        state.api.enquiry_rate
    };
    let base = state.base_url(&req);
    let mut conn = state.conn().await?;
    let row = conn
        .transaction(async |conn| {
            if let RateLimit::Every { max, window } = rate {
                store::lock_client(conn, &client).await?;
                if let Some(seconds) =
                    store::rate_limited_for(conn, &client, max.get(), window).await?
                {
                    return Err(ApiError::TooManyRequests {
                        detail: format!(
                            "this address has saved {max} alerts in the last {} s; try again in {seconds} s",
                            window.as_secs()
                        ),
                        retry_after_secs: seconds,
                    });
                }
            }
            let confirm = store::new_token();
            let unsubscribe = store::new_token();
            let row =
                store::insert(conn, &email, &needs, lang, &confirm, &unsubscribe, &client).await?;
            queue_confirmation(conn, &base, &row, lang, &confirm).await?;
            Ok(row)
        })
        .await?;
    tracing::info!(alert = %row.id, "alert saved, pending its confirmation");
    Ok(HttpResponse::Accepted().json(to_wire(row)))
}

/// The confirmation mail of the new alert `row`.
async fn queue_confirmation(
    conn: &mut AsyncPgConnection,
    base: &str,
    row: &AlertRow,
    lang: Lang,
    confirm: &str,
) -> Result<(), ApiError> {
    let confirm_link = format!("{base}/alerts/confirm?token={confirm}");
    let unsubscribe_link = store::unsubscribe_link(base, &row.unsubscribe_token);
    let mail = templates::alert_confirmation(
        lang,
        &row.email,
        &row.needs,
        &confirm_link,
        &unsubscribe_link,
    );
    outbox::queue(
        conn,
        &[NewMail {
            kind: MailKind::AlertConfirmation,
            enquiry_id: None,
            recipient: &row.email,
            reply_to: None,
            lang,
            subject: mail.subject,
            body: mail.body,
            alert_id: Some(row.id),
            list_unsubscribe: Some(unsubscribe_link),
        }],
    )
    .await?;
    Ok(())
}

/// Checks a new alert: every problem at once.
fn check(body: &Value) -> Result<(String, Value, Option<Lang>), ApiError> {
    let Some(object) = body.as_object() else {
        return Err(ApiError::InvalidBody(vec![FieldError::new(
            "body",
            format!("must be a JSON object with {}", FIELDS.join(", ")),
        )]));
    };
    let mut errors: Vec<FieldError> = object
        .keys()
        .filter(|k| !FIELDS.contains(&k.as_str()))
        .map(|k| {
            FieldError::new(
                k.clone(),
                format!("is not a field of an alert; known: {}", FIELDS.join(", ")),
            )
        })
        .collect();
    let email = match object.get("email") {
        None | Some(Value::Null) => {
            errors.push(FieldError::new("email", "is required"));
            None
        }
        Some(Value::String(s)) => match check_email(s.trim()) {
            Ok(()) => Some(s.trim().to_owned()),
            Err(reason) => {
                errors.push(FieldError::new("email", reason));
                None
            }
        },
        Some(_) => {
            errors.push(FieldError::new("email", "must be text"));
            None
        }
    };
    let needs = match object.get("needs") {
        None | Some(Value::Null) => {
            errors.push(FieldError::new("needs", "is required"));
            None
        }
        Some(value) => match check_needs(value) {
            Ok(()) => Some(value.clone()),
            Err(reason) => {
                errors.push(FieldError::new("needs", reason));
                None
            }
        },
    };
    let lang = match object.get("lang") {
        None | Some(Value::Null) => None,
        Some(value) => match value.as_str().and_then(Lang::parse) {
            Some(lang) => Some(lang),
            None => {
                errors.push(FieldError::new(
                    "lang",
                    format!("`{value}` is not a language of the mails: nb or en"),
                ));
                None
            }
        },
    };
    match (email, needs) {
        (Some(email), Some(needs)) if errors.is_empty() => Ok((email, needs, lang)),
        _ => Err(ApiError::InvalidBody(errors)),
    }
}

/// The needs, as site matching takes them, with a hard requirement at
/// least (an alert without one would tell of every plot) and no `limit`.
fn check_needs(value: &Value) -> Result<(), String> {
    if !value.is_object() {
        return Err(
            "must be a JSON object (the needs of POST /collections/plots/match)".to_owned(),
        );
    }
    let needs: Needs = serde_json::from_value(value.clone())
        .map_err(|e| format!("is not a statement of needs as site matching takes it: {e}"))?;
    needs.check().map_err(|errors| {
        errors
            .iter()
            .map(|e| format!("{}: {}", e.name, e.reason))
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    if needs.limit.is_some() {
        return Err("`limit` is for searches; an alert tells of every plot that fits".to_owned());
    }
    let hard_place = needs
        .places
        .as_ref()
        .is_some_and(|places| places.iter().any(|p| p.is_hard()));
    if needs.required.is_empty() && !hard_place {
        return Err(
            "needs no hard requirement: name at least one in `required` (or give a place a \
             `max_distance_m`), or every plot would fit"
                .to_owned(),
        );
    }
    Ok(())
}

/// The alert as the API shows it.
fn to_wire(row: AlertRow) -> Alert {
    Alert {
        id: row.id,
        state: row.state,
        email: row.email,
        lang: row.lang,
        needs: row.needs,
        created_at: row.created_at,
        confirmed_at: row.confirmed_at,
    }
}

/// The page of an alert's link.
#[derive(Template)]
#[template(path = "alert.html")]
struct AlertView<'a> {
    page: &'a Page,
    text: String,
    action: Option<String>,
    token: String,
    button: &'a str,
}

fn page(
    req: &HttpRequest,
    state: &AppState,
    key: &str,
    email: &str,
    form: Option<(&str, &str)>,
) -> Result<HttpResponse, ApiError> {
    let base = state.base_url(req);
    let t = Page::texts(req);
    // The texts of `alert.confirm`, `alert.confirmed`, `alert.unsubscribe`
    // and `alert.unsubscribed`.
    let text = |part: &str| t.find(&format!("alert.{key}.{part}")).unwrap_or_default();
    let page = Page::new(req, &base, text("title"));
    let view = AlertView {
        page: &page,
        text: text("text").replace("{email}", email),
        action: form.map(|(path, _)| format!("{base}{path}")),
        token: form.map(|(_, token)| token.to_owned()).unwrap_or_default(),
        button: text("button"),
    };
    Ok(no_store(respond(page.lang, view.render())?))
}

/// The `token` of a link's query, or of a form's body.
fn token_of(query: &str, form: &[u8]) -> Result<String, ApiError> {
    url::form_urlencoded::parse(form)
        .chain(url::form_urlencoded::parse(query.as_bytes()))
        .find(|(name, _)| name == "token")
        .map(|(_, token)| token.into_owned())
        .filter(|t| !t.is_empty() && t.len() <= 64)
        .ok_or_else(|| ApiError::invalid("token", "is required: follow the link of the mail"))
}

fn unknown_link() -> ApiError {
    ApiError::NotFound(
        "no alert has this link: it may have been mistyped, or the alert was erased".to_owned(),
    )
}

/// The page of an alert's confirmation link: a button that confirms it.
#[utoipa::path(
    tag = "Alerts",
    params(("token" = String, Query, description = "The token of the confirmation mail's link")),
    responses(
        (status = 200, description = "A page with a button that confirms the alert", content_type = "text/html"),
        (status = 400, description = "No token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No alert has this token", body = Problem, content_type = "application/problem+json"),
        problems::Unavailable,
    )
)]
#[get("/alerts/confirm")]
pub async fn confirm_page(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let token = token_of(req.query_string(), b"")?;
    let mut conn = state.conn().await?;
    let row = store::by_confirm_token(&mut conn, &token)
        .await?
        .ok_or_else(unknown_link)?;
    match row.state.as_str() {
        "pending" => page(
            &req,
            &state,
            "confirm",
            &row.email,
            Some(("/alerts/confirm", &token)),
        ),
        "active" => page(&req, &state, "confirmed", &row.email, None),
        _ => page(&req, &state, "unsubscribed", &row.email, None),
    }
}

/// Confirms an alert (the button of its confirmation page): from now on
/// its address gets mail. A confirmed alert stays so; an ended one is not
/// started again (save a new one).
#[utoipa::path(
    tag = "Alerts",
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`token=…`, the token of the confirmation link"),
    responses(
        (status = 200, description = "A page saying the alert is confirmed (or was ended)", content_type = "text/html"),
        (status = 400, description = "No token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No alert has this token", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The form is larger than 1 KiB", body = Problem, content_type = "application/problem+json"),
        problems::Unavailable,
    )
)]
#[post("/alerts/confirm")]
pub async fn confirm_alert(
    req: HttpRequest,
    state: web::Data<AppState>,
    candidates: web::Data<Candidates>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let form = read_body(&req, payload, 1024).await?;
    let token = token_of(req.query_string(), &form)?;
    let mut conn = state.conn().await?;
    // The plots on offer now, to know which meet the needs already.
    candidates.refresh(&mut conn).await?;
    let row = conn
        .transaction(async |conn| {
            let before = store::by_confirm_token(conn, &token)
                .await?
                .ok_or_else(unknown_link)?;
            let row = store::confirm(conn, before.id).await?;
            if before.state == "pending" && row.state == "active" {
                // What meets the needs already is not news.
                let needs: Needs = serde_json::from_value(row.needs.clone())
                    .map_err(|e| anyhow::anyhow!("stored needs do not parse: {e}"))?;
                let meeting = candidates.meeting(&needs);
                watch::known_at_confirmation(conn, row.id, &meeting).await?;
                // Saved needs are demand, once, when confirmed.
                record::store(conn, Source::Alert, &needs.demand(), meeting.len()).await?;
            }
            Ok::<_, ApiError>(row)
        })
        .await?;
    let key = if row.state == "active" {
        tracing::info!(alert = %row.id, "alert confirmed");
        "confirmed"
    } else {
        "unsubscribed"
    };
    page(&req, &state, key, &row.email, None)
}

/// The page of an alert's unsubscribe link: a button that ends it.
#[utoipa::path(
    tag = "Alerts",
    params(("token" = String, Query, description = "The token of the unsubscribe link, in every mail of the alert")),
    responses(
        (status = 200, description = "A page with a button that ends the alert", content_type = "text/html"),
        (status = 400, description = "No token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No alert has this token", body = Problem, content_type = "application/problem+json"),
        problems::Unavailable,
    )
)]
#[get("/alerts/unsubscribe")]
pub async fn unsubscribe_page(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let token = token_of(req.query_string(), b"")?;
    let mut conn = state.conn().await?;
    let row = store::by_unsubscribe_token(&mut conn, &token)
        .await?
        .ok_or_else(unknown_link)?;
    if row.state == "unsubscribed" {
        return page(&req, &state, "unsubscribed", &row.email, None);
    }
    page(
        &req,
        &state,
        "unsubscribe",
        &row.email,
        Some(("/alerts/unsubscribe", &token)),
    )
}

/// Ends an alert: the button of its unsubscribe page, or a mail client's
/// one-click unsubscribe (RFC 8058: a POST to the link, with
/// `List-Unsubscribe=One-Click`). Its queued mails are dropped.
#[utoipa::path(
    tag = "Alerts",
    params(("token" = Option<String>, Query, description = "The token of the unsubscribe link (or in the form)")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`token=…`, or `List-Unsubscribe=One-Click` with the token in the query"),
    responses(
        (status = 200, description = "A page saying the alert is ended", content_type = "text/html"),
        (status = 400, description = "No token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No alert has this token", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The form is larger than 1 KiB", body = Problem, content_type = "application/problem+json"),
        problems::Unavailable,
    )
)]
#[post("/alerts/unsubscribe")]
pub async fn unsubscribe_alert(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let form = read_body(&req, payload, 1024).await?;
    let token = token_of(req.query_string(), &form)?;
    let mut conn = state.conn().await?;
    let (row, dropped) = conn
        .transaction(async |conn| {
            let row = store::by_unsubscribe_token(conn, &token)
                .await?
                .ok_or_else(unknown_link)?;
            let row = store::unsubscribe(conn, row.id).await?;
            let dropped = outbox::drop_queued_of_alert(conn, row.id).await?;
            Ok::<_, ApiError>((row, dropped))
        })
        .await?;
    tracing::info!(alert = %row.id, dropped, "alert ended");
    page(&req, &state, "unsubscribed", &row.email, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_alert_needs_an_address_and_a_hard_requirement() {
        let good = json!({"email": "kari@eksempel.no",
            "needs": {"land_use": [1340], "required": ["land_use"]}, "lang": "en"});
        let (email, _, lang) = check(&good).unwrap();
        assert_eq!((email.as_str(), lang), ("kari@eksempel.no", Some(Lang::En)));
        let names = |body: &Value| match check(body) {
            Err(ApiError::InvalidBody(errors)) => {
                errors.into_iter().map(|e| e.name).collect::<Vec<_>>()
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(
            names(&json!({"email": "x", "needs": {"land_use": [1340]}, "lang": "de", "colour": 1})),
            ["colour", "email", "needs", "lang"]
        );
        assert_eq!(names(&json!({})), ["email", "needs"]);
        for needs in [
            json!({"land_use": [1340], "required": ["land_use"], "limit": 5}),
            json!({"land_use": [1340], "required": ["colour"]}),
            json!([1340]),
        ] {
            assert_eq!(
                names(&json!({"email": "kari@eksempel.no", "needs": needs})),
                ["needs"],
                "{needs}"
            );
        }
        // A hard place is a hard requirement.
        let place = json!({"email": "kari@eksempel.no", "needs": {"places": [
            {"name": "Site", "lon": 10.2, "lat": 59.74, "max_distance_m": 5000}]}});
        assert!(check(&place).is_ok());
    }

    #[test]
    fn tokens_come_from_the_form_or_the_link() {
        assert_eq!(token_of("token=abc", b"").unwrap(), "abc");
        assert_eq!(token_of("", b"token=def").unwrap(), "def");
        assert_eq!(
            token_of("token=abc", b"List-Unsubscribe=One-Click").unwrap(),
            "abc"
        );
        assert!(token_of("", b"").is_err());
        assert!(token_of(&format!("token={}", "x".repeat(65)), b"").is_err());
    }
}
