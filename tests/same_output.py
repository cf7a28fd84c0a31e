#!/usr/bin/env python3
"""Show that rdx behaves the same before and after a change.

Builds rdx at BASE (default HEAD~1; any commit) in a temporary git worktree
with its own target dir, builds the working tree's rdx, and runs both over
every recording (*.jsonl) in fixtures/ and ../shared/captures/ (recursively)
with every command a user would run on a replay, plus the help texts, the
man page and the completion scripts. Compares stdout bytes, stderr bytes and
exit codes; prints `N runs, M identical, K differ` and the first differences;
exits 1 when anything differs.

    tests/same_output.py [BASE] [--show N] [--instances N] [--jobs N] [--match TEXT]

Environment: CARGO (default cargo); CARGO_TARGET_DIR for the working tree's
build (default ./target); SAME_OUTPUT_BASE_TARGET to keep BASE's target dir
between runs (default: a temporary one, removed afterwards). Every run gets
the same isolated environment: no RDX_* variables, no NO_COLOR, TZ=UTC, a
temporary HOME and XDG_STATE_HOME (so a temporary label store), stdin
closed, cwd the repository root.
"""

import argparse
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CAPTURES = ROOT.parent / "shared" / "captures"

# Per recording.
REPLAY_COMMANDS = [
    ["sessions"],
    ["sessions", "--all"],
    ["sessions", "--all", "--json"],
    ["tail"],
    ["tail", "--json"],
    ["tail", "--diff"],
    ["tail", "--diff", "--json"],
    ["tail", "--history", "--json"],
    ["state"],
    ["watch", "."],
]
# Per instance id that `sessions --all --json` lists (the first few).
INSTANCE_COMMANDS = [
    ["state", "--instance", "{id}"],
    ["state", "--instance", "{id}", "--json"],
    ["watch", "--instance", "{id}", "."],
    ["watch", "--instance", "{id}", ".", "--json"],
    ["tail", "--instance", "{id}", "--json"],
]
# Once: what rdx prints without a recording.
COMMANDS = ["sessions", "list", "tail", "state", "watch", "record", "mcp", "ui", "completions", "man"]
STATIC = (
    [[], ["--help"], ["-h"], ["--version"], ["help"], ["help", "bogus"], ["sesions"], ["tail", "--cuont", "3"]]
    + [["help", c] for c in COMMANDS]
    + [[c, "--help"] for c in COMMANDS]
    + [["completions", s] for s in ("bash", "zsh", "fish", "tcsh")]
    + [["man"]]
)

TIMEOUT = 120  # seconds per run; a run that takes longer counts as "timeout"


def sh(args, **kw):
    return subprocess.run(args, check=True, **kw)


def git(*args):
    return subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True).stdout.strip()


def build(src: Path, target: Path) -> Path:
    cargo = os.environ.get("CARGO", "cargo")
    env = dict(os.environ, CARGO_TARGET_DIR=str(target))
    print(f"building {src} (target {target})", file=sys.stderr)
    sh([cargo, "build", "--quiet", "--bin", "rdx"], cwd=src, env=env)
    return target / "debug" / "rdx"


def recordings():
    files = sorted(p for p in (ROOT / "fixtures").rglob("*.jsonl"))
    if CAPTURES.is_dir():
        files += sorted(CAPTURES.rglob("*.jsonl"))
    else:
        print(f"note: {CAPTURES} not found; fixtures only", file=sys.stderr)
    return files


def shown(path: Path) -> str:
    """The recording as rdx is given it: relative to the repo root where it can be."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return os.path.relpath(path, ROOT)


def isolated_env(home: str):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RDX_")}
    for k in ("NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "COLUMNS", "XDG_STATE_HOME", "LANG", "LC_ALL"):
        env.pop(k, None)
    env.update(TZ="UTC", HOME=home, XDG_STATE_HOME=os.path.join(home, "state"), TERM="dumb")
    return env


def run(binary: Path, args, env):
    try:
        p = subprocess.run(
            [str(binary), *args],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=TIMEOUT,
        )
        return (p.returncode, p.stdout, p.stderr)
    except subprocess.TimeoutExpired:
        return ("timeout", b"", b"")


def instance_ids(binary: Path, rec: str, env, cap: int):
    code, out, _ = run(binary, ["--replay", rec, "sessions", "--all", "--json"], env)
    ids = []
    if code != 0:
        return ids
    for line in out.decode("utf-8", "replace").splitlines():
        try:
            v = json.loads(line)
        except ValueError:
            continue
        if isinstance(v, dict) and v.get("type") == "instance" and isinstance(v.get("id"), str):
            if v["id"] not in ids:
                ids.append(v["id"])
    return ids[:cap]


def first_difference(a: bytes, b: bytes) -> str:
    la, lb = a.splitlines(), b.splitlines()
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return f"line {i + 1}:\n      base: {x[:300]!r}\n      head: {y[:300]!r}"
    if len(la) != len(lb):
        return f"base has {len(la)} lines, head {len(lb)}"
    return f"same lines, bytes differ (base {len(a)} bytes, head {len(b)})"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("base", nargs="?", default="HEAD~1", help="commit to compare against (default HEAD~1)")
    ap.add_argument("--show", type=int, default=10, help="differences to print (default 10)")
    ap.add_argument("--instances", type=int, default=5, help="instance ids per recording (default 5)")
    ap.add_argument("--jobs", type=int, default=2, help="runs at once (default 2)")
    ap.add_argument("--match", default="", help="only recordings whose path contains this")
    o = ap.parse_args()

    commit = git("rev-parse", "--verify", o.base + "^{commit}")
    tmp = Path(tempfile.mkdtemp(prefix="rdx-same-output-"))
    worktree = tmp / "base"
    base_target = Path(os.environ.get("SAME_OUTPUT_BASE_TARGET") or tmp / "target")
    head_target = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
    try:
        git("worktree", "add", "--detach", "--quiet", str(worktree), commit)
        base_bin = build(worktree, base_target)
        head_bin = build(ROOT, head_target)
        home = tmp / "home"
        (home / "state").mkdir(parents=True)
        env = isolated_env(str(home))

        jobs = [args for args in STATIC]
        recs = [p for p in recordings() if o.match in str(p)]
        for path in recs:
            rec = shown(path)
            for args in REPLAY_COMMANDS:
                jobs.append(["--replay", rec, *args])
            for iid in instance_ids(base_bin, rec, env, o.instances):
                for args in INSTANCE_COMMANDS:
                    jobs.append(["--replay", rec, *[a.replace("{id}", iid) for a in args]])

        def both(args):
            return args, run(base_bin, args, env), run(head_bin, args, env)

        differ = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, o.jobs)) as pool:
            for args, a, b in pool.map(both, jobs):
                if a != b:
                    differ.append((args, a, b))

        total = len(jobs)
        print(f"base {o.base} ({commit[:7]}) vs working tree, {len(recs)} recordings")
        print(f"{total} runs, {total - len(differ)} identical, {len(differ)} differ")
        for args, a, b in differ[: o.show]:
            print(f"\n  rdx {' '.join(args)}")
            if a[0] != b[0]:
                print(f"    exit code: base {a[0]}, head {b[0]}")
            for name, x, y in (("stdout", a[1], b[1]), ("stderr", a[2], b[2])):
                if x != y:
                    print(f"    {name} {first_difference(x, y)}")
        return 1 if differ else 0
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
