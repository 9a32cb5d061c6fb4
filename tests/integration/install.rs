//! `scripts/install.sh` (what action.yml runs) against a local directory laid out as a GitHub
//! release: the right asset for each OS and CPU, `latest` and tags, a bad checksum refused with
//! nothing installed, an OS without a release refused. Skipped, saying why, where bash, tar or
//! sha256sum is missing.

#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;

const TARGETS: [&str; 4] = [
    "x86_64-unknown-linux-musl",
    "aarch64-unknown-linux-musl",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
];

fn missing_tool() -> Option<&'static str> {
    ["bash", "tar", "sha256sum"].into_iter().find(|tool| {
        Command::new(tool)
            .arg("--version")
            .output()
            .map_or(true, |o| !o.status.success())
    })
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install.sh")
}

/// A release of `tag` under `root` (download/TAG/… and latest/download/…): for each target an
/// archive holding a stand-in `leadctl` that prints its target, and SHA256SUMS.
fn release(root: &Path, tag: &str) {
    let work = root.join("build");
    for dir in [
        root.join("download").join(tag),
        root.join("latest/download"),
    ] {
        std::fs::create_dir_all(&dir).unwrap();
        let mut sums = String::new();
        for target in TARGETS {
            let inner = work.join(format!("leadctl-{target}"));
            std::fs::create_dir_all(&inner).unwrap();
            std::fs::write(
                inner.join("leadctl"),
                format!("#!/bin/sh\necho \"leadctl {tag} {target}\"\n"),
            )
            .unwrap();
            let asset = format!("leadctl-{target}.tar.gz");
            let ok = Command::new("tar")
                .arg("-czf")
                .arg(dir.join(&asset))
                .arg("-C")
                .arg(&work)
                .arg(format!("leadctl-{target}"))
                .status()
                .unwrap();
            assert!(ok.success());
            let out = Command::new("sha256sum")
                .arg(&asset)
                .current_dir(&dir)
                .output()
                .unwrap();
            sums.push_str(&String::from_utf8(out.stdout).unwrap());
        }
        std::fs::write(dir.join("SHA256SUMS"), sums).unwrap();
    }
}

struct Installed {
    code: i32,
    stderr: String,
    dir: PathBuf,
    github_path: String,
}

fn install(root: &Path, version: &str, os: &str, arch: &str) -> Installed {
    let dir = root.join(format!("bin-{version}-{os}-{arch}"));
    let github_path = root.join(format!("path-{version}-{os}-{arch}"));
    let out = Command::new("bash")
        .arg(script())
        .env("LEADCTL_VERSION", version)
        .env("LEADCTL_INSTALL_DIR", &dir)
        .env("LEADCTL_RELEASES", root)
        .env("LEADCTL_OS", os)
        .env("LEADCTL_ARCH", arch)
        .env("GITHUB_PATH", &github_path)
        .env_remove("GITHUB_OUTPUT")
        .output()
        .unwrap();
    Installed {
        code: out.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        dir,
        github_path: std::fs::read_to_string(github_path).unwrap_or_default(),
    }
}

fn runs(i: &Installed) -> String {
    assert_eq!(i.code, 0, "{}", i.stderr);
    let out = Command::new(i.dir.join("leadctl")).output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_install_script_picks_the_asset_of_each_os_and_cpu_and_refuses_a_bad_checksum() {
    if let Some(tool) = missing_tool() {
        eprintln!("install script test: skipped: {tool} is not installed here");
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    release(root, "v1.2.3");

    let linux = install(root, "v1.2.3", "Linux", "x86_64");
    assert_eq!(runs(&linux), "leadctl v1.2.3 x86_64-unknown-linux-musl\n");
    assert_eq!(linux.github_path, format!("{}\n", linux.dir.display()));
    assert!(linux.stderr.contains(&format!(
        "leadctl-install: installing leadctl v1.2.3 for x86_64-unknown-linux-musl from {}/download/v1.2.3\n",
        root.display()
    )), "{}", linux.stderr);
    assert_eq!(
        runs(&install(root, "1.2.3", "Linux", "aarch64")),
        "leadctl v1.2.3 aarch64-unknown-linux-musl\n",
        "a version without its v is the tag"
    );
    assert_eq!(
        runs(&install(root, "v1.2.3", "Darwin", "arm64")),
        "leadctl v1.2.3 aarch64-apple-darwin\n"
    );
    assert_eq!(
        runs(&install(root, "latest", "Darwin", "x86_64")),
        "leadctl v1.2.3 x86_64-apple-darwin\n"
    );

    // One byte changed in an asset: refused, nothing installed.
    let asset = root.join("download/v1.2.3/leadctl-x86_64-apple-darwin.tar.gz");
    let mut bytes = std::fs::read(&asset).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&asset, bytes).unwrap();
    let bad = install(root, "v1.2.3", "Darwin", "x86_64");
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    assert!(
        bad.stderr.contains(
            "leadctl-install: error: checksum mismatch for leadctl-x86_64-apple-darwin.tar.gz: \
             SHA256SUMS says "
        ) && bad.stderr.ends_with("; nothing was installed\n"),
        "{}",
        bad.stderr
    );
    assert!(!bad.dir.join("leadctl").exists());
    assert_eq!(bad.github_path, "", "nothing added to PATH");

    let sunos = install(root, "v1.2.3", "SunOS", "x86_64");
    assert_eq!(sunos.code, 2);
    assert_eq!(
        sunos.stderr,
        "leadctl-install: error: no leadctl release for the OS \"SunOS\"; build it with cargo \
         install --locked leadctl\n"
    );
    let missing = install(root, "v9.9.9", "Linux", "x86_64");
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.ends_with(&format!(
            "leadctl-install: error: no SHA256SUMS in {}/download/v9.9.9\n",
            root.display()
        )),
        "{}",
        missing.stderr
    );
}
