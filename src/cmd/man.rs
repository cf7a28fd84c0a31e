//! `rdx man`: the man page (roff, section 1), made from the flag table and
//! the help texts.

use std::io::Write;

use crate::cli::flags::{self, Command, Flag, Scope};
use crate::cli::{self, Parsed};
use crate::error::Result;

/// What `rdx man` does.
pub(crate) const ABOUT: &str = "\
rdx man - print rdx's man page

Usage: rdx man

Prints the manual page (roff, section 1), made from the same flag table and
help texts as `rdx --help`: every command with its flags, the global flags
with their environment variables, the exit codes, the label store and
examples. It needs no server and reads no configuration: global flags are
accepted and ignored.
";

/// After the flags: how to read and install it.
pub(crate) const MORE: &str = "\
Examples:
  man -l <(rdx man)                         # read it now
  rdx man > ~/.local/share/man/man1/rdx.1   # then: man rdx
";

/// Environment variables rdx reads that no flag stands for.
const OTHER_ENV: &[(&str, &str)] = &[
    (
        "NO_COLOR",
        "set and not empty: no color with `--color auto` (the default)",
    ),
    ("TERM", "`dumb`: no color with `--color auto`"),
    (
        "COLUMNS",
        "the terminal's width, for lines cut to fit it (else asked of the terminal)",
    ),
    (
        "XDG_STATE_HOME",
        "where the label store lives by default: $XDG_STATE_HOME/rdx/labels.json",
    ),
    (
        "HOME",
        "without XDG_STATE_HOME, the label store is ~/.local/state/rdx/labels.json",
    ),
];

#[derive(Debug)]
pub(crate) struct Args;

/// `rdx man` takes no words.
pub(crate) fn args(p: &Parsed) -> Result<Args> {
    cli::no_more_words(p, 0)?;
    Ok(Args)
}

pub(crate) fn run(_: Args) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(page().as_bytes())?;
    out.flush()?;
    Ok(())
}

/// The whole page.
pub(crate) fn page() -> String {
    let (title, main) = split_help(super::ABOUT);
    let mut r = Roff::default();
    r.line(".\\\" rdx(1): made by `rdx man` from rdx's flag table and help texts.");
    r.line(&format!(
        ".TH RDX 1 \"\" \"rdx {}\" \"User Commands\"",
        env!("CARGO_PKG_VERSION")
    ));
    // No hyphenation (HY: also after the synopsis macros, which restore it)
    // and no justification: flags stay whole, and no line is stretched.
    r.line(".nr HY 0");
    r.line(".nh");
    r.line(".ad l");

    r.line(".SH NAME");
    let what = title.split_once(" - ").map_or(title.as_str(), |(_, w)| w);
    r.line(&format!("rdx \\- {}", esc(what)));

    r.line(".SH SYNOPSIS");
    r.synopsis("[GLOBAL FLAGS] COMMAND [FLAGS]", false);
    for c in Command::ALL {
        for usage in usage_lines(super::texts(c).0) {
            r.synopsis(&usage, true);
        }
    }
    r.synopsis("help [COMMAND]", true);
    r.synopsis("--version", false);

    r.line(".SH DESCRIPTION");
    r.blocks(&main, false);
    r.para(
        "Any flag may come before or after the command word. A flag beats its \
         environment variable, which beats the default.",
    );
    r.para(super::DURATIONS.trim());

    r.line(".SH COMMANDS");
    for c in Command::ALL {
        let (about, more) = super::texts(c);
        let alias: Vec<&str> = crate::cli::parse::command_words()
            .into_iter()
            .filter(|w| *w != c.name() && Command::from_word(w) == Some(c))
            .collect();
        let mut head = format!("rdx {}", c.name());
        for a in alias {
            head.push_str(&format!(", rdx {a}"));
        }
        r.line(&format!(".SS \"{}\"", esc(&head)));
        let (_, about) = split_help(about);
        r.blocks(&about, false);
        let own = flags::of_scope(Some(c), Scope::Only(c));
        for f in own {
            r.flag(f);
        }
        let shared: Vec<String> = [Scope::Filter, Scope::Selector]
            .into_iter()
            .filter(|s| c.takes(*s))
            .flat_map(|s| flags::of_scope(Some(c), s))
            .map(|f| format!("`--{}`", f.long))
            .collect();
        if !shared.is_empty() {
            r.para(&format!(
                "It also takes {} (see FILTERS AND SELECTORS) and the global flags.",
                list(&shared)
            ));
        } else if c.connects() {
            r.para("It also takes the global flags.");
        }
        r.blocks(&blocks(more), false);
    }

    r.line(".SH GLOBAL FLAGS");
    r.para("Every command takes these, before or after the command word.");
    for f in flags::of_scope(None, Scope::Global)
        .into_iter()
        .chain(flags::META)
    {
        r.flag(f);
    }

    r.line(".SH FILTERS AND SELECTORS");
    r.para(
        "Filters narrow the set of instances a command is about and may match \
         many; they combine with AND. A selector picks one instance. `rdx \
         sessions` takes the filters; `tail`, `state`, `watch` and `ui` take both.",
    );
    for f in flags::of_scope(None, Scope::Filter)
        .into_iter()
        .chain(flags::of_scope(None, Scope::Selector))
    {
        r.flag(f);
    }

    r.line(".SH KEYS (rdx ui)");
    r.para("The keys of `rdx ui` (the same table as its `?` help).");
    for g in super::ui::keys::Group::ALL {
        r.line(&format!(".SS \"{}\"", esc(g.title())));
        for k in super::ui::keys::TABLE.iter().filter(|k| k.group == g) {
            r.line(".TP");
            r.line(&format!(".B {}", esc(k.shown)));
            r.text(&format!("{}.", k.help));
        }
    }

    r.line(".SH EXIT STATUS");
    for (code, text) in super::EXIT_CODES {
        r.line(".TP");
        r.line(&format!(".B {code}"));
        r.text(text);
    }

    r.line(".SH ENVIRONMENT");
    for f in flags::FLAGS.iter().filter(|f| f.env.is_some()) {
        r.line(".TP");
        r.line(&format!(".B {}", f.env.unwrap_or_default()));
        r.text(&format!("When `--{}` is not given: {}.", f.long, f.help));
    }
    for (name, text) in OTHER_ENV {
        r.line(".TP");
        r.line(&format!(".B {name}"));
        r.text(&format!("{text}."));
    }

    r.line(".SH FILES");
    r.line(".TP");
    r.line(".I $XDG_STATE_HOME/rdx/labels.json");
    r.text(
        "The label store (else ~/.local/state/rdx/labels.json; `--labels FILE` or \
         RDX_LABELS name another): the names given with `rdx sessions label ID \
         NAME`, and which app each labelled instance belongs to. It is rewritten \
         atomically under a file lock (a symlink stays one, the file keeps its mode; \
         a new one is 0600). A corrupt store is never replaced: writing it is an \
         error (exit 3); commands that only read labels warn once and go on without them.",
    );

    r.line(".SH EXAMPLES");
    r.blocks(&blocks(super::EXAMPLES), true);
    r.out
}

/// A help text's title line (`rdx tail - print each action`) and the rest,
/// without its `Usage:` paragraph (the synopsis has it).
fn split_help(text: &str) -> (String, Vec<Block>) {
    let mut all = blocks(text);
    let title = match all.first() {
        Some(Block::Prose(t)) => t.clone(),
        _ => String::new(),
    };
    if !all.is_empty() {
        all.remove(0);
    }
    all.retain(|b| match b {
        Block::Prose(t) | Block::Display(t, _) => !t.starts_with("Usage:"),
    });
    (title, all)
}

/// A help text's `Usage:` lines, each without its `rdx `.
fn usage_lines(text: &str) -> Vec<String> {
    let Some(start) = text.find("Usage:") else {
        return Vec::new();
    };
    text[start + "Usage:".len()..]
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .map(|l| l.strip_prefix("rdx ").map_or(l.clone(), str::to_string))
        .collect()
}

/// A paragraph of a help text.
#[derive(Debug, Clone, PartialEq)]
enum Block {
    /// Lines of prose, joined by spaces.
    Prose(String),
    /// A heading line and lines shown as they are (examples).
    Display(String, Vec<String>),
}

/// A help text's paragraphs: prose, or a line followed by indented lines.
fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    for para in text.split("\n\n") {
        let lines: Vec<&str> = para.lines().filter(|l| !l.trim().is_empty()).collect();
        let Some((first, rest)) = lines.split_first() else {
            continue;
        };
        if !rest.is_empty() && rest.iter().all(|l| l.starts_with("  ")) && !first.starts_with(' ') {
            out.push(Block::Display(
                first.to_string(),
                rest.iter().map(|l| l[2..].to_string()).collect(),
            ));
        } else {
            let words: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
            out.push(Block::Prose(words.join(" ")));
        }
    }
    out
}

/// `a`, `a and b`, `a, b and c`.
fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Text for roff: backslashes, hyphens and quotes escaped (so that flags and
/// code copy as typed), characters beyond ASCII as `\[uXXXX]`.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\e"),
            '-' => out.push_str("\\-"),
            '\'' => out.push_str("\\(aq"),
            '`' => out.push_str("\\(ga"),
            '"' => out.push_str("\\(dq"),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c if c.is_ascii() => {}
            c => out.push_str(&format!("\\[u{:04X}]", c as u32)),
        }
    }
    out
}

/// Prose for roff: escaped, with `code` in bold, and a place to break a
/// line after each comma inside a word (`{"type","ts",...}` on a narrow
/// terminal).
fn prose(text: &str) -> String {
    let spans = code_spans(text);
    let mut out = String::with_capacity(spans.len());
    let mut chars = spans.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == ',' && chars.peek().is_some_and(|n| *n != ' ') {
            out.push_str("\\:");
        }
    }
    out
}

/// Escaped text with `code` in bold.
fn code_spans(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    if parts.len().is_multiple_of(2) {
        // An odd number of backticks: no code spans, only backticks.
        return esc(text);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i % 2 == 1 {
                format!("\\fB{}\\fR", esc(p))
            } else {
                esc(p)
            }
        })
        .collect()
}

/// The widest line of an example that fits an 80-column terminal in a man
/// page (which indents it by 11).
const DISPLAY_WIDTH: usize = 68;

/// A roff document being written.
#[derive(Default)]
struct Roff {
    out: String,
}

impl Roff {
    /// A request or a line already in roff.
    fn line(&mut self, l: &str) {
        self.out.push_str(l);
        self.out.push('\n');
    }

    /// A text line: never read as a request.
    fn text(&mut self, text: &str) {
        let t = prose(text);
        if t.starts_with('.') || t.starts_with('\'') || t.starts_with(' ') {
            self.out.push_str("\\&");
        }
        self.line(&t);
    }

    /// A paragraph of prose.
    fn para(&mut self, text: &str) {
        self.line(".PP");
        self.text(text);
    }

    /// Paragraphs of a help text. Displays are indented and kept as they
    /// are; `examples_only` keeps only those.
    fn blocks(&mut self, blocks: &[Block], examples_only: bool) {
        for b in blocks {
            match b {
                Block::Prose(t) if !examples_only => self.para(t),
                Block::Prose(_) => {}
                Block::Display(head, lines) => {
                    if !examples_only || !head.starts_with("Examples") {
                        self.para(head);
                    }
                    self.line(".RS 4");
                    self.line(".nf");
                    for l in lines {
                        // A long `cmd   # what it does` becomes the comment,
                        // then the command: the page stays narrow.
                        let (cmd, comment) = match l.split_once("  # ") {
                            Some((cmd, c)) if l.len() > DISPLAY_WIDTH => {
                                (cmd.trim_end(), Some(c.trim()))
                            }
                            _ => (l.as_str(), None),
                        };
                        if let Some(c) = comment {
                            self.line(&format!("# {}", esc(c)));
                        }
                        let t = esc(cmd);
                        if t.starts_with('.') {
                            self.out.push_str("\\&");
                        }
                        self.line(&t);
                    }
                    self.line(".fi");
                    self.line(".RE");
                }
            }
        }
    }

    /// One line of the synopsis: `rdx`, then the words (the command's in
    /// bold when `command`).
    fn synopsis(&mut self, words: &str, command: bool) {
        self.line(".SY rdx");
        let (first, rest) = if command {
            words.split_once(' ').unwrap_or((words, ""))
        } else {
            ("", words)
        };
        let mut l = String::new();
        if !first.is_empty() {
            l.push_str(&format!("\\fB{}\\fR", esc(first)));
            if !rest.is_empty() {
                l.push(' ');
            }
        }
        l.push_str(&esc(rest));
        self.line(&l);
        self.line(".YS");
    }

    /// A flag as a tagged paragraph: `-n, --count N`, its help and its
    /// environment variable.
    fn flag(&mut self, f: &Flag) {
        self.line(".TP");
        let mut tag = String::new();
        if let Some(c) = f.short {
            tag.push_str(&format!("\\fB\\-{}\\fR, ", esc(&c.to_string())));
        }
        tag.push_str(&format!("\\fB\\-\\-{}\\fR", esc(f.long)));
        if let Some(v) = f.value {
            tag.push_str(&format!(" \\fI{}\\fR", esc(v)));
        }
        self.line(&tag);
        let mut help = f.help.to_string();
        if !f.choices.is_empty() && !f.choices.iter().all(|c| help.contains(c)) {
            help.push_str(&format!(" ({})", f.choices.join(", ")));
        }
        if let Some(e) = f.env {
            help.push_str(&format!(" [env {e}]"));
        }
        self.text(&help);
    }
}

#[cfg(test)]
mod tests;
