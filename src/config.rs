//! Typed configuration, read from the environment once in `main` and passed
//! down explicitly. Every variable is documented in the README's table.

use std::net::SocketAddr;
use std::num::{NonZeroU32, NonZeroUsize};
use std::time::Duration;

use clap::Args;
use secrecy::{ExposeSecret, SecretString};

/// The default database: the local PostgreSQL that `scripts/dev.sh` prepares.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/naeringsareal";

/// Database settings, shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct DbConfig {
    /// PostgreSQL connection URL (the database must allow `CREATE EXTENSION postgis`
    /// or already have it). Never logged.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_default_value = true, hide_env_values = true)]
    pub database_url: SecretString,

    /// Connections in the pool.
    #[arg(long, env = "NAERINGSAREAL_DB_POOL_SIZE", default_value = "16")]
    pub pool_size: NonZeroU32,

    /// How long a request waits for a free connection before it is answered 503.
    #[arg(long = "pool-timeout-ms", env = "NAERINGSAREAL_DB_POOL_TIMEOUT_MS", default_value = "3000", value_parser = parse_millis)]
    pub pool_timeout: Duration,

    /// `statement_timeout` set on every connection: no query runs longer.
    #[arg(long = "statement-timeout-ms", env = "NAERINGSAREAL_DB_STATEMENT_TIMEOUT_MS", default_value = "10000", value_parser = parse_millis)]
    pub statement_timeout: Duration,

    /// A hot standby (read-only replica) for the public read path: items, a
    /// plot, tiles, the HTML pages, site matching and the reserve overview.
    /// Writes and planners' reads go to `DATABASE_URL`. Never logged.
    #[arg(long, env = "NAERINGSAREAL_READ_DATABASE_URL", hide_env_values = true)]
    pub read_database_url: Option<SecretString>,

    /// The replica serves reads while its replay lag is at most this; past
    /// it, and while it is down, reads go to the primary.
    #[arg(long = "replica-max-lag-ms", env = "NAERINGSAREAL_REPLICA_MAX_LAG_MS", default_value = "5000", value_parser = parse_millis)]
    pub replica_max_lag: Duration,

    /// How often the replica's lag is measured.
    #[arg(long = "replica-check-ms", env = "NAERINGSAREAL_REPLICA_CHECK_MS", default_value = "1000", value_parser = parse_millis)]
    pub replica_check: Duration,
}

/// Settings of the HTTP server (`serve`).
#[derive(Debug, Clone, Args)]
pub struct ServerConfig {
    /// Address and port to listen on.
    #[arg(long, env = "NAERINGSAREAL_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Public base URL of the service as clients reach it (e.g. behind a proxy:
    /// `https://kart.example.no/naeringsareal`). Links in responses start with it.
    /// Default: the scheme and host of each request.
    #[arg(long, env = "NAERINGSAREAL_PUBLIC_URL")]
    pub public_url: Option<url::Url>,

    /// HTTP worker threads. Default: one per CPU core.
    #[arg(long, env = "NAERINGSAREAL_WORKERS")]
    pub workers: Option<NonZeroUsize>,

    #[command(flatten)]
    pub api: ApiConfig,
}

/// Settings that shape API answers; part of the app state.
#[derive(Debug, Clone, Args)]
pub struct ApiConfig {
    /// Page size when the request gives no `limit`.
    #[arg(long, env = "NAERINGSAREAL_DEFAULT_LIMIT", default_value = "10")]
    pub default_limit: NonZeroU32,

    /// Largest page the server returns; a larger `limit` (up to 10000) is clamped to it.
    #[arg(long, env = "NAERINGSAREAL_MAX_LIMIT", default_value = "1000")]
    pub max_limit: NonZeroU32,

    /// `numberMatched` is counted exactly up to this many matches; past it the
    /// page leaves `numberMatched` out rather than make every page pay for a
    /// full count. 0 turns counting off. (A page that holds the whole answer
    /// always has it: that count is free.)
    #[arg(long, env = "NAERINGSAREAL_COUNT_LIMIT", default_value = "100")]
    pub count_limit: u32,

    /// Largest body of a single-plot write (POST, PUT, PATCH), in bytes; larger ones get 413.
    #[arg(long, env = "NAERINGSAREAL_MAX_BODY_BYTES", default_value = "1048576")]
    pub max_body_bytes: usize,

    /// Largest body of an import through the API, in bytes; larger ones get 413
    /// (the CLI import has no limit: it streams from the file).
    #[arg(
        long,
        env = "NAERINGSAREAL_MAX_IMPORT_BYTES",
        default_value = "134217728"
    )]
    pub max_import_bytes: usize,

    /// Enquiries one client address may send in a sliding window, as
    /// `COUNT/SECONDS` (e.g. `5/600`: five in ten minutes); `off` for no limit.
    /// Counted in the database, so the limit holds across workers and replicas.
    #[arg(long, env = "NAERINGSAREAL_ENQUIRY_RATE", default_value = "5/600", value_parser = parse_rate)]
    pub enquiry_rate: RateLimit,

    /// Behind a reverse proxy: take the client's address from the last entry
    /// of `X-Forwarded-For` (the one the proxy added) instead of the socket's
    /// peer. Only with a proxy that sets it, or clients could choose their
    /// own address and escape the enquiry rate limit.
    #[arg(long, env = "NAERINGSAREAL_TRUST_FORWARDED")]
    pub trust_forwarded: bool,

    /// The reception's target for a first answer, in working days (Monday
    /// to Friday but Norway's public holidays) after the day an enquiry
    /// arrives: it is due at the end of that day. 1 to 20.
    #[arg(long, env = "NAERINGSAREAL_ANSWER_WORKING_DAYS", default_value = "2", value_parser = clap::value_parser!(u32).range(1..=20))]
    pub answer_working_days: u32,

    /// Days after an enquiry is closed until its personal fields (name,
    /// company, organisation number, e-mail, phone, message, the planners'
    /// notes, the rating's comment, its mails) are erased; the enquiry stays,
    /// anonymous, for the response times and demand. 1 to 3650.
    #[arg(long, env = "NAERINGSAREAL_ENQUIRY_RETENTION_DAYS", default_value = "365", value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub enquiry_retention_days: u32,

    /// Memory for cached vector tiles, in MiB (compressed tiles as served);
    /// 0 turns the tile cache off. A write never leaves a cached tile stale.
    #[arg(long, env = "NAERINGSAREAL_TILE_CACHE_MB", default_value = "128")]
    pub tile_cache_mb: u64,

    /// A raster basemap for the map pages, as an XYZ tile URL template
    /// (`https://…/{z}/{y}/{x}.png`), for deployments with internet; none by
    /// default (the map then needs nothing from any other host). Its host is
    /// added to the pages' Content-Security-Policy.
    #[arg(long, env = "NAERINGSAREAL_BASEMAP_URL", value_parser = parse_basemap)]
    pub basemap_url: Option<String>,

    /// The basemap's attribution, shown on the map (e.g. `© Kartverket`).
    #[arg(long, env = "NAERINGSAREAL_BASEMAP_ATTRIBUTION", default_value = "")]
    pub basemap_attribution: String,

    /// How long the answer to a POST with an `Idempotency-Key` is kept for
    /// its retries, in whole hours (1 to 720); after it the key is new again.
    #[arg(long = "idempotency-ttl-hours", value_name = "HOURS", env = "NAERINGSAREAL_IDEMPOTENCY_TTL_HOURS", default_value = "24", value_parser = parse_hours)]
    pub idempotency_ttl: Duration,
    /// Requests this instance serves at once; past it a request is answered
    /// 503 with `Retry-After` at once instead of queueing (`/health` and
    /// `/metrics` are exempt). The README says why 256.
    #[arg(long, env = "NAERINGSAREAL_MAX_IN_FLIGHT", default_value = "256")]
    pub max_in_flight: NonZeroUsize,

    /// Serve Prometheus metrics at `/metrics` (`on` or `off`).
    #[arg(long, env = "NAERINGSAREAL_METRICS", default_value = "on", value_parser = parse_switch, action = clap::ArgAction::Set)]
    pub metrics: bool,

    /// Origins that web pages on other sites may call the API from (CORS),
    /// comma-separated: `*` lets any site read (GET, HEAD, and the site
    /// matching search) without a key; a named origin
    /// (`https://kart.example.no`) may also write and send an API key.
    /// Empty: no other site.
    #[arg(long, env = "NAERINGSAREAL_CORS_ORIGINS", default_value = "*", value_parser = parse_cors_origins)]
    pub cors_origins: CorsOrigins,

    #[command(flatten)]
    pub mail: MailConfig,
}

/// The mail path: where the notices of new enquiries go, and the SMTP
/// server the outbox is sent through. Without an SMTP URL the outbox still
/// fills (nothing is lost) and nothing is sent.
#[derive(Debug, Clone, Args)]
pub struct MailConfig {
    /// The SMTP server the outbox is sent through, as
    /// `smtp://[user:password@]host[:port]` (port 25 by default), in plain
    /// SMTP: a relay on the same host or network (TLS is not built in).
    /// Unset: mails are queued in the outbox and not sent. Never logged.
    #[arg(long, env = "NAERINGSAREAL_SMTP_URL", hide_env_values = true, value_parser = parse_smtp_url)]
    pub smtp_url: Option<SmtpUrl>,

    /// The sender of every mail, e.g. `Næringsareal <naeringsareal@drammen.kommune.no>`;
    /// needed with `NAERINGSAREAL_SMTP_URL`. Its domain is that of every Message-ID.
    #[arg(long, env = "NAERINGSAREAL_MAIL_FROM", value_parser = parse_mailbox)]
    pub mail_from: Option<lettre::message::Mailbox>,

    /// The planners' address that every new enquiry is announced to (a
    /// shared mailbox of the reception). Unset: only the company's
    /// confirmation is queued.
    #[arg(long, env = "NAERINGSAREAL_RECEPTION_EMAIL", value_parser = parse_email)]
    pub reception_email: Option<String>,

    /// Attempts at a mail before it is given up as `failed` (retried with
    /// exponential backoff in between).
    #[arg(long, env = "NAERINGSAREAL_MAIL_MAX_ATTEMPTS", default_value = "20")]
    pub mail_max_attempts: NonZeroU32,

    /// The wait after a mail's first failed attempt; it doubles with each
    /// further failure, up to an hour.
    #[arg(long = "mail-retry-base-ms", env = "NAERINGSAREAL_MAIL_RETRY_BASE_MS", default_value = "10000", value_parser = parse_millis)]
    pub mail_retry_base: Duration,

    /// How often the sender looks for due mails when the outbox is empty.
    #[arg(long = "mail-poll-ms", env = "NAERINGSAREAL_MAIL_POLL_MS", default_value = "1000", value_parser = parse_millis)]
    pub mail_poll: Duration,

    /// How often the alert watcher reads the plots written since its last
    /// look and judges them against the saved needs.
    #[arg(long = "alert-poll-ms", env = "NAERINGSAREAL_ALERT_POLL_MS", default_value = "200", value_parser = parse_millis)]
    pub alert_poll: Duration,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            smtp_url: None,
            mail_from: None,
            reception_email: None,
            mail_max_attempts: NonZeroU32::new(20).expect("non-zero"),
            mail_retry_base: Duration::from_secs(10),
            mail_poll: Duration::from_secs(1),
            alert_poll: Duration::from_millis(200),
        }
    }
}

/// An SMTP server: `smtp://[user:password@]host[:port]`.
#[derive(Clone)]
pub struct SmtpUrl {
    /// The server's host name or address.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// The user name and password to log in with, if any.
    pub credentials: Option<(String, SecretString)>,
}

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the password.
        f.debug_struct("SmtpUrl")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.credentials.as_ref().map(|(user, _)| user))
            .finish()
    }
}

impl SmtpUrl {
    /// `host:port`, for the log.
    pub fn server(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

fn parse_smtp_url(value: &str) -> Result<SmtpUrl, String> {
    let url = url::Url::parse(value).map_err(|e| format!("not a URL: {e}"))?;
    if url.scheme() != "smtp" {
        return Err(format!(
            "`{}:` is not served: write smtp://[user:password@]host[:port] (plain SMTP to a relay; TLS is not built in)",
            url.scheme()
        ));
    }
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or("has no host: write smtp://host[:port]")?;
    if !matches!(url.path(), "" | "/") || url.query().is_some() || url.fragment().is_some() {
        return Err(
            "must have no path, query or fragment: write smtp://[user:password@]host[:port]"
                .to_owned(),
        );
    }
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let credentials = match (url.username(), url.password()) {
        ("", None) => None,
        (user, Some(password)) if !user.is_empty() => {
            Some((decode(user), SecretString::from(decode(password))))
        }
        _ => return Err("needs both a user and a password, or neither".to_owned()),
    };
    Ok(SmtpUrl {
        // An IPv6 literal comes bracketed; the socket wants it bare.
        host: host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned(),
        port: url.port().unwrap_or(25),
        credentials,
    })
}

fn parse_mailbox(value: &str) -> Result<lettre::message::Mailbox, String> {
    value
        .parse()
        .map_err(|e| format!("`{value}` is not an address like `Name <name@example.no>`: {e}"))
}

fn parse_email(value: &str) -> Result<String, String> {
    let value = value.trim();
    crate::contact::check_email(value).map(|()| value.to_owned())
}

/// `on` or `off`.
fn parse_switch(value: &str) -> Result<bool, String> {
    match value {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(format!("`{value}`: write on or off")),
    }
}

/// The origins that may call the API from other sites' pages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorsOrigins {
    /// Any origin may read (`*`).
    pub any_may_read: bool,
    /// Origins named explicitly (`scheme://host[:port]`), which may also
    /// write and send a key.
    pub named: Vec<String>,
}

impl CorsOrigins {
    /// `*` alone: the default, any site may read.
    pub fn any() -> Self {
        Self {
            any_may_read: true,
            named: vec![],
        }
    }
}

/// `*` and/or origins, comma-separated.
fn parse_cors_origins(value: &str) -> Result<CorsOrigins, String> {
    let mut origins = CorsOrigins::default();
    for item in value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        if item == "*" {
            origins.any_may_read = true;
            continue;
        }
        let url = url::Url::parse(item).map_err(|e| format!("`{item}` is not an origin: {e}"))?;
        let origin = url.origin().ascii_serialization();
        if !matches!(url.scheme(), "http" | "https")
            || origin.trim_end_matches('/') != item.trim_end_matches('/')
        {
            return Err(format!(
                "`{item}` is not an origin: write scheme://host[:port], without a path"
            ));
        }
        origins.named.push(origin);
    }
    Ok(origins)
}

/// A basemap URL template: absolute http(s), with `{z}`, `{x}` and `{y}`.
fn parse_basemap(value: &str) -> Result<String, String> {
    let url = url::Url::parse(value).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must be an http or https URL".to_owned());
    }
    for part in ["{z}", "{x}", "{y}"] {
        if !value.contains(part) {
            return Err(format!("must hold {part} (an XYZ tile template)"));
        }
    }
    Ok(value.to_owned())
}

impl ApiConfig {
    /// The origin of the basemap (for the pages' Content-Security-Policy).
    pub fn basemap_origin(&self) -> Option<String> {
        let url = url::Url::parse(self.basemap_url.as_deref()?).ok()?;
        Some(url.origin().ascii_serialization())
    }
}

/// How many requests of a kind one client may make in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimit {
    /// No limit.
    Off,
    /// At most `max` in any `window`.
    Every { max: NonZeroU32, window: Duration },
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            default_limit: NonZeroU32::new(10).expect("non-zero"),
            max_limit: NonZeroU32::new(1000).expect("non-zero"),
            count_limit: 100,
            max_body_bytes: 1 << 20,
            max_import_bytes: 128 << 20,
            enquiry_rate: RateLimit::Every {
                max: NonZeroU32::new(5).expect("non-zero"),
                window: Duration::from_secs(600),
            },
            trust_forwarded: false,
            answer_working_days: 2,
            enquiry_retention_days: 365,
            tile_cache_mb: 128,
            basemap_url: None,
            basemap_attribution: String::new(),
            idempotency_ttl: Duration::from_secs(24 * 3600),
            max_in_flight: NonZeroUsize::new(256).expect("non-zero"),
            metrics: true,
            cors_origins: CorsOrigins::any(),
            mail: MailConfig::default(),
        }
    }
}

impl DbConfig {
    /// A configuration for tests and tools: the given URL with small, safe defaults.
    pub fn for_url(url: &str) -> Self {
        Self {
            database_url: SecretString::from(url.to_owned()),
            pool_size: NonZeroU32::new(4).expect("non-zero"),
            pool_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(30),
            read_database_url: None,
            replica_max_lag: Duration::from_secs(5),
            replica_check: Duration::from_secs(1),
        }
    }

    /// The URL, for the one place that opens connections.
    pub(crate) fn url(&self) -> &str {
        self.database_url.expose_secret()
    }

    /// The replica's URL, if one is configured.
    pub(crate) fn read_url(&self) -> Option<&str> {
        self.read_database_url.as_ref().map(|u| u.expose_secret())
    }
}

fn parse_millis(s: &str) -> Result<Duration, String> {
    s.parse::<u64>()
        .map(Duration::from_millis)
        .map_err(|_| format!("`{s}` is not a whole number of milliseconds"))
}

fn parse_hours(s: &str) -> Result<Duration, String> {
    match s.parse::<u64>() {
        Ok(hours @ 1..=720) => Ok(Duration::from_secs(hours * 3600)),
        _ => Err(format!(
            "`{s}` is not a whole number of hours from 1 to 720 (30 days)"
        )),
    }
}

fn parse_rate(s: &str) -> Result<RateLimit, String> {
    if s == "off" {
        return Ok(RateLimit::Off);
    }
    let wrong = || format!("`{s}` is not a rate: write COUNT/SECONDS, e.g. 5/600, or off");
    let (max, secs) = s.split_once('/').ok_or_else(wrong)?;
    let max = max.trim().parse::<NonZeroU32>().map_err(|_| wrong())?;
    let secs = secs.trim().parse::<u64>().map_err(|_| wrong())?;
    if !(1..=7 * 86_400).contains(&secs) {
        return Err(format!(
            "`{s}`: the window must be 1 second to 7 days (604800)"
        ));
    }
    Ok(RateLimit::Every {
        max,
        window: Duration::from_secs(secs),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_is_not_printed_by_debug() {
        let config = DbConfig::for_url("postgres://user:hunter2@db/x");
        let printed = format!("{config:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
    }

    #[test]
    fn millis_parse_or_explain() {
        assert_eq!(parse_millis("250"), Ok(Duration::from_millis(250)));
        assert!(parse_millis("2s").unwrap_err().contains("milliseconds"));
    }

    #[test]
    fn hours_parse_or_explain() {
        assert_eq!(parse_hours("24"), Ok(Duration::from_secs(86_400)));
        assert_eq!(
            ApiConfig::default().idempotency_ttl,
            parse_hours("24").unwrap()
        );
        for bad in ["0", "721", "1.5", "24h", ""] {
            assert!(parse_hours(bad).unwrap_err().contains("hours"), "{bad}");
        }
    }

    #[test]
    fn switches_are_on_or_off() {
        assert_eq!(parse_switch("on"), Ok(true));
        assert_eq!(parse_switch("off"), Ok(false));
        assert!(parse_switch("yes").unwrap_err().contains("on or off"));
    }

    #[test]
    fn rates_parse_or_explain() {
        assert_eq!(
            parse_rate("5/600"),
            Ok(RateLimit::Every {
                max: NonZeroU32::new(5).unwrap(),
                window: Duration::from_secs(600)
            })
        );
        assert_eq!(parse_rate("off"), Ok(RateLimit::Off));
        assert_eq!(
            ApiConfig::default().enquiry_rate,
            parse_rate("5/600").unwrap()
        );
        for bad in ["0/600", "5", "5/0", "five/600", "5/10m"] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn smtp_urls_parse_or_explain() {
        let plain = parse_smtp_url("smtp://127.0.0.1:2525").unwrap();
        assert_eq!((plain.host.as_str(), plain.port), ("127.0.0.1", 2525));
        assert!(plain.credentials.is_none());
        let with_login = parse_smtp_url("smtp://kari%40x:hemm%2Felig@relay.example.no").unwrap();
        assert_eq!(with_login.port, 25);
        let (user, password) = with_login.credentials.clone().unwrap();
        assert_eq!(
            (user.as_str(), password.expose_secret()),
            ("kari@x", "hemm/elig")
        );
        assert!(!format!("{with_login:?}").contains("hemm"));
        assert_eq!(parse_smtp_url("smtp://[::1]:25").unwrap().host, "::1");
        for bad in [
            "smtps://relay.example.no",
            "relay.example.no:25",
            "smtp://relay.example.no/x",
            "smtp://user@relay.example.no",
        ] {
            assert!(parse_smtp_url(bad).is_err(), "{bad}");
        }
        assert!(parse_mailbox("Næringsareal <naeringsareal@drammen.kommune.no>").is_ok());
        assert!(parse_mailbox("not an address").is_err());
        assert_eq!(
            parse_email(" post@drammen.kommune.no ").unwrap(),
            "post@drammen.kommune.no"
        );
        assert!(parse_email("post").is_err());
    }

    #[test]
    fn cors_origins_parse_or_explain() {
        assert_eq!(parse_cors_origins("*"), Ok(CorsOrigins::any()));
        assert_eq!(parse_cors_origins(""), Ok(CorsOrigins::default()));
        assert_eq!(
            parse_cors_origins("*, https://kart.example.no, http://localhost:3000/"),
            Ok(CorsOrigins {
                any_may_read: true,
                named: vec![
                    "https://kart.example.no".to_owned(),
                    "http://localhost:3000".to_owned()
                ],
            })
        );
        for bad in [
            "kart.example.no",
            "https://kart.example.no/map",
            "ftp://x.no",
        ] {
            assert!(
                parse_cors_origins(bad)
                    .unwrap_err()
                    .contains("not an origin"),
                "{bad}"
            );
        }
    }
}
