//! The sender: a background task that takes due mails from the outbox and
//! sends them through SMTP (`lettre`), one at a time.
//!
//! Each mail is taken, sent and marked in one short transaction of its
//! own: `take_due` locks the row (`FOR UPDATE SKIP LOCKED`, so another
//! sender, in this instance or another, skips it and no mail is sent by two
//! senders), the mail goes to the SMTP server, and the row is marked `sent`
//! and committed at once. If the process dies after the server took the
//! mail and before the commit, the lock goes with the connection and the
//! mail is sent again: delivery is *at least once*, and the window is the
//! time between the server's `250` and the commit (a round trip to the
//! database). The repeat carries the same `Message-ID` (`<id@domain>`, the
//! outbox row's id) and `Date`, so mail clients and archives can tell it
//! is one mail.
//!
//! A failed attempt is counted and the mail tried again after
//! `retry_base × 2^(attempts − 1)`, at most an hour; after `max_attempts`
//! attempts, or at once when the server refuses it for good (a `5xx`
//! answer: no retry would change it), the mail is `failed`, with the
//! server's last answer in `last_error`, for planners to see at
//! `GET /outbox?state=failed` and in `/metrics`. While the server fails,
//! the sender also pauses between mails (by the same doubling, at most
//! 30 s), so that an outage costs each waiting mail few attempts and is
//! noticed within 30 s when it ends.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use diesel_async::AsyncConnection;
use lettre::message::Mailbox;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::outbox::{self, MailRow};
use crate::config::{MailConfig, SmtpUrl};
use crate::db::DbPool;

/// The longest wait before a mail's next attempt.
pub const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// The longest pause of the sender after a failure.
pub const MAX_PAUSE: Duration = Duration::from_secs(30);

/// What the sender needs.
#[derive(Debug, Clone)]
pub struct SenderSettings {
    /// The SMTP server.
    pub smtp: SmtpUrl,
    /// The sender of every mail.
    pub from: Mailbox,
    /// Attempts before a mail is given up.
    pub max_attempts: u32,
    /// The wait after a first failed attempt (it doubles).
    pub retry_base: Duration,
    /// How often the outbox is looked at when nothing is due.
    pub poll: Duration,
    /// How long one SMTP command may take.
    pub timeout: Duration,
}

impl SenderSettings {
    /// The sender's settings from the configuration: `None` when no SMTP
    /// server is configured (mails are queued, not sent); an error when
    /// one is, but no sender address.
    pub fn from_config(config: &MailConfig) -> anyhow::Result<Option<Self>> {
        let Some(smtp) = config.smtp_url.clone() else {
            return Ok(None);
        };
        let from = config.mail_from.clone().ok_or_else(|| {
            anyhow::anyhow!(
                "NAERINGSAREAL_SMTP_URL is set but NAERINGSAREAL_MAIL_FROM is not: \
                 set the sender of the mails, e.g. `Næringsareal <naeringsareal@drammen.kommune.no>`"
            )
        })?;
        Ok(Some(Self {
            smtp,
            from,
            max_attempts: config.mail_max_attempts.get(),
            retry_base: config.mail_retry_base,
            poll: config.mail_poll,
            timeout: Duration::from_secs(30),
        }))
    }
}

/// What the senders of this instance have done, for `/metrics`.
#[derive(Debug, Default)]
pub struct MailStats {
    sent: AtomicU64,
    retries: AtomicU64,
    failed: AtomicU64,
}

impl MailStats {
    /// Mails the SMTP server took.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Failed attempts after which the mail was queued again.
    pub fn retries(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }

    /// Mails given up: refused for good, or out of attempts.
    pub fn failed(&self) -> u64 {
        self.failed.load(Ordering::Relaxed)
    }
}

/// A running sender.
pub struct Sender {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Sender {
    /// Stops the sender after the mail under way, if any, is sent and
    /// marked; returns when it has stopped.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "the mail sender ended abnormally");
        }
    }
}

/// Starts a sender on `pool`'s outbox.
pub fn start(pool: DbPool, settings: SenderSettings, stats: Arc<MailStats>) -> Sender {
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(run(pool, settings, stats, stopped));
    Sender { stop, task }
}

/// The wait before attempt `attempts + 1` after `attempts` failures
/// (`attempts` ≥ 1): `base × 2^(attempts − 1)`, at most [`MAX_BACKOFF`].
pub fn backoff(base: Duration, attempts: u32) -> Duration {
    let factor = 1u32 << attempts.saturating_sub(1).min(20);
    base.saturating_mul(factor).min(MAX_BACKOFF)
}

/// What one turn of the sender did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Turn {
    /// Nothing was due.
    Idle,
    /// A mail was sent.
    Sent,
    /// An attempt failed; the mail waits for its next one.
    Deferred,
    /// A mail was given up: refused for good by the server (which is up),
    /// or it cannot be written.
    Refused,
    /// A mail was given up after its last attempt failed.
    GaveUp,
}

async fn run(
    pool: DbPool,
    settings: SenderSettings,
    stats: Arc<MailStats>,
    mut stopped: watch::Receiver<bool>,
) {
    let transport = transport(&settings);
    tracing::info!(
        smtp = %settings.smtp.server(),
        from = %settings.from,
        max_attempts = settings.max_attempts,
        "mail sender started"
    );
    let mut failures = 0u32;
    while !*stopped.borrow() {
        let pause = match turn(&pool, &transport, &settings).await {
            Ok(Turn::Sent) => {
                stats.sent.fetch_add(1, Ordering::Relaxed);
                failures = 0;
                continue;
            }
            Ok(Turn::Refused) => {
                stats.failed.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            Ok(Turn::GaveUp) => {
                stats.failed.fetch_add(1, Ordering::Relaxed);
                failures += 1;
                backoff(settings.retry_base, failures).min(MAX_PAUSE)
            }
            Ok(Turn::Deferred) => {
                stats.retries.fetch_add(1, Ordering::Relaxed);
                failures += 1;
                backoff(settings.retry_base, failures).min(MAX_PAUSE)
            }
            Ok(Turn::Idle) => settings.poll,
            Err(e) => {
                tracing::warn!(error = %e, "the mail sender could not reach the outbox");
                settings.poll.max(Duration::from_secs(1))
            }
        };
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            changed = stopped.changed() => if changed.is_err() { break },
        }
    }
    tracing::info!("mail sender stopped");
}

/// Takes the mail due longest, sends it and marks it, in one transaction.
async fn turn(
    pool: &DbPool,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    settings: &SenderSettings,
) -> anyhow::Result<Turn> {
    let mut conn = pool.get().await?;
    let turn = conn
        .transaction(async |conn| {
            let Some(mail) = outbox::take_due(conn).await? else {
                return Ok::<_, diesel::result::Error>(Turn::Idle);
            };
            let message = match build(&mail, &settings.from) {
                Ok(message) => message,
                Err(reason) => {
                    tracing::warn!(mail = %mail.id, %reason, "mail given up: it cannot be written");
                    outbox::mark_failed(conn, mail.id, &reason).await?;
                    return Ok(Turn::Refused);
                }
            };
            match transport.send(message).await {
                Ok(_) => {
                    outbox::mark_sent(conn, mail.id).await?;
                    tracing::info!(mail = %mail.id, kind = %mail.kind, attempts = mail.attempts + 1, "mail sent");
                    Ok(Turn::Sent)
                }
                Err(e) => {
                    let attempts = u32::try_from(mail.attempts).unwrap_or(0) + 1;
                    let error = e.to_string();
                    if e.is_permanent() {
                        tracing::warn!(mail = %mail.id, attempts, %error, "mail refused for good");
                        outbox::mark_failed(conn, mail.id, &error).await?;
                        Ok(Turn::Refused)
                    } else if attempts >= settings.max_attempts {
                        tracing::warn!(mail = %mail.id, attempts, %error, "mail given up after its last attempt");
                        outbox::mark_failed(conn, mail.id, &error).await?;
                        Ok(Turn::GaveUp)
                    } else {
                        let after = backoff(settings.retry_base, attempts);
                        tracing::info!(mail = %mail.id, attempts, retry_in_s = after.as_secs_f64(), %error, "mail not sent; will retry");
                        outbox::mark_retry(conn, mail.id, after, &error).await?;
                        Ok(Turn::Deferred)
                    }
                }
            }
        })
        .await?;
    Ok(turn)
}

fn transport(settings: &SenderSettings) -> AsyncSmtpTransport<Tokio1Executor> {
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.smtp.host)
        .port(settings.smtp.port)
        .timeout(Some(settings.timeout));
    if let Some((user, password)) = &settings.smtp.credentials {
        builder = builder.credentials(Credentials::new(
            user.clone(),
            password.expose_secret().to_owned(),
        ));
    }
    builder.build()
}

/// The Message-ID of the outbox row `id`: the same at every attempt.
pub fn message_id(id: Uuid, from: &Mailbox) -> String {
    format!("<{id}@{}>", from.email.domain())
}

/// The mail of an outbox row.
fn build(mail: &MailRow, from: &Mailbox) -> Result<Message, String> {
    let address = |a: &str| {
        a.parse::<Mailbox>()
            .map_err(|e| format!("`{a}` is not an address: {e}"))
    };
    let mut builder = Message::builder()
        .message_id(Some(message_id(mail.id, from)))
        .date(SystemTime::from(mail.created_at))
        .from(from.clone())
        .to(address(&mail.recipient)?)
        .subject(mail.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .header(ContentLanguage(mail.lang.clone()))
        .header(AutoSubmitted);
    if let Some(reply_to) = &mail.reply_to {
        builder = builder.reply_to(address(reply_to)?);
    }
    if let Some(url) = &mail.list_unsubscribe {
        // RFC 2369, and RFC 8058's one click (a POST to the same URL).
        builder = builder
            .header(ListUnsubscribe(format!("<{url}>")))
            .header(ListUnsubscribePost);
    }
    builder
        .body(mail.body.clone())
        .map_err(|e| format!("the mail cannot be written: {e}"))
}

/// `Content-Language` (RFC 3282): the mail's language.
#[derive(Debug, Clone)]
struct ContentLanguage(String);

impl Header for ContentLanguage {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Content-Language")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.trim().to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe: <url>` (RFC 2369).
#[derive(Debug, Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.trim().to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
#[derive(Debug, Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): no vacation replies, please.
#[derive(Debug, Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let base = Duration::from_secs(10);
        assert_eq!(backoff(base, 1), Duration::from_secs(10));
        assert_eq!(backoff(base, 2), Duration::from_secs(20));
        assert_eq!(backoff(base, 5), Duration::from_secs(160));
        assert_eq!(backoff(base, 10), MAX_BACKOFF);
        assert_eq!(backoff(base, 1000), MAX_BACKOFF);
        assert_eq!(backoff(base, 0), Duration::from_secs(10));
    }

    #[test]
    fn a_mail_has_a_stable_message_id_and_its_headers() {
        let from: Mailbox = "Næringsareal <naeringsareal@drammen.kommune.no>"
            .parse()
            .unwrap();
        let id = Uuid::new_v4();
        let row = MailRow {
            id,
            kind: "enquiry_confirmation".into(),
            enquiry_id: None,
            recipient: "kari@eksempel.no".into(),
            reply_to: Some("post@drammen.kommune.no".into()),
            lang: "nb".into(),
            subject: "Vi har mottatt henvendelsen din (HEN-000001)".into(),
            body: "Hei Kari,\n\nreferansenummeret HEN-000001.\n".into(),
            state: "queued".into(),
            attempts: 2,
            next_attempt_at: chrono::Utc::now(),
            last_error: None,
            created_at: chrono::Utc::now(),
            sent_at: None,
            list_unsubscribe: Some("http://127.0.0.1:8080/alerts/unsubscribe?token=abc".into()),
        };
        let text = String::from_utf8(build(&row, &from).unwrap().formatted()).unwrap();
        let expected_id = format!("Message-ID: <{id}@drammen.kommune.no>");
        assert!(text.contains(&expected_id), "{text}");
        // Built again (a retry), the same id and date.
        let again = String::from_utf8(build(&row, &from).unwrap().formatted()).unwrap();
        let date = |t: &str| {
            t.lines()
                .find(|l| l.starts_with("Date:"))
                .map(str::to_owned)
        };
        assert_eq!(date(&text), date(&again));
        for header in [
            "Content-Language: nb",
            "Auto-Submitted: auto-generated",
            "Reply-To: post@drammen.kommune.no",
            "To: kari@eksempel.no",
            "List-Unsubscribe: <http://127.0.0.1:8080/alerts/unsubscribe?token=abc>",
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
        ] {
            assert!(text.contains(header), "{header} in {text}");
        }
        let bad = MailRow {
            recipient: "not an address".into(),
            ..row
        };
        assert!(build(&bad, &from).unwrap_err().contains("not an address"));
    }
}
