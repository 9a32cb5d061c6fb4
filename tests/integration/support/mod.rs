//! Shared test helpers: run the real `leadctl` binary the way a user does, in a clean
//! environment (this file), against servers on loopback: `server` (scripted answers, with
//! canned ones in `api`), `sandbox` (the in-process sandbox), `serve` (`sandbox serve` as a
//! child), `tls` and `proxy`. `request` is the one request type they all record and `raw_http`
//! sends.

pub mod api;
pub mod freeze;
pub mod postgres;
pub mod proxy;
pub mod raw_http;
pub mod request;
pub mod sandbox;
pub mod serve;
pub mod server;
pub mod tls;
pub mod window;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A key in the format KeenPartner issues; tests assert it never appears in any output.
pub const KEY: &str = "0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a";
pub const CHANNEL: &str = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";

/// Says that (part of) a test did not run here and why, on the real stderr: the test harness
/// captures `eprintln!` of a passing test, so a skip said that way would pass silently.
pub fn skipped(test: &str, why: &str) {
    let _ = writeln!(std::io::stderr(), "skipped: {test}: {why}");
}

/// One run of the binary: builder, then `run()`.
pub struct Leadctl {
    cmd: Command,
    stdin: Option<Vec<u8>>,
    pub home: tempfile::TempDir,
}

#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// The run's temporary HOME, kept alive as long as the outcome so tests can inspect the files
    /// the run left there.
    #[allow(dead_code)] // held for its Drop: the directory goes when the outcome does
    pub home: tempfile::TempDir,
}

impl Outcome {
    /// Asserts the exit code, printing both streams when it differs.
    pub fn code(&self, expected: i32) -> &Outcome {
        assert_eq!(
            self.code, expected,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn stderr_has(&self, needle: &str) -> &Outcome {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr
        );
        self
    }

    /// Asserts that a secret appears in neither stream.
    pub fn never_shows(&self, secret: &str) -> &Outcome {
        assert!(
            !self.stdout.contains(secret) && !self.stderr.contains(secret),
            "the secret {secret:?} was printed:\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    pub fn stdout_has(&self, needle: &str) -> &Outcome {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}:\n{}",
            self.stdout
        );
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// An API URL on 127.0.0.1 where nothing listens (a port bound, then let go): every connection
/// is refused.
pub fn nothing_listens() -> String {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.local_addr().expect("local addr").port()
    };
    format!("http://127.0.0.1:{port}/functions/v1/keen-api")
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_leadctl")
}

impl Leadctl {
    /// `leadctl` with no LEADCTL_* variables, no colour, proxy or GitHub Actions settings, and HOME and the
    /// config file in a fresh temporary directory.
    pub fn new() -> Leadctl {
        let home = tempfile::tempdir().expect("tempdir");
        let mut cmd = Command::new(bin());
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy().to_string();
            if k.starts_with("LEADCTL_")
                || [
                    "NO_COLOR",
                    "CLICOLOR_FORCE",
                    "HTTPS_PROXY",
                    "HTTP_PROXY",
                    "ALL_PROXY",
                    "NO_PROXY",
                    // A test run under GitHub Actions must not write the job's own summary.
                    "GITHUB_ACTIONS",
                    "GITHUB_STEP_SUMMARY",
                    "GITHUB_OUTPUT",
                ]
                .contains(&k.to_uppercase().as_str())
            {
                cmd.env_remove(&k);
            }
        }
        cmd.env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join(".config"))
            .env("XDG_DATA_HOME", home.path().join(".local/share"))
            .env("LEADCTL_CONFIG", home.path().join("config.toml"))
            .env("RUST_BACKTRACE", "1");
        Leadctl {
            cmd,
            stdin: None,
            home,
        }
    }

    /// Pointed at a server, with a valid key.
    pub fn against(url: &str) -> Leadctl {
        let mut l = Leadctl::new();
        l.cmd
            .env("LEADCTL_API_URL", url)
            .env("LEADCTL_API_KEY", KEY);
        l
    }

    pub fn args<I: IntoIterator<Item = S>, S: AsRef<std::ffi::OsStr>>(
        mut self,
        args: I,
    ) -> Leadctl {
        self.cmd.args(args);
        self
    }

    pub fn arg(mut self, arg: impl AsRef<std::ffi::OsStr>) -> Leadctl {
        self.cmd.arg(arg);
        self
    }

    pub fn env(mut self, k: &str, v: impl AsRef<std::ffi::OsStr>) -> Leadctl {
        self.cmd.env(k, v);
        self
    }

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Leadctl {
        self.cmd.current_dir(dir);
        self
    }

    pub fn env_remove(mut self, k: &str) -> Leadctl {
        self.cmd.env_remove(k);
        self
    }

    /// Runs the binary through `wrapper` (a program and its leading arguments, e.g. a shell that
    /// sets a resource limit and then `exec "$0" "$@"`): the wrapper gets the binary's path and
    /// then its arguments; the environment and the working directory are kept.
    pub fn wrapped(mut self, wrapper: &[&str]) -> Leadctl {
        let mut cmd = Command::new(wrapper[0]);
        cmd.args(&wrapper[1..]).arg(bin()).args(self.cmd.get_args());
        for (k, v) in self.cmd.get_envs() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        if let Some(dir) = self.cmd.get_current_dir() {
            cmd.current_dir(dir);
        }
        self.cmd = cmd;
        self
    }

    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Leadctl {
        self.stdin = Some(input.into());
        self
    }

    /// The test's temporary HOME.
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// Writes a file into the test's temporary HOME and returns its path.
    pub fn file(&self, name: &str, content: &str) -> PathBuf {
        let path = self.home.path().join(name);
        std::fs::write(&path, content).expect("write test file");
        path
    }

    /// Starts the binary without waiting (stdout and stderr to files in its HOME), for tests
    /// that signal or kill it mid-run.
    pub fn spawn(mut self) -> Running {
        let out_path = self.home.path().join("stdout.txt");
        let err_path = self.home.path().join("stderr.txt");
        let out = std::fs::File::create(&out_path).expect("stdout file");
        let err = std::fs::File::create(&err_path).expect("stderr file");
        let child = self
            .cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("spawn leadctl");
        Running {
            child,
            out_path,
            err_path,
            home: self.home,
        }
    }

    /// Runs with stdout a pipe whose reading end is already closed (`leadctl ... | head -1` once
    /// `head` has exited): every write to stdout fails with EPIPE.
    pub fn run_with_stdout_closed(mut self) -> Outcome {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        self.cmd.stdout(writer);
        let err_path = self.home.path().join("stderr.txt");
        let err = std::fs::File::create(&err_path).expect("stderr file");
        let status = self
            .cmd
            .stdin(Stdio::null())
            .stderr(err)
            .status()
            .expect("run leadctl");
        use std::os::unix::process::ExitStatusExt;
        Outcome {
            code: status
                .code()
                .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)),
            stdout: String::new(),
            stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
            home: self.home,
        }
    }

    pub fn run(mut self) -> Outcome {
        self.cmd
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self.cmd.spawn().expect("spawn leadctl");
        if let Some(input) = self.stdin.take() {
            let mut stdin = child.stdin.take().expect("stdin");
            std::thread::spawn(move || {
                let _ = stdin.write_all(&input);
            });
        }
        let out = child.wait_with_output().expect("wait for leadctl");
        let outcome = Outcome {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            home: self.home,
        };
        assert!(
            !outcome.stderr.contains("panicked"),
            "leadctl panicked:\n{}",
            outcome.stderr
        );
        assert!(
            !outcome.stderr.contains("stack backtrace"),
            "backtrace printed:\n{}",
            outcome.stderr
        );
        outcome
    }
}

/// A leadctl process started with `spawn`.
pub struct Running {
    pub child: std::process::Child,
    out_path: PathBuf,
    err_path: PathBuf,
    home: tempfile::TempDir,
}

impl Running {
    /// Sends a signal ("-INT", "-TERM", "-KILL"), as kill(1) would.
    pub fn signal(&self, signal: &str) {
        send_signal(self.child.id(), signal);
    }

    /// What it printed on stderr so far.
    pub fn stderr_so_far(&self) -> String {
        std::fs::read_to_string(&self.err_path).unwrap_or_default()
    }

    /// Waits for the exit (at most `limit`) and collects what it printed.
    pub fn wait(mut self, limit: std::time::Duration) -> Outcome {
        let deadline = std::time::Instant::now() + limit;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            if std::time::Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("leadctl did not exit within {limit:?}");
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        };
        use std::os::unix::process::ExitStatusExt;
        Outcome {
            code: status
                .code()
                .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)),
            stdout: std::fs::read_to_string(&self.out_path).unwrap_or_default(),
            stderr: std::fs::read_to_string(&self.err_path).unwrap_or_default(),
            home: self.home,
        }
    }
}

/// Sends `signal` ("-INT", "-TERM", "-KILL", "-HUP", "-STOP", "-CONT") to a process: kill(2) directly, so the tests
/// need no `kill` program on the machine.
pub fn send_signal(pid: u32, signal: &str) {
    use nix::sys::signal::{kill, Signal};
    let sig = match signal.trim_start_matches('-') {
        "INT" => Signal::SIGINT,
        "TERM" => Signal::SIGTERM,
        "KILL" | "9" => Signal::SIGKILL,
        "HUP" => Signal::SIGHUP,
        "STOP" => Signal::SIGSTOP,
        "CONT" => Signal::SIGCONT,
        other => panic!("unknown signal {other}"),
    };
    let pid = i32::try_from(pid).expect("a pid");
    kill(nix::unistd::Pid::from_raw(pid), sig).expect("send the signal");
}
