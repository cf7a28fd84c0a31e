//! One error type for the whole program, and the exit-code policy in one place.

use std::fmt;
use std::io;
use std::path::PathBuf;

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
    /// A selection picked no instance or several (exit 1): what was asked and
    /// what was there, worded by each front end (see [`SelectionError`]).
    Selection(Box<SelectionError>),
    /// A path is missing, a condition was not met (exit 1). The message is
    /// complete and multi-line.
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
            Error::Selection(_) | Error::NotFound(_) => 1,
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
            // The command line's words (`cli/words.rs`); MCP words it itself.
            Error::Selection(e) => write!(f, "{e}"),
            Error::NotFound(m) => write!(f, "{m}"),
            Error::Timeout(m) => write!(f, "timed out: {m}"),
            Error::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<Box<SelectionError>> for Error {
    fn from(e: Box<SelectionError>) -> Error {
        Error::Selection(e)
    }
}

impl From<SelectionError> for Error {
    fn from(e: SelectionError) -> Error {
        Error::Selection(Box::new(e))
    }
}

/// A selection that did not pick exactly one instance, as data: the model
/// and the feed say what happened, and each front end says it in its own
/// words (the command line names its flags, `cli/words.rs`; MCP names its
/// tools' arguments, `cmd/mcp/words.rs`). Its `Display` is the command line's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelectionError {
    /// No instance matches. `seen`: how many instances were seen; `apps`:
    /// their apps, each once (None: an instance that sent no name);
    /// `labels`: for an id or a label that matches nothing, the label store
    /// that was searched.
    NoMatch {
        asked: Asked,
        seen: usize,
        apps: Vec<Option<String>>,
        labels: Option<PathBuf>,
    },
    /// Several instances match (best first) and `command` needs exactly one.
    Several {
        asked: Asked,
        command: &'static str,
        matches: Vec<Candidate>,
    },
    /// The instance `old` that the selection names (by its `label`) is gone
    /// and no one instance replaced it. `app`: its app, when known; `live`:
    /// the live instances of that app (none, or several and it is not clear
    /// which one).
    Gone {
        asked: Asked,
        old: String,
        label: Option<String>,
        app: Option<String>,
        live: Vec<Candidate>,
    },
}

/// What a selection asked for, each part as given (None: not given).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Asked {
    /// Exactly this instance id.
    pub instance: Option<String>,
    /// An id, a label or a `/regex/`.
    pub select: Option<String>,
    /// An app name or a `/regex/`.
    pub app: Option<String>,
    pub env: Option<String>,
    pub id_prefix: Option<String>,
}

/// An instance as a selection error lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: String,
    pub app: Option<String>,
    pub label: Option<String>,
    /// `live`, `stopped` or `gone`.
    pub status: &'static str,
    /// When it was last heard from (ms since the epoch).
    pub last_seen: u64,
}

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
