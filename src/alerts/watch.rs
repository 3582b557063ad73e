//! The watcher: a background task that tells active alerts of plots that
//! came to meet their hard requirements, after the write that did it has
//! committed, so that no write waits for it.
//!
//! Every `poll` it reads the plots written since its last look from the
//! change feed ([`crate::plots::changes`], as site matching's copy does),
//! judges each plot on offer against every active alert's hard
//! requirements with site matching's own logic ([`Needs::score`]), and
//! records the pairs in `alert_matches`: a new pair is news, a pair whose
//! plot no longer meets them (it was reserved, sold, changed) goes, so
//! that meeting them again is news again. Then every active alert with
//! news whose last digest is a day old or more (or that has had none) gets
//! one digest mail through the outbox, naming each plot, with a link to it
//! and why it fits. Alerts are taken with `FOR UPDATE SKIP LOCKED`, so two
//! instances never send one digest twice.
//!
//! Its first look, at start (and after a failover, when the feed must be
//! read in full), only sets where it stands: what changed while no
//! watcher ran is not news. The active alerts' needs are held parsed and
//! prepared, and read again only when the set of active alerts changed.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::db::DbPool;
use crate::error::ApiError;
use crate::html::i18n::Lang;
use crate::mail::outbox::{self, NewMail};
use crate::mail::templates::{self, DigestPlot};
use crate::mail::wire::MailKind;
use crate::matching::candidate::{COLUMNS, Candidate, CandidateRow};
use crate::matching::candidates::ON_OFFER;
use crate::matching::needs::{Fit, Needs, Prepared};
use crate::plots::changes::{Look, Looked, Mark, read_since};

/// At most one digest per alert in this long.
pub const DIGEST_EVERY: Duration = Duration::from_secs(24 * 3600);

/// Digests made in one transaction.
const DIGESTS_PER_TURN: i64 = 2000;

/// How often a turn without new matches looks for digests due anyway
/// (news held back by the day's limit), by default.
const DIGEST_LOOK_EVERY: Duration = Duration::from_secs(60);

/// An active alert, ready to judge plots.
struct Watched {
    id: Uuid,
    needs: Needs,
    prepared: Prepared,
}

/// What tells whether the set of active alerts changed.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
struct Signature {
    #[diesel(sql_type = BigInt)]
    active: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    confirmed: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    ended: Option<DateTime<Utc>>,
}

/// The watcher's state between turns.
pub struct Watcher {
    base: String,
    mark: Option<Mark>,
    alerts: Vec<Watched>,
    signature: Option<Signature>,
    /// When the digests due were last looked for, and how often to.
    digests_looked: Option<std::time::Instant>,
    digest_look_every: Duration,
}

/// What one turn did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Turn {
    /// Plots written since the last look.
    pub plots: usize,
    /// New (alert, plot) pairs recorded.
    pub matched: usize,
    /// Digests queued.
    pub digests: usize,
}

impl Watcher {
    /// A watcher whose mails link to `base` (the service's public URL).
    pub fn new(base: impl Into<String>) -> Self {
        Self {
            base: base.into().trim_end_matches('/').to_owned(),
            mark: None,
            alerts: Vec::new(),
            signature: None,
            digests_looked: None,
            digest_look_every: DIGEST_LOOK_EVERY,
        }
    }

    /// This watcher, looking for digests held back by the day's limit as
    /// often as `every` (a minute by default).
    pub fn looking_for_digests_every(mut self, every: Duration) -> Self {
        self.digest_look_every = every;
        self
    }

    /// One turn: the plots written since the last look are judged, and
    /// the digests due are queued.
    pub async fn turn(&mut self, conn: &mut AsyncPgConnection) -> Result<Turn, ApiError> {
        let mut turn = Turn::default();
        let select = format!("{}, ({ON_OFFER}) AS on_offer", COLUMNS.as_str());
        let look = Look {
            select: &select,
            first: ON_OFFER,
        };
        let mut changed: Vec<(Uuid, Option<Candidate>)> = Vec::new();
        let first = self.mark.is_none();
        let looked = read_since(
            conn,
            self.mark.as_ref(),
            &look,
            |row: CandidateRow, full| {
                if !full {
                    changed.push((row.id, row.on_offer.then(|| Candidate::from(&row))));
                }
            },
        )
        .await?;
        self.mark = match looked {
            Looked::Behind => return Ok(turn),
            Looked::Full(mark) | Looked::Changes(mark) => Some(mark),
        };
        if first {
            return Ok(turn);
        }
        turn.plots = changed.len();
        if !changed.is_empty() {
            let started = std::time::Instant::now();
            self.load_alerts(conn).await?;
            turn.matched = self.record(conn, &changed).await?;
            tracing::debug!(
                plots = turn.plots,
                matched = turn.matched,
                ms = started.elapsed().as_millis() as u64,
                "alerts: written plots judged and their matches recorded"
            );
        }
        // Digests are due when this turn found news, or when news held back
        // by the day's limit may have come due: looked for once a minute.
        let look = turn.matched > 0
            || self
                .digests_looked
                .is_none_or(|at| at.elapsed() >= self.digest_look_every);
        if look {
            turn.digests = self.digests(conn).await?;
            self.digests_looked = Some(std::time::Instant::now());
        }
        Ok(turn)
    }

    /// Reads the active alerts again if they changed.
    async fn load_alerts(&mut self, conn: &mut AsyncPgConnection) -> Result<(), ApiError> {
        let signature: Signature = diesel::sql_query(
            "SELECT count(*) FILTER (WHERE state = 'active') AS active, \
                    max(confirmed_at) AS confirmed, max(unsubscribed_at) AS ended FROM alerts",
        )
        .get_result(conn)
        .await?;
        if self.signature.as_ref() == Some(&signature) {
            return Ok(());
        }
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Uuid)]
            id: Uuid,
            #[diesel(sql_type = diesel::sql_types::Jsonb)]
            needs: serde_json::Value,
        }
        let rows: Vec<Row> =
            diesel::sql_query("SELECT id, needs FROM alerts WHERE state = 'active'")
                .load(conn)
                .await?;
        self.alerts = rows
            .into_iter()
            .filter_map(|row| {
                // Checked when saved; one that no longer parses is skipped.
                let needs: Needs = serde_json::from_value(row.needs).ok()?;
                let prepared = needs.prepare();
                Some(Watched {
                    id: row.id,
                    needs,
                    prepared,
                })
            })
            .collect();
        self.signature = Some(signature);
        Ok(())
    }

    /// Records which alerts the `changed` plots meet now: new pairs are
    /// made (to tell), pairs no longer met go. How many are new.
    async fn record(
        &self,
        conn: &mut AsyncPgConnection,
        changed: &[(Uuid, Option<Candidate>)],
    ) -> Result<usize, ApiError> {
        let (mut alerts, mut plots) = (Vec::new(), Vec::new());
        for (plot_id, candidate) in changed {
            let Some(candidate) = candidate else { continue };
            for alert in &self.alerts {
                let fit = alert
                    .needs
                    .score(candidate, &alert.prepared, f64::NEG_INFINITY);
                if fit != Fit::Missed {
                    alerts.push(alert.id);
                    plots.push(*plot_id);
                }
            }
        }
        let changed_ids: Vec<Uuid> = changed.iter().map(|(id, _)| *id).collect();
        let new = conn
            .transaction(async |conn| {
                diesel::sql_query(
                    "DELETE FROM alert_matches m WHERE m.plot_id = ANY($1) \
                     AND (m.alert_id, m.plot_id) NOT IN (SELECT * FROM unnest($2::uuid[], $3::uuid[]))",
                )
                .bind::<Array<diesel::sql_types::Uuid>, _>(&changed_ids)
                .bind::<Array<diesel::sql_types::Uuid>, _>(&alerts)
                .bind::<Array<diesel::sql_types::Uuid>, _>(&plots)
                .execute(conn)
                .await?;
                // Only alerts still active (one may have ended since it was read).
                diesel::sql_query(
                    "INSERT INTO alert_matches (alert_id, plot_id) \
                     SELECT n.alert_id, n.plot_id FROM unnest($1::uuid[], $2::uuid[]) AS n(alert_id, plot_id) \
                     JOIN alerts a ON a.id = n.alert_id AND a.state = 'active' \
                     ON CONFLICT DO NOTHING",
                )
                .bind::<Array<diesel::sql_types::Uuid>, _>(&alerts)
                .bind::<Array<diesel::sql_types::Uuid>, _>(&plots)
                .execute(conn)
                .await
            })
            .await?;
        Ok(new)
    }

    /// Queues the digests due: every active alert with news whose last
    /// digest is [`DIGEST_EVERY`] old or more, [`DIGESTS_PER_TURN`] in a
    /// transaction. How many.
    async fn digests(&self, conn: &mut AsyncPgConnection) -> Result<usize, ApiError> {
        let mut queued = 0;
        loop {
            let (due, made) = self.digest_batch(conn).await?;
            queued += made;
            if due < DIGESTS_PER_TURN as usize {
                return Ok(queued);
            }
        }
    }

    /// One transaction of [`Self::digests`]: how many alerts were due, and
    /// how many digests were queued.
    async fn digest_batch(&self, conn: &mut AsyncPgConnection) -> Result<(usize, usize), ApiError> {
        let base = self.base.clone();
        let started = std::time::Instant::now();
        let mut steps: Vec<(&str, u128)> = Vec::new();
        let mut mark = |step: &'static str| steps.push((step, started.elapsed().as_millis()));
        let result = conn.transaction(async |conn| {
            #[derive(QueryableByName)]
            struct Due {
                #[diesel(sql_type = diesel::sql_types::Uuid)]
                id: Uuid,
                #[diesel(sql_type = Text)]
                email: String,
                #[diesel(sql_type = Text)]
                lang: String,
                #[diesel(sql_type = Text)]
                unsubscribe_token: String,
                #[diesel(sql_type = diesel::sql_types::Jsonb)]
                needs: serde_json::Value,
            }
            let due: Vec<Due> = diesel::sql_query(
                "SELECT a.id, a.email, a.lang, a.unsubscribe_token, a.needs FROM alerts a \
                 WHERE a.state = 'active' \
                   AND (a.last_digest_at IS NULL OR a.last_digest_at <= now() - make_interval(secs => $1)) \
                   AND EXISTS (SELECT 1 FROM alert_matches m WHERE m.alert_id = a.id AND m.notified_at IS NULL) \
                 ORDER BY a.id LIMIT $2 FOR UPDATE OF a SKIP LOCKED",
            )
            .bind::<diesel::sql_types::Double, _>(DIGEST_EVERY.as_secs_f64())
            .bind::<BigInt, _>(DIGESTS_PER_TURN)
            .load(conn)
            .await?;
            if due.is_empty() {
                return Ok::<_, ApiError>((0, 0));
            }
            mark("due");
            let ids: Vec<Uuid> = due.iter().map(|d| d.id).collect();
            #[derive(QueryableByName)]
            struct News {
                #[diesel(sql_type = diesel::sql_types::Uuid)]
                alert_id: Uuid,
                #[diesel(sql_type = diesel::sql_types::Uuid)]
                plot_id: Uuid,
            }
            let news: Vec<News> = diesel::sql_query(
                "SELECT alert_id, plot_id FROM alert_matches \
                 WHERE alert_id = ANY($1) AND notified_at IS NULL ORDER BY matched_at, plot_id",
            )
            .bind::<Array<diesel::sql_types::Uuid>, _>(&ids)
            .load(conn)
            .await?;
            let plot_ids: Vec<Uuid> = news
                .iter()
                .map(|n| n.plot_id)
                .collect::<HashSet<_>>()
                .into_iter()
                .collect();
            let plots = plots_of(conn, &plot_ids).await?;
            mark("news and plots");
            let mut by_alert: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
            for n in &news {
                by_alert.entry(n.alert_id).or_default().push(n.plot_id);
            }
            // The needs as held (parsed once when the alerts were read), or
            // parsed now for an alert that came since.
            let held: HashMap<Uuid, &Needs> = self.alerts.iter().map(|a| (a.id, &a.needs)).collect();
            let mut parsed: Option<Needs>;
            let mut rendered = Vec::with_capacity(due.len());
            for alert in &due {
                let needs = match held.get(&alert.id) {
                    Some(needs) => *needs,
                    None => {
                        parsed = serde_json::from_value::<Needs>(alert.needs.clone()).ok();
                        match &parsed {
                            Some(needs) => needs,
                            None => continue,
                        }
                    }
                };
                let lang = Lang::parse(&alert.lang).unwrap_or(Lang::Nb);
                let listed: Vec<DigestPlot> = by_alert
                    .get(&alert.id)
                    .into_iter()
                    .flatten()
                    .filter_map(|id| plots.get(id).map(|p| (id, p)))
                    .map(|(id, (reference, name, candidate))| {
                        let (_, reasons) = needs.assess(candidate, lang);
                        DigestPlot {
                            reference: reference.clone(),
                            name: name.clone(),
                            link: format!("{base}/collections/plots/items/{id}?f=html"),
                            reasons: reasons.into_iter().map(|r| (r.met, r.detail)).collect(),
                        }
                    })
                    .collect();
                if listed.is_empty() {
                    continue;
                }
                let unsubscribe = super::store::unsubscribe_link(&base, &alert.unsubscribe_token);
                let mail = templates::alert_digest(lang, &listed, &format!("{base}/map"), &unsubscribe);
                rendered.push((alert, lang, mail, unsubscribe));
            }
            mark("rendered");
            // Chunks: a statement takes at most 65,535 parameters.
            for chunk in rendered.chunks(500) {
                let mails: Vec<NewMail<'_>> = chunk
                    .iter()
                    .map(|(alert, lang, mail, unsubscribe)| NewMail {
                        kind: MailKind::AlertDigest,
                        enquiry_id: None,
                        recipient: &alert.email,
                        reply_to: None,
                        lang: *lang,
                        subject: mail.subject.clone(),
                        body: mail.body.clone(),
                        alert_id: Some(alert.id),
                        list_unsubscribe: Some(unsubscribe.clone()),
                    })
                    .collect();
                outbox::queue(conn, &mails).await?;
            }
            mark("queued");
            diesel::sql_query(
                "UPDATE alert_matches SET notified_at = now() WHERE alert_id = ANY($1) AND notified_at IS NULL",
            )
            .bind::<Array<diesel::sql_types::Uuid>, _>(&ids)
            .execute(conn)
            .await?;
            diesel::sql_query("UPDATE alerts SET last_digest_at = now() WHERE id = ANY($1)")
                .bind::<Array<diesel::sql_types::Uuid>, _>(&ids)
                .execute(conn)
                .await?;
            Ok((due.len(), rendered.len()))
        })
        .await;
        tracing::debug!(
            ?steps,
            total_ms = started.elapsed().as_millis() as u64,
            "alert digests: one batch"
        );
        result
    }
}

/// The plots `ids` as the digest names and judges them: reference, name
/// and what matching judges.
async fn plots_of(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, (String, String, Candidate)>, ApiError> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(embed)]
        candidate: CandidateRow,
        #[diesel(sql_type = Text)]
        reference: String,
        #[diesel(sql_type = Text)]
        name: String,
    }
    let rows: Vec<Row> = diesel::sql_query(format!(
        "SELECT {}, ({ON_OFFER}) AS on_offer, p.reference, p.name FROM plots AS p WHERE p.id = ANY($1)",
        COLUMNS.as_str()
    ))
    .bind::<Array<diesel::sql_types::Uuid>, _>(ids)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let candidate = Candidate::from(&r.candidate);
            (r.candidate.id, (r.reference, r.name, candidate))
        })
        .collect())
}

/// Records, for the alert `id` just confirmed, the plots that meet its
/// needs already (`meeting`), as told: an alert tells of what changes
/// after it is made.
pub async fn known_at_confirmation(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    meeting: &[Uuid],
) -> diesel::QueryResult<usize> {
    diesel::sql_query(
        "INSERT INTO alert_matches (alert_id, plot_id, notified_at) \
         SELECT $1, plot_id, now() FROM unnest($2::uuid[]) AS plot_id ON CONFLICT DO NOTHING",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .bind::<Array<diesel::sql_types::Uuid>, _>(meeting)
    .execute(conn)
    .await
}

/// A running watcher.
pub struct Running {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Running {
    /// Stops the watcher after the turn under way.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "the alert watcher ended abnormally");
        }
    }
}

/// Starts a watcher on `pool`, looking every `poll`.
pub fn start(pool: DbPool, base: String, poll: Duration) -> Running {
    let (stop, mut stopped) = watch::channel(false);
    let task = tokio::spawn(async move {
        let mut watcher = Watcher::new(base);
        while !*stopped.borrow() {
            let result = match pool.get().await {
                Ok(mut conn) => watcher.turn(&mut conn).await,
                Err(e) => Err(ApiError::from(e)),
            };
            match result {
                Ok(turn) if turn.matched > 0 || turn.digests > 0 => tracing::info!(
                    plots = turn.plots,
                    matched = turn.matched,
                    digests = turn.digests,
                    "alerts: plots judged, digests queued"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "the alert watcher's turn failed"),
            }
            tokio::select! {
                () = tokio::time::sleep(poll) => {}
                changed = stopped.changed() => if changed.is_err() { break },
            }
        }
    });
    Running { stop, task }
}
