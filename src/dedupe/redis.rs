//! [`RedisStore`]: the record of handled events in Redis, shared by every receiver.

use std::fmt;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::Script;

use super::{Claim, Store, StoreError, StoreFuture};

/// The value of a key whose event was handled; in-flight keys hold their owner's token.
const DONE: &str = "done";

/// Claims `KEYS[1]` for owner `ARGV[1]` for `ARGV[2]` milliseconds unless it exists.
/// Returns 0 when claimed, 1 when in flight, 2 when done.
const CLAIM: &str = r"
local current = redis.call('GET', KEYS[1])
if current == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 0
end
if current == 'done' then
  return 2
end
return 1
";

/// Deletes `KEYS[1]` only while it still holds owner `ARGV[1]`.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// A [`Store`] in Redis, for receivers that run as several processes or machines.
///
/// Each operation is one atomic command or script: a claim is a Lua script that sets the
/// key with an expiry only if it is absent and otherwise says whether it is in flight or
/// done; completing is `SET key done PX ttl`; releasing is a script that deletes the key
/// only while this request still owns it. Expiry is Redis's own, so entries vanish by
/// themselves.
///
/// The connection is a [`ConnectionManager`], which reconnects after the server goes
/// away. [`connect`](Self::connect) gives each command and each connection attempt a
/// 1 second timeout and does not wait between attempts: while the server is unreachable
/// each request fails at once (503 by default) and the next one tries to connect again,
/// so handling resumes as soon as the server is back.
///
/// ```no_run
/// use tower_webhook::{dedupe::RedisStore, WebhookVerify};
///
/// # async fn run() -> Result<(), tower_webhook::dedupe::StoreError> {
/// let store = RedisStore::connect("redis://127.0.0.1:6379").await?;
/// let layer = WebhookVerify::new("secret").dedupe(store);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    claim: Script,
    release: Script,
}

impl RedisStore {
    /// How long one command may take before it counts as a store error.
    pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(1);

    /// Connects to the Redis server at `url` (such as `redis://127.0.0.1:6379`).
    ///
    /// # Errors
    ///
    /// If the URL is invalid or the server does not answer.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), tower_webhook::dedupe::StoreError> {
    /// let store = tower_webhook::dedupe::RedisStore::connect("redis://127.0.0.1:6379").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url).map_err(StoreError::new)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Self::COMMAND_TIMEOUT)
            .set_response_timeout(Self::COMMAND_TIMEOUT)
            .set_number_of_retries(0);
        let connection = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(StoreError::new)?;
        Ok(Self::from_connection(connection))
    }

    /// Uses a [`ConnectionManager`] you configured yourself (TLS, timeouts, retries).
    ///
    /// ```no_run
    /// # async fn run() -> redis::RedisResult<()> {
    /// let client = redis::Client::open("redis://127.0.0.1:6379")?;
    /// let connection = redis::aio::ConnectionManager::new(client).await?;
    /// let store = tower_webhook::dedupe::RedisStore::from_connection(connection);
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_connection(connection: ConnectionManager) -> Self {
        Self {
            connection,
            claim: Script::new(CLAIM),
            release: Script::new(RELEASE),
        }
    }
}

/// Milliseconds for `PX`, at least 1.
fn px(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}

impl Store for RedisStore {
    fn claim<'a>(&'a self, key: &'a str, owner: &'a str, ttl: Duration) -> StoreFuture<'a, Claim> {
        let mut connection = self.connection.clone();
        Box::pin(async move {
            let found: i64 = self
                .claim
                .key(key)
                .arg(owner)
                .arg(px(ttl))
                .invoke_async(&mut connection)
                .await
                .map_err(StoreError::new)?;
            match found {
                0 => Ok(Claim::New),
                1 => Ok(Claim::InFlight),
                2 => Ok(Claim::Done),
                other => Err(StoreError::new(format!("unexpected claim result {other}"))),
            }
        })
    }

    fn complete<'a>(&'a self, key: &'a str, ttl: Duration) -> StoreFuture<'a, ()> {
        let mut connection = self.connection.clone();
        Box::pin(async move {
            redis::cmd("SET")
                .arg(key)
                .arg(DONE)
                .arg("PX")
                .arg(px(ttl))
                .query_async::<()>(&mut connection)
                .await
                .map_err(StoreError::new)
        })
    }

    fn release<'a>(&'a self, key: &'a str, owner: &'a str) -> StoreFuture<'a, ()> {
        let mut connection = self.connection.clone();
        Box::pin(async move {
            self.release
                .key(key)
                .arg(owner)
                .invoke_async::<i64>(&mut connection)
                .await
                .map(drop)
                .map_err(StoreError::new)
        })
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore").finish_non_exhaustive()
    }
}
