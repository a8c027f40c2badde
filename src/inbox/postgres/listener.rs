//! [`Listener`]: wakes the claims waiting on an inbox when a delivery is stored, through
//! PostgreSQL's `LISTEN`/`NOTIFY`, so that idle workers neither poll the table nor wait
//! for the next poll.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::AbortHandle;
use tokio_postgres::{AsyncMessage, NoTls};

/// How long the listener waits before connecting again after its connection ended.
const RECONNECT: Duration = Duration::from_secs(1);

/// One connection of its own per inbox (outside the pool) that `LISTEN`s on the inbox's
/// channel, in a task started by the first claim that waits; every notification wakes every
/// waiting claim, which then looks for a due delivery. The task reconnects when its
/// connection ends, and stops when the last clone of the inbox is dropped.
pub(super) struct Listener {
    config: tokio_postgres::Config,
    channel: String,
    shared: Arc<Shared>,
    task: Mutex<Option<AbortHandle>>,
}

/// What the listener's task and the claims share.
#[derive(Default)]
struct Shared {
    /// Woken on every notification, and once each time `LISTEN` takes effect (a delivery
    /// stored before then was not announced to this listener).
    woken: Notify,
    /// Whether `LISTEN` is in effect: only then does a waiting claim rely on being woken.
    listening: AtomicBool,
}

impl Listener {
    /// A listener on `channel` (a name that needs no quoting beyond double quotes), not
    /// started.
    pub(super) fn new(config: tokio_postgres::Config, channel: &str) -> Self {
        Self {
            config,
            channel: channel.to_owned(),
            shared: Arc::default(),
            task: Mutex::new(None),
        }
    }

    /// Starts the listener's task in the current runtime unless it runs already, and says
    /// whether `LISTEN` is in effect.
    pub(super) fn start(&self) -> bool {
        let mut task = self
            .task
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // A task ends only when aborted or when its runtime shut down.
        if task.as_ref().is_none_or(AbortHandle::is_finished) {
            let run = listen_forever(
                self.config.clone(),
                self.channel.clone(),
                Arc::clone(&self.shared),
            );
            *task = Some(tokio::spawn(run).abort_handle());
        }
        self.shared.listening.load(Ordering::Acquire)
    }

    /// Resolves at the next wake-up after it is made. Enable it (`Notified::enable`) before
    /// looking for a delivery, so that a delivery stored in between still wakes it.
    pub(super) fn woken(&self) -> tokio::sync::futures::Notified<'_> {
        self.shared.woken.notified()
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let task = self
            .task
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(task) = task.take() {
            task.abort();
        }
    }
}

/// Listens, and connects again after each connection ends.
async fn listen_forever(config: tokio_postgres::Config, channel: String, shared: Arc<Shared>) {
    // Not listening once this task stops, however it stops (aborted, or its runtime shut
    // down): claims then poll again.
    struct NotListening(Arc<Shared>);
    impl Drop for NotListening {
        fn drop(&mut self) {
            self.0.listening.store(false, Ordering::Release);
        }
    }
    let _guard = NotListening(Arc::clone(&shared));
    loop {
        if let Err(error) = listen(&config, &channel, &shared).await {
            tracing::debug!(%error, "webhook inbox listener lost its PostgreSQL connection");
        }
        shared.listening.store(false, Ordering::Release);
        tokio::time::sleep(RECONNECT).await;
    }
}

/// One connection: `LISTEN`, then a wake-up per notification until the connection ends.
async fn listen(
    config: &tokio_postgres::Config,
    channel: &str,
    shared: &Shared,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let statement = format!("LISTEN \"{channel}\"");
    let mut listen = pin!(client.batch_execute(&statement));
    let mut listened = false;
    // The connection is driven here, in this task: `LISTEN` completes through it, and its
    // notifications arrive through it.
    poll_fn(|cx| {
        if !listened {
            if let Poll::Ready(result) = listen.as_mut().poll(cx) {
                result?;
                listened = true;
                shared.listening.store(true, Ordering::Release);
                shared.woken.notify_waiters();
            }
        }
        loop {
            match connection.poll_message(cx) {
                Poll::Ready(Some(Ok(AsyncMessage::Notification(_)))) => {
                    shared.woken.notify_waiters()
                }
                Poll::Ready(Some(Ok(_))) => {}
                Poll::Ready(Some(Err(error))) => return Poll::Ready(Err(error)),
                Poll::Ready(None) => return Poll::Ready(Ok(())),
                Poll::Pending => return Poll::Pending,
            }
        }
    })
    .await
}
