//! The event log on SQLite or PostgreSQL, through one code path (sqlx's Any driver). SQLite runs
//! in WAL mode with synchronous=FULL, so a committed event survives a kill -9 or a power cut.
//!
//! Several servers may append to one log: the sequence number is the primary key, and a writer
//! appends only right after the last event it has read. Whoever commits a number first wins; the
//! other's append fails with [`StoreError::Conflict`] and it catches up before deciding again.
//! So the log never has a gap or a number twice.

use crate::event::{Change, Event};
use crate::projection::{Projection, ReplayError};
use measure::Timestamp;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, AssertSqlSafe, Row};
use std::borrow::Borrow;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "'{url}' is not a database address: use sqlite://FILE or postgres://USER@HOST:PORT/DB"
    )]
    UnknownScheme { url: String },
    #[error("cannot open the database at {url}: {source}")]
    Open { url: String, source: sqlx::Error },
    #[error("table prefix '{prefix}' may hold only ASCII letters, digits and '_'")]
    BadPrefix { prefix: String },
    #[error("the database refused a {operation}: {source}")]
    Query {
        operation: &'static str,
        source: sqlx::Error,
    },
    #[error("event {seq} in the log is not valid JSON for this version of pingan: {source}")]
    Corrupt { seq: i64, source: serde_json::Error },
    #[error("the snapshot of the state after event {seq} does not decode; delete it from the snapshots table and restart to replay the whole log")]
    BadSnapshot { seq: i64 },
    #[error("event {seq} is already in the log: another server appended first; catch up on the log and decide again")]
    Conflict { seq: i64 },
}

#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Replay(#[from] ReplayError),
}

/// Snapshots are exact binary copies of the state (bincode, so every f64 comes back bit for
/// bit), readable only by the version that wrote them; other versions replay the log.
const SNAPSHOT_FORMAT: &str = concat!("bincode-projection-", env!("CARGO_PKG_VERSION"));

fn snapshot_config() -> impl bincode::config::Config {
    bincode::config::standard()
}

fn encode_snapshot(projection: &Projection) -> String {
    let bytes = bincode::serde::encode_to_vec(projection, snapshot_config())
        .expect("the state always encodes");
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(DIGITS[(byte >> 4) as usize] as char);
        text.push(DIGITS[(byte & 15) as usize] as char);
    }
    text
}

fn decode_snapshot(text: &str) -> Option<Projection> {
    let bytes = (0..text.len())
        .step_by(2)
        .map(|start| u8::from_str_radix(text.get(start..start + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    let (projection, read) = bincode::serde::decode_from_slice(&bytes, snapshot_config()).ok()?;
    (read == bytes.len()).then_some(projection)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The durable, append-only log of events.
#[derive(Debug, Clone)]
pub struct EventLog {
    pool: AnyPool,
    backend: Backend,
    table: String,
}

/// Hides a password in a database address before it reaches a message.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl EventLog {
    /// Opens (and creates, if missing) the log at `url`. `table_prefix` lets several logs share a
    /// database, as parallel test runs do.
    pub async fn open(url: &str, table_prefix: &str) -> Result<EventLog, StoreError> {
        if !table_prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(StoreError::BadPrefix {
                prefix: table_prefix.to_string(),
            });
        }
        sqlx::any::install_default_drivers();
        let (backend, connect_url) = if url.starts_with("sqlite:") {
            let with_create = if url.contains('?') {
                url.to_string()
            } else {
                format!("{url}?mode=rwc")
            };
            (Backend::Sqlite, with_create)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_string())
        } else {
            return Err(StoreError::UnknownScheme { url: redact(url) });
        };
        let options = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 8 })
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        for pragma in [
                            "PRAGMA journal_mode=WAL",
                            "PRAGMA synchronous=FULL",
                            "PRAGMA busy_timeout=10000",
                        ] {
                            sqlx::query(pragma).execute(&mut *connection).await?;
                        }
                    }
                    Ok(())
                })
            });
        let pool = options
            .connect(&connect_url)
            .await
            .map_err(|source| StoreError::Open {
                url: redact(url),
                source,
            })?;
        let log = EventLog {
            pool,
            backend,
            table: format!("{table_prefix}pingan_events"),
        };
        let create = format!(
            "CREATE TABLE IF NOT EXISTS {} (seq BIGINT PRIMARY KEY, at_ms BIGINT NOT NULL, actor TEXT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL)",
            log.table
        );
        log.execute(create, "create table").await?;
        let snapshots = format!(
            "CREATE TABLE IF NOT EXISTS {} (seq BIGINT PRIMARY KEY, format TEXT NOT NULL, body TEXT NOT NULL)",
            log.snapshot_table()
        );
        log.execute(snapshots, "create table").await?;
        let index = format!(
            "CREATE INDEX IF NOT EXISTS {0}_kind ON {0} (kind, seq)",
            log.table
        );
        log.execute(index, "create index").await?;
        Ok(log)
    }

    /// Runs a statement that returns no rows.
    async fn execute(&self, sql: String, operation: &'static str) -> Result<(), StoreError> {
        sqlx::query(AssertSqlSafe(sql))
            .execute(&self.pool)
            .await
            .map_err(failed(operation))?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    fn snapshot_table(&self) -> String {
        format!("{}_snapshots", self.table)
    }

    /// Keeps `projection` (the state after event `projection.last_seq`) so that a restart reads
    /// only the events after it. The two newest snapshots are kept; another server's snapshot of
    /// the same state is as good as this one.
    pub async fn save_snapshot(&self, projection: &Projection) -> Result<(), StoreError> {
        let body = encode_snapshot(projection);
        let insert = format!(
            "INSERT INTO {} (seq, format, body) VALUES ($1, $2, $3)",
            self.snapshot_table()
        );
        let inserted = sqlx::query(AssertSqlSafe(insert))
            .bind(projection.last_seq)
            .bind(SNAPSHOT_FORMAT)
            .bind(body)
            .execute(&self.pool)
            .await;
        match inserted {
            Ok(_) => {}
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => return Ok(()),
            Err(source) => return Err(failed("insert snapshot")(source)),
        }
        let prune = format!(
            "DELETE FROM {0} WHERE seq < (SELECT MIN(seq) FROM (SELECT seq FROM {0} ORDER BY seq DESC LIMIT 2) AS newest)",
            self.snapshot_table()
        );
        self.execute(prune, "delete old snapshots").await?;
        Ok(())
    }

    /// The newest snapshot this version of pingan wrote and can read, if any.
    pub async fn latest_snapshot(&self) -> Result<Option<Projection>, StoreError> {
        let select = format!(
            "SELECT seq, body FROM {} WHERE format = $1 ORDER BY seq DESC LIMIT 1",
            self.snapshot_table()
        );
        let row = sqlx::query(AssertSqlSafe(select))
            .bind(SNAPSHOT_FORMAT)
            .fetch_optional(&self.pool)
            .await
            .map_err(failed("select snapshot"))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let seq: i64 = row.try_get("seq").map_err(failed("read snapshot"))?;
        let body: String = row.try_get("body").map_err(failed("read snapshot"))?;
        decode_snapshot(&body)
            .filter(|projection| projection.last_seq == seq)
            .map(Some)
            .ok_or(StoreError::BadSnapshot { seq })
    }

    /// The state the log holds: the newest snapshot and the events after it.
    pub async fn restore(&self) -> Result<Projection, RestoreError> {
        let snapshot = self.latest_snapshot().await?.unwrap_or_default();
        let after = self.read(None, snapshot.last_seq, i64::MAX).await?;
        Ok(snapshot.resume(&after)?)
    }

    /// When the last event of the log happened, if it has any.
    pub async fn last_event_at(&self) -> Result<Option<Timestamp>, StoreError> {
        let select = format!("SELECT MAX(at_ms) AS at_ms FROM {}", self.table);
        let row = sqlx::query(AssertSqlSafe(select))
            .fetch_one(&self.pool)
            .await
            .map_err(failed("select"))?;
        let at_ms: Option<i64> = row.try_get("at_ms").map_err(failed("select"))?;
        Ok(at_ms.map(Timestamp))
    }

    /// Appends events in one transaction, all or none; when this returns Ok, they are on disk. A
    /// sequence number already in the log (another server's) fails with
    /// [`StoreError::Conflict`] and writes nothing.
    pub async fn append<E: Borrow<Event>>(&self, events: &[E]) -> Result<(), StoreError> {
        let mut transaction = self.pool.begin().await.map_err(failed("begin"))?;
        let insert = format!(
            "INSERT INTO {} (seq, at_ms, actor, kind, body) VALUES ($1, $2, $3, $4, $5)",
            self.table
        );
        for event in events {
            let event = event.borrow();
            let body =
                serde_json::to_string(&event.change).expect("changes always serialize to JSON");
            let inserted = sqlx::query(AssertSqlSafe(insert.as_str()))
                .bind(event.seq)
                .bind(event.at.0)
                .bind(event.actor.as_str())
                .bind(event.change.kind())
                .bind(body)
                .execute(&mut *transaction)
                .await;
            match inserted {
                Ok(_) => {}
                Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
                    return Err(StoreError::Conflict { seq: event.seq })
                }
                Err(source) => return Err(failed("insert")(source)),
            }
        }
        match transaction.commit().await {
            Ok(()) => Ok(()),
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
                let seq = events.first().map_or(0, |event| event.borrow().seq);
                Err(StoreError::Conflict { seq })
            }
            Err(source) => Err(failed("commit")(source)),
        }
    }

    /// Every event, in order.
    pub async fn load(&self) -> Result<Vec<Event>, StoreError> {
        self.read(None, 0, i64::MAX).await
    }

    /// Events after `after_seq`, optionally of one kind, at most `limit`.
    pub async fn read(
        &self,
        kind: Option<&str>,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<Event>, StoreError> {
        let rows = match kind {
            Some(kind) => {
                let select = format!(
                    "SELECT seq, at_ms, actor, body FROM {} WHERE kind = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                    self.table
                );
                sqlx::query(AssertSqlSafe(select))
                    .bind(kind)
                    .bind(after_seq)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await
            }
            None => {
                let select = format!(
                    "SELECT seq, at_ms, actor, body FROM {} WHERE seq > $1 ORDER BY seq LIMIT $2",
                    self.table
                );
                sqlx::query(AssertSqlSafe(select))
                    .bind(after_seq)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await
            }
        }
        .map_err(failed("select"))?;
        rows.iter().map(event_of_row).collect()
    }

    pub async fn count(&self) -> Result<i64, StoreError> {
        let select = format!("SELECT COUNT(*) AS n FROM {}", self.table);
        let row = sqlx::query(AssertSqlSafe(select))
            .fetch_one(&self.pool)
            .await
            .map_err(failed("count"))?;
        row.try_get::<i64, _>("n").map_err(failed("count"))
    }

    /// Drops the log's tables: for tests that share a database.
    pub async fn destroy(self) -> Result<(), StoreError> {
        for table in [self.table.clone(), self.snapshot_table()] {
            let drop = format!("DROP TABLE IF EXISTS {table}");
            self.execute(drop, "drop table").await?;
        }
        self.pool.close().await;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn event_of_row(row: &AnyRow) -> Result<Event, StoreError> {
    let column_error = failed("read row");
    let seq: i64 = row.try_get("seq").map_err(column_error)?;
    let at_ms: i64 = row.try_get("at_ms").map_err(column_error)?;
    let actor: String = row.try_get("actor").map_err(column_error)?;
    let body: String = row.try_get("body").map_err(column_error)?;
    let change: Change =
        serde_json::from_str(&body).map_err(|source| StoreError::Corrupt { seq, source })?;
    Ok(Event {
        seq,
        at: Timestamp(at_ms),
        actor,
        change,
    })
}

/// The error of a statement that failed, named by what it did.
fn failed(operation: &'static str) -> impl Fn(sqlx::Error) -> StoreError + Copy {
    move |source| StoreError::Query { operation, source }
}
