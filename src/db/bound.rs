//! SQL the registry writes piece by piece with bound values: a boolean
//! filter (a CQL2 translation, a keyset predicate) usable in diesel's
//! `filter`. Only text the registry wrote itself goes in as SQL (columns
//! from an allow-list, operators, function names, SRIDs from the supported
//! list); every value from a request is a bound parameter.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::QueryResult;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Array, Bool, Date, Double, Integer, Nullable, Text, Timestamptz};

use crate::db::schema::plots;

/// A value bound into the SQL.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Text(String),
    Integer(i32),
    Number(f64),
    Boolean(bool),
    Date(NaiveDate),
    Timestamp(DateTime<Utc>),
    TextList(Vec<String>),
    IntegerList(Vec<i32>),
    NumberList(Vec<f64>),
}

/// One piece: SQL we wrote, or a bound value.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Sql(String),
    Bind(Bind),
}

/// A boolean SQL expression over `plots`, with its values bound.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BoundSql {
    pieces: Vec<Piece>,
}

impl BoundSql {
    /// An empty expression, to be written with [`BoundSql::sql`] and [`BoundSql::bind`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends SQL the registry wrote (never text from a request).
    pub fn sql(&mut self, sql: &str) {
        match self.pieces.last_mut() {
            Some(Piece::Sql(s)) => s.push_str(sql),
            _ => self.pieces.push(Piece::Sql(sql.to_owned())),
        }
    }

    /// Appends a bound value.
    pub fn bind(&mut self, bind: Bind) {
        self.pieces.push(Piece::Bind(bind));
    }

    /// The bound values, in order (for tests and the fuzz targets).
    pub fn binds(&self) -> impl Iterator<Item = &Bind> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Bind(b) => Some(b),
            Piece::Sql(_) => None,
        })
    }

    /// The SQL with `$` in place of each bound value (for tests and logs).
    pub fn with_placeholders(&self) -> String {
        self.pieces
            .iter()
            .map(|p| match p {
                Piece::Sql(s) => s.as_str(),
                Piece::Bind(_) => "$",
            })
            .collect()
    }
}

impl Expression for BoundSql {
    type SqlType = Nullable<Bool>;
}

impl ValidGrouping<()> for BoundSql {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl AppearsOnTable<plots::table> for BoundSql {}
impl SelectableExpression<plots::table> for BoundSql {}

impl QueryId for BoundSql {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl QueryFragment<Pg> for BoundSql {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.unsafe_to_cache_prepared();
        for piece in &self.pieces {
            match piece {
                Piece::Sql(sql) => out.push_sql(sql),
                Piece::Bind(Bind::Text(v)) => out.push_bind_param::<Text, _>(v)?,
                Piece::Bind(Bind::Integer(v)) => out.push_bind_param::<Integer, _>(v)?,
                Piece::Bind(Bind::Number(v)) => out.push_bind_param::<Double, _>(v)?,
                Piece::Bind(Bind::Boolean(v)) => out.push_bind_param::<Bool, _>(v)?,
                Piece::Bind(Bind::Date(v)) => out.push_bind_param::<Date, _>(v)?,
                Piece::Bind(Bind::Timestamp(v)) => out.push_bind_param::<Timestamptz, _>(v)?,
                Piece::Bind(Bind::TextList(v)) => out.push_bind_param::<Array<Text>, _>(v)?,
                Piece::Bind(Bind::IntegerList(v)) => out.push_bind_param::<Array<Integer>, _>(v)?,
                Piece::Bind(Bind::NumberList(v)) => out.push_bind_param::<Array<Double>, _>(v)?,
            }
        }
        Ok(())
    }
}
