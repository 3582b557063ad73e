//! JSON or HTML: `f` wins over `Accept` (OGC API – Features Part 1, 7.8).
//! A browser's `Accept` names `text/html` first; GIS clients ask for JSON
//! or for anything (`*/*`), and get JSON.

use actix_web::HttpRequest;
use actix_web::http::header;

/// The form of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Json,
    Html,
}

/// Which form `req` asks for: `f=html` or `f=<anything else>` decides;
/// without `f`, HTML when `Accept` prefers `text/html` to every JSON type.
/// Notes that the answer varies with `Accept`.
pub fn form(req: &HttpRequest) -> Form {
    crate::http::cache::vary_on(req, header::ACCEPT);
    asked_form(req)
}

/// The form `req` asks for, as [`form`], without noting that the answer
/// varies with `Accept` (for error pages: every error answer does).
pub fn asked_form(req: &HttpRequest) -> Form {
    let f = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(name, _)| name == "f")
        .map(|(_, value)| value.into_owned());
    match f.as_deref() {
        Some("html") => Form::Html,
        Some(_) => Form::Json,
        None => from_accept(
            req.headers()
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or(""),
        ),
    }
}

/// HTML when `text/html` (or `application/xhtml+xml`) is named with a
/// quality above 0 and at least that of any JSON type named.
fn from_accept(accept: &str) -> Form {
    let mut html = 0.0_f32;
    let mut json = 0.0_f32;
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match media.as_str() {
            "text/html" | "application/xhtml+xml" => html = html.max(q),
            m if m.ends_with("json") => json = json.max(q),
            _ => {}
        }
    }
    if html > 0.0 && html >= json {
        Form::Html
    } else {
        Form::Json
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn browsers_get_html_and_clients_json() {
        let firefox = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert_eq!(from_accept(firefox), Form::Html);
        assert_eq!(from_accept("*/*"), Form::Json);
        assert_eq!(from_accept(""), Form::Json);
        assert_eq!(
            from_accept("application/geo+json, application/json;q=0.9"),
            Form::Json
        );
        assert_eq!(from_accept("application/json, text/html;q=0.5"), Form::Json);
        assert_eq!(from_accept("text/html;q=0"), Form::Json);
    }

    #[test]
    fn f_wins_over_accept() {
        let req = TestRequest::get()
            .uri("/?f=json")
            .insert_header((header::ACCEPT, "text/html"))
            .to_http_request();
        assert_eq!(form(&req), Form::Json);
        let req = TestRequest::get()
            .uri("/?f=html")
            .insert_header((header::ACCEPT, "application/json"))
            .to_http_request();
        assert_eq!(form(&req), Form::Html);
    }
}
