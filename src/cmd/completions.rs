//! `rdx completions bash|zsh|fish`: a completion script for the shell, made
//! from the flag table (the commands, each command's flags, their values).

use std::io::Write;

use crate::cli::flags::{self, Command, Flag, Scope};
use crate::cli::parse::command_words;
use crate::cli::{self, Parsed, suggest};
use crate::error::{Error, Result};

/// What `rdx completions` does.
pub(crate) const ABOUT: &str = "\
rdx completions - print a completion script for bash, zsh or fish

Usage: rdx completions bash|zsh|fish

Prints the script that teaches the shell rdx's commands, each command's flags,
the values of --color, `sessions label|unlabel`, and file names where a flag
takes a FILE. It is made from the same flag table as the parser and this help,
so it always matches this rdx. It needs no server and reads no configuration:
global flags are accepted and ignored, and a bad RDX_URL cannot break a shell's
startup file.
";

/// After the flags: where the scripts go.
pub(crate) const MORE: &str = "\
Install (`make install` puts all three where Linux systems look for them):
  rdx completions bash > ~/.local/share/bash-completion/completions/rdx
  rdx completions fish > ~/.config/fish/completions/rdx.fish
  rdx completions zsh > ~/.zfunc/_rdx   # fpath=(~/.zfunc $fpath) in .zshrc

Or load it into the running shell:
  source <(rdx completions bash)        # bash; zsh too, after compinit
  rdx completions fish | source         # fish
";

/// The shells rdx writes completions for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shell {
    Bash,
    Zsh,
    Fish,
}

const SHELLS: [(&str, Shell); 3] = [
    ("bash", Shell::Bash),
    ("zsh", Shell::Zsh),
    ("fish", Shell::Fish),
];

#[derive(Debug)]
pub(crate) struct Args {
    pub(crate) shell: Shell,
}

/// Read the shell's name.
pub(crate) fn args(p: &Parsed) -> Result<Args> {
    cli::no_more_words(p, 1)?;
    let names = SHELLS.map(|(n, _)| n);
    let Some(word) = p.words.first() else {
        return Err(Error::usage(format!(
            "rdx completions needs a shell: {}",
            names.join(", ")
        )));
    };
    match SHELLS.iter().find(|(n, _)| n == word) {
        Some(&(_, shell)) => Ok(Args { shell }),
        None => {
            let hint = match suggest::nearest(word, names) {
                Some(near) => format!("did you mean {near:?}?"),
                None => format!("shells: {}", names.join(", ")),
            };
            Err(Error::usage(format!(
                "no completions for the shell {:?} ({hint})",
                crate::output::sanitize(word)
            )))
        }
    }
}

pub(crate) fn run(args: Args) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(script(args.shell).as_bytes())?;
    out.flush()?;
    Ok(())
}

/// The completion script for `shell`.
pub(crate) fn script(shell: Shell) -> String {
    match shell {
        Shell::Bash => bash::bash(),
        Shell::Zsh => zsh::zsh(),
        Shell::Fish => fish::fish(),
    }
}

/// What follows a command on the line, besides flags.
enum Words {
    /// Nothing to offer (state, tail, watch's paths, man).
    Nothing,
    /// One of these words, first.
    OneOf(Vec<&'static str>),
    /// A file name, first.
    File,
}

/// `help` is listed with the commands but is not one.
const HELP: &str = "help";

fn words_of(c: Option<Command>) -> Words {
    match c {
        Some(Command::Sessions) => Words::OneOf(vec!["label", "unlabel"]),
        Some(Command::Record) => Words::File,
        Some(Command::Completions) => Words::OneOf(SHELLS.map(|(n, _)| n).to_vec()),
        Some(_) => Words::Nothing,
        // `rdx help COMMAND`
        None => Words::OneOf(command_words().into_iter().filter(|w| *w != HELP).collect()),
    }
}

/// The flags offered after `command` (before any: the global ones), in
/// table order, `--help` (and before a command `--version`) last.
fn flags_of(command: Option<Command>) -> Vec<&'static Flag> {
    let mut out: Vec<&Flag> = flags::FLAGS
        .iter()
        .filter(|f| match command {
            Some(c) => c.takes(f.scope),
            None => f.scope == Scope::Global,
        })
        .collect();
    out.extend(
        flags::META
            .iter()
            .filter(|f| command.is_none() || f.id == flags::FlagId::Help),
    );
    out
}

/// Every spelling of a flag that takes a value, in any command: the words
/// to skip, with the word after them, when looking for the command word.
fn value_spellings() -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in flags::FLAGS.iter().filter(|f| f.value.is_some()) {
        for s in std::iter::once(format!("--{}", f.long)).chain(f.short.map(|c| format!("-{c}"))) {
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}

/// Does the flag take a file name?
fn takes_file(f: &Flag) -> bool {
    f.value == Some("FILE")
}

/// Each command's name with the other words that name it (`list`).
fn command_names(c: Command) -> Vec<&'static str> {
    command_words()
        .into_iter()
        .filter(|w| Command::from_word(w) == Some(c))
        .collect()
}

/// What a word of the command list does (`list` is an alias).
fn summary_of(word: &str) -> String {
    match Command::from_word(word) {
        Some(c) if word == c.name() => c.summary().to_string(),
        Some(c) => format!("the same as {}", c.name()),
        None => "show help for a command".to_string(),
    }
}

// ---- bash ----------------------------------------------------------------

mod bash;
mod fish;
mod zsh;

#[cfg(test)]
mod tests;
