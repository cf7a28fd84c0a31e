//! `--replay -` read twice (a selector is resolved against the whole
//! recording, which is then played from the start): stdin is spooled to a
//! temporary file first.
//!
//! The file is created new (O_CREAT|O_EXCL: never through a symlink someone
//! planted, never over a file that is there), readable by its owner only
//! (0600: the traffic may hold app state), under a name nobody can guess,
//! and unlinked at once: only rdx's open descriptor keeps it, so nothing is
//! left behind however rdx ends (the end of input, Ctrl-C, a kill). Each
//! reader reads it at its own offset through that descriptor.

use std::fs::{File, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::feed::Setup;

/// Stdin, spooled: an open, already unlinked file.
#[derive(Debug, Clone)]
pub(crate) struct Spool(Arc<File>);

impl Spool {
    /// A reader of the whole spool from its start.
    pub(crate) fn reader(&self) -> SpoolReader {
        SpoolReader {
            file: Arc::clone(&self.0),
            pos: 0,
        }
    }
}

/// Reads a [`Spool`] at an offset of its own (the descriptor is shared).
pub(crate) struct SpoolReader {
    file: Arc<File>,
    pos: u64,
}

impl Read for SpoolReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = read_at(&self.file, buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

#[cfg(unix)]
fn read_at(f: &File, buf: &mut [u8], pos: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(f, buf, pos)
}

#[cfg(windows)]
fn read_at(f: &File, buf: &mut [u8], pos: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(f, buf, pos)
}

/// `--replay -`: spool stdin (to the end of input) and hand back the setup
/// that replays the spool. Other setups are returned as they are.
pub(crate) fn spool_stdin(cfg: &Setup) -> Result<Setup> {
    if cfg.replay.as_deref() != Some("-") || cfg.spool.is_some() {
        return Ok(cfg.clone());
    }
    let dir = std::env::temp_dir();
    let cannot = |e: io::Error| Error::Fixture {
        path: "<stdin>".into(),
        reason: format!("cannot spool stdin in {}: {e}", dir.display()),
    };
    let mut file = create_unlinked(&dir, unguessable_names()).map_err(cannot)?;
    io::copy(&mut io::stdin().lock(), &mut file).map_err(|e| Error::Fixture {
        path: "<stdin>".into(),
        reason: format!("read failed: {e}"),
    })?;
    let mut cfg = cfg.clone();
    cfg.spool = Some(Spool(Arc::new(file)));
    Ok(cfg)
}

/// How many names are tried before giving up (each one taken already).
const TRIES: usize = 64;

/// Create a new file in `dir` under the first of `names` that is free, 0600,
/// and unlink it at once. A name that exists (a file, a symlink, dangling or
/// not) is never opened: the next one is tried.
fn create_unlinked(dir: &Path, names: impl Iterator<Item = String>) -> io::Result<File> {
    for name in names.take(TRIES) {
        let path = dir.join(name);
        let mut opts = OpenOptions::new();
        opts.read(true).write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        match opts.open(&path) {
            Ok(file) => {
                unlink(&path)?;
                return Ok(file);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("{TRIES} names taken already"),
    ))
}

fn unlink(path: &Path) -> io::Result<()> {
    let removed = std::fs::remove_file(path);
    // Elsewhere an open file may not be removable: it is then left behind.
    if cfg!(unix) { removed } else { Ok(()) }
}

/// `rdx-stdin-<16 hex digits>.jsonl` names, each from SipHash keyed with
/// std's per-process random keys (from the OS), over the pid, the time, an
/// address and a counter: nothing another user can predict.
fn unguessable_names() -> impl Iterator<Item = String> {
    let keys = std::collections::hash_map::RandomState::new();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let here = &keys as *const _ as usize;
    (0u64..).map(move |n| {
        let mut h = keys.build_hasher();
        h.write_u32(std::process::id());
        h.write_u128(nanos);
        h.write_usize(here);
        h.write_u64(n);
        format!("rdx-stdin-{:016x}.jsonl", h.finish())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("rdx-spool-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_symlink_is_never_followed_and_nothing_stays() {
        use std::io::Write;
        use std::os::unix::fs::MetadataExt;
        let d = dir("symlink");
        let victim = d.join("victim");
        std::fs::write(&victim, "precious").unwrap();
        std::os::unix::fs::symlink(&victim, d.join("taken")).unwrap();
        std::os::unix::fs::symlink(d.join("nowhere"), d.join("dangling")).unwrap();
        let names = ["taken", "dangling", "free"].map(String::from).into_iter();
        let mut f = create_unlinked(&d, names).unwrap();
        f.write_all(b"line 1\nline 2\n").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert!(
            !d.join("nowhere").exists(),
            "the dangling link made nothing"
        );
        assert!(!d.join("free").exists(), "unlinked at once");
        assert_eq!(f.metadata().unwrap().mode() & 0o777, 0o600);
        // two readers, each from the start
        let spool = Spool(Arc::new(f));
        for _ in 0..2 {
            let mut text = String::new();
            spool.reader().read_to_string(&mut text).unwrap();
            assert_eq!(text, "line 1\nline 2\n");
        }
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn names_differ_and_all_taken_is_an_error() {
        let mut a = unguessable_names();
        let (x, y) = (a.next().unwrap(), a.next().unwrap());
        assert_ne!(x, y);
        assert_ne!(x, unguessable_names().next().unwrap());
        assert!(x.starts_with("rdx-stdin-") && x.ends_with(".jsonl"), "{x}");
        let d = dir("taken");
        std::fs::write(d.join("a"), "").unwrap();
        let e = create_unlinked(&d, std::iter::repeat("a".to_string())).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        let _ = std::fs::remove_dir_all(&d);
    }
}
