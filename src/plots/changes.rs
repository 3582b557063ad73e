//! What changed since a look: the plots written since a database snapshot,
//! for the in-memory copies that must never be stale (site matching's
//! candidates, the tile cache).
//!
//! "Since" is the database's snapshot at the last look
//! (`pg_current_snapshot()`), and a plot was written since when the
//! transaction that last wrote it (kept in `plot_changes` by a trigger) is
//! not visible in that snapshot. That holds whoever wrote: this service,
//! another instance of it, or SQL by hand; and it includes the transactions
//! still running at the last look, which a counter or a timestamp would
//! miss. A look therefore sees every write committed before it began.
//!
//! A look may run on the primary or on a hot standby (a read replica): the
//! standby replays the primary's transactions, with the same ids, so a
//! snapshot taken on either judges the other's rows, as long as the server
//! looked at is not behind the last look. Each look therefore notes its
//! position in the WAL, and:
//! - a standby behind the last look is not looked at ([`Looked::Behind`]):
//!   the reader must use the primary;
//! - a primary behind the last look, or another primary than the last one
//!   (a restart, a failover), is read afresh in full ([`Looked::Full`]):
//!   after a failover that lost transactions, their ids may be given again
//!   to other ones, and only a full read cannot be fooled by that.

use diesel::QueryableByName;
use diesel::pg::Pg;
use diesel::sql_types::{BigInt, Bool, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::TryStreamExt;

use crate::error::ApiError;

/// What a look reads of each plot: a select list over `plots AS p`, and
/// the condition of the plots a full look reads (later looks read every
/// plot written since, whatever it is now).
pub struct Look<'a> {
    pub select: &'a str,
    pub first: &'a str,
}

/// Where a copy is current as of: the snapshot and WAL position of its last
/// look, and the primary it last looked at.
#[derive(Debug, Clone)]
pub struct Mark {
    snapshot: String,
    lsn: i64,
    primary: Option<String>,
}

/// What a look did.
#[derive(Debug)]
pub enum Looked {
    /// It read every plot `look.first` selects: the copy is to be replaced.
    Full(Mark),
    /// It read the plots written since the last look.
    Changes(Mark),
    /// It read nothing: the server is a standby behind the last look.
    Behind,
}

/// Where a server is, taken after the look's snapshot, in its transaction.
#[derive(QueryableByName)]
struct Position {
    #[diesel(sql_type = Text)]
    snapshot: String,
    #[diesel(sql_type = Bool)]
    standby: bool,
    #[diesel(sql_type = BigInt)]
    lsn: i64,
    /// The server and its start: another one after a failover or a restart.
    #[diesel(sql_type = Text)]
    server: String,
}

const POSITION: &str = "SELECT pg_current_snapshot()::text AS snapshot, \
     pg_is_in_recovery() AS standby, \
     (coalesce(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() \
                    ELSE pg_current_wal_insert_lsn() END, '0/0') - '0/0'::pg_lsn)::int8 AS lsn, \
     concat_ws(' ', inet_server_addr(), inet_server_port(), pg_postmaster_start_time()) AS server";

/// Looks at the plots: in full when there was no look before (`last` is
/// `None`) or the server requires it, otherwise those written since `last`
/// (see the module's text). Each row goes to `found` as soon as it is read,
/// with whether the look is a full one.
/// All statements run in one repeatable-read transaction, so they see one
/// snapshot: the rows read are exactly what the returned mark sees.
pub async fn read_since<R>(
    conn: &mut AsyncPgConnection,
    last: Option<&Mark>,
    look: &Look<'_>,
    mut found: impl FnMut(R, bool) + Send,
) -> Result<Looked, ApiError>
where
    R: QueryableByName<Pg> + Send + 'static,
{
    conn.build_transaction()
        .repeatable_read()
        .read_only()
        .run(async |conn| {
            let at = diesel::sql_query(POSITION)
                .get_result::<Position>(conn)
                .await?;
            let since = match last {
                Some(last) if at.standby && at.lsn < last.lsn => return Ok(Looked::Behind),
                Some(last)
                    if !at.standby
                        && (at.lsn < last.lsn
                            || last.primary.as_ref().is_some_and(|p| *p != at.server)) =>
                {
                    None
                }
                Some(last) => Some(last),
                None => None,
            };
            let query = match since {
                None => diesel::sql_query(format!(
                    "SELECT {} FROM plots p WHERE {}",
                    look.select, look.first
                ))
                .into_boxed(),
                // The index on change_xid finds the transactions from the
                // oldest one running at `since` on; of those, the ones
                // `since` could not see wrote since.
                Some(since) => diesel::sql_query(format!(
                    "SELECT {} FROM plot_changes c JOIN plots p ON p.id = c.plot_id \
                     WHERE c.change_xid >= $1::xid8 \
                       AND NOT pg_visible_in_snapshot(c.change_xid, $2::pg_snapshot)",
                    look.select
                ))
                .into_boxed()
                .bind::<Text, _>(snapshot_xmin(&since.snapshot).to_owned())
                .bind::<Text, _>(since.snapshot.clone()),
            };
            let full = since.is_none();
            let mut rows = query.load_stream::<R>(conn).await?;
            while let Some(row) = rows.try_next().await? {
                found(row, full);
            }
            let mark = Mark {
                snapshot: at.snapshot,
                lsn: at.lsn,
                primary: if at.standby {
                    last.and_then(|l| l.primary.clone())
                } else {
                    Some(at.server)
                },
            };
            Ok::<_, ApiError>(if full {
                Looked::Full(mark)
            } else {
                Looked::Changes(mark)
            })
        })
        .await
}

/// The oldest transaction still running when `snapshot` was taken: the
/// first field of its text form `xmin:xmax:xip,…`.
fn snapshot_xmin(snapshot: &str) -> &str {
    snapshot.split(':').next().unwrap_or(snapshot)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_snapshot_s_xmin_is_its_first_field() {
        assert_eq!(snapshot_xmin("745:749:745,747"), "745");
        assert_eq!(snapshot_xmin("750:750:"), "750");
    }
}
