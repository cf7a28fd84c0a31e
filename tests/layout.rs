//! The source tree as the architecture: the README's module map is made from
//! the modules' own docs (so it cannot drift), and dependencies between the
//! layers point one way, down.
//!
//! `RDX_WRITE_MODMAP=1 cargo test --test integration layout` (or `make
//! modmap`) rewrites the map in the README.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::util::root;

/// The layers, lowest first. A module may use modules of lower layers and of
/// its own folder, nothing else.
const LAYERS: &[(&str, u8)] = &[
    ("error", 0),
    ("time", 0),
    ("output", 0),
    ("rawjson", 0),
    ("link", 1),
    ("relay", 2),
    ("model", 3),
    ("query", 3),
    ("feed", 4),
    ("cli", 5),
    ("view", 5),
    ("cmd", 6),
];

fn rank(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, r)| *r)
}

/// Every .rs file under `dir`, sorted.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The top-level module a file of src/ belongs to (`src/feed/intake.rs` → feed).
fn top(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

#[test]
fn dependencies_point_one_way_down() {
    let src = root().join("src");
    let mut bad = Vec::new();
    for file in sources(&src) {
        let from = top(&src, &file);
        if from == "lib" || from == "main" {
            continue;
        }
        let Some(r) = rank(&from) else {
            panic!(
                "{}: module {from} is in no layer of tests/layout.rs",
                file.display()
            );
        };
        let text = fs::read_to_string(&file).unwrap();
        let is_test = file.ends_with("tests.rs");
        for (n, line) in text.lines().enumerate() {
            let mut rest = line;
            while let Some(i) = rest.find("crate::") {
                rest = &rest[i + 7..];
                let to: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                let Some(rt) = rank(&to) else { continue };
                // Unit tests may reach up (a cmd test parses a command line).
                if to != from && rt >= r && !is_test {
                    bad.push(format!(
                        "{}:{}: {from} (layer {r}) uses {to} (layer {rt})",
                        file.strip_prefix(root()).unwrap().display(),
                        n + 1
                    ));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "dependencies that point up or sideways:\n{}",
        bad.join("\n")
    );
}

/// The module path of a file of src/ (`src/feed/mod.rs` → `feed`,
/// `src/relay/message.rs` → `relay::message`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts.join("::")
}

#[test]
fn no_two_modules_import_each_other_even_round_a_circle() {
    let src = root().join("src");
    let files: Vec<PathBuf> = sources(&src)
        .into_iter()
        .filter(|f| !f.ends_with("tests.rs") && !f.ends_with("lib.rs") && !f.ends_with("main.rs"))
        .collect();
    let modules: Vec<String> = files.iter().map(|f| module_of(&src, f)).collect();
    // Each module's uses (code, not comments: a doc link is no import), as
    // the longest module path a `crate::` path starts with.
    let mut uses: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (file, m) in files.iter().zip(&modules) {
        let text = fs::read_to_string(file).unwrap();
        // Code before a `#[cfg(test)]` module only.
        let code = text
            .split("#[cfg(test)]\nmod tests")
            .next()
            .unwrap_or_default();
        let mut to = Vec::new();
        for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
            let mut rest = line;
            while let Some(i) = rest.find("crate::") {
                rest = &rest[i + 7..];
                let path: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                let segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
                let target = (1..=segs.len())
                    .rev()
                    .map(|k| segs[..k].join("::"))
                    .find(|c| modules.contains(c));
                if let Some(t) = target
                    && &t != m
                    && !m.starts_with(&format!("{t}::"))
                    && !to.contains(&t)
                {
                    to.push(t);
                }
            }
        }
        uses.insert(m.clone(), to);
    }
    // A circle: a module reached again from itself.
    let mut circles = Vec::new();
    for start in &modules {
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        let mut seen = std::collections::BTreeSet::new();
        while let Some((at, trail)) = stack.pop() {
            for next in uses.get(&at).into_iter().flatten() {
                if next == start {
                    circles.push(format!("{} → {start}", trail.join(" → ")));
                } else if seen.insert(next.clone()) {
                    let mut t = trail.clone();
                    t.push(next.clone());
                    stack.push((next.clone(), t));
                }
            }
        }
    }
    assert!(
        circles.is_empty(),
        "modules importing each other:\n{}",
        circles.join("\n")
    );
}

/// A module's doc: its `//!` lines up to the first blank one, joined.
fn doc(file: &Path) -> String {
    let text = fs::read_to_string(file).unwrap();
    let lines: Vec<&str> = text
        .lines()
        .take_while(|l| l.starts_with("//!"))
        .map(|l| l.trim_start_matches("//!").trim())
        .take_while(|l| !l.is_empty())
        .collect();
    lines.join(" ")
}

/// The first sentence of a text.
fn first_sentence(text: &str) -> String {
    let end = text.find(". ").map_or(text.len(), |i| i + 1);
    let s = &text[..end];
    s.trim_end_matches('.').to_string()
}

/// `text` wrapped to 78 columns, each line indented by `indent` (the first
/// one by `first` instead).
fn wrap(text: &str, first: &str, indent: usize) -> String {
    let mut out = String::new();
    let mut line = first.to_string();
    for word in text.split(' ') {
        if line.len() + word.len() + 1 > 78 && !line.trim().is_empty() && line.len() > indent {
            out.push_str(line.trim_end());
            out.push('\n');
            line = " ".repeat(indent);
        }
        line.push_str(word);
        line.push(' ');
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

/// The module map: a paragraph per folder (its mod.rs doc: what it owns and
/// what it may use), then a line per file (the first sentence of its doc).
fn modmap() -> String {
    let src = root().join("src");
    let mut folders: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for f in sources(&src) {
        let rel = f.strip_prefix(&src).unwrap();
        if rel.components().count() > 2 || rel.ends_with("tests.rs") {
            continue; // unit-test files and deeper
        }
        folders.entry(top(&src, &f)).or_default().push(f);
    }
    let order: Vec<&str> = LAYERS.iter().rev().map(|(m, _)| *m).collect();
    let mut names: Vec<&String> = folders.keys().collect();
    names.sort_by_key(|n| order.iter().position(|o| o == n).unwrap_or(usize::MAX));
    let mut out = String::new();
    for name in names {
        let files = &folders[name];
        let head = files
            .iter()
            .find(|f| f.ends_with("mod.rs") || f.file_stem().is_some_and(|s| s == name.as_str()));
        let summary = head.map(|h| doc(h)).unwrap_or_default();
        if files.len() == 1 && !files[0].ends_with("mod.rs") {
            out.push_str(&wrap(
                &first_sentence(&summary),
                &format!("src/{name}.rs  "),
                4,
            ));
            continue;
        }
        out.push_str(&format!("src/{name}/\n"));
        out.push_str(&wrap(&summary, "    ", 4));
        for f in files {
            if f.ends_with("mod.rs") {
                continue;
            }
            let stem = f.file_stem().unwrap().to_string_lossy();
            out.push_str(&wrap(
                &first_sentence(&doc(f)),
                &format!("  {stem:<10} "),
                13,
            ));
        }
    }
    out
}

const BEGIN: &str = "<!-- modmap: begin (made by tests/layout.rs; `make modmap`) -->";
const END: &str = "<!-- modmap: end -->";

#[test]
fn the_readme_module_map_is_the_tree() {
    let readme_path = root().join("README.md");
    let readme = fs::read_to_string(&readme_path).unwrap();
    let want = format!("{BEGIN}\n```\n{}```\n{END}", modmap());
    let (Some(a), Some(b)) = (readme.find(BEGIN), readme.find(END)) else {
        panic!("README.md has no module map markers");
    };
    let have = &readme[a..b + END.len()];
    if have != want {
        if std::env::var_os("RDX_WRITE_MODMAP").is_some() {
            let new = format!("{}{want}{}", &readme[..a], &readme[b + END.len()..]);
            fs::write(&readme_path, new).unwrap();
            return;
        }
        panic!("README.md's module map is stale; run `make modmap`. It should be:\n{want}");
    }
    // Every module says what it is.
    for f in sources(&root().join("src")) {
        if !f.ends_with("tests.rs") {
            assert!(!doc(&f).is_empty(), "{} has no //! doc", f.display());
        }
    }
}
