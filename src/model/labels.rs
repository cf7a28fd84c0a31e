//! The label store: names people give instances (`rdx sessions label ID NAME`).
//!
//! A small JSON file, `{"labels": {"<instance-id>": "<label>"}, "apps":
//! {"<instance-id>": "<app name>"}}`. `apps` is what rdx learned of a
//! labelled instance's app while it watched it, so that a label can follow
//! its app across a reload even when no rdx saw the reload; stores without
//! it (written by older rdx) load as they are. Writes are
//! atomic (temp file + rename) under an exclusive lock on a sibling
//! `.lock` file, so concurrent `label` calls never lose an update. A store
//! that cannot be parsed is an error naming the file, and is left untouched.

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
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir)
            .map_err(|e| store_err(path, format!("cannot create {}: {e}", dir.display())))?;
    }
    let lock_path = sibling(path, ".lock");
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
    if store == before && path.exists() {
        return Ok(store);
    }
    let tmp = sibling(path, &format!(".tmp.{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut file = File::create(&tmp)?;
        let doc = if store.apps.is_empty() {
            json!({ "labels": store.labels })
        } else {
            json!({ "labels": store.labels, "apps": store.apps })
        };
        serde_json::to_writer_pretty(&mut file, &doc)?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    };
    if let Err(e) = write() {
        let _ = fs::remove_file(&tmp);
        return Err(store_err(path, format!("cannot write: {e}")));
    }
    drop(lock);
    Ok(store)
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
