//! Warnings for a config file or key file that others can read (a warning, not an error).

use std::fs;
use std::path::Path;

use super::Loaded;

/// The warning for a config file that holds an API key and that group or others can access:
/// a warning, not an error, so CI jobs keep running (ssh refuses; we only nag).
pub fn permission_warning(loaded: &Loaded) -> Option<String> {
    let path = loaded.path.as_ref()?;
    if !loaded.file.profiles.values().any(|p| p.api_key.is_some()) {
        return None;
    }
    insecure_mode(path).map(|mode| {
        format!(
            "{} holds an API key and is accessible to group or others (mode {mode:04o}); \
             run `chmod 600 {}`",
            path.display(),
            path.display()
        )
    })
}

/// The same warning for the file named by `LEADCTL_API_KEY_FILE`, which holds nothing but a key.
pub fn key_file_permission_warning(path: &Path) -> Option<String> {
    insecure_mode(path).map(|mode| {
        format!(
            "the API key file {} (LEADCTL_API_KEY_FILE) is accessible to group or others (mode \
             {mode:04o}); run `chmod 600 {}`",
            path.display(),
            path.display()
        )
    })
}

#[cfg(unix)]
fn insecure_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn insecure_mode(_path: &Path) -> Option<u32> {
    None
}
