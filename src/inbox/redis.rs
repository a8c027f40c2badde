//! [`RedisInbox`]: an inbox in Redis Streams, shared by every receiver and worker.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use redis::aio::{ConnectionManager, ConnectionManagerConfig, MultiplexedConnection};
use redis::{AsyncConnectionConfig, RedisError, Script, Value};
use tokio::time::Instant;

use super::{Claimed, DeadLetter, Delivery, Receipt, Store, StoreError, StoreFuture};

/// The consumer group every worker of an inbox claims in.
const GROUP: &str = "workers";

/// The idle time past which `XAUTOCLAIM` takes an entry back. A claim for `visibility`
/// sets its entry's idle time to `HORIZON - visibility`, so the entry reaches `HORIZON`
/// exactly when its own visibility timeout passes. Also the longest visibility timeout.
const HORIZON: Duration = Duration::from_secs(365 * 24 * 3600);

/// At most this many due retries go back on the stream per claim.
const PROMOTE_PER_CLAIM: u32 = 100;

/// The longest one blocking wait for a new entry: claims look for deliveries whose
/// visibility timeout has passed at least this often.
const MAX_BLOCK: Duration = Duration::from_secs(1);

/// How many idle connections for blocking waits each inbox keeps.
const MAX_IDLE_WAITERS: usize = 16;

/// Lua helpers shared by the scripts below.
const HELPERS: &str = r"
local function fields_of(flat)
  local fields = {}
  for i = 1, #flat, 2 do fields[flat[i]] = flat[i + 1] end
  return fields
end

-- The fields of entry `id` of stream `key`, or nil.
local function entry(key, id)
  local found = redis.call('XRANGE', key, id, id)
  if #found == 0 then return nil end
  return fields_of(found[1][2])
end

-- The fields of delivery `id` while the claim at `attempt` still holds it (no other
-- claim took it since), or nil.
local function held(stream, group, id, attempt)
  local pending = redis.call('XPENDING', stream, group, id, id, 1)
  if #pending == 0 then return nil end
  local fields = entry(stream, id)
  if fields == nil or tonumber(fields.attempts) + pending[1][4] ~= tonumber(attempt) then
    return nil
  end
  return fields
end

-- Acknowledges delivery `id` and deletes it from the stream.
local function remove(stream, group, id)
  redis.call('XACK', stream, group, id)
  redis.call('XDEL', stream, id)
end

local function now_ms()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
";

/// KEYS: stream, retries, delayed, cursor. ARGV: group, consumer, visibility ms, horizon
/// ms, how many due retries to move back.
///
/// Moves due retries back onto the stream, then claims the first delivery whose
/// visibility timeout has passed (`XAUTOCLAIM`, resuming the scan where the last claim
/// stopped), else the next new one (`XREADGROUP`), and sets its idle time so that it comes
/// back once `visibility` passes. Returns `{id, metadata, body, attempt}`, or, when there
/// is nothing to claim, `{milliseconds until the next retry is due or -1, last entry id}`.
const CLAIM: &str = r"
local stream, retries, delayed, cursor_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local group, consumer = ARGV[1], ARGV[2]
local visibility, horizon = tonumber(ARGV[3]), tonumber(ARGV[4])
local now = now_ms()
-- The group comes back by itself if the stream was deleted.
redis.pcall('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM')

for _, parked in ipairs(redis.call('ZRANGEBYSCORE', retries, '-inf', now, 'LIMIT', 0, ARGV[5])) do
  local fields = entry(delayed, parked)
  if fields then
    redis.call('XADD', stream, '*', 'metadata', fields.metadata, 'body', fields.body,
      'attempts', fields.attempts)
    redis.call('XDEL', delayed, parked)
  end
  redis.call('ZREM', retries, parked)
end

local claimed, deliveries
local cursor = redis.call('GET', cursor_key) or '0-0'
for _ = 1, 10 do
  local found = redis.call('XAUTOCLAIM', stream, group, consumer, horizon, cursor, 'COUNT', 1)
  cursor = found[1]
  if found[2][1] and found[2][1][2] then
    claimed = found[2][1]
    deliveries = redis.call('XPENDING', stream, group, claimed[1], claimed[1], 1)[1][4]
    break
  end
  if cursor == '0-0' then break end
end
if cursor == '0-0' then
  redis.call('DEL', cursor_key)
else
  redis.call('SET', cursor_key, cursor)
end

if not claimed then
  local new = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', 1, 'STREAMS', stream, '>')
  if new then
    claimed = new[1][2][1]
    deliveries = 1
  end
end

if claimed then
  redis.call('XCLAIM', stream, group, consumer, 0, claimed[1], 'IDLE', horizon - visibility, 'JUSTID')
  local fields = fields_of(claimed[2])
  return {claimed[1], fields.metadata, fields.body, tonumber(fields.attempts) + deliveries}
end

local due_in = -1
local next_retry = redis.call('ZRANGE', retries, 0, 0, 'WITHSCORES')
if #next_retry > 0 then due_in = math.max(0, tonumber(next_retry[2]) - now) end
local last = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)
local last_id = '0-0'
if #last > 0 then last_id = last[1][1] end
return {due_in, last_id}
";

/// KEYS: stream. ARGV: group, id, attempt. Removes the delivery if the claim holds it.
const COMPLETE: &str = r"
if held(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) == nil then return 0 end
remove(KEYS[1], ARGV[1], ARGV[2])
return 1
";

/// KEYS: stream, retries, delayed. ARGV: group, id, attempt, delay ms, error. Parks the
/// delivery in the delayed stream, due after the delay, if the claim holds it.
const RETRY: &str = r"
local fields = held(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
if fields == nil then return 0 end
local parked = redis.call('XADD', KEYS[3], '*', 'metadata', fields.metadata, 'body', fields.body,
  'attempts', ARGV[3], 'error', ARGV[5])
redis.call('ZADD', KEYS[2], now_ms() + tonumber(ARGV[4]), parked)
remove(KEYS[1], ARGV[1], ARGV[2])
return 1
";

/// KEYS: stream, dead. ARGV: group, id, attempt, error. Moves the delivery to the dead
/// letters if the claim holds it.
const BURY: &str = r"
local fields = held(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
if fields == nil then return 0 end
redis.call('XADD', KEYS[2], '*', 'metadata', fields.metadata, 'body', fields.body,
  'attempts', ARGV[3], 'error', ARGV[4])
remove(KEYS[1], ARGV[1], ARGV[2])
return 1
";

/// KEYS: dead, stream. ARGV: id. Moves dead letter `id` back onto the stream, for a first
/// attempt again; 0 if there is none.
const REQUEUE: &str = r"
local fields = entry(KEYS[1], ARGV[1])
if fields == nil then return 0 end
redis.call('XADD', KEYS[2], '*', 'metadata', fields.metadata, 'body', fields.body, 'attempts', 0)
redis.call('XDEL', KEYS[1], ARGV[1])
return 1
";

/// KEYS: stream. ARGV: group, consumer. Deletes the consumer from the group unless a
/// delivery is pending for it.
const LEAVE: &str = r"
if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) > 0 then return 0 end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1
";

/// A [`Store`] in Redis Streams, for receivers and workers that run as several processes
/// or machines: what the layer appends is claimed by whichever worker asks first, and a
/// delivery whose worker died is claimed again by another.
///
/// # Keys
///
/// An inbox named `orders` keeps everything under keys that share the hash tag
/// `{orders}`:
///
/// | key | type | holds |
/// | --- | --- | --- |
/// | `tower-webhook:inbox:{orders}:stream` | stream, consumer group `workers` | the deliveries waiting and in flight |
/// | `tower-webhook:inbox:{orders}:delayed` | stream | the deliveries waiting for a retry |
/// | `tower-webhook:inbox:{orders}:retries` | sorted set | the `delayed` ids, scored by when each is due (ms) |
/// | `tower-webhook:inbox:{orders}:dead` | stream | the dead letters, oldest first |
/// | `tower-webhook:inbox:{orders}:cursor` | string | where the next scan for expired claims starts (only mid-scan) |
///
/// Each entry has the fields `metadata` (the JSON of [`Delivery::metadata_json`]), `body`
/// (the exact bytes), `attempts` (the attempts made before this entry), and in `delayed`
/// and `dead` also `error` (the last attempt's). The id a [`Receipt`] or a [`DeadLetter`]
/// carries is the entry's id in `stream` or `dead`. Every worker is a consumer of the group
/// under its [`Worker::name`](super::Worker::name); a worker that stops through
/// [`run_until`](super::Worker::run_until) is deleted from the group once nothing is
/// pending for it. Redis keeps the consumer of a worker that died until it is deleted, so
/// where worker processes are killed often give them stable names rather than the random
/// default (a consumer with no pending deliveries can be deleted at any time with
/// `XGROUP DELCONSUMER`: it comes back when it next claims).
///
/// # How each guarantee holds
///
/// - **Stored before the 2xx**: an append is one `XADD`; the layer answers once Redis
///   has replied to it. An append whose reply is lost (a timeout) may still have been
///   stored: the sender gets 503 and retries, so the delivery may be stored twice (at
///   least once, never lost).
/// - **One worker at a time**: a claim is one Lua script, so claims never race. It moves
///   due retries back onto the stream, then takes the first delivery whose visibility
///   timeout has passed (`XAUTOCLAIM`), else the next new one (`XREADGROUP`). Either way
///   it sets the entry's idle time to one year minus the claim's visibility timeout
///   (`XCLAIM … IDLE … JUSTID`), so `XAUTOCLAIM` with a one-year minimum idle time takes
///   it back exactly when that timeout passes, whatever timeout each worker uses. The
///   claim and the timeout are set in the same script, so no delivery is ever held
///   without one. (Visibility timeouts are therefore capped at one year, and `XPENDING`
///   shows idle times offset by it.)
/// - **Attempts survive a reclaim and a restart**: a delivery's attempt is its entry's
///   `attempts` plus the group's delivery count for it, which `XAUTOCLAIM` increments
///   and Redis persists with the entry.
/// - **A late worker changes nothing**: completing, retrying or burying is one script
///   that first checks that the claim still holds the delivery (it is pending at the
///   receipt's attempt); after a reclaim, the old receipt does nothing.
/// - **Handled entries are trimmed**: completing acknowledges and deletes the entry
///   (`XACK` + `XDEL`) in one script, so the stream holds only deliveries not yet
///   handled; retrying and burying move the entry to `delayed` or `dead` the same way.
/// - **Retries after a delay**: Streams cannot deliver later, so a retry parks the entry
///   in `delayed` with its due time in `retries`; the next claim after that time moves it
///   back onto the stream, in the same script that claims. Due times are the Redis
///   server's clock (`TIME`), never a worker's.
/// - **Dead letters**: kept in `dead` until [`requeue`](Store::requeue) moves one back
///   (one script) for a first attempt again.
///
/// Each multi-step change is one Lua script, so it happens entirely or not at all, in
/// memory and in the append-only file (Redis logs a script's writes as one transaction,
/// and, with its default `aof-load-truncated yes`, drops a transaction cut short by a
/// crash when it loads the file). A worker that
/// dies mid-handler leaves its delivery to be claimed again: handling is at least once,
/// so a handler must tolerate a second run of a delivery it may have finished.
///
/// # Durability: what the server must be configured with
///
/// Redis replies to a write before it is on disk unless told otherwise. For "nothing
/// acknowledged to a sender is lost", run the server with **`appendonly yes`** and
/// **`appendfsync always`**: the write is then in the append-only file, fsynced, before
/// Redis replies. With `appendfsync everysec` (Redis's default when the append-only file
/// is on) a crash of the server or the machine loses up to the last second of
/// acknowledged deliveries; with only RDB snapshots, everything since the last snapshot;
/// with no persistence, everything. Replication is asynchronous: a replica promoted after
/// a failover may lack the last writes the old primary acknowledged (this type does not
/// issue `WAIT`), so a primary's disk, not its replicas, is what makes a delivery durable.
/// Redis must also never evict these keys: use `maxmemory-policy noeviction` (an append
/// then fails when memory is full, and the sender gets 503 and retries).
///
/// # Connections
///
/// Commands go through a [`ConnectionManager`], which reconnects after the server goes
/// away, with a 1 second timeout per command and per connection attempt: while the
/// server is unreachable each append fails at once (503 by default, so the sender
/// retries) and each claim fails (the worker backs off and tries again).
///
/// A claim that finds nothing waits on a connection of its own (`XREAD BLOCK` for an
/// entry newer than the last it saw, for at most a second at a time), so waiting never
/// holds up the shared connection; an inbox keeps up to 16 such connections idle for the
/// next wait. The wait claims nothing: a blocking `XREADGROUP` whose reply was lost (a
/// timeout, a dropped connection) would leave a delivery claimed without the visibility
/// timeout the claim script sets, so every claim is made by the script, after the wait.
///
/// ```no_run
/// use tower_webhook::inbox::{RedisInbox, Worker};
/// use tower_webhook::WebhookVerify;
///
/// # async fn run() -> Result<(), tower_webhook::inbox::StoreError> {
/// let inbox = RedisInbox::connect("redis://127.0.0.1:6379", "orders").await?;
/// // Receivers store verified deliveries in the stream and answer 200.
/// let layer = WebhookVerify::new("secret").inbox(inbox.clone());
/// // Workers, here or in other processes, handle them.
/// Worker::new(inbox)
///     .name("orders-worker-1")
///     .concurrency(8)
///     .run(|delivery| async move {
///         println!("handling {:?}", delivery.event_id());
///         Ok::<_, std::io::Error>(())
///     })
///     .await;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisInbox {
    name: Arc<str>,
    keys: Arc<Keys>,
    connection: ConnectionManager,
    waiters: Waiters,
    scripts: Arc<Scripts>,
}

/// The keys of one inbox.
struct Keys {
    stream: String,
    delayed: String,
    retries: String,
    dead: String,
    cursor: String,
}

impl Keys {
    fn new(name: &str) -> Self {
        let key = |part: &str| format!("tower-webhook:inbox:{{{name}}}:{part}");
        Self {
            stream: key("stream"),
            delayed: key("delayed"),
            retries: key("retries"),
            dead: key("dead"),
            cursor: key("cursor"),
        }
    }
}

struct Scripts {
    claim: Script,
    complete: Script,
    retry: Script,
    bury: Script,
    requeue: Script,
    leave: Script,
}

impl Scripts {
    fn new() -> Self {
        let script = |body: &str| Script::new(&format!("{HELPERS}{body}"));
        Self {
            claim: script(CLAIM),
            complete: script(COMPLETE),
            retry: script(RETRY),
            bury: script(BURY),
            requeue: script(REQUEUE),
            leave: script(LEAVE),
        }
    }
}

impl RedisInbox {
    /// How long one command may take before it counts as a store error.
    pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(1);

    /// Connects to the Redis server at `url` (such as `redis://127.0.0.1:6379`) and opens
    /// the inbox `name` (its stream and keys, created with the consumer group if they do
    /// not exist yet).
    ///
    /// # Errors
    ///
    /// If `name` is empty, the URL is invalid, or the server does not answer.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), tower_webhook::inbox::StoreError> {
    /// let inbox = tower_webhook::inbox::RedisInbox::connect("redis://127.0.0.1:6379", "orders")
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect(url: &str, name: &str) -> Result<RedisInbox, StoreError> {
        if name.is_empty() {
            return Err(StoreError::new("a Redis inbox needs a non-empty name"));
        }
        let client = redis::Client::open(url).map_err(failure(name, "read its URL"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Self::COMMAND_TIMEOUT)
            .set_response_timeout(Self::COMMAND_TIMEOUT)
            .set_number_of_retries(0);
        let connection = ConnectionManager::new_with_config(client.clone(), config)
            .await
            .map_err(failure(name, "connect"))?;
        let inbox = Self {
            name: name.into(),
            keys: Arc::new(Keys::new(name)),
            connection,
            waiters: Waiters::new(client),
            scripts: Arc::new(Scripts::new()),
        };
        inbox.create_group().await?;
        Ok(inbox)
    }

    /// The inbox's name, as given to [`connect`](Self::connect).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Creates the stream and its consumer group, unless they exist.
    async fn create_group(&self) -> Result<(), StoreError> {
        let created = redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(&self.keys.stream)
            .arg(GROUP)
            .arg("0")
            .arg("MKSTREAM")
            .query_async::<()>(&mut self.connection.clone())
            .await;
        match created {
            Err(error) if error.code() != Some("BUSYGROUP") => {
                Err(self.failed("create its consumer group")(error))
            }
            _ => Ok(()),
        }
    }

    /// How to say that `what` failed.
    fn failed<'a>(&'a self, what: &'a str) -> impl FnOnce(RedisError) -> StoreError + 'a {
        failure(&self.name, what)
    }

    /// One claim, without waiting.
    async fn try_claim(&self, consumer: &str, visibility: Duration) -> Result<Found, StoreError> {
        let keys = &self.keys;
        let reply: Vec<Value> = self
            .scripts
            .claim
            .key(&keys.stream)
            .key(&keys.retries)
            .key(&keys.delayed)
            .key(&keys.cursor)
            .arg(GROUP)
            .arg(consumer)
            .arg(millis(visibility.min(HORIZON)))
            .arg(millis(HORIZON))
            .arg(PROMOTE_PER_CLAIM)
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(self.failed("claim a delivery"))?;
        Found::read(reply).map_err(self.failed("read a claimed delivery"))
    }

    /// Runs a settling script (`complete`, `retry` or `bury`) for `receipt`; a receipt
    /// that is not a stream id holds nothing, so it does nothing.
    async fn settle(
        &self,
        script: &Script,
        keys: &[&str],
        receipt: &Receipt,
        extra: &[&str],
        what: &str,
    ) -> Result<(), StoreError> {
        if !is_stream_id(receipt.id()) {
            return Ok(());
        }
        let mut invocation = script.prepare_invoke();
        invocation
            .key(keys)
            .arg(GROUP)
            .arg(receipt.id())
            .arg(receipt.attempt())
            .arg(extra);
        invocation
            .invoke_async::<i64>(&mut self.connection.clone())
            .await
            .map(drop)
            .map_err(self.failed(what))
    }
}

/// What one claim found: a delivery, or when to look again.
enum Found {
    Delivery(Box<Claimed>),
    Nothing {
        /// How long until the next retry is due, if one is waiting.
        due_in: Option<Duration>,
        /// The stream's last entry when the claim ran: a newer one is worth a look.
        last_id: String,
    },
}

impl Found {
    fn read(reply: Vec<Value>) -> Result<Self, RedisError> {
        match <[Value; 4]>::try_from(reply) {
            Ok([id, metadata, body, attempt]) => {
                let id: String = redis::from_owned_redis_value(id)?;
                let metadata: String = redis::from_owned_redis_value(metadata)?;
                let body: Vec<u8> = redis::from_owned_redis_value(body)?;
                let attempt: u32 = redis::from_owned_redis_value(attempt)?;
                let delivery = Delivery::from_stored(&metadata, Bytes::from(body), attempt)
                    .map_err(|error| unreadable(&id, error))?;
                let receipt = Receipt::new(id, attempt);
                Ok(Self::Delivery(Box::new(Claimed { delivery, receipt })))
            }
            Err(reply) => {
                let (due_in, last_id): (i64, String) =
                    redis::from_owned_redis_value(Value::Array(reply))?;
                let due_in = u64::try_from(due_in).ok().map(Duration::from_millis);
                Ok(Self::Nothing { due_in, last_id })
            }
        }
    }
}

/// Connections for blocking waits, each used by one wait at a time.
#[derive(Clone)]
struct Waiters {
    client: redis::Client,
    idle: Arc<Mutex<Vec<MultiplexedConnection>>>,
}

impl Waiters {
    fn new(client: redis::Client) -> Self {
        Self {
            client,
            idle: Arc::default(),
        }
    }

    /// Waits up to `block` for an entry of `stream` newer than `after`; claims nothing.
    async fn wait(&self, stream: &str, after: &str, block: Duration) -> Result<(), RedisError> {
        if let Some(idle) = self.take() {
            if self.read(idle, stream, after, block).await.is_ok() {
                return Ok(());
            }
            // An idle connection may have died with the server: try a new one.
        }
        let fresh = self.open().await?;
        self.read(fresh, stream, after, block).await
    }

    /// One blocking read on `connection`, which goes back to the idle ones if it answered.
    async fn read(
        &self,
        mut connection: MultiplexedConnection,
        stream: &str,
        after: &str,
        block: Duration,
    ) -> Result<(), RedisError> {
        redis::cmd("XREAD")
            .arg("COUNT")
            .arg(1)
            .arg("BLOCK")
            .arg(millis(block))
            .arg("STREAMS")
            .arg(stream)
            .arg(after)
            .query_async::<Value>(&mut connection)
            .await?;
        self.give_back(connection);
        Ok(())
    }

    async fn open(&self) -> Result<MultiplexedConnection, RedisError> {
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(RedisInbox::COMMAND_TIMEOUT)
            .set_response_timeout(MAX_BLOCK + RedisInbox::COMMAND_TIMEOUT);
        self.client
            .get_multiplexed_async_connection_with_config(&config)
            .await
    }

    fn take(&self) -> Option<MultiplexedConnection> {
        self.lock().pop()
    }

    fn give_back(&self, connection: MultiplexedConnection) {
        let mut idle = self.lock();
        if idle.len() < MAX_IDLE_WAITERS {
            idle.push(connection);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<MultiplexedConnection>> {
        // A connection list is whole even if a holder panicked.
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Milliseconds, at least 1 (a `BLOCK 0` would wait for ever).
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

/// Whether `id` looks like a stream entry id (`<ms>-<seq>`), so Redis will take it.
fn is_stream_id(id: &str) -> bool {
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit());
    id.split_once('-')
        .is_some_and(|(ms, seq)| digits(ms) && digits(seq))
}

/// The error for `what` failing in inbox `name`: never the URL, which may hold a password.
fn failure<'a>(name: &'a str, what: &'a str) -> impl FnOnce(RedisError) -> StoreError + 'a {
    move |error| {
        StoreError::new(format!(
            "the Redis inbox {name:?} could not {what}: {error}"
        ))
    }
}

fn unreadable(id: &str, error: StoreError) -> RedisError {
    let detail = format!("entry {id}: {error}");
    RedisError::from((
        redis::ErrorKind::TypeError,
        "a stored delivery is unreadable",
        detail,
    ))
}

/// A dead letter read from the `dead` stream.
fn dead_letter(id: String, mut fields: HashMap<String, Vec<u8>>) -> Result<DeadLetter, StoreError> {
    let mut text = |name: &str| String::from_utf8(fields.remove(name).unwrap_or_default());
    let metadata = text("metadata").map_err(StoreError::new)?;
    let error = text("error").map_err(StoreError::new)?;
    let attempts = text("attempts")
        .map_err(StoreError::new)?
        .parse::<u32>()
        .map_err(StoreError::new)?;
    let body = Bytes::from(fields.remove("body").unwrap_or_default());
    let delivery = Delivery::from_stored(&metadata, body, attempts)?;
    Ok(DeadLetter {
        id,
        delivery,
        attempts,
        error,
    })
}

impl Store for RedisInbox {
    fn append<'a>(&'a self, delivery: &'a Delivery) -> StoreFuture<'a, ()> {
        let mut connection = self.connection.clone();
        Box::pin(async move {
            redis::cmd("XADD")
                .arg(&self.keys.stream)
                .arg("*")
                .arg("metadata")
                .arg(delivery.metadata_json())
                .arg("body")
                .arg(delivery.body().as_ref())
                .arg("attempts")
                .arg(0)
                .query_async::<String>(&mut connection)
                .await
                .map(drop)
                .map_err(self.failed("store a delivery"))
        })
    }

    fn claim<'a>(
        &'a self,
        consumer: &'a str,
        visibility: Duration,
        wait: Duration,
    ) -> StoreFuture<'a, Option<Claimed>> {
        Box::pin(async move {
            let deadline = Instant::now() + wait;
            loop {
                let (due_in, last_id) = match self.try_claim(consumer, visibility).await? {
                    Found::Delivery(claimed) => return Ok(Some(*claimed)),
                    Found::Nothing { due_in, last_id } => (due_in, last_id),
                };
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Ok(None);
                }
                let block = due_in.unwrap_or(left).min(left).min(MAX_BLOCK);
                self.waiters
                    .wait(&self.keys.stream, &last_id, block)
                    .await
                    .map_err(self.failed("wait for a delivery"))?;
            }
        })
    }

    fn complete(&self, receipt: Receipt) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let keys = [self.keys.stream.as_str()];
            let script = &self.scripts.complete;
            self.settle(script, &keys, &receipt, &[], "complete a delivery")
                .await
        })
    }

    fn retry<'a>(
        &'a self,
        receipt: Receipt,
        delay: Duration,
        error: &'a str,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let keys = &self.keys;
            let keys = [
                keys.stream.as_str(),
                keys.retries.as_str(),
                keys.delayed.as_str(),
            ];
            let delay = delay.as_millis().to_string();
            let extra = [delay.as_str(), error];
            let script = &self.scripts.retry;
            self.settle(script, &keys, &receipt, &extra, "schedule a retry")
                .await
        })
    }

    fn bury<'a>(&'a self, receipt: Receipt, error: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let keys = [self.keys.stream.as_str(), self.keys.dead.as_str()];
            let script = &self.scripts.bury;
            self.settle(script, &keys, &receipt, &[error], "bury a delivery")
                .await
        })
    }

    fn dead_letters(&self, limit: usize) -> StoreFuture<'_, Vec<DeadLetter>> {
        let mut connection = self.connection.clone();
        Box::pin(async move {
            if limit == 0 {
                return Ok(Vec::new());
            }
            let entries: Vec<(String, HashMap<String, Vec<u8>>)> = redis::cmd("XRANGE")
                .arg(&self.keys.dead)
                .arg("-")
                .arg("+")
                .arg("COUNT")
                .arg(limit)
                .query_async(&mut connection)
                .await
                .map_err(self.failed("list its dead letters"))?;
            entries
                .into_iter()
                .map(|(id, fields)| dead_letter(id, fields))
                .collect()
        })
    }

    fn requeue<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool> {
        let mut connection = self.connection.clone();
        Box::pin(async move {
            if !is_stream_id(id) {
                return Ok(false);
            }
            let moved: i64 = self
                .scripts
                .requeue
                .key(&self.keys.dead)
                .key(&self.keys.stream)
                .arg(id)
                .invoke_async(&mut connection)
                .await
                .map_err(self.failed("requeue a dead letter"))?;
            Ok(moved == 1)
        })
    }

    fn leave<'a>(&'a self, consumer: &'a str) -> StoreFuture<'a, ()> {
        let mut connection = self.connection.clone();
        Box::pin(async move {
            self.scripts
                .leave
                .key(&self.keys.stream)
                .arg(GROUP)
                .arg(consumer)
                .invoke_async::<i64>(&mut connection)
                .await
                .map(drop)
                .map_err(self.failed("remove a consumer that left"))
        })
    }
}

/// Names the inbox and its stream; never the URL, which may hold a password.
impl fmt::Debug for RedisInbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisInbox")
            .field("name", &self.name)
            .field("stream", &self.keys.stream)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_ids_are_told_from_anything_else() {
        assert!(is_stream_id("1700000000000-0"));
        assert!(is_stream_id("0-12"));
        for id in [
            "", "-", "12", "12-", "-3", "1-2-3", "a-1", "1-b", "+", "7 -1",
        ] {
            assert!(!is_stream_id(id), "{id:?}");
        }
    }

    #[test]
    fn every_key_of_an_inbox_shares_its_hash_tag() {
        let keys = Keys::new("orders");
        assert_eq!(keys.stream, "tower-webhook:inbox:{orders}:stream");
        for key in [&keys.delayed, &keys.retries, &keys.dead, &keys.cursor] {
            assert!(key.starts_with("tower-webhook:inbox:{orders}:"), "{key}");
        }
    }

    #[test]
    fn waits_are_never_zero() {
        assert_eq!(millis(Duration::ZERO), 1);
        assert_eq!(millis(Duration::from_micros(1_500)), 1);
        assert_eq!(millis(Duration::from_secs(2)), 2_000);
    }
}
