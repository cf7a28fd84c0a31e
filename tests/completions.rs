//! Shell completions, the man page, `make install` and did-you-mean, checked
//! in the real shells and with the real groff: each completion script loads
//! in its shell and completes commands and a command's flags (the expected
//! flags are read from rdx's own `--help`, never written down here); the man
//! page renders without a warning; `make install` puts every file where Linux
//! systems look for it. zsh, fish and groff come from `make e2e-deps`.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::util::{TempDir, code, rdx, replay, root, run, run_cmd, stderr, stdout, wait_output};

const BIN: &str = env!("CARGO_BIN_EXE_rdx");
const DEPS: &str = "run `make e2e-deps` (apt-get install zsh fish groff-base)";

/// Run a program (a shell, groff, make) with a watchdog; rdx is on its PATH.
fn sh(program: &str, args: &[&str], dir: Option<&Path>) -> Output {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(found, "{program} is not installed: {DEPS}");
    let bin_dir = Path::new(BIN).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut c = Command::new(program);
    c.args(args)
        .env("PATH", path)
        .env("RDX_EXE", BIN)
        .env_remove("MAKEFLAGS")
        .env_remove("MAKELEVEL")
        .env_remove("MFLAGS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(d) = dir {
        c.current_dir(d);
    }
    let child = c.spawn().unwrap_or_else(|e| panic!("{program}: {e}"));
    wait_output(
        child,
        Duration::from_secs(120),
        &format!("{program} {}", args.join(" ")),
    )
}

#[track_caller]
fn ok(o: &Output, what: &str) -> String {
    assert!(
        o.status.success() && o.stderr.is_empty(),
        "{what}: exit {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        code(o),
        stdout(o),
        stderr(o)
    );
    stdout(o)
}

/// A completion script, as rdx prints it.
fn script(shell: &str) -> String {
    let o = run(&["completions", shell]);
    o.expect(0);
    stdout(&o)
}

/// The flags a help text defines: its `  -x, --long` / `      --long` lines.
fn flags_in_help(help: &str) -> BTreeSet<String> {
    help.lines()
        .filter_map(|l| {
            let t = l.trim_start();
            let indent = l.len() - t.len();
            if indent == 0 || !t.starts_with('-') {
                return None;
            }
            // `-q, --quiet`: the long one.
            let t = match t.get(2..4) {
                Some(", ") if !t.starts_with("--") => &t[4..],
                _ => t,
            };
            let long = t.split_whitespace().next()?;
            long.starts_with("--").then(|| long.to_string())
        })
        .collect()
}

/// The flags `rdx CMD --help` and `rdx --help` define: what completing
/// `rdx CMD --` must offer.
fn flags_of(cmd: &str) -> BTreeSet<String> {
    let own = run(&[cmd, "--help"]);
    own.expect(0);
    let global = run(&["--help"]);
    global.expect(0);
    let mut all = flags_in_help(&stdout(&own));
    all.extend(
        flags_in_help(&stdout(&global))
            .into_iter()
            .filter(|f| f != "--version"),
    );
    assert!(all.len() > 10, "{cmd}: {all:?}");
    all
}

/// The commands `rdx --help` lists, with their aliases (`(alias: list)`).
fn commands() -> Vec<String> {
    let help = stdout(&run(&["--help"]));
    let list = help
        .split("\nCommands:\n")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .expect("a Commands: list in rdx --help");
    let mut names: Vec<String> = list
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    for alias in list.split("(alias: ").skip(1) {
        names.push(alias.split(')').next().unwrap().to_string());
    }
    assert!(names.len() >= 8, "{names:?}");
    names
}

// ---- bash --------------------------------------------------------------

/// What bash's `_rdx` puts in COMPREPLY for the line `words` (the last word
/// is the one being completed), run in `dir`.
fn bash_complete(words: &[&str], dir: Option<&Path>) -> BTreeSet<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let prog = format!(
        "source <(\"$RDX_EXE\" completions bash) || exit 9
COMP_WORDS=({})
COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1))
COMP_LINE=\"${{COMP_WORDS[*]}}\"
COMP_POINT=${{#COMP_LINE}}
_rdx rdx \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"
printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        quoted.join(" ")
    );
    let o = sh("bash", &["--norc", "--noprofile", "-c", &prog], dir);
    ok(&o, &format!("bash completion of {words:?}"))
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn bash_script_loads_and_registers_rdx() {
    let o = sh(
        "bash",
        &[
            "--norc",
            "--noprofile",
            "-c",
            "source <(\"$RDX_EXE\" completions bash) && complete -p rdx",
        ],
        None,
    );
    let out = ok(&o, "bash");
    assert!(
        out.contains("-F _rdx") && out.trim_end().ends_with(" rdx"),
        "{out}"
    );
}

#[test]
fn bash_completes_commands() {
    assert_eq!(bash_complete(&["rdx", "se"], None), set(&["sessions"]));
    assert_eq!(bash_complete(&["rdx", "ta"], None), set(&["tail"]));
    // Every command rdx --help lists, and nothing else.
    let all: BTreeSet<String> = commands().into_iter().collect();
    assert_eq!(bash_complete(&["rdx", ""], None), all);
    // Flags before the command, and their values, are skipped.
    assert_eq!(
        bash_complete(&["rdx", "--url", "ws://h:1", "--json", "wa"], None),
        set(&["watch"])
    );
    assert_eq!(
        bash_complete(&["rdx", "-n", "3", "st"], None),
        set(&["state"])
    );
    assert_eq!(
        bash_complete(&["rdx", "help", "rec"], None),
        set(&["record"])
    );
}

#[test]
fn bash_completes_a_commands_flags() {
    assert_eq!(
        bash_complete(&["rdx", "tail", "--co"], None),
        set(&["--count", "--color"])
    );
    // state has no --count.
    assert_eq!(
        bash_complete(&["rdx", "state", "--co"], None),
        set(&["--color"])
    );
    // All of a command's flags (its own, its filters, the global ones), as its
    // help lists them, and no other.
    for cmd in ["sessions", "tail", "state", "watch", "record"] {
        assert_eq!(
            bash_complete(&["rdx", cmd, "--"], None),
            flags_of(cmd),
            "{cmd}"
        );
    }
}

#[test]
fn bash_completes_values_and_words() {
    let colors = bash_complete(&["rdx", "--color", ""], None);
    assert_eq!(colors, set(&["auto", "always", "never"]));
    // --color=al: bash splits at the =.
    assert_eq!(
        bash_complete(&["rdx", "tail", "--color", "=", "al"], None),
        set(&["always"])
    );
    assert_eq!(
        bash_complete(&["rdx", "sessions", ""], None),
        set(&["label", "unlabel"])
    );
    assert_eq!(
        bash_complete(&["rdx", "completions", ""], None),
        set(&["bash", "zsh", "fish"])
    );
    // FILE values and record's FILE: file names.
    let dir = TempDir::new("complete-files");
    std::fs::write(dir.0.join("traffic.jsonl"), "").unwrap();
    std::fs::write(dir.0.join("other.txt"), "").unwrap();
    let want = set(&["traffic.jsonl"]);
    assert_eq!(
        bash_complete(&["rdx", "--replay", "tr"], Some(&dir.0)),
        want
    );
    assert_eq!(bash_complete(&["rdx", "record", "tr"], Some(&dir.0)), want);
    assert_eq!(
        bash_complete(&["rdx", "sessions", "--labels", "tr"], Some(&dir.0)),
        want
    );
    // A value that is not a file: nothing offered.
    assert!(bash_complete(&["rdx", "--url", "tr"], Some(&dir.0)).is_empty());
}

// ---- zsh ---------------------------------------------------------------

/// A zsh with compinit in a clean environment, the script installed as
/// `_rdx` in a directory of its fpath.
fn zsh_dir() -> TempDir {
    let dir = TempDir::new("zsh-completions");
    std::fs::create_dir_all(dir.0.join("functions")).unwrap();
    std::fs::write(dir.0.join("functions/_rdx"), script("zsh")).unwrap();
    dir
}

#[test]
fn zsh_script_loads_with_compinit() {
    let dir = zsh_dir();
    // Autoloaded from fpath, as site-functions/_rdx is.
    let prog = format!(
        "fpath=({0}/functions $fpath)
autoload -Uz compinit && compinit -u -d {0}/zcompdump || exit 9
print -r -- \"comp=$_comps[rdx]\"
autoload +X _rdx && whence -w _rdx",
        dir.0.display()
    );
    let out = ok(&sh("zsh", &["-f", "-c", &prog], None), "zsh fpath");
    assert!(
        out.contains("comp=_rdx\n") && out.contains("_rdx: function"),
        "{out}"
    );
    // Sourced into a running shell.
    let prog = format!(
        "autoload -Uz compinit && compinit -u -d {0}/zcompdump2 || exit 9
source <(\"$RDX_EXE\" completions zsh) || exit 8
print -r -- \"comp=$_comps[rdx]\"
whence -w _rdx",
        dir.0.display()
    );
    let out = ok(&sh("zsh", &["-f", "-c", &prog], None), "zsh source");
    assert!(
        out.contains("comp=_rdx\n") && out.contains("_rdx: function"),
        "{out}"
    );
}

/// What zsh offers when Tab is pressed after `line`, in an interactive zsh
/// on a pseudo-terminal (zpty): every match compadd is given.
fn zsh_complete(dir: &TempDir, line: &str) -> BTreeSet<String> {
    let driver = format!(
        r#"zmodload zsh/zpty || exit 9
zpty z zsh -f -i
zpty -w z "PROMPT=''; fpath=({dir}/functions \$fpath); autoload -Uz compinit; compinit -u -d {dir}/zcompdump3"
zpty -w z 'compprefuncs=( no_list ); no_list() {{ compstate[list]=""; }}'
zpty -w z 'comppostfuncs=( done_ ); done_() {{ print -r -- "<E""ND>"; }}'
zpty -w z 'compadd () {{ if [[ ${{@[1,(i)(-|--)]}} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return $?; fi; typeset -a __hits; builtin compadd -A __hits "$@"; local i; for i in $__hits; do print -r -- "HI""T $i"; done; builtin compadd "$@"; }}'
zpty -w z 'print -r -- "RE""ADY"'
while zpty -r z l; do [[ $l == *READY* ]] && break; done
zpty -w -n z {line:?}$'\t'
while zpty -r z l; do
  [[ $l == *'<END>'* ]] && break
  [[ $l == *HIT\ * ]] && print -r -- "${{${{l#*HIT }}%%$'\r'}}"
done
zpty -d z
"#,
        dir = dir.0.display(),
    );
    let o = sh("zsh", &["-f", "-c", &driver], Some(&dir.0));
    assert!(o.status.success(), "zsh driver: {}", stderr(&o));
    stdout(&o)
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn zsh_completes_commands_and_a_commands_flags() {
    let dir = zsh_dir();
    assert_eq!(zsh_complete(&dir, "rdx ta"), set(&["tail"]));
    let all: BTreeSet<String> = commands().into_iter().collect();
    assert_eq!(zsh_complete(&dir, "rdx "), all);
    assert_eq!(
        zsh_complete(&dir, "rdx tail --co"),
        set(&["--count", "--color"])
    );
    assert_eq!(zsh_complete(&dir, "rdx state --co"), set(&["--color"]));
    assert_eq!(
        zsh_complete(&dir, "rdx --color "),
        set(&["auto", "always", "never"])
    );
    assert_eq!(
        zsh_complete(&dir, "rdx sessions "),
        set(&["label", "unlabel"])
    );
    // zsh also offers the short forms: keep the long ones.
    let longs: BTreeSet<String> = zsh_complete(&dir, "rdx watch --")
        .into_iter()
        .filter(|f| f.starts_with("--"))
        .collect();
    assert_eq!(longs, flags_of("watch"));
}

// ---- fish --------------------------------------------------------------

/// What fish offers for `line` (`complete -C`), without descriptions.
fn fish_complete(line: &str, dir: Option<&Path>) -> BTreeSet<String> {
    let prog = format!("\"$RDX_EXE\" completions fish | source; or exit 9\ncomplete -C {line:?}");
    let o = sh("fish", &["--no-config", "-c", &prog], dir);
    ok(&o, &format!("fish completion of {line:?}"))
        .lines()
        .filter_map(|l| l.split('\t').next())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn fish_script_loads_and_completes() {
    let o = sh(
        "fish",
        &[
            "--no-config",
            "-c",
            "rdx completions fish | source; complete -C 'rdx ta'",
        ],
        None,
    );
    let out = ok(&o, "fish");
    assert!(out.lines().any(|l| l.starts_with("tail\t")), "{out}");
    let all: BTreeSet<String> = commands().into_iter().collect();
    assert_eq!(fish_complete("rdx ", None), all);
    assert_eq!(
        fish_complete("rdx tail --co", None),
        set(&["--count", "--color"])
    );
    assert_eq!(fish_complete("rdx state --co", None), set(&["--color"]));
    assert_eq!(fish_complete("rdx -n 3 st", None), set(&["state"]));
    assert_eq!(
        fish_complete("rdx --color ", None),
        set(&["auto", "always", "never"])
    );
    assert_eq!(
        fish_complete("rdx completions ", None),
        set(&["bash", "zsh", "fish"])
    );
    let longs: BTreeSet<String> = fish_complete("rdx record -", None)
        .into_iter()
        .filter(|f| f.starts_with("--"))
        .collect();
    assert_eq!(longs, flags_of("record"));
    let dir = TempDir::new("fish-files");
    std::fs::write(dir.0.join("traffic.jsonl"), "").unwrap();
    assert_eq!(
        fish_complete("rdx --replay tr", Some(&dir.0)),
        set(&["traffic.jsonl"])
    );
}

// ---- the man page ------------------------------------------------------

/// `rdx man`, in a file.
fn man_page(dir: &TempDir) -> String {
    let o = run(&["man"]);
    o.expect(0);
    let path = dir.join("rdx.1");
    std::fs::write(&path, &o.stdout).unwrap();
    path
}

#[test]
fn the_man_page_renders_without_warnings() {
    let dir = TempDir::new("man");
    let page = man_page(&dir);
    // -ww: every warning; -z: no output, only the warnings.
    for width in ["78n", "60n"] {
        let o = sh(
            "groff",
            &[
                "-man",
                "-Tutf8",
                "-ww",
                "-z",
                &format!("-rLL={width}"),
                &page,
            ],
            None,
        );
        ok(&o, &format!("groff -man -ww at {width}"));
    }
    let o = sh("man", &["--warnings", "-l", &page], None);
    ok(&o, "man --warnings -l");
}

#[test]
fn the_man_page_has_every_command_and_flag() {
    let dir = TempDir::new("man-text");
    let page = man_page(&dir);
    let o = sh("groff", &["-man", "-Tutf8", "-P-cbou", &page], None);
    let text = ok(&o, "groff");
    for section in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "COMMANDS",
        "GLOBAL FLAGS",
        "EXIT STATUS",
        "ENVIRONMENT",
        "FILES",
        "EXAMPLES",
    ] {
        assert!(
            text.contains(&format!("\n{section}\n")),
            "no {section}:\n{text}"
        );
    }
    for cmd in commands().iter().filter(|c| *c != "help" && *c != "list") {
        assert!(text.contains(&format!("   rdx {cmd}")), "no rdx {cmd}");
        for f in flags_of(cmd) {
            assert!(text.contains(&f), "{cmd}: no {f} in the man page");
        }
    }
    // The environment variables --help names are in ENVIRONMENT.
    let help = stdout(&run(&["--help"]));
    let env = text.split("\nENVIRONMENT\n").nth(1).unwrap();
    let mut seen = 0;
    for var in help.split("[env ").skip(1) {
        let var = var.split(']').next().unwrap();
        assert!(env.contains(&format!("       {var}")), "{var}");
        seen += 1;
    }
    assert!(seen >= 4, "{help}");
    let exit = text.split("\nEXIT STATUS\n").nth(1).unwrap();
    for code in 0..=4 {
        assert!(exit.contains(&format!("       {code}  ")), "exit {code}");
    }
}

// ---- make install --------------------------------------------------------

#[test]
fn make_install_puts_every_file_where_linux_looks() {
    let dest = TempDir::new("install");
    let destdir = format!("DESTDIR={}", dest.0.display());
    let rdx_bin = format!("RDX={BIN}");
    let o = sh(
        "make",
        &[
            "--no-print-directory",
            "install",
            &destdir,
            "PREFIX=/usr",
            &rdx_bin,
        ],
        Some(&root()),
    );
    assert!(o.status.success(), "make install: {}", stderr(&o));
    let at = |p: &str| dest.0.join(p.trim_start_matches('/'));
    let bin = at("/usr/bin/rdx");
    assert_eq!(std::fs::read(&bin).unwrap(), std::fs::read(BIN).unwrap());
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&bin).unwrap().permissions().mode() & 0o777,
        0o755
    );
    let generated = |args: &[&str]| {
        let o = run(args);
        o.expect(0);
        o.stdout.clone()
    };
    for (path, args) in [
        ("/usr/share/man/man1/rdx.1", &["man"][..]),
        (
            "/usr/share/bash-completion/completions/rdx",
            &["completions", "bash"][..],
        ),
        (
            "/usr/share/zsh/site-functions/_rdx",
            &["completions", "zsh"][..],
        ),
        (
            "/usr/share/fish/vendor_completions.d/rdx.fish",
            &["completions", "fish"][..],
        ),
    ] {
        let got = std::fs::read(at(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(got, generated(args), "{path}");
        let mode = std::fs::metadata(at(path)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "{path}");
    }
    // The installed binary runs, and man finds the installed page.
    let o = sh(bin.to_str().unwrap(), &["--version"], None);
    assert!(stdout(&o).starts_with("rdx "), "{}", stdout(&o));
    let o = sh(
        "man",
        &[
            "--warnings",
            "-M",
            at("/usr/share/man").to_str().unwrap(),
            "rdx",
        ],
        None,
    );
    assert!(ok(&o, "man -M").contains("watch Redux apps"));

    // Without RDX, install builds the release binary first.
    let o = sh("make", &["-n", "install", &destdir], Some(&root()));
    assert!(stdout(&o).contains("build --release"), "{}", stdout(&o));

    let o = sh(
        "make",
        &["--no-print-directory", "uninstall", &destdir, "PREFIX=/usr"],
        Some(&root()),
    );
    assert!(o.status.success(), "make uninstall: {}", stderr(&o));
    let mut left = Vec::new();
    let mut stack = vec![dest.0.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                left.push(p);
            }
        }
    }
    assert!(left.is_empty(), "left after uninstall: {left:?}");
}

// ---- did you mean ------------------------------------------------------

#[test]
fn a_mistyped_command_gets_the_nearest_one() {
    let o = run(&["sesions"]);
    o.expect(2);
    assert!(
        stderr(&o).contains(r#"unknown command "sesions" (did you mean "sessions"?)"#),
        "{}",
        stderr(&o)
    );
    let o = run(&["--json", "tial", "--count", "2"]);
    o.expect(2);
    assert!(
        stderr(&o).contains(r#"did you mean "tail"?"#),
        "{}",
        stderr(&o)
    );
    let o = run(&["help", "wacth"]);
    o.expect(2);
    assert!(
        stderr(&o).contains(r#"did you mean "watch"?"#),
        "{}",
        stderr(&o)
    );
    // Nothing near: no guess, the commands instead.
    let o = run(&["frobnicate"]);
    o.expect(2);
    assert!(!stderr(&o).contains("did you mean"), "{}", stderr(&o));
    assert!(stderr(&o).contains("sessions"), "{}", stderr(&o));
}

#[test]
fn a_mistyped_flag_gets_the_nearest_flag_of_its_command() {
    for args in [&["tail", "--cuont", "3"][..], &["--cuont", "3", "tail"][..]] {
        let o = run(args);
        o.expect(2);
        assert!(
            stderr(&o).contains("unexpected flag --cuont for `rdx tail`; did you mean --count?"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
    let o = replay("x.jsonl", &["sessions", "--fllow"]);
    o.expect(2);
    assert!(
        stderr(&o).contains("did you mean --follow?"),
        "{}",
        stderr(&o)
    );
    // `state` takes no --count: no --count suggested, but where it belongs.
    let o = run(&["state", "--cuont", "3"]);
    o.expect(2);
    assert!(!stderr(&o).contains("did you mean"), "{}", stderr(&o));
    let o = run(&["state", "--count", "3"]);
    o.expect(2);
    assert!(
        stderr(&o).contains("is a flag of `rdx tail`"),
        "{}",
        stderr(&o)
    );
    let o = run(&["completions", "fihs"]);
    o.expect(2);
    assert!(
        stderr(&o).contains(r#"did you mean "fish"?"#),
        "{}",
        stderr(&o)
    );
}

/// `completions` and `man` need no server and no config: a bad RDX_URL does
/// not break a shell's startup file, and global flags are taken and ignored.
#[test]
fn completions_and_man_need_no_config() {
    for args in [&["completions", "bash"][..], &["man"][..]] {
        let o = run_cmd(
            rdx()
                .args(args)
                .env("RDX_URL", "http//not a url")
                .env("RDX_TIMEOUT", "soon"),
            args,
        );
        o.expect(0);
        assert!(!o.stdout.is_empty());
    }
    let plain = run(&["completions", "zsh"]);
    let with_flags = run(&["--url", "ws://h:1", "completions", "zsh", "--json"]);
    with_flags.expect(0);
    assert_eq!(plain.stdout, with_flags.stdout);
    run(&["man", "extra"]).expect(2);
    run(&["completions"]).expect(2);
}
