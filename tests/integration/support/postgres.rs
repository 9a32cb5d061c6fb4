//! PostgreSQL for the shared-ledger tests: the cluster `scripts/pg-test.sh` starts (its URL in
//! `LEADCTL_TEST_POSTGRES`), a fresh schema of it per test, and private clusters for the tests
//! that restart a server or need their own TLS certificate (initdb into a temporary directory,
//! as the `postgres` user when the tests run as root).
//!
//! Without `LEADCTL_TEST_POSTGRES` a test fails saying how to start the cluster, unless
//! `LEADCTL_TEST_NO_POSTGRES=1` opts out (then it returns at once, printing that it did).

#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The shared test cluster.
pub struct Pg {
    /// `postgres://postgres:PASSWORD@127.0.0.1:PORT/postgres`
    pub url: String,
}

/// The shared cluster, or None when the run opted out; panics with how to start it otherwise.
pub fn shared(test: &str) -> Option<Pg> {
    match std::env::var("LEADCTL_TEST_POSTGRES") {
        Ok(url) if !url.trim().is_empty() => Some(Pg { url }),
        _ if std::env::var("LEADCTL_TEST_NO_POSTGRES").is_ok_and(|v| v == "1") => {
            eprintln!(
                "{test}: not run: LEADCTL_TEST_NO_POSTGRES=1 opts out of the PostgreSQL tests"
            );
            None
        }
        _ => panic!(
            "{test} needs a PostgreSQL server: run the tests through `scripts/pg-test.sh cargo \
             test --locked` (it starts a throwaway PostgreSQL 15 cluster and sets \
             LEADCTL_TEST_POSTGRES), or set LEADCTL_TEST_POSTGRES=postgres://... yourself; \
             LEADCTL_TEST_NO_POSTGRES=1 skips these tests"
        ),
    }
}

fn unique(prefix: &str) -> String {
    format!("{prefix}_{:016x}", fastrand::u64(..))
}

impl Pg {
    /// The URL of a schema no other test uses (made by leadctl on first use).
    pub fn ledger(&self) -> String {
        with_param(&self.url, &format!("schema={}", unique("t")))
    }

    pub fn password(&self) -> String {
        let after = self.url.split_once("://").map(|(_, r)| r).unwrap_or("");
        let userinfo = after.split_once('@').map(|(u, _)| u).unwrap_or("");
        userinfo
            .split_once(':')
            .map(|(_, p)| p.to_string())
            .unwrap_or_default()
    }

    /// The URL without its password.
    pub fn url_without_password(&self) -> String {
        self.url.replace(&format!(":{}@", self.password()), "@")
    }

    /// Runs SQL with psql as the cluster's superuser; its stdout.
    pub fn sql(&self, sql: &str) -> String {
        psql(&self.url, sql)
    }
}

pub fn with_param(url: &str, param: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{param}")
}

pub fn psql(url: &str, sql: &str) -> String {
    let out = Command::new("psql")
        .args([
            url,
            "-X",
            "-q",
            "-t",
            "-A",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            sql,
        ])
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A private cluster (trust authentication on loopback), stopped and removed when dropped.
pub struct Cluster {
    bindir: PathBuf,
    dir: tempfile::TempDir,
    pub port: u16,
}

fn as_postgres(program: &Path) -> Command {
    if nix_is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn nix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn chown(path: &Path) {
    if nix_is_root() {
        let ok = Command::new("chown")
            .args(["-R", "postgres"])
            .arg(path)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "chown postgres {}", path.display());
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Cluster {
    /// initdb and start; `tls`: (certificate PEM, key PEM) to serve TLS with.
    pub fn start(tls: Option<(&str, &str)>) -> Cluster {
        let bindir = std::env::var("LEADCTL_TEST_PG_BINDIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| {
                let out = Command::new("pg_config")
                    .arg("--bindir")
                    .output()
                    .expect("pg_config");
                PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
            });
        let dir = tempfile::Builder::new()
            .prefix("leadctl-pg-private")
            .tempdir()
            .expect("tempdir");
        chown(dir.path());
        let data = dir.path().join("data");
        let out = as_postgres(&bindir.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
            .output()
            .expect("initdb");
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = free_port();
        let mut conf = format!(
            "listen_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{}'\n\
             fsync = off\nsynchronous_commit = off\n",
            dir.path().display()
        );
        if let Some((cert, key)) = tls {
            std::fs::write(data.join("server.crt"), cert).expect("cert");
            std::fs::write(data.join("server.key"), key).expect("key");
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(
                data.join("server.key"),
                std::fs::Permissions::from_mode(0o600),
            )
            .expect("chmod");
            conf.push_str("ssl = on\n");
        }
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))
            .expect("postgresql.conf");
        std::io::Write::write_all(&mut f, conf.as_bytes()).expect("conf");
        chown(dir.path());
        let c = Cluster { bindir, dir, port };
        c.pg_ctl(&["start", "-w", "-t", "60"]);
        c
    }

    fn pg_ctl(&self, args: &[&str]) {
        let data = self.dir.path().join("data");
        let log = self.dir.path().join("server.log");
        let out = as_postgres(&self.bindir.join("pg_ctl"))
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(&log)
            .args(args)
            .output()
            .expect("pg_ctl");
        assert!(
            out.status.success(),
            "pg_ctl {args:?}: {}{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    pub fn stop(&self) {
        self.pg_ctl(&["stop", "-m", "fast", "-w"]);
    }

    pub fn start_again(&self) {
        self.pg_ctl(&["start", "-w", "-t", "60"]);
    }

    /// Takes only TLS connections from now on (pg_hba.conf: `hostssl` alone).
    pub fn only_tls(&self) {
        let hba = self.dir.path().join("data/pg_hba.conf");
        std::fs::write(
            &hba,
            "local all all trust\nhostssl all all 127.0.0.1/32 trust\n",
        )
        .expect("pg_hba.conf");
        chown(&hba);
        self.pg_ctl(&["reload"]);
    }

    /// Down for `pause`, then up again.
    pub fn restart_after(&self, pause: Duration) {
        self.stop();
        std::thread::sleep(pause);
        self.start_again();
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = as_postgres(&self.bindir.join("pg_ctl"))
            .arg("-D")
            .arg(&data)
            .args(["stop", "-m", "immediate", "-w"])
            .output();
    }
}
