"""Instructions per action, per thread, of `rdx tail --json --count N` on the
Expo source beside the cli source: the case `expo`'s flood (as fast as each
server takes it), rdx under callgrind (--separate-threads=yes; a count, the
same on every run whatever else the machine does). Thread 1 is rdx's main
thread, thread 2 its socket reader.

    RDX_BIN=... python3 tests/bench/expo_instr.py    # BENCH_FLOOD=N, 20000
"""
import glob
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402


def main():
    out = tempfile.mkdtemp(prefix="rdx-bench-cg-")
    spawn, tag = run.spawn, {}

    def under_callgrind(cmd, **kw):
        if cmd[0] == run.RDX:
            cmd = ["valgrind", "--tool=callgrind", "--separate-threads=yes", f"--callgrind-out-file={out}/{tag['k']}.%p", *cmd]
        return spawn(cmd, **kw)

    run.spawn = under_callgrind
    srv = run.ExpoServer()
    try:
        for k, fn in (("cli", run.cli_flood_run), ("expo", lambda: run.expo_flood_run(srv))):
            tag["k"] = k
            fn()
    finally:
        srv.stop()
    for k in ("cli", "expo"):
        per = {}
        for f in glob.glob(f"{out}/{k}.*-*"):
            with open(f) as fh:
                for line in fh:
                    if line.startswith("totals:"):
                        per[int(f.rsplit("-", 1)[1])] = int(line.split()[1]) / run.FLOOD
        print(f"{k}: " + ", ".join(f"thread {t} {v / 1000:.1f} k" for t, v in sorted(per.items())) + f" instructions per action (files in {out})")


if __name__ == "__main__":
    main()
