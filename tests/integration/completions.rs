//! The committed completion scripts in `completions/` must match what the binary generates.
//! `LEADCTL_BLESS=1 cargo test --locked completions` rewrites them.

use std::path::Path;

use crate::support::Leadctl;

const SCRIPTS: &[(&str, &str)] = &[
    ("bash", "leadctl.bash"),
    ("zsh", "_leadctl"),
    ("fish", "leadctl.fish"),
    ("powershell", "_leadctl.ps1"),
    ("elvish", "leadctl.elv"),
];

#[test]
fn committed_completion_scripts_are_current() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let bless = std::env::var_os("LEADCTL_BLESS").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for (shell, file) in SCRIPTS {
        let out = Leadctl::new().args(["completions", shell]).run();
        out.code(0);
        assert!(!out.stdout.is_empty(), "{shell}: empty script");
        let path = dir.join(file);
        if bless {
            std::fs::write(&path, &out.stdout).unwrap();
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != out.stdout {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale completion scripts: {}\nrun `LEADCTL_BLESS=1 cargo test --locked completions` and commit the result",
        stale.join(", ")
    );
}
