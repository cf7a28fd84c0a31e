"""rdx benchmarks, side by side with the Node baseline and the serde_json floor.

Run by `make bench`. Every figure is the median with min-max over RUNS runs;
every comparison is a ratio measured in the same run. CPU time and peak RSS
come from the OS (wait4 rusage of each process). Writes BENCHMARKS.md.
"""
import json
import os
import select
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RDX = os.path.join(ROOT, "target/release/rdx")
STATIC = os.path.join(ROOT, "target/x86_64-unknown-linux-gnu/release/rdx")
FLOOR = os.path.join(ROOT, "target/release/examples/floor")
DATA = os.path.join(ROOT, "target/bench-data")
E2E = os.path.join(ROOT, "tests/e2e")
BENCH = os.path.join(ROOT, "tests/bench")
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
FLOOD = int(os.environ.get("BENCH_FLOOD", "20000"))
DEVNULL = subprocess.DEVNULL


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


TIME = "/usr/bin/time"


def spawn(cmd, **kw):
    """Start `cmd` under GNU time, which reports its CPU and peak RSS.

    (Python's own wait4 rusage is no good for RSS: a child's ru_maxrss counts
    the Python image it was forked from, hundreds of MB once the bench has
    read a big fixture.)"""
    fd, out = tempfile.mkstemp(prefix="rdx-bench-")
    os.close(fd)
    p = subprocess.Popen([TIME, "-f", "%U %S %M", "-o", out, *cmd], **kw)
    p.time_out = out
    return p


def wait_rusage(p, limit=300):
    """Wait for a child (with a watchdog); return (exit code, cpu seconds, peak RSS MB)."""
    try:
        p.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        p.kill()
        raise SystemExit(f"watchdog: {p.args} still running after {limit}s")
    with open(p.time_out) as fh:
        last = [l for l in fh.read().splitlines() if l.strip()][-1]
    os.unlink(p.time_out)
    user, sys_, rss_kb = last.split()
    return p.returncode, float(user) + float(sys_), int(rss_kb) / 1024.0


def read_line(stream, needle, limit=60):
    end = time.time() + limit
    buf = b""
    fd = stream.fileno()
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.5)
        if r:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            buf += chunk
            if needle.encode() in buf:
                return True
    raise SystemExit(f"watchdog: never saw {needle!r}")


class Server:
    def __init__(self):
        self.port = free_port()
        self.p = subprocess.Popen(["node", "server.js", "--port", str(self.port)], cwd=E2E, stdout=subprocess.PIPE, stderr=DEVNULL)
        read_line(self.p.stdout, '"ready":true')

    def stop(self):
        self.p.kill()
        self.p.wait()


def stats(xs):
    return statistics.median(xs), min(xs), max(xs)


def fmt(xs, unit, digits=1):
    m, lo, hi = stats(xs)
    return f"{m:.{digits}f} {unit} ({lo:.{digits}f}–{hi:.{digits}f})"


def live_flood():
    """rdx and the Node monitor subscribed at once; one flood through a real server."""
    rows = {"rdx": {"cpu_us": [], "rss": [], "got": []}, "node": {"cpu_us": [], "rss": [], "got": []}, "ratio_cpu": [], "ratio_rss": []}
    for _ in range(RUNS):
        srv = Server()
        url = f"ws://127.0.0.1:{srv.port}/socketcluster/"
        rdx = spawn([RDX, "--url", url, "--verbose", "tail", "--json", "--count", str(FLOOD)], stdout=DEVNULL, stderr=subprocess.PIPE)
        node = spawn(["node", "node-monitor.js", "--port", str(srv.port), "--count", str(FLOOD)], cwd=BENCH, stdout=subprocess.PIPE, stderr=DEVNULL)
        read_line(rdx.stderr, "connected as")
        read_line(node.stdout, "subscribed")
        sender = subprocess.Popen(["node", "flood.js", "--port", str(srv.port), "--count", str(FLOOD)], cwd=E2E, stdout=DEVNULL, stderr=DEVNULL)
        rc_r, cpu_r, rss_r = wait_rusage(rdx)
        rc_n, cpu_n, rss_n = wait_rusage(node)
        sender.kill()
        sender.wait()
        srv.stop()
        if rc_r != 0 or rc_n != 0:
            raise SystemExit(f"flood run failed: rdx exit {rc_r}, node exit {rc_n}")
        for name, cpu, rss in (("rdx", cpu_r, rss_r), ("node", cpu_n, rss_n)):
            rows[name]["cpu_us"].append(cpu / FLOOD * 1e6)
            rows[name]["rss"].append(rss)
            rows[name]["got"].append(FLOOD)
        rows["ratio_cpu"].append(cpu_n / cpu_r)
        rows["ratio_rss"].append(rss_n / rss_r)
    return rows


def startup():
    """Process start -> subscribed on loopback."""
    srv = Server()
    url = f"ws://127.0.0.1:{srv.port}/socketcluster/"
    r, n = [], []
    for _ in range(max(10, RUNS)):
        t0 = time.perf_counter()
        p = subprocess.Popen([RDX, "--url", url, "--verbose", "sessions", "--for", "0"], stdout=DEVNULL, stderr=subprocess.PIPE)
        read_line(p.stderr, "connected as")
        r.append((time.perf_counter() - t0) * 1000)
        p.wait()
        t0 = time.perf_counter()
        p = subprocess.Popen(["node", "node-monitor.js", "--port", str(srv.port), "--exit-after-subscribe"], cwd=BENCH, stdout=subprocess.PIPE, stderr=DEVNULL)
        read_line(p.stdout, "subscribed")
        n.append((time.perf_counter() - t0) * 1000)
        p.wait()
    srv.stop()
    return r, n


def timed(cmd):
    t0 = time.perf_counter()
    p = spawn(cmd, stdout=DEVNULL, stderr=DEVNULL)
    rc, cpu, rss = wait_rusage(p)
    if rc != 0:
        raise SystemExit(f"{cmd} exited {rc}")
    return time.perf_counter() - t0, rss


def replay():
    f = os.path.join(DATA, "replay-100k.jsonl")
    out = {"floor": [], "tail": [], "sessions": [], "r_tail": [], "r_sessions": []}
    frames = 100_009
    for _ in range(RUNS):
        fl, _ = timed([FLOOR, f])
        tl, _ = timed([RDX, "--replay", f, "tail", "--json"])
        se, _ = timed([RDX, "--replay", f, "sessions"])
        out["floor"].append(frames / fl)
        out["tail"].append(frames / tl)
        out["sessions"].append(frames / se)
        out["r_tail"].append(fl / tl)
        out["r_sessions"].append(fl / se)
    return out


def big_state():
    f = os.path.join(DATA, "big-state-50mb.jsonl")
    size = None
    with open(f) as fh:
        for line in fh:
            rec = json.loads(line)
            if "STATE" in rec["data"][:200] or '"STATE"' in rec["data"]:
                size = len(rec["data"]) / 1e6
    t, rss = [], []
    for _ in range(RUNS):
        a, b = timed([RDX, "--replay", f, "state", "--instance", "big0", "--path", ".counter"])
        t.append(a)
        rss.append(b)
    # the whole state, no path: printed token by token from its text
    wt, wrss = [], []
    for _ in range(RUNS):
        a, b = timed([RDX, "--replay", f, "state", "--instance", "big0"])
        wt.append(a)
        wrss.append(b)
    # live: the same size of STATE sent through a real server
    lt, lrss = [], []
    for _ in range(RUNS):
        srv = Server()
        url = f"ws://127.0.0.1:{srv.port}/socketcluster/"
        t0 = time.perf_counter()
        p = spawn([RDX, "--url", url, "--timeout", "60s", "--verbose", "state", "--instance", "big0", "--path", ".counter"], stdout=DEVNULL, stderr=subprocess.PIPE)
        read_line(p.stderr, "connected as")
        s = subprocess.Popen(["node", "flood.js", "--port", str(srv.port), "--big", "50", "--stores", "1"], cwd=E2E, stdout=DEVNULL, stderr=DEVNULL)
        rc, cpu, r = wait_rusage(p)
        lt.append(time.perf_counter() - t0)
        lrss.append(r)
        s.kill()
        s.wait()
        srv.stop()
        if rc != 0:
            raise SystemExit(f"live big state: rdx exit {rc}")
    return size, t, rss, lt, lrss, wt, wrss


def million():
    f = os.path.join(DATA, "replay-1m.jsonl")
    out = {}
    for name, cmd in [
        ("tail --diff", ["tail", "--diff"]),
        ("watch --app tab0 .counter.value", ["watch", "--app", "tab0", ".counter.value"]),
        ("sessions --all", ["sessions", "--all"]),
    ]:
        out[name] = timed([RDX, "--replay", f, *cmd])
    return out


def hostile():
    f = os.path.join(DATA, "hostile-jsan-200.jsonl")
    t, rss = [], []
    for _ in range(RUNS):
        a, b = timed([RDX, "--replay", f, "tail", "--diff"])
        t.append(a)
        rss.append(b)
    return t, rss


def many():
    f = os.path.join(DATA, "instances-10k.jsonl")
    t, rss = [], []
    for _ in range(RUNS):
        a, b = timed([RDX, "--replay", f, "sessions", "--all", "--json"])
        t.append(a)
        rss.append(b)
    return t, rss


def main():
    for path in (RDX, FLOOR, TIME):
        if not os.path.exists(path):
            raise SystemExit(f"missing {path}: run `make bench`")
    started = time.time()
    print(f"== live flood: {FLOOD} ACTION messages, rdx and Node subscribed together, {RUNS} runs", flush=True)
    fl = live_flood()
    print("== start-up", flush=True)
    su_r, su_n = startup()
    print("== replay throughput", flush=True)
    rp = replay()
    print("== big state", flush=True)
    size, bt, brss, lt, lrss, wt, wrss = big_state()
    print("== 1,000,000 actions replayed", flush=True)
    mil = million()
    print("== hostile jsan", flush=True)
    ht, hrss = hostile()
    print("== 10,000 instances", flush=True)
    mt, mrss = many()
    binary = os.path.getsize(STATIC) / 1e6 if os.path.exists(STATIC) else float("nan")

    goal = lambda ok: "yes" if ok else "**no**"
    m = lambda xs: statistics.median(xs)
    rows = [
        ("Live flood: CPU per message", fmt(fl["rdx"]["cpu_us"], "µs", 2), fmt(fl["node"]["cpu_us"], "µs", 2), f"Node/rdx {fmt(fl['ratio_cpu'], '×')}", "rdx ≤ 1/10 of Node", goal(m(fl["ratio_cpu"]) >= 10)),
        ("Live flood: peak RSS", fmt(fl["rdx"]["rss"], "MB"), fmt(fl["node"]["rss"], "MB"), f"Node/rdx {fmt(fl['ratio_rss'], '×')}", "rdx ≤ 1/10 of Node", goal(m(fl["ratio_rss"]) >= 10)),
        ("Live flood: messages received", f"{FLOOD} of {FLOOD} (every run)", f"{FLOOD} of {FLOOD} (every run)", "", "all", "yes"),
        ("Start-up to subscribed", fmt(su_r, "ms", 2), fmt(su_n, "ms", 1), f"Node/rdx {m(su_n) / m(su_r):.1f}×", "rdx ≤ 5 ms", goal(m(su_r) <= 5)),
        ("Replay 100k: `tail --json`", fmt([x / 1000 for x in rp["tail"]], "k frames/s"), "", f"of floor {fmt([x * 100 for x in rp['r_tail']], '%', 0)}", "≥ 70 % of floor", goal(m(rp["r_tail"]) >= 0.7)),
        ("Replay 100k: `sessions`", fmt([x / 1000 for x in rp["sessions"]], "k frames/s"), "", f"of floor {fmt([x * 100 for x in rp['r_sessions']], '%', 0)}", "faster than floor", goal(m(rp["r_sessions"]) > 1.0)),
        ("Replay 100k: floor (serde_json)", fmt([x / 1000 for x in rp["floor"]], "k frames/s"), "", "", "", ""),
        (f"Big state ({size:.0f} MB STATE) replayed: `state`", f"{fmt(bt, 's', 2)}, RSS {fmt(brss, 'MB', 0)}", "", f"RSS / frame {m(brss) / size:.1f}×", "RSS ≤ 4× frame", goal(m(brss) <= 4 * size)),
        (f"Big state ({size:.0f} MB STATE) replayed: whole `state`, no path", f"{fmt(wt, 's', 2)}, RSS {fmt(wrss, 'MB', 0)}", "", f"RSS / frame {m(wrss) / size:.1f}×", "RSS ≤ 2× state", goal(m(wrss) <= 2 * size)),
        ("Hostile jsan, 200 × 2.4 KB ACTIONs: `tail --diff`", f"{fmt(ht, 's', 2)}, RSS {fmt(hrss, 'MB', 0)}", "", "", "cost ∝ size", goal(m(ht) < 1)),
        (f"Big state ({size:.0f} MB STATE) live: `state`", f"{fmt(lt, 's', 2)}, RSS {fmt(lrss, 'MB', 0)}", "", f"RSS / frame {m(lrss) / size:.1f}×", "RSS ≤ 4× frame", goal(m(lrss) <= 4 * size)),
        ("10,000 instances: `sessions --all --json`", f"{fmt(mt, 's', 2)}, RSS {fmt(mrss, 'MB', 0)}", "", "", "", ""),
        *[(f"Replay 1M actions, 500 instances coming and going: `{k}`", f"{t:.2f} s, RSS {r:.1f} MB", "", "", "RSS flat", "") for k, (t, r) in mil.items()],
        ("Static binary (`make static`)", f"{binary:.2f} MB", "", "", "≤ 3 MB", goal(binary <= 3)),
    ]
    elapsed = time.time() - started
    table = ["| measure | rdx | Node monitor | ratio | goal | met |", "|---|---|---|---|---|---|"]
    table += [f"| {a} | {b} | {c} | {d} | {e} | {f} |" for a, b, c, d, e, f in rows]
    text = "\n".join(table)
    print(text)
    print(f"(bench took {elapsed:.0f} s)")
    with open(os.path.join(ROOT, "target/bench-results.md"), "w") as fh:
        fh.write(text + "\n")


if __name__ == "__main__":
    main()
