//! Unit tests of `completions`.
use super::*;
use crate::cli::parse::{parse_words, parsed};
use crate::cli::{Invocation, config};

/// Every flag a command takes is in its completions, for every shell,
/// and no flag it does not take is.
#[test]
fn every_shell_offers_each_commands_flags() {
    for c in Command::ALL {
        let mine = flags_of(Some(c));
        for f in flags::FLAGS.iter() {
            assert_eq!(
                mine.iter().any(|g| std::ptr::eq(*g, f)),
                c.takes(f.scope),
                "--{} for {}",
                f.long,
                c.name()
            );
        }
    }
    let bash = bash::bash();
    let zsh = zsh::zsh();
    let fish = fish::fish();
    for f in flags::FLAGS.iter().chain(flags::META) {
        assert!(
            bash.contains(&format!("--{}", f.long)),
            "bash: --{}",
            f.long
        );
        assert!(zsh.contains(&format!("--{}", f.long)), "zsh: --{}", f.long);
        assert!(
            fish.contains(&format!("-l {} ", f.long)),
            "fish: --{}",
            f.long
        );
    }
    for w in command_words() {
        assert!(
            bash.contains(w) && zsh.contains(w) && fish.contains(w),
            "{w}"
        );
    }
}

/// The flags each command's bash arm offers: exactly the ones it takes.
#[test]
fn bash_offers_a_command_only_its_flags() {
    let bash = bash::bash();
    let arm = |names: &str| -> Vec<String> {
        let line = bash
            .lines()
            .find(|l| {
                l.trim_start()
                    .starts_with(&format!("{names}) _rdx_reply \"--"))
            })
            .unwrap_or_else(|| panic!("no flag arm for {names}"));
        let list = line.split('"').nth(1).unwrap();
        list.split(' ').map(str::to_string).collect()
    };
    for c in Command::ALL {
        let offered = arm(&command_names(c).join("|"));
        let mut want: Vec<String> = flags::FLAGS
            .iter()
            .filter(|f| c.takes(f.scope))
            .map(|f| format!("--{}", f.long))
            .collect();
        want.push("--help".into());
        assert_eq!(offered, want, "{}", c.name());
    }
}

/// Every spelling that takes a value is skipped when looking for the
/// command; the switches are not.
#[test]
fn value_flags_are_the_tables() {
    let v = value_spellings();
    for f in flags::FLAGS.iter() {
        let long = format!("--{}", f.long);
        assert_eq!(v.contains(&long), f.value.is_some(), "{long}");
    }
    assert!(v.contains(&"-n".to_string()) && !v.contains(&"-q".to_string()));
}

/// The choices the scripts offer are the values the parser takes.
#[test]
fn offered_choices_parse() {
    for f in flags::FLAGS.iter().filter(|f| !f.choices.is_empty()) {
        for v in f.choices {
            let p = parsed(&format!("sessions --{} {v}", f.long));
            assert!(config(&p, &|_| None).is_ok(), "--{} {v}", f.long);
        }
    }
}

/// The words offered after `sessions` are the words it takes.
#[test]
fn offered_words_are_known() {
    let Words::OneOf(words) = words_of(Some(Command::Sessions)) else {
        panic!()
    };
    for w in words {
        let p = parsed(&format!("sessions {w} some-id a-label"));
        let e = crate::cmd::sessions::args(&p).err().map(|e| e.to_string());
        // Either it is taken, or it is taken with fewer words.
        assert!(
            e.is_none()
                || e.as_deref()
                    .is_some_and(|e| e.contains(&format!("rdx sessions {w}"))),
            "{w}: {e:?}"
        );
    }
    let Words::OneOf(shells) = words_of(Some(Command::Completions)) else {
        panic!()
    };
    for w in shells {
        assert!(args(&parsed(&format!("completions {w}"))).is_ok(), "{w}");
    }
    let Words::OneOf(topics) = words_of(None) else {
        panic!()
    };
    for t in topics {
        assert!(crate::cmd::usage(Some(t)).is_ok(), "{t}");
    }
}

#[test]
fn a_shell_is_required_and_a_typo_gets_a_suggestion() {
    let err = |w: &str| args(&parsed(w)).unwrap_err().to_string();
    assert!(err("completions").contains("bash, zsh, fish"));
    assert!(err("completions bsh").contains("did you mean \"bash\"?"));
    assert!(err("completions powershell").contains("shells: bash, zsh, fish"));
    assert!(args(&parsed("completions bash extra")).is_err());
    // Global flags are taken (and ignored), before or after.
    assert!(matches!(
        parse_words("--url ws://x:1 completions zsh --json"),
        Ok(Invocation::Run(_))
    ));
}

#[test]
fn quoting() {
    assert_eq!(
        zsh::zsh_description("a [b] 'c' \\"),
        r"a \[b\] '\''c'\'' \\"
    );
    assert_eq!(fish::fish_quoted(r"it's a \ back"), r"'it\'s a \\ back'");
}
