//! PostgreSQL for the shared-ledger tests: the cluster `scripts/pg-test.sh` starts (its URL in
//! `LEADCTL_TEST_POSTGRES`), a fresh schema of it per test, and private clusters for the tests
//! that restart a server or need their own TLS certificate (initdb into a temporary directory,
//! as the `postgres` user when the tests run as root).
//!
//! Without `LEADCTL_TEST_POSTGRES` the first test to need it starts a throwaway cluster for the
//! whole test process (and a watchdog that removes it after); where PostgreSQL is missing, a test
//! fails saying how to get one, unless `LEADCTL_TEST_NO_POSTGRES=1` opts out (then it returns at
//! once, saying "skipped" and why on stderr, past the harness's capture).

#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The shared test cluster.
pub struct Pg {
    /// `postgres://postgres:PASSWORD@127.0.0.1:PORT/postgres`
    pub url: String,
}

/// The shared cluster: `LEADCTL_TEST_POSTGRES`'s (scripts/pg-test.sh, CI), else one this test
/// process starts itself on first use (PostgreSQL 15 is on every machine of this kind), so that
/// plain `cargo test --locked` runs every test. None when the run opted out; without either, a
/// panic saying how to get one.
pub fn shared(test: &str) -> Option<Pg> {
    match std::env::var("LEADCTL_TEST_POSTGRES") {
        Ok(url) if !url.trim().is_empty() => return Some(Pg { url }),
        _ => {}
    }
    if std::env::var("LEADCTL_TEST_NO_POSTGRES").is_ok_and(|v| v == "1") {
        super::skipped(
            test,
            "LEADCTL_TEST_NO_POSTGRES=1 opts out of the PostgreSQL tests",
        );
        return None;
    }
    match own_cluster() {
        Ok(url) => Some(Pg { url: url.clone() }),
        Err(why) => panic!(
            "{test} needs a PostgreSQL server and none could be started here ({why}): install \
             PostgreSQL 15 (`pg_config --bindir` must name initdb and pg_ctl), or run the tests \
             through `scripts/pg-test.sh cargo test --locked`, or set \
             LEADCTL_TEST_POSTGRES=postgres://... yourself; LEADCTL_TEST_NO_POSTGRES=1 skips \
             these tests"
        ),
    }
}

/// The cluster this test process started, started once.
fn own_cluster() -> Result<&'static String, String> {
    static OWN: std::sync::OnceLock<Result<String, String>> = std::sync::OnceLock::new();
    OWN.get_or_init(start_own).as_ref().map_err(Clone::clone)
}

/// initdb into a temporary directory (as the `postgres` user when root), password (scram)
/// authentication on a free loopback port, fsync off; a watchdog process stops and removes it
/// once this test process has exited, however it exits.
fn start_own() -> Result<String, String> {
    let bindir = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .ok_or("pg_config not found")?;
    let dir = tempfile::Builder::new()
        .prefix("leadctl-pg-tests")
        .tempdir()
        .map_err(|e| e.to_string())?
        .keep();
    chown(&dir);
    let data = dir.join("data");
    let password = unique("pw");
    let pwfile = dir.join("pwfile");
    std::fs::write(&pwfile, format!("{password}\n")).map_err(|e| e.to_string())?;
    chown(&dir);
    let out = as_postgres(&bindir.join("initdb"))
        .arg("-D")
        .arg(&data)
        .arg(format!("--pwfile={}", pwfile.display()))
        .args([
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
        ])
        .args(["-E", "UTF8", "--no-sync"])
        .output()
        .map_err(|e| format!("initdb: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let port = free_port();
    let conf = format!(
        "listen_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{}'\n\
         fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 200\n",
        dir.display()
    );
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(data.join("postgresql.conf"))
        .map_err(|e| e.to_string())?;
    std::io::Write::write_all(&mut f, conf.as_bytes()).map_err(|e| e.to_string())?;
    let pg_ctl = bindir.join("pg_ctl");
    let out = as_postgres(&pg_ctl)
        .arg("-D")
        .arg(&data)
        .arg("-l")
        .arg(dir.join("server.log"))
        .args(["start", "-w", "-t", "60"])
        .output()
        .map_err(|e| format!("pg_ctl: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "pg_ctl start: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    // The watchdog: polls this process and, once it is gone, stops the cluster and removes it.
    let stop =
        format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {as_pg}'{pg_ctl}' -D '{data}' stop \
         -m immediate -w >/dev/null 2>&1; rm -rf '{dir}'",
        pid = std::process::id(),
        as_pg = if nix_is_root() { "runuser -u postgres -- " } else { "" },
        pg_ctl = pg_ctl.display(),
        data = data.display(),
        dir = dir.display(),
    );
    Command::new("sh")
        .args(["-c", &stop])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("the watchdog: {e}"))?;
    eprintln!(
        "PostgreSQL tests: started a throwaway cluster on 127.0.0.1:{port} ({})",
        dir.display()
    );
    Ok(format!(
        "postgres://postgres:{password}@127.0.0.1:{port}/postgres"
    ))
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
