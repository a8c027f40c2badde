//! [`PostgresInbox`]: an inbox in a PostgreSQL table, handled in each delivery's own
//! transaction.

use std::fmt;
use std::ops::Deref;
use std::pin::pin;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use deadpool_postgres::{
    ClientWrapper, Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime,
};
use tokio::time::Instant;
use tokio_postgres::error::SqlState;
use tokio_postgres::NoTls;

use super::{Claimed, DeadLetter, Delivery, Receipt, Store, StoreError, StoreFuture};
use listener::Listener;

mod listener;

pub use tokio_postgres;

/// The migrations, in order: each version's SQL, with `{table}` standing for the inbox's
/// table and `{due_index}`, `{event_index}`, `{handled_index}` for its indexes.
const MIGRATIONS: &[(i32, &str)] = &[(1, include_str!("0001_create_inbox.sql"))];

/// How often a waiting claim looks for a due delivery while no listener wakes it (its
/// connection is being made, or is lost).
const POLL: Duration = Duration::from_millis(50);

/// How often a waiting claim looks for a due delivery while the listener wakes it for each
/// delivery stored: for retries that come due after their backoff.
const IDLE_POLL: Duration = Duration::from_secs(1);

/// A [`Store`] in a PostgreSQL table, one table per inbox, for receivers and workers in
/// any number of processes.
///
/// - **Stored before the 2xx, once:** an append is one `INSERT`, acknowledged by the
///   server once committed (durable with the server's default `synchronous_commit = on`).
///   The event id is unique in the table: a repeat of an event that is already stored
///   (pending, handled or dead) is acknowledged without being stored again, atomically,
///   even when the first acknowledgement was lost to a crash. Handled rows are kept for
///   that until [`purge_handled`](Self::purge_handled) removes them.
/// - **Claims** lease the oldest due row with `FOR UPDATE SKIP LOCKED`, count the attempt
///   and set the visibility timeout in one committed `UPDATE`, then open the delivery's
///   transaction and lock the row in it.
/// - **Exactly once:** the handler can write through the delivery's transaction
///   ([`Delivery::transaction`]); completing marks the row `done` in that same transaction
///   and commits, so the handler's writes and the completion commit together or not at all. A
///   worker killed mid-handler loses its connection, the server rolls the transaction back,
///   and the row is claimed again once the visibility timeout has passed (also enforced on
///   the server: the transaction's session is ended after being idle that long).
/// - **Retries and dead letters:** a failed attempt rolls back the handler's writes, then
///   sets the row due after the backoff, or marks it `dead`.
/// - **Woken, not polling:** a waiting claim is woken when a delivery is stored (or a dead
///   letter requeued), through `LISTEN`/`NOTIFY` on a connection of the inbox's own, outside
///   the pool; it looks at the table once a second besides, for retries coming due
///   ([`idle_poll`](Self::idle_poll)), and every 50 ms while that connection is down.
///
/// The table is created by [`migrate`](Self::migrate), which you call explicitly (at
/// deploy, or at start-up); nothing is created silently, and using an inbox whose table
/// does not exist fails with an error that says so.
///
/// ```no_run
/// use tower_webhook::inbox::PostgresInbox;
/// use tower_webhook::WebhookVerify;
///
/// # async fn run() -> Result<(), tower_webhook::inbox::StoreError> {
/// let inbox = PostgresInbox::connect("postgres://app@127.0.0.1/app", "webhook_inbox").await?;
/// inbox.migrate().await?;
/// let layer = WebhookVerify::new("secret").inbox(inbox.clone());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct PostgresInbox {
    pool: Pool,
    name: Arc<str>,
    sql: Arc<Statements>,
    listener: Arc<Listener>,
    idle_poll: Duration,
}

/// The statements of one inbox, with its table name in them.
struct Statements {
    insert: String,
    lease: String,
    lock: String,
    done: String,
    purge: String,
    retry: String,
    bury: String,
    dead: String,
    requeue: String,
}

impl Statements {
    /// The statements of the inbox `name`, which also names its channel.
    fn new(name: &str) -> Self {
        let table = format!("\"{name}\"");
        // A stored delivery (or a requeued one) is announced when its statement commits.
        let notify = format!("SELECT pg_notify('{name}', '')");
        Self {
            insert: format!(
                "WITH stored AS (INSERT INTO {table} (event_id, metadata, body) \
                 VALUES ($1, $2, $3) ON CONFLICT (event_id) DO NOTHING RETURNING id) \
                 {notify} FROM stored"
            ),
            lease: format!(
                "UPDATE {table} SET attempts = attempts + 1, \
                 due_at = now() + $1::bigint * interval '1 millisecond' \
                 WHERE id = (SELECT id FROM {table} WHERE state = 'pending' AND due_at <= now() \
                 ORDER BY due_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) \
                 RETURNING id, metadata, body, attempts"
            ),
            lock: format!(
                "SELECT id FROM {table} WHERE id = $1 AND attempts = $2 AND state = 'pending' \
                 FOR UPDATE"
            ),
            done: format!("UPDATE {table} SET state = 'done', handled_at = now() WHERE id = $1"),
            purge: format!(
                "DELETE FROM {table} WHERE state = 'done' \
                 AND handled_at < now() - $1::bigint * interval '1 millisecond'"
            ),
            retry: format!(
                "UPDATE {table} SET due_at = now() + $3::bigint * interval '1 millisecond', \
                 last_error = $4 WHERE id = $1 AND attempts = $2 AND state = 'pending'"
            ),
            bury: format!(
                "UPDATE {table} SET state = 'dead', last_error = $3 \
                 WHERE id = $1 AND attempts = $2 AND state = 'pending'"
            ),
            dead: format!(
                "SELECT id, metadata, body, attempts, last_error FROM {table} \
                 WHERE state = 'dead' ORDER BY id LIMIT $1"
            ),
            requeue: format!(
                "WITH requeued AS (UPDATE {table} SET state = 'pending', attempts = 0, \
                 due_at = now(), last_error = NULL WHERE id = $1 AND state = 'dead' \
                 RETURNING id) {notify} FROM requeued"
            ),
        }
    }
}

impl PostgresInbox {
    /// Connects to the server at `url` (a `postgres://` URL or a key-value connection
    /// string) with a pool of up to 16 connections, for the inbox in table `name` (letters,
    /// digits and `_`, not starting with a digit, at most 60 characters).
    ///
    /// Connections are made as they are needed, so this succeeds while the server is down;
    /// the first append or claim then fails, and later ones reconnect.
    pub async fn connect(url: &str, name: &str) -> Result<Self, StoreError> {
        Self::with_pool_size(url, name, 16).await
    }

    /// As [`connect`](Self::connect), with a pool of up to `connections` connections. Each
    /// delivery being handled holds one for its transaction, so give at least the workers'
    /// total concurrency plus a few for appends.
    pub async fn with_pool_size(
        url: &str,
        name: &str,
        connections: usize,
    ) -> Result<Self, StoreError> {
        check_name(name)?;
        let mut config = tokio_postgres::Config::from_str(url).map_err(|error| {
            StoreError::new(format!("not a PostgreSQL connection string: {error}"))
        })?;
        config.connect_timeout(Duration::from_secs(2));
        let listener = Listener::new(config.clone(), name);
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(connections.max(1))
            .runtime(Runtime::Tokio1)
            .create_timeout(Some(Duration::from_secs(2)))
            .wait_timeout(Some(Duration::from_secs(5)))
            .build()
            .map_err(StoreError::new)?;
        Ok(Self {
            pool,
            name: name.into(),
            sql: Arc::new(Statements::new(name)),
            listener: Arc::new(listener),
            idle_poll: IDLE_POLL,
        })
    }

    /// How long a waiting claim goes without looking at the table while nothing wakes it
    /// (default 1 s). Storing a delivery wakes the claims waiting in every process; a
    /// retry coming due after its backoff does not, and is found at the next look.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use tower_webhook::inbox::PostgresInbox;
    /// # async fn run() -> Result<(), tower_webhook::inbox::StoreError> {
    /// let inbox = PostgresInbox::connect("postgres://app@127.0.0.1/app", "webhook_inbox")
    ///     .await?
    ///     .idle_poll(Duration::from_millis(250));
    /// # Ok(())
    /// # }
    /// ```
    pub fn idle_poll(mut self, every: Duration) -> Self {
        self.idle_poll = every;
        self
    }

    /// Creates the inbox's table, or brings it to the current version: the migrations
    /// shipped with this crate that it lacks, recorded in `tower_webhook_migrations`. Safe to
    /// call from several processes at once, and again at every start. Returns how many
    /// migrations it applied.
    pub async fn migrate(&self) -> Result<usize, StoreError> {
        let mut client = self.connection().await?;
        let transaction = client.transaction().await.map_err(sql_error)?;
        transaction
            .batch_execute(
                "SET LOCAL client_min_messages = warning;
                 SELECT pg_advisory_xact_lock(hashtext('tower_webhook_migrations'));
                 CREATE TABLE IF NOT EXISTS tower_webhook_migrations (
                     inbox text NOT NULL,
                     version integer NOT NULL,
                     applied_at timestamptz NOT NULL DEFAULT now(),
                     PRIMARY KEY (inbox, version)
                 );",
            )
            .await
            .map_err(sql_error)?;
        let mut applied = 0;
        for (version, sql) in MIGRATIONS {
            let done = transaction
                .query_opt(
                    "SELECT 1 FROM tower_webhook_migrations WHERE inbox = $1 AND version = $2",
                    &[&&*self.name, version],
                )
                .await
                .map_err(sql_error)?;
            if done.is_some() {
                continue;
            }
            transaction
                .batch_execute(&render(sql, &self.name))
                .await
                .map_err(sql_error)?;
            transaction
                .execute(
                    "INSERT INTO tower_webhook_migrations (inbox, version) VALUES ($1, $2)",
                    &[&&*self.name, version],
                )
                .await
                .map_err(sql_error)?;
            applied += 1;
        }
        transaction.commit().await.map_err(sql_error)?;
        Ok(applied)
    }

    /// Deletes the rows of deliveries handled more than `age` ago, and says how many. Until
    /// then a handled event's id keeps a repeat of it from being stored again, so keep
    /// them longer than the sender retries (Stripe: 3 days); run it from a periodic job.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # async fn run(inbox: tower_webhook::inbox::PostgresInbox) {
    /// let purged = inbox.purge_handled(Duration::from_secs(7 * 24 * 3600)).await.unwrap();
    /// # }
    /// ```
    pub async fn purge_handled(&self, age: Duration) -> Result<u64, StoreError> {
        let client = self.connection().await?;
        let millis = age.as_millis().min(i64::MAX as u128) as i64;
        client
            .execute(&self.sql.purge, &[&millis])
            .await
            .map_err(|e| self.error(e))
    }

    /// The inbox's table name.
    pub fn name(&self) -> &str {
        &self.name
    }

    async fn connection(&self) -> Result<Object, StoreError> {
        self.pool
            .get()
            .await
            .map_err(|error| StoreError::new(format!("no connection to PostgreSQL: {error}")))
    }

    /// Leases the oldest due delivery, then opens its transaction and locks its row in it.
    async fn claim_due(&self, visibility: Duration) -> Result<Option<Claimed>, StoreError> {
        let client = self.connection().await?;
        let millis = visibility.as_millis().min(i64::MAX as u128) as i64;
        let lease = client
            .prepare_cached(&self.sql.lease)
            .await
            .map_err(|e| self.error(e))?;
        let Some(row) = client
            .query_opt(&lease, &[&millis])
            .await
            .map_err(|e| self.error(e))?
        else {
            return Ok(None);
        };
        let id: i64 = row.get(0);
        let metadata: String = row.get(1);
        let body: Vec<u8> = row.get(2);
        let attempts: i32 = row.get(3);
        let held = Held::begin(client, visibility).await?;
        let lock = held
            .prepare_cached(&self.sql.lock)
            .await
            .map_err(|e| self.error(e))?;
        let locked = held.query_opt(&lock, &[&id, &attempts]).await;
        // Another claim's lease statement may hold the row for a moment (it found the row
        // before this lease committed): the lock waits for it. Only the handling
        // transaction of this lease holds the row for longer.
        if !matches!(locked, Ok(Some(_))) {
            // The lease was lost (a visibility timeout shorter than the round trips).
            held.rollback().await;
            return Ok(None);
        }
        let attempt = u32::try_from(attempts).unwrap_or(0);
        let mut delivery = Delivery::from_stored(&metadata, Bytes::from(body), attempt)?;
        let held = Arc::new(held);
        delivery
            .extensions_mut()
            .insert(PostgresTransaction(Arc::clone(&held)));
        let receipt = Receipt::new(id.to_string(), attempt).with_hold(held);
        Ok(Some(Claimed { delivery, receipt }))
    }

    /// Rolls back the handler's writes, then runs `sql` (`$1` id, `$2` attempt, then
    /// `params`) on its own.
    async fn settle_failed(
        &self,
        mut receipt: Receipt,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<(), StoreError> {
        let held = take_held(&mut receipt)?;
        held.rollback().await;
        let client = held.client()?;
        let (id, attempt) = receipt_row(&receipt)?;
        let mut all: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = vec![&id, &attempt];
        all.extend_from_slice(params);
        let statement = client
            .prepare_cached(sql)
            .await
            .map_err(|e| self.error(e))?;
        client
            .execute(&statement, &all)
            .await
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// A server error as a [`StoreError`], naming the missing table when that is it.
    fn error(&self, error: tokio_postgres::Error) -> StoreError {
        if error.code() == Some(&SqlState::UNDEFINED_TABLE) {
            return StoreError::new(format!(
                "the inbox table \"{}\" does not exist: call PostgresInbox::migrate() once \
                 to create it",
                self.name
            ));
        }
        sql_error(error)
    }
}

impl Store for PostgresInbox {
    fn append<'a>(&'a self, delivery: &'a Delivery) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let client = self.connection().await?;
            let insert = client
                .prepare_cached(&self.sql.insert)
                .await
                .map_err(|e| self.error(e))?;
            let metadata = delivery.metadata_json();
            let body: &[u8] = delivery.body();
            client
                .execute(&insert, &[&delivery.event_id(), &metadata, &body])
                .await
                .map_err(|e| self.error(e))?;
            Ok(())
        })
    }

    fn claim<'a>(
        &'a self,
        _consumer: &'a str,
        visibility: Duration,
        wait: Duration,
    ) -> StoreFuture<'a, Option<Claimed>> {
        Box::pin(async move {
            let deadline = Instant::now() + wait;
            loop {
                // Enabled before looking, so that a delivery stored meanwhile wakes it.
                let mut woken = pin!(self.listener.woken());
                woken.as_mut().enable();
                if let Some(claimed) = self.claim_due(visibility).await? {
                    return Ok(Some(claimed));
                }
                let now = Instant::now();
                if now >= deadline {
                    return Ok(None);
                }
                let every = match self.listener.start() {
                    true => self.idle_poll,
                    false => POLL,
                };
                // Woken, or time to look again: either way, look.
                let _ = tokio::time::timeout(every.min(deadline - now), woken).await;
            }
        })
    }

    fn complete(&self, mut receipt: Receipt) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let held = take_held(&mut receipt)?;
            let (id, _) = receipt_row(&receipt)?;
            let client = held.client()?;
            let result = async {
                let done = client.prepare_cached(&self.sql.done).await?;
                client.execute(&done, &[&id]).await?;
                client.batch_execute("COMMIT").await
            }
            .await;
            match result {
                Ok(()) => {
                    held.settled.store(true, Ordering::Release);
                    Ok(())
                }
                Err(error) => {
                    held.rollback().await;
                    Err(self.error(error))
                }
            }
        })
    }

    fn retry<'a>(
        &'a self,
        receipt: Receipt,
        delay: Duration,
        error: &'a str,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let millis = delay.as_millis().min(i64::MAX as u128) as i64;
            self.settle_failed(receipt, &self.sql.retry, &[&millis, &error])
                .await
        })
    }

    fn bury<'a>(&'a self, receipt: Receipt, error: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move { self.settle_failed(receipt, &self.sql.bury, &[&error]).await })
    }

    fn dead_letters(&self, limit: usize) -> StoreFuture<'_, Vec<DeadLetter>> {
        Box::pin(async move {
            let client = self.connection().await?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = client
                .query(&self.sql.dead, &[&limit])
                .await
                .map_err(|e| self.error(e))?;
            rows.into_iter()
                .map(|row| {
                    let id: i64 = row.get(0);
                    let metadata: String = row.get(1);
                    let body: Vec<u8> = row.get(2);
                    let attempts = u32::try_from(row.get::<_, i32>(3)).unwrap_or(0);
                    let error: Option<String> = row.get(4);
                    Ok(DeadLetter {
                        id: id.to_string(),
                        delivery: Delivery::from_stored(&metadata, Bytes::from(body), attempts)?,
                        attempts,
                        error: error.unwrap_or_default(),
                    })
                })
                .collect()
        })
    }

    fn requeue<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let Ok(id) = id.parse::<i64>() else {
                return Ok(false);
            };
            let client = self.connection().await?;
            let updated = client
                .execute(&self.sql.requeue, &[&id])
                .await
                .map_err(|e| self.error(e))?;
            Ok(updated == 1)
        })
    }
}

impl fmt::Debug for PostgresInbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The connection string may hold a password: only the table is shown.
        f.debug_struct("PostgresInbox")
            .field("table", &self.name)
            .finish_non_exhaustive()
    }
}

/// The transaction a delivery is handled in: a [`tokio_postgres::Client`] inside `BEGIN`.
/// Reach it with [`Delivery::transaction`].
#[derive(Clone)]
pub struct PostgresTransaction(Arc<Held>);

impl Deref for PostgresTransaction {
    type Target = tokio_postgres::Client;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl fmt::Debug for PostgresTransaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresTransaction")
            .finish_non_exhaustive()
    }
}

impl Delivery {
    /// The PostgreSQL transaction this delivery is being handled in, when it came from a
    /// [`PostgresInbox`]: write through it, and your writes commit together with the
    /// delivery's completion, or, if the attempt fails or the worker dies, not at all. Do
    /// not `COMMIT` or `ROLLBACK` it yourself.
    ///
    /// ```no_run
    /// # use tower_webhook::inbox::{Delivery, Worker, PostgresInbox};
    /// # async fn run(inbox: PostgresInbox) {
    /// Worker::new(inbox)
    ///     .run(|delivery: Delivery| async move {
    ///         let transaction = delivery.transaction().expect("a PostgreSQL inbox");
    ///         transaction
    ///             .execute(
    ///                 "INSERT INTO handled_events (event_id) VALUES ($1)",
    ///                 &[&delivery.event_id()],
    ///             )
    ///             .await?;
    ///         Ok::<_, tower_webhook::inbox::tokio_postgres::Error>(())
    ///     })
    ///     .await;
    /// # }
    /// ```
    pub fn transaction(&self) -> Option<&tokio_postgres::Client> {
        self.extensions()
            .get::<PostgresTransaction>()
            .map(|transaction| &**transaction)
    }
}

/// A pooled connection inside the transaction of the delivery it was claimed for. If it is
/// dropped before the delivery is settled (the worker's task was cancelled), it is taken
/// out of the pool and closed, so the server rolls the transaction back and no other use
/// of the pool ever sees it.
struct Held {
    object: Option<Object>,
    settled: AtomicBool,
}

impl Held {
    async fn begin(client: Object, visibility: Duration) -> Result<Self, StoreError> {
        let millis = visibility.as_millis().max(1);
        let held = Self {
            object: Some(client),
            settled: AtomicBool::new(false),
        };
        let client = held.client()?;
        // The server ends a transaction left idle longer than the visibility timeout, so a
        // worker that hangs rather than dies still gives its delivery back. One round trip
        // (a simple query of two statements; the value is a number): a parameter would
        // take a statement prepared per claim, two more.
        client
            .batch_execute(&format!(
                "BEGIN; SET LOCAL idle_in_transaction_session_timeout = {millis}"
            ))
            .await
            .map_err(sql_error)?;
        Ok(held)
    }

    fn client(&self) -> Result<&ClientWrapper, StoreError> {
        self.object
            .as_deref()
            .ok_or_else(|| StoreError::new("the delivery's connection is gone"))
    }

    /// Rolls back; the connection goes back to the pool only if that worked.
    async fn rollback(&self) {
        if let Ok(client) = self.client() {
            if client.batch_execute("ROLLBACK").await.is_ok() {
                self.settled.store(true, Ordering::Release);
            }
        }
    }
}

impl Deref for Held {
    type Target = ClientWrapper;

    fn deref(&self) -> &Self::Target {
        self.client()
            .expect("the connection stays until the delivery is settled")
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if !self.settled.load(Ordering::Acquire) {
            if let Some(object) = self.object.take() {
                drop(Object::take(object));
            }
        }
    }
}

fn take_held(receipt: &mut Receipt) -> Result<Arc<Held>, StoreError> {
    receipt
        .take_hold::<Arc<Held>>()
        .ok_or_else(|| StoreError::new("not a receipt of a PostgreSQL inbox"))
}

/// The row id and attempt a receipt names.
fn receipt_row(receipt: &Receipt) -> Result<(i64, i32), StoreError> {
    let id = receipt
        .id()
        .parse::<i64>()
        .map_err(|_| StoreError::new("not a receipt of a PostgreSQL inbox"))?;
    let attempt = i32::try_from(receipt.attempt()).unwrap_or(i32::MAX);
    Ok((id, attempt))
}

/// A migration's SQL for the inbox in table `name`.
fn render(sql: &str, name: &str) -> String {
    sql.replace("{table}", &format!("\"{name}\""))
        .replace("{due_index}", &format!("\"{name}_due\""))
        .replace("{event_index}", &format!("\"{name}_event\""))
        .replace("{handled_index}", &format!("\"{name}_handled\""))
}

fn sql_error(error: tokio_postgres::Error) -> StoreError {
    StoreError::new(format!("PostgreSQL: {error}"))
}

/// Checks that `name` can be a table name as it is.
fn check_name(name: &str) -> Result<(), StoreError> {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 60;
    match valid {
        true => Ok(()),
        false => Err(StoreError::new(format!(
            "{name:?} cannot name an inbox table: use letters, digits and `_`, not starting \
             with a digit, at most 60 characters"
        ))),
    }
}
