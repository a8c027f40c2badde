//! Exactly once under faults, with real servers and real processes: `examples/inbox.rs` run
//! as two receivers and two workers on a private Redis or PostgreSQL server. Events and
//! concurrent duplicates are sent over HTTP, each retried by its sender until acknowledged;
//! one worker is killed with SIGKILL mid-handler and restarted, and the server is crashed
//! and restarted while events arrive. Afterwards every event was handled: on PostgreSQL
//! each event's effect is recorded exactly once; on Redis at least once, and the duplicate
//! rate is reported.
//!
//! The servers are private (their own port and data directory), started from the
//! `redis-server` and PostgreSQL binaries of this machine; without them the tests say so
//! and pass, unless `INBOX_REQUIRED=1` (set by `.ci/run`).

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::free_port;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

const SECRET: &str = "inbox-fault-test-secret";
/// Distinct events.
const EVENTS: usize = 400;
/// Concurrent sends of each event (one plus duplicates).
const COPIES: usize = 3;

#[test]
fn postgres_inbox_handles_every_event_exactly_once_under_faults() {
    let Some(server) = Server::start(Kind::Postgres) else {
        return;
    };
    let mut run = Run::new(server);
    let handled = run.faulted();
    let counts = run.postgres_effects();
    assert_eq!(counts.len(), EVENTS, "events with an effect");
    let repeated: Vec<_> = counts.iter().filter(|(_, &count)| count != 1).collect();
    assert!(
        repeated.is_empty(),
        "effects not recorded exactly once: {repeated:?}"
    );
    let reclaimed = run.postgres_reclaimed();
    assert!(
        reclaimed > 0,
        "the killed worker held no delivery mid-handler"
    );
    println!(
        "postgres: {EVENTS} events, {} sends, {} handled lines, {reclaimed} deliveries \
         claimed again after the kill or the crash; every effect exactly once",
        EVENTS * COPIES,
        handled.values().sum::<usize>()
    );
}

#[test]
fn redis_inbox_handles_every_event_at_least_once_under_faults() {
    let Some(server) = Server::start(Kind::Redis) else {
        return;
    };
    let mut run = Run::new(server);
    let handled = run.faulted();
    assert_eq!(handled.len(), EVENTS, "events handled");
    let extra: usize = handled.values().map(|count| count - 1).sum();
    // Events sent before the worker was killed, and those sent around the server's crash.
    let extra_first: usize = handled
        .iter()
        .filter(|(id, _)| id[4..].parse::<usize>().unwrap() < EVENTS / 2)
        .map(|(_, count)| count - 1)
        .sum();
    println!(
        "redis: {EVENTS} events, {} sends, handled {} times: duplicate rate {:.2}% \
         ({extra_first} among the events sent before the worker was killed, {} among those \
         sent around the server's crash)",
        EVENTS * COPIES,
        EVENTS + extra,
        100.0 * extra as f64 / EVENTS as f64,
        extra - extra_first
    );
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Redis,
    Postgres,
}

/// A private Redis or PostgreSQL server: its own port and data directory.
struct Server {
    kind: Kind,
    port: u16,
    dir: PathBuf,
    /// The Redis process; PostgreSQL is run by `pg_ctl`.
    redis: Option<Child>,
}

impl Server {
    /// Starts the server, or says why it cannot and returns `None` (a failure with
    /// `INBOX_REQUIRED=1`).
    fn start(kind: Kind) -> Option<Self> {
        let missing = match kind {
            Kind::Redis => which("redis-server").is_none().then_some("redis-server"),
            Kind::Postgres => postgres_bin("initdb")
                .is_none()
                .then_some("initdb (PostgreSQL)"),
        };
        if let Some(missing) = missing {
            let message = format!("{missing} is not installed: the inbox fault test is skipped");
            assert!(std::env::var("INBOX_REQUIRED").is_err(), "{message}");
            eprintln!("{message}");
            return None;
        }
        let dir = std::env::temp_dir().join(format!(
            "tower-webhook-faults-{}-{}",
            std::process::id(),
            if kind == Kind::Redis {
                "redis"
            } else {
                "postgres"
            }
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut server = Self {
            kind,
            port: free_port(),
            dir,
            redis: None,
        };
        if kind == Kind::Postgres {
            server.init_postgres();
        }
        server.up();
        Some(server)
    }

    fn url(&self) -> String {
        match self.kind {
            Kind::Redis => format!("redis://127.0.0.1:{}", self.port),
            Kind::Postgres => format!("postgres://postgres@127.0.0.1:{}/postgres", self.port),
        }
    }

    fn init_postgres(&self) {
        let data = self.dir.join("data");
        as_postgres_owner(&self.dir);
        let status = postgres_command("initdb")
            .args([
                "-D",
                data.to_str().unwrap(),
                "-U",
                "postgres",
                "--auth=trust",
                "-N",
            ])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "initdb failed");
    }

    /// Starts the server on its directory and waits until it answers.
    fn up(&mut self) {
        match self.kind {
            Kind::Redis => {
                let child = common::inbox::durable_redis_server(self.port, &self.dir)
                    .spawn()
                    .unwrap();
                self.redis = Some(child);
            }
            Kind::Postgres => {
                let options = format!("-p {} -k {} -c fsync=on", self.port, self.dir.display());
                let status = postgres_command("pg_ctl")
                    .args([
                        "-D",
                        self.dir.join("data").to_str().unwrap(),
                        "-o",
                        &options,
                    ])
                    .args(["-l", self.dir.join("log").to_str().unwrap(), "-w", "start"])
                    .stdout(Stdio::null())
                    .status()
                    .unwrap();
                assert!(status.success(), "pg_ctl start failed");
            }
        }
        wait_for_port(self.port);
    }

    /// Crashes the server: SIGKILL for Redis, an immediate shutdown (no checkpoint, recovery
    /// from the WAL at the next start) for PostgreSQL.
    fn crash(&mut self) {
        match self.kind {
            Kind::Redis => {
                let mut child = self.redis.take().unwrap();
                child.kill().unwrap();
                child.wait().unwrap();
            }
            Kind::Postgres => {
                let status = postgres_command("pg_ctl")
                    .args([
                        "-D",
                        self.dir.join("data").to_str().unwrap(),
                        "-m",
                        "immediate",
                        "stop",
                    ])
                    .stdout(Stdio::null())
                    .status()
                    .unwrap();
                assert!(status.success(), "pg_ctl stop failed");
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.kind == Kind::Redis && self.redis.is_none() {
            // Crashed and not restarted.
        } else {
            self.crash();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Two receivers and two workers of `examples/inbox.rs` on one server.
struct Run {
    server: Server,
    receivers: Vec<(Child, u16)>,
    workers: Vec<Child>,
    handled: Arc<Mutex<Vec<String>>>,
}

impl Run {
    fn new(server: Server) -> Self {
        let mut run = Self {
            server,
            receivers: Vec::new(),
            workers: Vec::new(),
            handled: Arc::default(),
        };
        for _ in 0..2 {
            let port = free_port();
            let child = example(&run.server.url(), "receive")
                .env("PORT", port.to_string())
                .stdout(Stdio::null())
                .spawn()
                .unwrap();
            run.receivers.push((child, port));
        }
        for &(_, port) in &run.receivers {
            wait_for_port(port);
        }
        for _ in 0..2 {
            run.start_worker();
        }
        run
    }

    fn start_worker(&mut self) {
        let mut child = example(&self.server.url(), "work")
            .env("HANDLE_MS", "50")
            .env("WORKERS", "4")
            .env("VISIBILITY_MS", "3000")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap());
        let handled = Arc::clone(&self.handled);
        std::thread::spawn(move || {
            for line in lines.lines().map_while(Result::ok) {
                if let Some(id) = line.strip_prefix("handled ") {
                    handled.lock().unwrap().push(id.to_owned());
                }
            }
        });
        self.workers.push(child);
    }

    /// Sends every event with duplicates, kills a worker mid-handler and crashes the
    /// server on the way, then waits until every event is handled; returns how many times
    /// each was.
    fn faulted(&mut self) -> HashMap<String, usize> {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let ports: Vec<u16> = self.receivers.iter().map(|(_, port)| *port).collect();
        let ids: Vec<String> = (0..EVENTS).map(|n| format!("evt_{n:04}")).collect();
        let (first, second) = ids.split_at(EVENTS / 2);

        // The first half, acknowledged; the workers have a backlog.
        runtime.block_on(send_all(first, &ports));
        assert!(
            self.handled_count() < EVENTS / 2,
            "no backlog to kill a worker in"
        );
        // A worker with deliveries in its handlers is killed, and started again.
        let mut killed = self.workers.remove(0);
        killed.kill().unwrap();
        killed.wait().unwrap();
        self.start_worker();
        // The second half, sent while the server crashes and comes back.
        let sending = runtime.spawn(send_all_owned(second.to_vec(), ports));
        std::thread::sleep(Duration::from_millis(300));
        self.server.crash();
        std::thread::sleep(Duration::from_secs(1));
        self.server.up();
        runtime.block_on(sending).unwrap();

        let deadline = Instant::now() + Duration::from_secs(120);
        while self.handled_set().len() < EVENTS {
            assert!(
                Instant::now() < deadline,
                "only {} of {EVENTS} events handled",
                self.handled_set().len()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        // Let reclaimed duplicates (Redis) show up before counting.
        std::thread::sleep(Duration::from_secs(4));
        self.handled_set()
    }

    fn handled_count(&self) -> usize {
        self.handled.lock().unwrap().len()
    }

    fn handled_set(&self) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for id in self.handled.lock().unwrap().iter() {
            *counts.entry(id.clone()).or_default() += 1;
        }
        counts
    }

    /// How many times each event's effect is in `handled_events`.
    fn postgres_effects(&self) -> HashMap<String, usize> {
        let rows =
            self.postgres_query("SELECT event_id, count(*) FROM handled_events GROUP BY event_id");
        rows.into_iter()
            .map(|row| (row.get::<_, String>(0), row.get::<_, i64>(1) as usize))
            .collect()
    }

    /// Deliveries that were claimed more than once.
    fn postgres_reclaimed(&self) -> i64 {
        let rows = self.postgres_query("SELECT count(*) FROM webhook_inbox WHERE attempts > 1");
        rows[0].get(0)
    }

    fn postgres_query(&self, sql: &str) -> Vec<tokio_postgres::Row> {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let (client, connection) =
                tokio_postgres::connect(&self.server.url(), tokio_postgres::NoTls)
                    .await
                    .unwrap();
            tokio::spawn(connection);
            client.query(sql, &[]).await.unwrap()
        })
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        for child in self
            .workers
            .iter_mut()
            .chain(self.receivers.iter_mut().map(|(child, _)| child))
        {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

async fn send_all_owned(ids: Vec<String>, ports: Vec<u16>) {
    send_all(&ids, &ports).await;
}

/// Sends each event `COPIES` times at once, to alternating receivers; each send is retried
/// until it is acknowledged with a 2xx, as a provider would.
async fn send_all(ids: &[String], ports: &[u16]) {
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut sends = tokio::task::JoinSet::new();
    for (n, id) in ids.iter().enumerate() {
        for copy in 0..COPIES {
            let url = format!(
                "http://127.0.0.1:{}/webhook",
                ports[(n + copy) % ports.len()]
            );
            let (client, id) = (client.clone(), id.clone());
            sends.spawn(async move { send_until_acknowledged(&client, &url, &id).await });
        }
        // Spread the sends a little, so the backlog builds while the faults happen.
        if n % 20 == 19 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    while let Some(sent) = sends.join_next().await {
        sent.unwrap();
    }
}

async fn send_until_acknowledged(client: &reqwest::Client, url: &str, id: &str) {
    let body = format!(r#"{{"id":"{id}","type":"order.paid","payload":{{"amount":100}}}}"#);
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let response = client
            .post(url)
            .header("x-webhook-signature", &signature)
            .body(body.clone())
            .timeout(Duration::from_secs(10))
            .send()
            .await;
        if response.is_ok_and(|response| response.status().is_success()) {
            return;
        }
        assert!(Instant::now() < deadline, "{id} was never acknowledged");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The example binary, built by `cargo test` beside this test's own binary.
fn example(url: &str, subcommand: &str) -> Command {
    let deps = std::env::current_exe().unwrap();
    let binary = deps
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples/inbox");
    assert!(
        binary.exists(),
        "{} is missing: cargo test --features redis,postgres builds it",
        binary.display()
    );
    let mut command = Command::new(binary);
    command
        .arg(subcommand)
        .env("INBOX_URL", url)
        .env("WEBHOOK_SECRET", SECRET)
        .env("RUST_LOG", "warn")
        .stderr(Stdio::inherit());
    command
}

fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nothing answers on port {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|path| path.is_file())
    })
}

/// A PostgreSQL server program: on `PATH`, else in Debian's `/usr/lib/postgresql/*/bin`.
fn postgres_bin(program: &str) -> Option<PathBuf> {
    which(program).or_else(|| {
        let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|entry| {
                entry
                    .ok()
                    .map(|entry| entry.path().join("bin").join(program))
            })
            .filter(|path| path.is_file())
            .collect();
        versions.sort();
        versions.pop()
    })
}

/// A PostgreSQL program, run as the `postgres` user when this is root (the server refuses
/// to run as root).
fn postgres_command(program: &str) -> Command {
    let path = postgres_bin(program).unwrap();
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(path);
        command
    } else {
        Command::new(path)
    }
}

fn as_postgres_owner(dir: &Path) {
    if is_root() {
        let status = Command::new("chown")
            .args(["-R", "postgres:"])
            .arg(dir)
            .status()
            .unwrap();
        assert!(status.success());
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.trim_ascii() == b"0")
}
