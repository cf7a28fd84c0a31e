//! One error type for the whole program, and the exit-code policy in one place.

use std::fmt;
use std::io;

/// Everything that can end an rdx command with a non-zero exit code.
#[derive(Debug)]
pub enum Error {
    /// Bad flag, bad value, bad regex, bad path syntax, bad label (exit 2).
    Usage(String),
    /// Could not connect, or the link failed in a way we do not retry (exit 3).
    Connect { url: String, reason: String },
    /// A fixture could not be read or holds no frames at all (exit 3).
    Fixture { path: String, reason: String },
    /// The label store is unreadable or corrupt (exit 3).
    LabelStore { path: String, reason: String },
    /// A selector matched nothing or several instances, a path is missing, a
    /// condition was not met (exit 1). The message is complete and multi-line.
    NotFound(String),
    /// `--timeout` passed while waiting (exit 4).
    Timeout(String),
    /// Writing our own output failed (a closed pipe is handled before this).
    Io(io::Error),
}

impl Error {
    /// The exit-code policy of SPEC.md, in one match.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::NotFound(_) => 1,
            Error::Usage(_) => 2,
            Error::Connect { .. }
            | Error::Fixture { .. }
            | Error::LabelStore { .. }
            | Error::Io(_) => 3,
            Error::Timeout(_) => 4,
        }
    }

    pub(crate) fn usage(msg: impl Into<String>) -> Error {
        Error::Usage(msg.into())
    }

    /// True when our stdout reader went away (`rdx tail | head -1`): exit 0 quietly.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(m) => write!(f, "{m}"),
            Error::Connect { url, reason } => write!(f, "could not connect to {url}: {reason}"),
            Error::Fixture { path, reason } => write!(f, "{path}: {reason}"),
            Error::LabelStore { path, reason } => write!(f, "label store {path}: {reason}"),
            Error::NotFound(m) => write!(f, "{m}"),
            Error::Timeout(m) => write!(f, "timed out: {m}"),
            Error::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        Error::Io(e)
    }
}

impl From<lexopt::Error> for Error {
    fn from(e: lexopt::Error) -> Error {
        Error::Usage(e.to_string())
    }
}

pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;
