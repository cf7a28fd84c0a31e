"""The soak benchmark: rdx against tabs that reload all day.

The real server, tests/e2e/soak.js (5 tabs, about 500 actions a second, a
tab reloading every 400 ms: each is a new instance), and four rdx commands
beside it for SOAK_SECONDS (default 600): `sessions --follow --json`,
`tail --json`, `tail --app shop0 --diff` and `rdx ui` (in tmux, 120x40).
Every 5 s the resident memory (VmRSS) of each is sampled; the figure is the
growth of the peak after the first minute over the RSS at one minute. The
CPU (utime+stime from /proc) of each over the whole soak is printed beside
it, and `rdx ui`'s draws (RDX_UI_STATS, written when it quits on q). Run:
python3 tests/bench/soak.py (make soak; RDX_BIN=path for another build).
Prints a table for BENCHMARKS.md.
"""
import json
import os
import subprocess
import tempfile
import time

from uitmux import Tmux, clean_env, cpu_s, rss_kb

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RDX = os.environ.get("RDX_BIN") or os.path.join(ROOT, "target/release/rdx")
E2E = os.path.join(ROOT, "tests/e2e")
SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
DEVNULL = subprocess.DEVNULL
UI = "ui (tmux 120x40)"


def main():
    # the server's own watchdog must outlast the soak
    server = subprocess.Popen(["node", "server.js", "--port", "0", "--max-seconds", str(SECONDS + 180)], cwd=E2E, stdout=subprocess.PIPE, stderr=DEVNULL)
    procs, soak, ui = {}, None, None
    tmp = tempfile.mkdtemp(prefix="rdx-soak-")
    stats_path = os.path.join(tmp, "ui-stats.json")
    try:
        port = json.loads(server.stdout.readline())["port"]
        cmds = {
            "sessions --follow --json": ["sessions", "--follow", "--json"],
            "tail --json": ["tail", "--json"],
            "tail --app shop0 --diff": ["tail", "--app", "shop0", "--diff"],
        }
        procs = {k: subprocess.Popen([RDX, "--port", str(port), *v], stdout=DEVNULL, stderr=DEVNULL, env=clean_env()) for k, v in cmds.items()}
        ui = Tmux(RDX, ["--port", str(port), "ui"], env={"RDX_UI_STATS": stats_path})
        ui.wait_for("connected")
        pids = {**{k: p.pid for k, p in procs.items()}, UI: ui.pid}
        time.sleep(1)
        soak = subprocess.Popen(["node", "soak.js", "--port", str(port), "--seconds", str(SECONDS), "--reload-ms", "2000"], cwd=E2E, stdout=subprocess.PIPE, stderr=DEVNULL)
        samples = {k: [] for k in pids}
        start = time.time()
        while time.time() - start < SECONDS:
            time.sleep(5)
            t = time.time() - start
            for k, pid in pids.items():
                r = rss_kb(pid)
                if r is not None:
                    samples[k].append((t, r))
        cpu = {k: cpu_s(pid) for k, pid in pids.items()}
        dead = [k for k, p in procs.items() if p.poll() is not None]
        soak_out = [json.loads(l) for l in soak.communicate(timeout=120)[0].decode().splitlines() if l.strip()]
        code = ui.quit()
        with open(stats_path) as fh:
            ui_stats = json.loads(fh.read())
    finally:
        for p in [soak, *procs.values()]:
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
        if ui is not None:
            ui.stop()
        server.kill()
        server.wait()
        if os.path.exists(stats_path):
            os.unlink(stats_path)
        os.rmdir(tmp)
    if dead or code != 0:
        raise SystemExit(f"soak: {', '.join(dead) or 'none'} ended early; rdx ui exited {code}")
    final = soak_out[-1] if soak_out else {}
    print(f"soak: {SECONDS} s, {final.get('actions', '?')} actions, {final.get('reloads', '?')} reloads (new instances); "
          f"rdx ui drew {ui_stats['draws']} times in {ui_stats['seconds']:.0f} s ({ui_stats['draws'] / ui_stats['seconds']:.1f} a second)")
    marks = [m for m in (60, 180, 300, 420, 540) if m < SECONDS]
    print("| command | RSS at 1 min | peak after 1 min | growth | goal ≤ 10 % | CPU | " + " | ".join(f"{m // 60} min" for m in marks) + " | end |")
    print("|---|---|---|---|---|---|" + "---|" * (len(marks) + 1))
    for k, xs in samples.items():
        at1 = next((r for t, r in xs if t >= 60), None)
        after = [r for t, r in xs if t >= 60]
        if at1 is None or not after:
            print(f"| `{k}` | (too short) | | | | {cpu[k]:.1f} s |")
            continue
        peak = max(after)
        growth = (peak - at1) / at1 * 100
        at = [next((r for t, r in xs if t >= m), xs[-1][1]) for m in marks] + [xs[-1][1]]
        series = " | ".join(f"{r / 1024:.1f}" for r in at)
        print(f"| `{k}` | {at1 / 1024:.1f} MB | {peak / 1024:.1f} MB | {growth:+.1f} % | {'yes' if growth <= 10 else '**no**'} | "
              f"{cpu[k]:.1f} s ({cpu[k] / SECONDS * 100:.1f} %) | {series} |")


if __name__ == "__main__":
    main()
