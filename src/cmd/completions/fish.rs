//! The fish completion script, from the flag table.

use super::*;

// ---- fish ----------------------------------------------------------------

/// A single-quoted fish word.
pub(super) fn fish_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\\', r"\\").replace('\'', r"\'"))
}

pub(super) fn fish() -> String {
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
        let condition = if f.id == flags::FlagId::Version {
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
