//! The zsh completion script, from the flag table.

use super::*;

/// Text inside a single-quoted zsh word.
fn zsh_quoted(text: &str) -> String {
    text.replace('\'', r"'\''")
}

/// A description inside `[...]` of an `_arguments` spec.
pub(super) fn zsh_description(text: &str) -> String {
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

pub(super) fn zsh() -> String {
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
