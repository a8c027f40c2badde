//! The peer processes: `interop/peer.js` on Node and `interop/peer.py` in the project's
//! Python environment, each answering one JSON line per request line.

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::Value;

pub(crate) struct Peer {
    name: &'static str,
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl Peer {
    fn spawn(name: &'static str, program: &Path, script: &Path) -> Self {
        let mut child = Command::new(program)
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("starting the {name} peer: {error}"));
        let input = child.stdin.take().unwrap();
        let output = BufReader::new(child.stdout.take().unwrap());
        Self {
            name,
            child,
            input,
            output,
        }
    }

    /// Sends one request and reads its answer.
    pub(crate) fn ask(&mut self, request: &Value) -> Value {
        writeln!(self.input, "{request}").expect("writing to a peer");
        self.input.flush().unwrap();
        let mut line = String::new();
        self.output
            .read_line(&mut line)
            .expect("reading from a peer");
        serde_json::from_str(&line)
            .unwrap_or_else(|_| panic!("the {} peer answered {line:?}", self.name))
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) struct Peers(Vec<Peer>);

impl Peers {
    /// Both peers, or `None` (after saying why) when they are not set up and
    /// `INTEROP_REQUIRED` is not set.
    pub(crate) fn start() -> Option<Self> {
        // The crate's tests run in the repository's root, the command-line tool's in cli/.
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = manifest
            .ancestors()
            .map(|dir| dir.join("interop"))
            .find(|dir| dir.join("peer.js").is_file())
            .expect("the interop/ directory");
        let node_ready = root.join("node_modules").is_dir();
        let python = root.join(".venv/bin/python");
        let python_ready = python.is_file();
        if !(node_ready && python_ready) {
            let message = "interop peers are not set up: run interop/setup-node.sh and \
                           interop/setup-python.sh";
            assert!(std::env::var_os("INTEROP_REQUIRED").is_none(), "{message}");
            eprintln!("skipped: {message}");
            return None;
        }
        Some(Self(vec![
            Peer::spawn("node", Path::new("node"), &root.join("peer.js")),
            Peer::spawn("python", &python, &root.join("peer.py")),
        ]))
    }

    pub(crate) fn all(&mut self) -> impl Iterator<Item = &mut Peer> {
        self.0.iter_mut()
    }
}
