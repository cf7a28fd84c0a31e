//! The label store: names people give instances (`rdx sessions label ID NAME`).
//!
//! A small JSON file, `{"labels": {"<instance-id>": "<label>"}, "apps":
//! {"<instance-id>": "<app name>"}}`. `apps` is what rdx learned of a
//! labelled instance's app while it watched it, so that a label can follow
//! its app across a reload even when no rdx saw the reload; stores without
//! it (written by older rdx) load as they are. Writes are
//! atomic (temp file + rename, both fsynced, then the directory) under an
//! exclusive lock on a sibling `.lock` file, so concurrent `label` calls
//! never lose an update. A store that is a symlink stays one: the file it
//! points at is the one replaced, and it keeps its mode (a new store is
//! 0600). A store that cannot be read or parsed is never replaced: a write
//! is an error naming the file (exit 3); a command that only reads labels
//! says so once on stderr and goes on without them ([`load_or_warn`]).

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::error::{Error, Result};

pub(crate) type Labels = BTreeMap<String, String>;

/// The whole store: labels, and the apps of labelled instances.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Store {
    pub(crate) labels: Labels,
    pub(crate) apps: BTreeMap<String, String>,
}

/// Check a label a user wants to set.
pub(crate) fn validate(label: &str) -> Result<()> {
    let bad = |why: &str| Err(Error::usage(format!("invalid label {label:?}: {why}")));
    if label.trim().is_empty() {
        return bad("it is empty or only whitespace");
    }
    if label.len() >= 2 && label.starts_with('/') && label.ends_with('/') {
        return bad("a label wrapped in slashes would read as a /regex/ selector");
    }
    if label.chars().any(char::is_control) {
        return bad("it contains control characters");
    }
    if label.chars().count() > 200 {
        return bad("it is longer than 200 characters");
    }
    Ok(())
}

fn store_err(path: &Path, reason: impl Into<String>) -> Error {
    Error::LabelStore {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

/// Read the store for a command that only reads labels: a store that
/// cannot be read or parsed is said once on stderr (naming the file and
/// what is wrong) and taken as empty. Never writes.
pub(crate) fn load_or_warn(path: &Path) -> Store {
    use std::sync::atomic::{AtomicBool, Ordering};
    static WARNED: AtomicBool = AtomicBool::new(false);
    match load_store(path) {
        Ok(s) => s,
        Err(e) => {
            if !WARNED.swap(true, Ordering::Relaxed) {
                eprintln!("rdx: warning: {e}; going on without labels");
            }
            Store::default()
        }
    }
}

/// Read the labels; a missing file is an empty store.
pub(crate) fn load(path: &Path) -> Result<Labels> {
    load_store(path).map(|s| s.labels)
}

/// Read the whole store; a missing file is an empty store.
pub(crate) fn load_store(path: &Path) -> Result<Store> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Store::default()),
        Err(e) => return Err(store_err(path, format!("cannot read: {e}"))),
    };
    parse(&text).map_err(|why| store_err(path, format!("corrupt ({why}); fix or remove it")))
}

fn string_map(v: &Value, what: &str) -> Result<BTreeMap<String, String>, String> {
    let Some(map) = v.as_object() else {
        return Err(format!("\"{what}\" is not an object"));
    };
    map.iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k.clone(), s.clone())),
            _ => Err(format!("the {what} entry of {k:?} is not a string")),
        })
        .collect()
}

fn parse(text: &str) -> Result<Store, String> {
    if text.trim().is_empty() {
        return Ok(Store::default());
    }
    let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let labels = v.get("labels").ok_or("no \"labels\" object")?;
    let labels = string_map(labels, "labels").map_err(|e| {
        // keep the wording of older rdx for the common case
        e.replace("the labels entry of", "the label of")
    })?;
    let apps = match v.get("apps") {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(a) => string_map(a, "apps")?,
    };
    Ok(Store { labels, apps })
}

/// Change the labels under the store's lock: `f` gets the current labels.
pub(crate) fn update(path: &Path, f: impl FnOnce(&mut Labels)) -> Result<Labels> {
    update_store(path, |s| f(&mut s.labels)).map(|s| s.labels)
}

/// Change the store under its lock: `f` gets the current store. Nothing is
/// written when `f` leaves it as it was.
pub(crate) fn update_store(path: &Path, f: impl FnOnce(&mut Store)) -> Result<Store> {
    // A symlinked store stays a symlink: the file it points at is replaced.
    let target =
        resolve_links(path).map_err(|e| store_err(path, format!("cannot resolve: {e}")))?;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir)
            .map_err(|e| store_err(path, format!("cannot create {}: {e}", dir.display())))?;
    }
    let lock_path = sibling(&target, ".lock");
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| {
            store_err(
                path,
                format!("cannot open lock {}: {e}", lock_path.display()),
            )
        })?;
    lock.lock()
        .map_err(|e| store_err(path, format!("cannot lock: {e}")))?;
    let before = load_store(path)?;
    let mut store = before.clone();
    f(&mut store);
    // Apps are remembered only for labelled instances.
    let labels = &store.labels;
    store.apps.retain(|k, _| labels.contains_key(k));
    if store == before && target.exists() {
        return Ok(store);
    }
    let doc = if store.apps.is_empty() {
        json!({ "labels": store.labels })
    } else {
        json!({ "labels": store.labels, "apps": store.apps })
    };
    let mut text = serde_json::to_vec_pretty(&doc).unwrap_or_default();
    text.push(b'\n');
    replace(&target, &text).map_err(|e| store_err(path, format!("cannot write: {e}")))?;
    drop(lock);
    Ok(store)
}

/// Follow `path` while it is a symlink (relative links from their own
/// directory): the file a write must replace.
fn resolve_links(path: &Path) -> std::io::Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match fs::read_link(&p) {
            Ok(to) => {
                p = match p.parent() {
                    Some(dir) if to.is_relative() => dir.join(to),
                    _ => to,
                };
            }
            // Not a symlink (or not there): this is the file.
            Err(_) => return Ok(p),
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
}

/// Replace `target` with `text` atomically: a temp file beside it (with the
/// mode `target` has, 0600 for a new store), fsynced, renamed onto it, and
/// the directory fsynced so that the rename itself survives a crash.
fn replace(target: &Path, text: &[u8]) -> std::io::Result<()> {
    let tmp = sibling(target, &format!(".tmp.{}", std::process::id()));
    // A temp file of a crashed rdx that had this pid: the lock is ours now.
    let _ = fs::remove_file(&tmp);
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let write = || -> std::io::Result<()> {
        let mut file = opts.open(&tmp)?;
        if let Ok(meta) = fs::metadata(target) {
            file.set_permissions(meta.permissions())?;
        }
        file.write_all(text)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, target)?;
        sync_dir(target)
    };
    let result = write();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Fsync the directory holding `path` (where a rename is recorded).
#[cfg(unix)]
fn sync_dir(path: &Path) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("rdx-labels-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d.join("sub").join("labels.json")
    }

    #[test]
    fn validation() {
        for ok in ["checkout", "tab 2", "shop/main", "/leading", "ü"] {
            assert!(validate(ok).is_ok(), "{ok}");
        }
        for bad in ["", "   ", "/re/", "//", "a\nb", "x\u{1b}"] {
            assert_eq!(validate(bad).unwrap_err().exit_code(), 2, "{bad:?}");
        }
    }

    #[test]
    fn round_trip_and_missing_file() {
        let p = tmp("rt");
        assert!(load(&p).unwrap().is_empty());
        update(&p, |l| {
            l.insert("abc".into(), "checkout".into());
        })
        .unwrap();
        update(&p, |l| {
            l.insert("def".into(), "admin".into());
        })
        .unwrap();
        let l = load(&p).unwrap();
        assert_eq!(l.get("abc").map(String::as_str), Some("checkout"));
        assert_eq!(l.len(), 2);
        update(&p, |l| {
            l.remove("abc");
        })
        .unwrap();
        assert_eq!(load(&p).unwrap().len(), 1);
        let _ = fs::remove_dir_all(p.parent().unwrap().parent().unwrap());
    }

    #[test]
    fn corrupt_store_is_an_error_and_left_alone() {
        let p = tmp("corrupt");
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, "{not json").unwrap();
        let e = load(&p).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert!(e.to_string().contains("labels.json"), "{e}");
        assert!(update(&p, |l| l.clear()).is_err());
        assert_eq!(fs::read_to_string(&p).unwrap(), "{not json");
        fs::write(&p, r#"{"labels":{"a":5}}"#).unwrap();
        assert!(load(&p).is_err());
        fs::write(&p, r#"{"labels":{"a":"x"},"apps":[]}"#).unwrap();
        assert!(load(&p).is_err());
        let _ = fs::remove_dir_all(p.parent().unwrap().parent().unwrap());
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_store_stays_a_symlink_and_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let p = tmp("symlink");
        let dir = p.parent().unwrap();
        fs::create_dir_all(dir.join("dotfiles")).unwrap();
        // labels.json -> dotfiles/labels.json (relative), mode 0640
        let real = dir.join("dotfiles").join("labels.json");
        fs::write(&real, r#"{"labels":{"a":"one"}}"#).unwrap();
        fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).unwrap();
        std::os::unix::fs::symlink("dotfiles/labels.json", &p).unwrap();
        update(&p, |l| {
            l.insert("b".into(), "two".into());
        })
        .unwrap();
        assert!(fs::symlink_metadata(&p).unwrap().file_type().is_symlink());
        assert_eq!(load(&real).unwrap().len(), 2, "the target was written");
        assert_eq!(mode(&real), 0o640);
        // a private store stays private, whatever the umask makes of new files
        fs::set_permissions(&real, fs::Permissions::from_mode(0o600)).unwrap();
        update(&p, |l| {
            l.remove("a");
        })
        .unwrap();
        assert_eq!(mode(&real), 0o600);
        assert!(fs::symlink_metadata(&p).unwrap().file_type().is_symlink());
        // no temp file is left beside either
        let names = |d: &Path| -> Vec<String> {
            fs::read_dir(d)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains(".tmp"))
                .collect()
        };
        assert!(names(dir).is_empty() && names(&dir.join("dotfiles")).is_empty());
        // a new store is 0600
        let fresh = dir.join("fresh.json");
        update(&fresh, |l| {
            l.insert("c".into(), "three".into());
        })
        .unwrap();
        assert_eq!(mode(&fresh), 0o600);
        let _ = fs::remove_dir_all(p.parent().unwrap().parent().unwrap());
    }

    #[test]
    fn apps_are_kept_for_labelled_instances_and_old_stores_load() {
        let p = tmp("apps");
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        // a store written by an older rdx
        fs::write(&p, "{\n  \"labels\": {\n    \"a\": \"cart\"\n  }\n}\n").unwrap();
        assert_eq!(load(&p).unwrap().get("a").map(String::as_str), Some("cart"));
        update_store(&p, |s| {
            s.apps.insert("a".into(), "shop".into());
            s.apps.insert("unlabelled".into(), "x".into());
        })
        .unwrap();
        let s = load_store(&p).unwrap();
        assert_eq!(s.apps.len(), 1);
        assert_eq!(s.apps["a"], "shop");
        // the label moves, and its app with it
        update_store(&p, |s| {
            let l = s.labels.remove("a").unwrap();
            s.labels.insert("b".into(), l);
            let a = s.apps.remove("a").unwrap();
            s.apps.insert("b".into(), a);
        })
        .unwrap();
        let s = load_store(&p).unwrap();
        assert_eq!(
            (s.labels["b"].as_str(), s.apps["b"].as_str()),
            ("cart", "shop")
        );
        let _ = fs::remove_dir_all(p.parent().unwrap().parent().unwrap());
    }
}
