//! The bash completion script, from the flag table.

use super::*;

pub(super) fn bash() -> String {
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
