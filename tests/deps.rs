//! `make e2e-deps` installs every program the tests call. CI's machine may
//! have tools an earlier session installed by hand, so a missing install
//! step shows nowhere else: this test reads each program the tests start
//! (`Command::new("…")`, the completion tests' `sh("…")`, and the paths named
//! in `tests/util`) and fails unless it is on every new machine or a
//! prerequisite of `e2e-deps` (as `/usr/bin/NAME`, what its rule installs).

use std::collections::BTreeSet;

use crate::util::root;

/// What a new machine has: the Rust toolchain, Node 20, npm, Python, a shell.
const ON_EVERY_MACHINE: &[&str] = &[
    "sh", "bash", "kill", "make", "node", "npm", "python3", "cargo",
];

/// Every program named in the tests' sources.
fn programs_called() -> BTreeSet<String> {
    let pats = [
        regex_lite::Regex::new(r#"Command::new\("([^"]+)"\)"#).unwrap(),
        regex_lite::Regex::new(r#"\bsh\(\s*"([^"]+)""#).unwrap(),
        regex_lite::Regex::new(r#""/usr/bin/([a-z0-9.+-]+)""#).unwrap(),
    ];
    let mut found = BTreeSet::new();
    for dir in ["tests", "tests/util"] {
        for e in std::fs::read_dir(root().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_none_or(|x| x != "rs") || p.ends_with("deps.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            for re in &pats {
                for c in re.captures_iter(&text) {
                    found.insert(c[1].to_string());
                }
            }
        }
    }
    // The installed rdx of the `make install` test is rdx's own.
    found.remove("rdx");
    found
}

/// The prerequisites of `e2e-deps`, as make expands them.
fn e2e_deps_prerequisites() -> BTreeSet<String> {
    let o = std::process::Command::new("make")
        .args(["-pn", "e2e-deps"])
        .current_dir(root())
        .env_remove("MAKEFLAGS")
        .env_remove("MAKELEVEL")
        .output()
        .expect("make");
    let db = String::from_utf8_lossy(&o.stdout);
    let line = db
        .lines()
        .find(|l| l.starts_with("e2e-deps:"))
        .expect("make -p prints the e2e-deps rule");
    line["e2e-deps:".len()..]
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

#[test]
fn every_program_the_tests_call_is_installed_by_e2e_deps() {
    let called = programs_called();
    for must in ["zsh", "fish", "groff", "openssl", "chromium"] {
        assert!(called.contains(must), "the scan misses {must}: {called:?}");
    }
    let deps = e2e_deps_prerequisites();
    let missing: Vec<&String> = called
        .iter()
        .filter(|p| !ON_EVERY_MACHINE.contains(&p.as_str()))
        .filter(|p| !deps.contains(&format!("/usr/bin/{p}")))
        .collect();
    assert!(
        missing.is_empty(),
        "the tests call {missing:?}, which `make e2e-deps` does not install \
         (its prerequisites: {deps:?})"
    );
}

/// The npm packages the end-to-end scripts require (tests/e2e, e.g.
/// `redux-remotedev` for tests/e2e/report-senders.js, and the legacy
/// stack), each installed by `make e2e-deps` at the version pinned in its
/// package.json: a package added to package.json without `npm install`
/// updating the lockfile and node_modules fails here, not in a scenario.
#[test]
fn every_npm_package_the_e2e_scripts_use_is_installed_at_its_pinned_version() {
    for dir in ["tests/e2e", "tests/e2e-legacy"] {
        let dir = root().join(dir);
        let pkg: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("package.json")).unwrap())
                .unwrap();
        let lock: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("package-lock.json")).unwrap())
                .unwrap();
        let deps = pkg["dependencies"].as_object().expect("dependencies");
        assert!(!deps.is_empty());
        for (name, want) in deps {
            let key = format!("node_modules/{name}");
            assert_eq!(
                lock["packages"][&key]["version"],
                *want,
                "{}: {name} {want} is not in package-lock.json (npm install it there)",
                dir.display()
            );
            let installed = dir.join(&key).join("package.json");
            let got: serde_json::Value = std::fs::read_to_string(&installed)
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or_else(|| {
                    panic!(
                        "{name} is not installed in {}: run `make e2e-deps`",
                        dir.display()
                    )
                });
            assert_eq!(
                got["version"],
                *want,
                "{}: {name} installed at {}, pinned {want}: run `make e2e-deps`",
                dir.display(),
                got["version"]
            );
        }
    }
}

/// The npm directories whose node_modules the tests load directly: each one
/// is installed by `e2e-deps` from its lockfile.
#[test]
fn every_npm_directory_the_tests_load_is_installed_by_e2e_deps() {
    let deps = e2e_deps_prerequisites();
    for dir in [
        "tests/e2e",
        "tests/e2e-legacy",
        "tests/mcp-client",
        "tests/devtools",
    ] {
        assert!(
            root().join(dir).join("package-lock.json").is_file(),
            "{dir} has no lockfile"
        );
        let want = format!("{dir}/node_modules/.package-lock.json");
        assert!(
            deps.contains(&want),
            "`make e2e-deps` does not install {dir} (no {want} among {deps:?})"
        );
    }
}
