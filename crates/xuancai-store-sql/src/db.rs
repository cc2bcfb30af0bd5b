//! How a statement is written once and run on either database.
//!
//! Both SQLite and PostgreSQL take `$1`-style numbered parameters, so one
//! SQL text serves both; what differs is the Rust type of the driver. The
//! store's code is generic over [`Db`], which both drivers implement, and
//! calls [`query`] much as it would call `sqlx::query`:
//!
//! ```text
//! let row: Option<UserRow> = query("SELECT … FROM users WHERE id = $1")
//!     .bind(id.as_bytes().as_slice())
//!     .fetch_optional(&self.pool)
//!     .await?;
//! ```
//!
//! Rust cannot carry "every parameter type encodes on this database" as a
//! bound of a generic database type, so [`Db`] lists, as supertraits, the
//! parameter types the store binds ([`Binds`]) and the column types it
//! reads ([`Decodes`]). Rows are read by column name into structs that
//! implement [`FromRow`] (written by hand: sqlx's derive would build the
//! SQLite C library a second time, for the compiler, in every build).

use std::future::Future;
use std::pin::Pin;

use sqlx::postgres::Postgres;
use sqlx::sqlite::Sqlite;
use sqlx::{Database, Decode, Encode, Executor, IntoArguments, Pool, Row as _, Type};
use xuancai_store::{Result, StoreError};

/// A statement with its parameters bound so far.
type Statement<'q, DB> = sqlx::query::Query<'q, DB, <DB as Database>::Arguments<'q>>;

type Boxed<'e, T> = Pin<Box<dyn Future<Output = std::result::Result<T, sqlx::Error>> + Send + 'e>>;

/// Where a statement runs: the pool (a connection of its own) or the
/// connection of an open transaction (`&mut tx`).
pub enum On<'e, DB: Database> {
    Pool(&'e Pool<DB>),
    Conn(&'e mut DB::Connection),
}

impl<DB: Database> std::fmt::Debug for On<'_, DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            On::Pool(_) => "On::Pool",
            On::Conn(_) => "On::Conn",
        })
    }
}

impl<'e, DB: Database> From<&'e Pool<DB>> for On<'e, DB> {
    fn from(p: &'e Pool<DB>) -> Self {
        On::Pool(p)
    }
}

impl<'e, DB: Database> From<&'e mut sqlx::Transaction<'_, DB>> for On<'e, DB> {
    fn from(tx: &'e mut sqlx::Transaction<'_, DB>) -> Self {
        On::Conn(&mut **tx)
    }
}

/// `T` can be bound as a parameter on this database.
pub trait Binds<'q, T>: Database {
    fn bind_to(q: Statement<'q, Self>, value: T) -> Statement<'q, Self>;
}

impl<'q, T, DB> Binds<'q, T> for DB
where
    DB: Database,
    T: 'q + Send + Encode<'q, DB> + Type<DB>,
{
    fn bind_to(q: Statement<'q, Self>, value: T) -> Statement<'q, Self> {
        q.bind(value)
    }
}

/// A column of this database can be read as `T`.
pub trait Decodes<T>: Database {
    fn column(row: &Self::Row, index: usize) -> std::result::Result<T, sqlx::Error>;
    fn named(row: &Self::Row, name: &str) -> std::result::Result<T, sqlx::Error>;
}

impl<T, DB> Decodes<T> for DB
where
    DB: Database,
    T: for<'r> Decode<'r, DB> + Type<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
    for<'n> &'n str: sqlx::ColumnIndex<DB::Row>,
{
    fn column(row: &Self::Row, index: usize) -> std::result::Result<T, sqlx::Error> {
        row.try_get(index)
    }

    fn named(row: &Self::Row, name: &str) -> std::result::Result<T, sqlx::Error> {
        row.try_get(name)
    }
}

/// A row read by column name.
pub trait FromRow: Sized {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> std::result::Result<Self, sqlx::Error>;
}

/// One row of a result, read column by column, by name.
pub struct Row<'r, DB: Database>(&'r DB::Row);

impl<DB: Database> std::fmt::Debug for Row<'_, DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Row").finish_non_exhaustive()
    }
}

impl<DB: Db> Row<'_, DB> {
    /// The column called `name`, as `T`.
    pub fn get<T>(&self, name: &str) -> std::result::Result<T, sqlx::Error>
    where
        DB: Decodes<T>,
    {
        DB::named(self.0, name)
    }
}

/// Runs a statement on a pool or a transaction's connection.
pub trait Runs: Database {
    fn run_execute<'e, 'q: 'e>(q: Statement<'q, Self>, on: On<'e, Self>) -> Boxed<'e, u64>;
    fn run_fetch_all<'e, 'q: 'e>(q: Statement<'q, Self>, on: On<'e, Self>) -> Boxed<'e, Vec<Self::Row>>;
    fn run_fetch_optional<'e, 'q: 'e>(
        q: Statement<'q, Self>,
        on: On<'e, Self>,
    ) -> Boxed<'e, Option<Self::Row>>;
}

/// How many rows a statement changed, whatever the driver's result type.
pub trait Affected {
    fn affected(&self) -> u64;
}

impl Affected for sqlx::sqlite::SqliteQueryResult {
    fn affected(&self) -> u64 {
        self.rows_affected()
    }
}

impl Affected for sqlx::postgres::PgQueryResult {
    fn affected(&self) -> u64 {
        self.rows_affected()
    }
}

impl<DB> Runs for DB
where
    DB: Database,
    DB::QueryResult: Affected,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
{
    fn run_execute<'e, 'q: 'e>(q: Statement<'q, Self>, on: On<'e, Self>) -> Boxed<'e, u64> {
        Box::pin(async move {
            let done = match on {
                On::Pool(p) => q.execute(p).await?,
                On::Conn(c) => q.execute(c).await?,
            };
            Ok(done.affected())
        })
    }

    fn run_fetch_all<'e, 'q: 'e>(q: Statement<'q, Self>, on: On<'e, Self>) -> Boxed<'e, Vec<Self::Row>> {
        Box::pin(async move {
            match on {
                On::Pool(p) => q.fetch_all(p).await,
                On::Conn(c) => q.fetch_all(c).await,
            }
        })
    }

    fn run_fetch_optional<'e, 'q: 'e>(
        q: Statement<'q, Self>,
        on: On<'e, Self>,
    ) -> Boxed<'e, Option<Self::Row>> {
        Box::pin(async move {
            match on {
                On::Pool(p) => q.fetch_optional(p).await,
                On::Conn(c) => q.fetch_optional(c).await,
            }
        })
    }
}

/// A database the store's SQL runs on: SQLite or PostgreSQL.
///
/// The supertraits are the parameter types bound, the scalar types read and
/// the row types mapped; the constants are the two places the SQL differs.
pub trait Db:
    Runs
    + for<'q> Binds<'q, i64>
    + for<'q> Binds<'q, Option<i64>>
    + for<'q> Binds<'q, bool>
    + for<'q> Binds<'q, Option<bool>>
    + for<'q> Binds<'q, &'q str>
    + for<'q> Binds<'q, Option<&'q str>>
    + for<'q> Binds<'q, String>
    + for<'q> Binds<'q, Option<String>>
    + for<'q> Binds<'q, &'q String>
    + for<'q> Binds<'q, &'q Option<String>>
    + for<'q> Binds<'q, &'q [u8]>
    + for<'q> Binds<'q, Option<&'q [u8]>>
    + for<'q> Binds<'q, Vec<u8>>
    + for<'q> Binds<'q, Option<Vec<u8>>>
    + for<'q> Binds<'q, &'q Vec<u8>>
    + for<'q> Binds<'q, &'q Option<Vec<u8>>>
    + Decodes<i64>
    + Decodes<Option<i64>>
    + Decodes<bool>
    + Decodes<String>
    + Decodes<Option<String>>
    + Decodes<Vec<u8>>
    + Decodes<Option<Vec<u8>>>
{
    /// What the job claim's inner `SELECT` ends with: PostgreSQL's
    /// `FOR UPDATE SKIP LOCKED` lets concurrent claims skip each other's
    /// rows; SQLite's single writer makes the one statement atomic as it is.
    const SKIP_LOCKED: &'static str;
    /// What serialises the code sends of `reserve_send` (ACC-1): on
    /// PostgreSQL a table lock that conflicts with itself (readers are not
    /// blocked); on SQLite nothing, as the INSERT that opens the transaction
    /// takes the one writer's lock.
    const SEND_LOCK: Option<&'static str>;
}

impl Db for Sqlite {
    const SKIP_LOCKED: &'static str = "";
    const SEND_LOCK: Option<&'static str> = None;
}

impl Db for Postgres {
    const SKIP_LOCKED: &'static str = " FOR UPDATE SKIP LOCKED";
    const SEND_LOCK: Option<&'static str> = Some("LOCK TABLE code_sends IN SHARE ROW EXCLUSIVE MODE");
}

/// A statement to run on `DB`; bind its parameters in order.
pub struct Query<'q, DB: Database> {
    q: Statement<'q, DB>,
}

impl<DB: Database> std::fmt::Debug for Query<'_, DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Query").finish_non_exhaustive()
    }
}

/// Start a statement (`$1`, `$2`, … for its parameters).
pub fn query<DB: Db>(sql: &str) -> Query<'_, DB> {
    Query { q: sqlx::query(sql) }
}

impl<'q, DB: Db> Query<'q, DB> {
    /// Bind the next parameter.
    #[must_use]
    pub fn bind<T>(self, value: T) -> Self
    where
        DB: Binds<'q, T>,
    {
        Query {
            q: DB::bind_to(self.q, value),
        }
    }

    /// Run it; how many rows it changed.
    pub async fn execute<'e>(self, on: impl Into<On<'e, DB>>) -> Result<u64>
    where
        'q: 'e,
    {
        DB::run_execute(self.q, on.into()).await.map_err(crate::backend)
    }

    /// Every row, each read by column name as `R`.
    pub async fn fetch_all<'e, R>(self, on: impl Into<On<'e, DB>>) -> Result<Vec<R>>
    where
        'q: 'e,
        R: FromRow,
    {
        let rows = DB::run_fetch_all(self.q, on.into())
            .await
            .map_err(crate::backend)?;
        rows.iter()
            .map(|r| R::from_row(&Row::<DB>(r)).map_err(corrupt))
            .collect()
    }

    /// The first row, if any, read by column name as `R`.
    pub async fn fetch_optional<'e, R>(self, on: impl Into<On<'e, DB>>) -> Result<Option<R>>
    where
        'q: 'e,
        R: FromRow,
    {
        let row = DB::run_fetch_optional(self.q, on.into())
            .await
            .map_err(crate::backend)?;
        row.as_ref()
            .map(|r| R::from_row(&Row::<DB>(r)).map_err(corrupt))
            .transpose()
    }

    /// The first column of the first row, if there is a row.
    pub async fn fetch_scalar<'e, T>(self, on: impl Into<On<'e, DB>>) -> Result<Option<T>>
    where
        'q: 'e,
        DB: Decodes<T>,
    {
        let row = DB::run_fetch_optional(self.q, on.into())
            .await
            .map_err(crate::backend)?;
        row.as_ref()
            .map(|r| DB::column(r, 0).map_err(corrupt))
            .transpose()
    }

    /// A `SELECT COUNT(*) …`'s count.
    pub async fn fetch_count<'e>(self, on: impl Into<On<'e, DB>>) -> Result<u64>
    where
        'q: 'e,
    {
        let n: Option<i64> = self.fetch_scalar(on).await?;
        Ok(n.and_then(|n| u64::try_from(n).ok()).unwrap_or(0))
    }

    /// The first column of every row.
    pub async fn fetch_column<'e, T>(self, on: impl Into<On<'e, DB>>) -> Result<Vec<T>>
    where
        'q: 'e,
        DB: Decodes<T>,
    {
        let rows = DB::run_fetch_all(self.q, on.into())
            .await
            .map_err(crate::backend)?;
        rows.iter().map(|r| DB::column(r, 0).map_err(corrupt)).collect()
    }
}

/// A row that does not decode is stored data the code cannot read.
fn corrupt(e: sqlx::Error) -> StoreError {
    StoreError::Corrupt(e.to_string())
}
