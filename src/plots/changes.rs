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

use diesel::QueryableByName;
use diesel::pg::Pg;
use diesel::sql_types::Text;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::TryStreamExt;

use crate::error::ApiError;

/// What a look reads of each plot: a select list over `plots AS p`, and
/// the condition of the plots a first look reads (later looks read every
/// plot written since, whatever it is now).
pub struct Look<'a> {
    pub select: &'a str,
    pub first: &'a str,
}

/// Looks at the plots: on the first look (`since` is `None`), those
/// `look.first` selects; afterwards, those written since the snapshot
/// `since`. Each row goes to `found` as soon as it is read. Returns the
/// snapshot of this look. Both statements run in one repeatable-read
/// transaction, so they see one snapshot: the rows read are exactly what
/// the returned snapshot sees.
pub async fn read_since<R>(
    conn: &mut AsyncPgConnection,
    since: Option<&str>,
    look: &Look<'_>,
    mut found: impl FnMut(R) + Send,
) -> Result<String, ApiError>
where
    R: QueryableByName<Pg> + Send + 'static,
{
    let query = match since {
        None => diesel::sql_query(format!(
            "SELECT {} FROM plots p WHERE {}",
            look.select, look.first
        ))
        .into_boxed(),
        // The index on change_xid finds the transactions from the oldest one
        // running at `since` on; of those, the ones `since` could not see
        // wrote since.
        Some(since) => diesel::sql_query(format!(
            "SELECT {} FROM plot_changes c JOIN plots p ON p.id = c.plot_id \
             WHERE c.change_xid >= $1::xid8 \
               AND NOT pg_visible_in_snapshot(c.change_xid, $2::pg_snapshot)",
            look.select
        ))
        .into_boxed()
        .bind::<Text, _>(snapshot_xmin(since).to_owned())
        .bind::<Text, _>(since.to_owned()),
    };
    conn.build_transaction()
        .repeatable_read()
        .read_only()
        .run(async |conn| {
            let snapshot = diesel::sql_query("SELECT pg_current_snapshot()::text AS snapshot")
                .get_result::<Snapshot>(conn)
                .await?
                .snapshot;
            let mut rows = query.load_stream::<R>(conn).await?;
            while let Some(row) = rows.try_next().await? {
                found(row);
            }
            Ok::<_, ApiError>(snapshot)
        })
        .await
}

#[derive(QueryableByName)]
struct Snapshot {
    #[diesel(sql_type = Text)]
    snapshot: String,
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
