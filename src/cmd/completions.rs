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
        Shell::Bash => bash(),
        Shell::Zsh => zsh(),
        Shell::Fish => fish(),
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
            .filter(|f| command.is_none() || f.long == "help"),
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

fn bash() -> String {
    let mut s = String::from(
        "# bash completion for rdx.
# Made by `rdx completions bash` from rdx's flag table: regenerate it, do not
# edit it. Install it as bash-completion/completions/rdx (`make install` does)
# or load it into the running shell: source <(rdx completions bash)

_rdx() {
    local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"\"
    ((COMP_CWORD > 0)) && prev=\"${COMP_WORDS[COMP_CWORD-1]}\"
    # --flag=value: bash splits at the = (COMP_WORDBREAKS).
    if [[ $cur == = ]]; then
        cur=\"\"
    elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
        prev=\"${COMP_WORDS[COMP_CWORD-2]}\"
    fi

    # The command is the first word that is neither a flag nor a flag's
    # value (flags may come before it); count the words after it.
    local cmd=\"\" nwords=0 i w
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=\"${COMP_WORDS[i]}\"
        case \"$w\" in
",
    );
    s.push_str(&format!(
        "            {})\n                ((i++))\n                [[ ${{COMP_WORDS[i]}} == = ]] && ((i++))\n                ;;\n",
        value_spellings().join("|")
    ));
    s.push_str(
        "            -*) ;;
            *)
                if [[ -z $cmd ]]; then cmd=\"$w\"; else ((nwords++)); fi
                ;;
        esac
    done

    # The value of the flag before the cursor.
    case \"$prev\" in
",
    );
    // A flag's value: its choices, a file, or nothing to offer.
    let mut files = Vec::new();
    let mut other = Vec::new();
    for f in flags::FLAGS.iter().filter(|f| f.value.is_some()) {
        let spellings: Vec<String> = std::iter::once(format!("--{}", f.long))
            .chain(f.short.map(|c| format!("-{c}")))
            .collect();
        if !f.choices.is_empty() {
            s.push_str(&format!(
                "        {})\n            _rdx_reply \"{}\"\n            return\n            ;;\n",
                spellings.join("|"),
                f.choices.join(" ")
            ));
        } else if takes_file(f) {
            files.extend(spellings);
        } else {
            other.extend(spellings);
        }
    }
    let dedup = |v: &mut Vec<String>| {
        let mut seen = Vec::new();
        v.retain(|x| {
            let new = !seen.contains(x);
            seen.push(x.clone());
            new
        });
    };
    dedup(&mut files);
    dedup(&mut other);
    other.retain(|x| !files.contains(x));
    if !files.is_empty() {
        s.push_str(&format!(
            "        {})\n            _rdx_files\n            return\n            ;;\n",
            files.join("|")
        ));
    }
    if !other.is_empty() {
        s.push_str(&format!(
            "        {})\n            COMPREPLY=()\n            return\n            ;;\n",
            other.join("|")
        ));
    }
    s.push_str("    esac\n\n    # Flags: the global ones, and the command's own.\n    if [[ $cur == -* ]]; then\n        case \"$cmd\" in\n");
    let long_flags = |c: Option<Command>| -> String {
        flags_of(c)
            .iter()
            .map(|f| format!("--{}", f.long))
            .collect::<Vec<_>>()
            .join(" ")
    };
    s.push_str(&format!(
        "            \"\") _rdx_reply \"{}\" ;;\n",
        long_flags(None)
    ));
    for c in Command::ALL {
        s.push_str(&format!(
            "            {}) _rdx_reply \"{}\" ;;\n",
            command_names(c).join("|"),
            long_flags(Some(c))
        ));
    }
    s.push_str("            *) _rdx_reply \"--help\" ;;\n        esac\n        return\n    fi\n\n");
    s.push_str("    # Words: the command, then what it takes first.\n    ((nwords > 0)) && return\n    case \"$cmd\" in\n");
    s.push_str(&format!(
        "        \"\") _rdx_reply \"{}\" ;;\n",
        command_words().join(" ")
    ));
    let mut word_arms = Vec::new();
    for c in Command::ALL.map(Some).into_iter().chain([None]) {
        let names = match c {
            Some(c) => command_names(c).join("|"),
            None => HELP.to_string(),
        };
        match words_of(c) {
            Words::Nothing => {}
            Words::OneOf(w) => word_arms.push(format!(
                "        {names}) _rdx_reply \"{}\" ;;\n",
                w.join(" ")
            )),
            Words::File => word_arms.push(format!("        {names}) _rdx_files ;;\n")),
        }
    }
    s.push_str(&word_arms.concat());
    s.push_str(
        "    esac
}

# The words of $1 that start with the word being completed.
_rdx_reply() {
    mapfile -t COMPREPLY < <(compgen -W \"$1\" -- \"$cur\")
}

# File names (and directories on the way to them).
_rdx_files() {
    mapfile -t COMPREPLY < <(compgen -f -- \"$cur\")
    compopt -o filenames 2>/dev/null
}

complete -F _rdx rdx
",
    );
    s
}

// ---- zsh -----------------------------------------------------------------

/// Text inside a single-quoted zsh word.
fn zsh_quoted(text: &str) -> String {
    text.replace('\'', r"'\''")
}

/// A description inside `[...]` of an `_arguments` spec.
fn zsh_description(text: &str) -> String {
    zsh_quoted(
        &text
            .replace('\\', r"\\")
            .replace('[', r"\[")
            .replace(']', r"\]"),
    )
}

/// One flag as `_arguments` specs: `'(-n --count)'{-n+,--count=}'[help]:N: '`.
fn zsh_spec(f: &Flag) -> String {
    let help = zsh_description(f.help);
    let value = match f.value {
        None => String::new(),
        Some(name) => {
            let action = if !f.choices.is_empty() {
                format!("({})", f.choices.join(" "))
            } else if takes_file(f) {
                "_files".to_string()
            } else {
                " ".to_string()
            };
            format!(":{name}:{action}")
        }
    };
    let (short_suffix, long_suffix) = match f.value {
        Some(_) => ("+", "="),
        None => ("", ""),
    };
    // --help and --version end the line: nothing else after them.
    let exclusive = matches!(f.long, "help" | "version");
    match f.short {
        Some(c) => {
            let excl = if exclusive {
                "(- *)".to_string()
            } else {
                format!("(-{c} --{})", f.long)
            };
            format!(
                "'{excl}'{{-{c}{short_suffix},--{}{long_suffix}}}'[{help}]{value}'",
                f.long
            )
        }
        None => {
            let excl = if exclusive { "(- *)" } else { "" };
            format!("'{excl}--{}{long_suffix}[{help}]{value}'", f.long)
        }
    }
}

/// The name of the zsh array holding a command's flags.
fn zsh_array(c: Option<Command>) -> String {
    match c {
        Some(c) => format!("{}_flags", c.name()),
        None => "global_flags".into(),
    }
}

fn zsh() -> String {
    let mut s = String::from(
        "#compdef rdx
# zsh completion for rdx.
# Made by `rdx completions zsh` from rdx's flag table: regenerate it, do not
# edit it. Install it as _rdx in a directory of $fpath (`make install` puts it
# in site-functions), or load it into a running shell after compinit:
#   source <(rdx completions zsh)

_rdx() {
  local curcontext=\"$curcontext\" state state_descr line ret=1
  typeset -A opt_args
",
    );
    for c in std::iter::once(None).chain(Command::ALL.map(Some)) {
        s.push_str(&format!("  local -a {}=(\n", zsh_array(c)));
        for f in flags_of(c) {
            s.push_str(&format!("    {}\n", zsh_spec(f)));
        }
        s.push_str("  )\n");
    }
    s.push_str(
        "
  _arguments -s -S -C $global_flags \\
    '1:command:->command' \\
    '*::argument:->argument' && ret=0

  case $state in
    command)
      local -a commands=(
",
    );
    for w in command_words() {
        s.push_str(&format!(
            "        '{}:{}'\n",
            w,
            zsh_quoted(&summary_of(w).replace(':', r"\:"))
        ));
    }
    s.push_str(
        "      )
      _describe -t commands 'rdx command' commands && ret=0
      ;;
    argument)
      curcontext=\"${curcontext%:*:*}:rdx-$words[1]:\"
      case $words[1] in
",
    );
    for c in Command::ALL {
        let first = match words_of(Some(c)) {
            Words::Nothing if c == Command::Watch => " '*:path: '".to_string(),
            Words::Nothing => String::new(),
            Words::OneOf(w) => format!(" '1:{}:({})' '*:word: '", word_title(c), w.join(" ")),
            Words::File => format!(" '1:{}:_files'", word_title(c)),
        };
        s.push_str(&format!(
            "        {})\n          _arguments -s -S ${}{first} && ret=0\n          ;;\n",
            command_names(c).join("|"),
            zsh_array(Some(c))
        ));
    }
    let Words::OneOf(topics) = words_of(None) else {
        unreachable!("help takes a command")
    };
    s.push_str(&format!(
        "        {HELP})\n          _arguments '1:command:({})' && ret=0\n          ;;\n",
        topics.join(" ")
    ));
    s.push_str(
        "      esac
      ;;
  esac
  return ret
}

# Autoloaded from $fpath, this file is the function's body: complete. Sourced,
# it defines _rdx and registers it.
if [[ $funcstack[1] == _rdx ]]; then
  _rdx \"$@\"
else
  compdef _rdx rdx
fi
",
    );
    s
}

/// What a command's first word is, for zsh's messages.
fn word_title(c: Command) -> &'static str {
    match c {
        Command::Sessions => "action",
        Command::Record => "file",
        Command::Completions => "shell",
        _ => "word",
    }
}

// ---- fish ----------------------------------------------------------------

/// A single-quoted fish word.
fn fish_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\\', r"\\").replace('\'', r"\'"))
}

fn fish() -> String {
    let mut s = String::from(
        "# fish completion for rdx.
# Made by `rdx completions fish` from rdx's flag table: regenerate it, do not
# edit it. Install it as vendor_completions.d/rdx.fish (`make install` does)
# or ~/.config/fish/completions/rdx.fish, or load it: rdx completions fish | source

# The command on the line (the first word that is neither a flag nor a flag's
# value; - if none yet), then how many words follow it.
function __rdx_command
    set -l words (commandline -opc)
    set -e words[1]
    set -l cmd -
    set -l n 0
    set -l skip 0
    for w in $words
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $w
",
    );
    s.push_str(&format!(
        "            case {}\n                set skip 1\n",
        value_spellings().join(" ")
    ));
    s.push_str(
        "            case '-*'
            case '*'
                if test $cmd = -
                    set cmd $w
                else
                    set n (math $n + 1)
                end
        end
    end
    echo $cmd
    echo $n
end

# Is there no command on the line yet?
function __rdx_none
    set -l c (__rdx_command)
    test $c[1] = -
end

# Is the command one of $argv?
function __rdx_using
    set -l c (__rdx_command)
    contains -- $c[1] $argv
end

# Is the command one of $argv, with nothing after it yet?
function __rdx_first
    set -l c (__rdx_command)
    test $c[2] -eq 0; and contains -- $c[1] $argv
end

# No file names unless a flag or a command takes one.
complete -c rdx -f

# Commands
",
    );
    for w in command_words() {
        s.push_str(&format!(
            "complete -c rdx -n __rdx_none -a {} -d {}\n",
            w,
            fish_quoted(&summary_of(w))
        ));
    }
    s.push_str("\n# What follows a command\n");
    for c in Command::ALL.map(Some).into_iter().chain([None]) {
        let names = match c {
            Some(c) => command_names(c).join(" "),
            None => HELP.to_string(),
        };
        match words_of(c) {
            Words::Nothing => {}
            Words::OneOf(w) => s.push_str(&format!(
                "complete -c rdx -n '__rdx_first {names}' -a {}\n",
                fish_quoted(&w.join(" "))
            )),
            Words::File => s.push_str(&format!("complete -c rdx -n '__rdx_first {names}' -F\n")),
        }
    }
    s.push_str(
        "\n# Flags: the global ones anywhere, the others after the commands that take them\n",
    );
    let all: Vec<&Flag> = flags::FLAGS.iter().chain(flags::META).collect();
    for f in all {
        let takers: Vec<&str> = Command::ALL
            .into_iter()
            .filter(|c| flags_of(Some(*c)).iter().any(|g| std::ptr::eq(*g, f)))
            .flat_map(command_names)
            .collect();
        let condition = if f.long == "version" {
            " -n __rdx_none".to_string()
        } else if f.scope == Scope::Global {
            String::new()
        } else {
            format!(" -n '__rdx_using {}'", takers.join(" "))
        };
        let short = f.short.map_or(String::new(), |c| format!(" -s {c}"));
        let value = match f.value {
            None => String::new(),
            Some(_) if !f.choices.is_empty() => {
                format!(" -x -a {}", fish_quoted(&f.choices.join(" ")))
            }
            Some(_) if takes_file(f) => " -r -F".to_string(),
            Some(_) => " -x".to_string(),
        };
        s.push_str(&format!(
            "complete -c rdx{condition}{short} -l {}{value} -d {}\n",
            f.long,
            fish_quoted(f.help)
        ));
    }
    s
}

#[cfg(test)]
mod tests;
