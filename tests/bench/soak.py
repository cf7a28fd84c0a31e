"""The soak benchmark: rdx against tabs that reload all day.

The real server, tests/e2e/soak.js (5 tabs, about 500 actions a second, a
tab reloading every 400 ms: each is a new instance), and three rdx commands
beside it for SOAK_SECONDS (default 600): `sessions --follow --json`,
`tail --json` and `tail --app shop0 --diff`. Every 5 s the resident memory
(VmRSS) of each is sampled; the figure is the growth of the peak after the
first minute over the RSS at one minute. Run: python3 tests/bench/soak.py
(make soak). Prints a table for BENCHMARKS.md.
"""
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RDX = os.path.join(ROOT, "target/release/rdx")
E2E = os.path.join(ROOT, "tests/e2e")
SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
DEVNULL = subprocess.DEVNULL


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def main():
    server = subprocess.Popen(["node", "server.js", "--port", "0"], cwd=E2E, stdout=subprocess.PIPE, stderr=DEVNULL)
    port = json.loads(server.stdout.readline())["port"]
    cmds = {
        "sessions --follow --json": ["sessions", "--follow", "--json"],
        "tail --json": ["tail", "--json"],
        "tail --app shop0 --diff": ["tail", "--app", "shop0", "--diff"],
    }
    procs = {k: subprocess.Popen([RDX, "--port", str(port), *v], stdout=DEVNULL, stderr=DEVNULL) for k, v in cmds.items()}
    time.sleep(1)
    soak = subprocess.Popen(["node", "soak.js", "--port", str(port), "--seconds", str(SECONDS), "--reload-ms", "2000"], cwd=E2E, stdout=subprocess.PIPE, stderr=DEVNULL)
    samples = {k: [] for k in cmds}
    start = time.time()
    last = {}
    while time.time() - start < SECONDS:
        time.sleep(5)
        t = time.time() - start
        for k, p in procs.items():
            r = rss_kb(p.pid)
            if r is not None:
                samples[k].append((t, r))
    soak_out = [json.loads(l) for l in soak.stdout.read().decode().splitlines() if l.strip()] if soak.wait(timeout=120) is not None else []
    for p in procs.values():
        p.terminate()
    server.terminate()
    final = soak_out[-1] if soak_out else {}
    print(f"soak: {SECONDS} s, {final.get('actions', '?')} actions, {final.get('reloads', '?')} reloads (new instances)")
    marks = [m for m in (60, 180, 300, 420, 540) if m < SECONDS]
    print("| command | RSS at 1 min | peak after 1 min | growth | goal ≤ 10 % | " + " | ".join(f"{m // 60} min" for m in marks) + " | end |")
    print("|---|---|---|---|---|" + "---|" * (len(marks) + 1))
    for k, xs in samples.items():
        at1 = next((r for t, r in xs if t >= 60), None)
        after = [r for t, r in xs if t >= 60]
        if at1 is None or not after:
            print(f"| `{k}` | (too short) | | | |")
            continue
        peak = max(after)
        growth = (peak - at1) / at1 * 100
        at = [next((r for t, r in xs if t >= m), xs[-1][1]) for m in marks] + [xs[-1][1]]
        series = " | ".join(f"{r / 1024:.1f}" for r in at)
        print(f"| `{k}` | {at1 / 1024:.1f} MB | {peak / 1024:.1f} MB | {growth:+.1f} % | {'yes' if growth <= 10 else '**no**'} | {series} |")


if __name__ == "__main__":
    main()
