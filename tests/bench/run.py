"""rdx benchmarks, side by side with the Node baseline and the serde_json floor.

Run by `make bench`. Every figure is the median with min-max over RUNS runs;
every comparison is a ratio measured in the same run. CPU time and peak RSS
come from the OS (wait4 rusage of each process). Writes BENCHMARKS.md.
"""
import argparse
import json
import os
import random
import re
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# RDX_BIN: another build of rdx (a CARGO_TARGET_DIR of one's own)
RDX = os.environ.get("RDX_BIN") or os.path.join(ROOT, "target/release/rdx")
STATIC = os.path.join(ROOT, "target/x86_64-unknown-linux-gnu/release/rdx")
FLOOR = os.path.join(ROOT, "target/release/examples/floor")
DATA = os.path.join(ROOT, "target/bench-data")
E2E = os.path.join(ROOT, "tests/e2e")
BENCH = os.path.join(ROOT, "tests/bench")
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
FLOOD = int(os.environ.get("BENCH_FLOOD", "20000"))
DEVNULL = subprocess.DEVNULL
CUT_S = 1.0  # how long rdx's link stays cut in the cut-link flood
# `rdx ui` under a flood (case `ui`): actions a second in all, from how many
# stores, for how long; keys pressed during it; the idle runs' length.
UI_RATE = 5000
UI_STORES = 50
UI_FLOOD_S = int(os.environ.get("BENCH_UI_SECONDS", "15"))
UI_PRESSES = 20
UI_IDLE_S = int(os.environ.get("BENCH_UI_IDLE", "20"))
HELP = "rdx ui · keys"  # the help overlay's title, while it is open
# The Expo source (case `expo`): the dev server of tests/expo, the same flood
# through it and through the cli server, as fast as each takes it and paced.
EXPO = os.path.join(ROOT, "tests/expo")
EXPO_BROADCAST = "/expo-dev-plugins/broadcast"
EXPO_STORES = 4
EXPO_RATE = int(os.environ.get("BENCH_EXPO_RATE", "5000"))


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
    p.user_s, p.sys_s = float(user), float(sys_)  # apart, for who wants them
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
        r = cli_flood_run()
        for name in ("rdx", "node"):
            rows[name]["cpu_us"].append(r[name]["cpu"] / FLOOD * 1e6)
            rows[name]["rss"].append(r[name]["rss"])
            rows[name]["got"].append(FLOOD)
        rows["ratio_cpu"].append(r["node"]["cpu"] / r["rdx"]["cpu"])
        rows["ratio_rss"].append(r["node"]["rss"] / r["rdx"]["rss"])
    return rows


def cli_flood_run(rate=0):
    """One live flood through a fresh cli server: rdx (`tail --json --count
    FLOOD > /dev/null`) and the Node monitor subscribed, then flood.js (as
    fast as the server takes it, or `rate` a second). {rdx|node: {cpu, rss}}."""
    srv = Server()
    rdx = node = sender = None
    try:
        url = f"ws://127.0.0.1:{srv.port}/socketcluster/"
        rdx = spawn([RDX, "--url", url, "--verbose", "tail", "--json", "--count", str(FLOOD)], stdout=DEVNULL, stderr=subprocess.PIPE)
        node = spawn(["node", "node-monitor.js", "--port", str(srv.port), "--count", str(FLOOD)], cwd=BENCH, stdout=subprocess.PIPE, stderr=DEVNULL)
        read_line(rdx.stderr, "connected as")
        read_line(node.stdout, "subscribed")
        paced = ["--rate", str(rate)] if rate else []
        from uitmux import cpu_s

        c0, busy0, t0 = cpu_s(srv.p.pid), machine_busy_s(), time.perf_counter()
        sender = subprocess.Popen(["node", "flood.js", "--port", str(srv.port), "--count", str(FLOOD), *paced], cwd=E2E, stdout=DEVNULL, stderr=DEVNULL)
        rc_r, cpu_r, rss_r = wait_rusage(rdx)
        flood_s = time.perf_counter() - t0
        rc_n, cpu_n, rss_n = wait_rusage(node)
        server, busy = cpu_s(srv.p.pid) - c0, machine_busy_s() - busy0
    finally:
        for p in (sender, node, rdx):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
        srv.stop()
    if rc_r != 0 or rc_n != 0:
        raise SystemExit(f"flood run failed: rdx exit {rc_r}, node exit {rc_n}")
    return {"rdx": {"cpu": cpu_r, "rss": rss_r, "user": rdx.user_s, "sys": rdx.sys_s}, "node": {"cpu": cpu_n, "rss": rss_n},
            "server": server, "flood_s": flood_s, "busy": busy}


def wait_file(path, needle, limit=60):
    """Poll a file until it holds `needle` (with a watchdog)."""
    end = time.time() + limit
    while time.time() < end:
        with open(path, "rb") as fh:
            if needle.encode() in fh.read():
                return
        time.sleep(0.02)
    raise SystemExit(f"watchdog: never saw {needle!r} in {path}")


def count_lines(path):
    with open(path, "rb") as fh:
        return fh.read().count(b"\n")


def account(lines, expected, relayed):
    """Per instance, from rdx's `tail --json` lines: ids printed + ids reported
    lost must be every id 0..n-1 the apps sent, each once, in order, and no
    fewer than the never-cut Node monitor received. Returns
    {inst: (printed, lost)}; raises SystemExit saying what does not add up."""
    out = {}
    nxt = {inst: 0 for inst in expected}
    printed = {inst: 0 for inst in expected}
    lost = {inst: 0 for inst in expected}
    for n, v in enumerate(lines, 1):
        inst = v.get("instance")
        if v.get("type") not in ("action", "gap"):
            continue
        if inst not in expected:
            raise SystemExit(f"cut-link flood: line {n}: unknown instance {inst!r}")
        if v["type"] == "action":
            if v["action_id"] != nxt[inst]:
                raise SystemExit(f"cut-link flood: {inst}: printed id {v['action_id']}, expected {nxt[inst]} (ids once each, in order)")
            nxt[inst] += 1
            printed[inst] += 1
        else:
            a, b = v["from_id"], v["to_id"]
            if a != nxt[inst] or b < a or v["lost"] != b - a + 1:
                raise SystemExit(f"cut-link flood: {inst}: gap {a}..{b} (lost {v['lost']}) where id {nxt[inst]} was next")
            nxt[inst] = b + 1
            lost[inst] += b - a + 1
    for inst, n in expected.items():
        if nxt[inst] != n or printed[inst] + lost[inst] != n:
            raise SystemExit(f"cut-link flood: {inst}: printed {printed[inst]} + lost {lost[inst]}, up to id {nxt[inst] - 1}, of {n} sent")
        if printed[inst] + lost[inst] < relayed.get(inst, 0):
            raise SystemExit(f"cut-link flood: {inst}: printed + lost {printed[inst] + lost[inst]} < Node's {relayed[inst]}")
        out[inst] = (printed[inst], lost[inst])
    return out


def cut_flood():
    """The live flood with rdx's link (through a TCP proxy) cut for CUT_S
    mid-flood; the Node monitor, subscribed directly, is never cut. Every
    message must be accounted for: printed, or reported lost, once each."""
    from proxy import Proxy

    stores = 4
    expected = {f"inst{s}": FLOOD // stores + (1 if s < FLOOD % stores else 0) for s in range(stores)}
    res = {"printed": [], "lost": [], "node": [], "rdx_cpu": [], "rdx_rss": [], "node_cpu": [], "node_rss": [],
           "secs": [], "flood_s": [], "cut_at": [], "back": [], "per_run": []}
    for run in range(RUNS):
        t_run = time.perf_counter()
        srv = Server()
        proxy = Proxy(srv.port)
        tmp = tempfile.mkdtemp(prefix="rdx-bench-cut-")
        out_path, err_path = os.path.join(tmp, "out.jsonl"), os.path.join(tmp, "err.txt")
        rdx = node = sender = None
        try:
            with open(out_path, "wb") as out, open(err_path, "wb") as err:
                # its own session: SIGINT reaches rdx (GNU time ignores it)
                rdx = spawn([RDX, "--url", proxy.url(), "--verbose", "tail", "--json"], stdout=out, stderr=err, start_new_session=True)
            node = spawn(["node", "node-monitor.js", "--port", str(srv.port), "--idle-exit", "2000", "--max-seconds", "120"],
                         cwd=BENCH, stdout=subprocess.PIPE, stderr=DEVNULL)
            wait_file(err_path, "connected as")
            read_line(node.stdout, "subscribed")
            t0 = time.perf_counter()
            sender = subprocess.Popen(["node", "flood.js", "--port", str(srv.port), "--count", str(FLOOD),
                                       "--stores", str(stores), "--pause-every", "50", "--pause-ms", "40"],
                                      cwd=E2E, stdout=subprocess.PIPE, stderr=DEVNULL)
            # cut once a third of the flood has been printed
            end = time.time() + 60
            while count_lines(out_path) < FLOOD // 3:
                if time.time() > end or sender.poll() is not None:
                    raise SystemExit(f"cut-link flood: rdx printed {count_lines(out_path)} lines, never a third of {FLOOD}")
                time.sleep(0.01)
            cut_at = time.perf_counter() - t0
            proxy.cut()
            time.sleep(CUT_S)
            proxy.restore()
            t_restore = time.perf_counter()
            back = None  # restore -> rdx says it reconnected
            end = time.time() + 30
            while back is None and time.time() < end:
                with open(err_path, "rb") as fh:
                    if b"reconnected" in fh.read():
                        back = time.perf_counter() - t_restore
                        break
                time.sleep(0.01)
            read_line(sender.stdout, '"sent"', limit=120)
            flood_s = time.perf_counter() - t0
            # rdx holds a hole up to ~1 s before it reports it: wait until its
            # output is complete (every instance's last id printed or in a gap)
            # and has stopped growing; or, if never complete, quiet for 3 s.
            last_ids = {inst: n - 1 for inst, n in expected.items()}
            size, still, end = -1, time.time(), time.time() + 60
            while True:
                now = time.time()
                cur = os.path.getsize(out_path)
                if cur != size:
                    size, still = cur, now
                quiet = now - still
                if quiet >= 3.0:
                    break
                if quiet >= 1.2:
                    seen = set()
                    with open(out_path) as fh:
                        for l in fh:
                            v = json.loads(l)
                            if v.get("action_id") == last_ids.get(v.get("instance")) or (v.get("type") == "gap" and v.get("to_id") == last_ids.get(v.get("instance"))):
                                seen.add(v["instance"])
                    if len(seen) == len(last_ids):
                        break
                if now > end:
                    raise SystemExit("watchdog: rdx's output still growing 60 s after the flood")
                time.sleep(0.1)
            os.killpg(rdx.pid, signal.SIGINT)
            try:
                rdx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(rdx.pid, signal.SIGKILL)
                raise SystemExit("cut-link flood: rdx ignored SIGINT for 10 s")
            rc_r, cpu_r, rss_r = wait_rusage(rdx)
            rc_n, cpu_n, rss_n = wait_rusage(node, limit=30)
            if rc_r not in (0, 128 + signal.SIGINT) or rc_n != 0:
                raise SystemExit(f"cut-link flood: rdx exit {rc_r}, node exit {rc_n}")
            done = json.loads([l for l in node.stdout.read().decode().splitlines() if '"done"' in l][-1])
            relayed = done["per_instance"]
            with open(err_path, errors="replace") as fh:
                stderr = fh.read()
            if "reconnected" not in stderr:
                raise SystemExit(f"cut-link flood: rdx never said it reconnected: {stderr[-2000:]}")
            with open(out_path) as fh:
                lines = [json.loads(l) for l in fh if l.strip()]
            acc = account(lines, expected, relayed)
        finally:
            for p in (sender, node):
                if p is not None and p.poll() is None:
                    p.kill()
                    p.wait()
            if rdx is not None and rdx.poll() is None:
                os.killpg(rdx.pid, signal.SIGKILL)
                rdx.wait()
            proxy.stop()
            srv.stop()
        printed = sum(p for p, _ in acc.values())
        lost = sum(l for _, l in acc.values())
        node_got = sum(relayed.get(i, 0) for i in expected)
        secs = time.perf_counter() - t_run
        res["printed"].append(printed)
        res["lost"].append(lost)
        res["node"].append(node_got)
        res["rdx_cpu"].append(cpu_r)
        res["rdx_rss"].append(rss_r)
        res["node_cpu"].append(cpu_n)
        res["node_rss"].append(rss_n)
        res["secs"].append(secs)
        res["flood_s"].append(flood_s)
        res["cut_at"].append(cut_at)
        res["back"].append(back)
        res["per_run"].append(acc)
        per = ", ".join(f"{i} {p}+{l}/Node {relayed.get(i, 0)}" for i, (p, l) in acc.items())
        print(f"   run {run + 1}: printed {printed} + lost {lost} = {printed + lost} of {FLOOD}; Node received {node_got}; "
              f"cut at {cut_at:.1f} s of a {flood_s:.1f} s flood, rdx back {'never' if back is None else f'{back:.2f} s'} after restore; rdx {cpu_r:.2f} s CPU, {rss_r:.1f} MB; run {secs:.1f} s  [{per}]", flush=True)
        for p in (out_path, err_path):
            os.unlink(p)
        os.rmdir(tmp)
    return res


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
                # the state itself: the lifted state's text, unquoted
                state_size = len(json.loads(rec["data"])["data"]["data"]["payload"]) / 1e6
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
    return (size, state_size), t, rss, lt, lrss, wt, wrss


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


def hostile_classes(rdx=None):
    """Issue 18's hostile classes beside a plain message of the same size:
    `tail --json` (the action decoded and printed) and `state` (the state)
    on each, CPU and peak RSS from GNU time (the two commands added up, RSS
    their larger), output in bytes (added up)."""
    rdx = rdx or RDX
    with open(os.path.join(DATA, "hostile-sizes.json")) as fh:
        sizes = json.load(fh)
    out = {}
    for name, size in sizes.items():
        row = {"size": size}
        for kind, f in (("hostile", f"hostile-{name}.jsonl"), ("plain", f"hostile-{name}-plain.jsonl")):
            cpu, rss, nbytes = [], [], []
            inst = f[len("hostile-"):-len(".jsonl")]
            for _ in range(RUNS):
                c_sum, r_max, b_sum = 0.0, 0.0, 0
                for cmd in (["tail", "--json"], ["state", "--instance", inst]):
                    fd, outf = tempfile.mkstemp(prefix="rdx-bench-out-")
                    with os.fdopen(fd, "w") as sink:
                        p = spawn([rdx, "--replay", os.path.join(DATA, f), *cmd], stdout=sink, stderr=DEVNULL)
                        rc, c, r = wait_rusage(p)
                    b_sum += os.path.getsize(outf)
                    os.unlink(outf)
                    if rc != 0:
                        raise SystemExit(f"hostile {f} {cmd}: rdx exit {rc}")
                    c_sum += c
                    r_max = max(r_max, r)
                cpu.append(c_sum)
                rss.append(r_max)
                nbytes.append(b_sum)
            row[kind] = {"cpu": cpu, "rss": rss, "out": nbytes}
        out[name] = row
    return out


def many():
    f = os.path.join(DATA, "instances-10k.jsonl")
    t, rss = [], []
    for _ in range(RUNS):
        a, b = timed([RDX, "--replay", f, "sessions", "--all", "--json"])
        t.append(a)
        rss.append(b)
    return t, rss


def instructions():
    """Instructions per message (callgrind: a count, the same on every run
    whatever else the machine does), per thread, for `tail --json` over the
    first 20,000 ACTIONs of the 100k replay: the same ~1 KB messages the live
    flood sends. The main thread's work is the same live and replayed; the
    replay reader (a recording's lines) stands in for the socket reader."""
    n = 20_000
    src = os.path.join(DATA, "replay-100k.jsonl")
    part = os.path.join(DATA, "replay-20k.jsonl")
    with open(src) as f, open(part, "w") as out:
        for k, line in enumerate(f):
            if k >= n + 9:  # the handshake and 8 STARTs, then n ACTIONs
                break
            out.write(line)
    with tempfile.TemporaryDirectory() as d:
        p = subprocess.run(["valgrind", "--tool=callgrind", "--separate-threads=yes",
                            f"--callgrind-out-file={d}/cg.%p", RDX, "--replay", part, "tail", "--json"],
                           stdout=DEVNULL, stderr=subprocess.PIPE, timeout=600)
        if p.returncode != 0:
            raise SystemExit(f"callgrind run failed: {p.stderr.decode()[-2000:]}")
        totals = {}
        for name in sorted(os.listdir(d)):
            if "-" not in name:
                continue
            with open(os.path.join(d, name)) as fh:
                for line in fh:
                    if line.startswith("totals:"):
                        totals[int(name.rsplit("-", 1)[1])] = int(line.split()[1])
    # thread 1 is main; the reader is the other one
    main_i = totals.get(1, 0) / n
    other = sum(v for k, v in totals.items() if k != 1) / n
    return main_i, other


def shown_actions(screen):
    """How many actions the Actions pane's title says it holds ("all")."""
    m = re.search(r"Actions · all · (\d+)", screen)
    return int(m.group(1)) if m else -1


def press(t, key, ok, what):
    """A key sent; seconds until the screen shows its effect (polled every 2 ms)."""
    t0 = time.perf_counter()
    t.keys(key)
    t.wait(ok, what, limit=10, every=0.002)
    return time.perf_counter() - t0


def read_stats(path):
    """The line rdx ui writes on q with RDX_UI_STATS."""
    wait_file(path, "draws", limit=10)
    with open(path) as fh:
        return json.loads(fh.read())


def machine_busy_s():
    """CPU seconds the whole machine has spent busy (every core, /proc/stat)."""
    from uitmux import TICK

    with open("/proc/stat") as fh:
        v = [int(x) for x in fh.readline().split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / TICK  # all but idle and iowait


def ui_flood_run():
    """One run of the case `ui`: `rdx ui` (tmux, 120x40), `rdx tail --json >
    /dev/null` and the Node monitor subscribed to one real server while
    flood.js sends UI_RATE actions a second from UI_STORES stores for
    UI_FLOOD_S s. During the flood, `?` opens and closes the help
    UI_PRESSES times: the time until the screen shows it. CPU (utime+stime
    from /proc) of each over the same window: the flood's start to the
    moment rdx ui shows every action sent. The draws during the flood are
    rdx ui's draws less those of a twin started with it and quit when the
    flood starts (the first screens, the once-a-second redraw before)."""
    from uitmux import Tmux, clean_env, cpu_s

    srv = Server()
    url = f"ws://127.0.0.1:{srv.port}/socketcluster/"
    tmp = tempfile.mkdtemp(prefix="rdx-bench-ui-")
    stats_path, twin_path, tail_err = (os.path.join(tmp, f) for f in ("stats.json", "twin.json", "tail.err"))
    t = twin = tail = node = sender = None
    try:
        t = Tmux(RDX, ["--url", url, "ui"], env={"RDX_UI_STATS": stats_path})
        twin = Tmux(RDX, ["--url", url, "ui"], env={"RDX_UI_STATS": twin_path}, name="twin")
        t.wait_for("connected")
        twin.wait_for("connected")
        with open(tail_err, "wb") as err:
            tail = subprocess.Popen([RDX, "--url", url, "--verbose", "tail", "--json"], stdout=DEVNULL, stderr=err, env=clean_env())
        wait_file(tail_err, "connected as")
        node = subprocess.Popen(["node", "node-monitor.js", "--port", str(srv.port), "--idle-exit", "2000", "--max-seconds", str(UI_FLOOD_S + 120)],
                                cwd=BENCH, stdout=subprocess.PIPE, stderr=DEVNULL)
        read_line(node.stdout, "subscribed")
        sender = subprocess.Popen(["node", "flood.js", "--port", str(srv.port), "--stores", str(UI_STORES), "--rate", str(UI_RATE),
                                   "--seconds", str(UI_FLOOD_S), "--linger-ms", "60000", "--max-seconds", str(UI_FLOOD_S + 120)],
                                  cwd=E2E, stdout=subprocess.PIPE, stderr=DEVNULL)
        read_line(sender.stdout, "logged_in")
        pids = {"ui": t.pid, "tail": tail.pid, "node": node.pid, "server": srv.p.pid, "flood": sender.pid, "tmux": t.server_pid(), "bench": os.getpid()}
        c0 = {k: cpu_s(p) for k, p in pids.items()}
        busy0 = machine_busy_s()
        t0 = time.perf_counter()
        if twin.quit() != 0:
            raise SystemExit("ui flood: the twin rdx ui did not exit 0")
        twin_draws = read_stats(twin_path)["draws"]
        time.sleep(2)  # the flood under way, rdx ui holding thousands of actions
        lat = []
        for _ in range(UI_PRESSES // 2):
            lat.append(press(t, "?", lambda s: HELP in s, "the help"))
            time.sleep(random.uniform(0.1, 0.4))
            lat.append(press(t, "?", lambda s: HELP not in s, "the help closed"))
            time.sleep(random.uniform(0.1, 0.4))
        presses_s = time.perf_counter() - t0
        if presses_s > UI_FLOOD_S:
            raise SystemExit(f"ui flood: the key presses took {presses_s:.1f} s, longer than the {UI_FLOOD_S} s flood")
        sent = UI_RATE * UI_FLOOD_S
        read_line(sender.stdout, '"sent"', limit=UI_FLOOD_S + 60)
        flood_s = time.perf_counter() - t0
        # the window ends when rdx ui shows every action sent
        _, screen = t.wait(lambda s: shown_actions(s) >= sent, f"Actions · all · {sent}", limit=60, every=0.05)
        window_s = time.perf_counter() - t0
        c1 = {k: cpu_s(p) for k, p in pids.items()}
        busy = machine_busy_s() - busy0
        ui_got = shown_actions(screen)
        quit_s = time.perf_counter() - t0  # q is sent now
        code = t.quit()
        if code != 0:
            raise SystemExit(f"ui flood: rdx ui exited {code}")
        st = read_stats(stats_path)
        node.wait(timeout=30)
        done = json.loads([l for l in node.stdout.read().decode().splitlines() if '"done"' in l][-1])
        if done["done"] != sent:
            raise SystemExit(f"ui flood: the Node monitor received {done['done']} of {sent}")
    finally:
        for p in (sender, node, tail):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
        for x in (t, twin):
            if x is not None:
                x.stop()
        srv.stop()
        for f in (stats_path, twin_path, tail_err):
            if os.path.exists(f):
                os.unlink(f)
        os.rmdir(tmp)
    cpu = {k: c1[k] - c0[k] for k in c0}
    return {"lat_ms": [x * 1000 for x in lat], "draws": st["draws"], "keys": st["keys"], "ui_seconds": st["seconds"],
            "twin_draws": twin_draws, "flood_draws_s": (st["draws"] - twin_draws) / quit_s,
            "flood_s": flood_s, "window_s": window_s, "sent": sent, "ui_got": ui_got, "node_got": done["done"],
            "cpu": cpu, "busy": busy, "others": busy - sum(cpu.values())}


def ui_idle_run(kind, idle_s):
    """`rdx ui` left alone for idle_s seconds once its screen is complete:
    on a recording after its end (`replay`), live with no app (`live`), or
    live with UI_STORES apps connected that sent 10 actions each and then
    nothing (`live-apps`). (draws in the whole run, CPU seconds while idle)."""
    from uitmux import Tmux, cpu_s

    tmp = tempfile.mkdtemp(prefix="rdx-bench-ui-")
    stats_path = os.path.join(tmp, "stats.json")
    srv = t = sender = None
    try:
        if kind == "replay":
            t = Tmux(RDX, ["--replay", os.path.join(ROOT, "fixtures/two-apps.jsonl"), "ui"], env={"RDX_UI_STATS": stats_path})
            t.wait_for("end of the recording")
        else:
            srv = Server()
            t = Tmux(RDX, ["--url", f"ws://127.0.0.1:{srv.port}/socketcluster/", "ui"], env={"RDX_UI_STATS": stats_path})
            t.wait_for("connected")
            if kind == "live-apps":
                n = 10 * UI_STORES
                sender = subprocess.Popen(["node", "flood.js", "--port", str(srv.port), "--stores", str(UI_STORES), "--rate", str(UI_RATE),
                                           "--count", str(n), "--linger-ms", str((idle_s + 60) * 1000), "--max-seconds", str(idle_s + 120)],
                                          cwd=E2E, stdout=subprocess.PIPE, stderr=DEVNULL)
                read_line(sender.stdout, '"sent"')
                t.wait(lambda s: shown_actions(s) == n, f"Actions · all · {n}")
        time.sleep(0.2)  # the last change drawn
        c0 = cpu_s(t.pid)
        time.sleep(idle_s)
        cpu = cpu_s(t.pid) - c0
        code = t.quit()
        if code != 0:
            raise SystemExit(f"ui idle ({kind}): rdx ui exited {code}")
        st = read_stats(stats_path)
    finally:
        if sender is not None and sender.poll() is None:
            sender.kill()
            sender.wait()
        if t is not None:
            t.stop()
        if srv is not None:
            srv.stop()
        if os.path.exists(stats_path):
            os.unlink(stats_path)
        os.rmdir(tmp)
    return st["draws"], cpu


def ui():
    """Issue 20: `rdx ui` under a flood (RUNS runs of ui_flood_run), and
    idle: each idle kind run twice, left alone UI_IDLE_S s and 0 s; the
    difference of their draws is what the idle drew."""
    runs = []
    for run in range(RUNS):
        r = ui_flood_run()
        runs.append(r)
        c = r["cpu"]
        print(f"   run {run + 1}: keys median {statistics.median(r['lat_ms']):.1f} ms, max {max(r['lat_ms']):.1f} ms "
              f"[{' '.join(f'{x:.0f}' for x in r['lat_ms'])}]; {r['draws']} draws in {r['ui_seconds']:.1f} s of rdx ui, "
              f"{r['twin_draws']} before the flood: {r['flood_draws_s']:.1f} a second since; "
              f"flood {r['flood_s']:.1f} s, all {r['ui_got']} shown at {r['window_s']:.1f} s; CPU ui {c['ui']:.2f} s, tail {c['tail']:.2f} s, "
              f"Node {c['node']:.2f} s, server {c['server']:.2f} s, flood.js {c['flood']:.2f} s, tmux {c['tmux']:.2f} s, this script {c['bench']:.2f} s; "
              f"the machine busy {r['busy']:.1f} CPU s of {os.cpu_count() * r['window_s']:.1f}, other processes {r['others']:.1f} s", flush=True)
    idle = {}
    for kind in ("replay", "live", "live-apps"):
        long_d, cpu = ui_idle_run(kind, UI_IDLE_S)
        short_d, _ = ui_idle_run(kind, 0)
        idle[kind] = {"draws": long_d - short_d, "cpu": cpu, "long": long_d, "short": short_d}
        print(f"   idle {kind}: {long_d} draws left {UI_IDLE_S} s, {short_d} left 0 s: {long_d - short_d} while idle; CPU {cpu * 1000:.0f} ms", flush=True)
    return runs, idle


def ws_accepted(port, path, limit=5.0):
    """True if 127.0.0.1:port answers a WebSocket upgrade on `path` with 101."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=limit) as c:
            c.settimeout(limit)
            c.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 8192:
                chunk = c.recv(4096)
                if not chunk:
                    break
                head += chunk
            return head.startswith(b"HTTP/1.1 101")
    except OSError:
        return False


def group_listeners(pgid):
    """(address, port) of every TCP listener and bound UDP socket of the
    processes in group `pgid` (/proc), the address as /proc/net writes it."""
    inodes = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as fh:
                if int(fh.read().rsplit(")", 1)[1].split()[2]) != pgid:
                    continue
            for fd in os.listdir(f"/proc/{pid}/fd"):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:["):
                    inodes.add(link[8:-1])
        except OSError:
            continue
    out = []
    for name in ("tcp", "tcp6", "udp", "udp6"):
        try:
            with open(f"/proc/net/{name}") as fh:
                lines = fh.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if len(f) < 10 or f[9] not in inodes or (name.startswith("tcp") and f[3] != "0A"):
                continue
            addr, port = f[1].split(":")
            if name.startswith("udp") and int(port, 16) == 0:
                continue
            out.append((name, addr, int(port, 16)))
    return out


LOOPBACK = ("0100007F", "00000000000000000000000001000000", "0000000000000000FFFF00000100007F")


class ExpoServer:
    """The Expo CLI dev server of tests/expo (`expo start --web --localhost`,
    the command and environment of tests/util/expo.rs) on a free loopback
    port, in a process group of its own, killed whole on stop(); up when its
    plugin socket accepts a WebSocket; every listener of the group checked to
    be on loopback."""

    def __init__(self, limit=120):
        if not os.path.exists(os.path.join(EXPO, "node_modules/.bin/expo")):
            raise SystemExit("the case expo needs tests/expo's install (make e2e-deps)")
        self.port = free_port()
        env = dict(os.environ, CI="1", EXPO_OFFLINE="1", EXPO_NO_TELEMETRY="1", EXPO_UNSTABLE_HEADLESS="1", BROWSER="none")
        self.log = tempfile.TemporaryFile()
        self.p = subprocess.Popen(["node", "node_modules/.bin/expo", "start", "--web", "--port", str(self.port), "--localhost"],
                                  cwd=EXPO, env=env, stdin=DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, process_group=0)
        try:
            end = time.time() + limit
            while not ws_accepted(self.port, EXPO_BROADCAST):
                if self.p.poll() is not None:
                    raise SystemExit(f"expo start exited {self.p.returncode}:\n{self.log_text()}")
                if time.time() > end:
                    raise SystemExit(f"watchdog: the Expo dev server did not accept {EXPO_BROADCAST} within {limit} s:\n{self.log_text()}")
                time.sleep(0.1)
            ls = group_listeners(self.p.pid)
            bad = [x for x in ls if x[1] not in LOOPBACK]
            if bad or not any(x[0].startswith("tcp") and x[2] == self.port for x in ls):
                raise SystemExit(f"the Expo dev server listens beyond loopback or not on {self.port}: {ls}")
        except BaseException:
            self.stop()
            raise

    def log_text(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]

    def cpu_s(self):
        """utime+stime of every live process of the group (/proc)."""
        from uitmux import cpu_s

        total = 0.0
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/stat") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[2]) != self.p.pid:
                        continue
                total += cpu_s(pid)
            except OSError:
                continue
        return total

    def stop(self):
        """SIGTERM to the group, SIGKILL to it after 5 s (and after the leader
        is gone, for any worker left)."""
        try:
            os.killpg(self.p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.p.wait()
        self.log.close()


def expo_flood_run(srv, rate=0, check=None):
    """One flood through the Expo dev server `srv`: the Node monitor
    (silent) and rdx (`tail --json --count FLOOD > /dev/null`) on its plugin
    socket, then expo-flood.js's EXPO_STORES stores say START, wait for rdx's
    `respond START` and send FLOOD ACTIONs (as fast as the socket takes them,
    or `rate` a second). {rdx|node: {cpu, rss}, server: CPU s, flood_s}.
    With `check` (a path), rdx's output goes there instead of /dev/null."""
    rdx = node = sender = None
    out = open(check, "wb") if check else DEVNULL
    fd, err_path = tempfile.mkstemp(prefix="rdx-bench-expo-err-")
    os.close(fd)
    try:
        node = spawn(["node", "node-expo-monitor.js", "--port", str(srv.port), "--count", str(FLOOD), "--max-seconds", "200"],
                     cwd=BENCH, stdout=subprocess.PIPE, stderr=DEVNULL)
        read_line(node.stdout, '"connected"')
        with open(err_path, "wb") as err:
            rdx = spawn([RDX, "--url", f"expo://127.0.0.1:{srv.port}", "--verbose", "tail", "--json", "--count", str(FLOOD)],
                        stdout=out, stderr=err)
        wait_file(err_path, "connected to the Expo dev server")
        c0 = srv.cpu_s()
        busy0 = machine_busy_s()
        paced = ["--rate", str(rate)] if rate else []
        sender = subprocess.Popen(["node", "expo-flood.js", "--port", str(srv.port), "--count", str(FLOOD), "--stores", str(EXPO_STORES),
                                   "--max-seconds", "200", *paced], cwd=BENCH, stdout=subprocess.PIPE, stderr=DEVNULL)
        # rdx's respond START (~0.8 s after it connects) starts the flood
        read_line(sender.stdout, '"start_seen"', limit=20)
        t0 = time.perf_counter()
        rc_r, cpu_r, rss_r = wait_rusage(rdx, limit=180)
        flood_s = time.perf_counter() - t0
        rc_n, cpu_n, rss_n = wait_rusage(node, limit=60)
        c1 = srv.cpu_s()
        busy = machine_busy_s() - busy0
    finally:
        for p in (sender, node, rdx):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
        if check:
            out.close()
        with open(err_path, errors="replace") as fh:
            stderr = fh.read()
        os.unlink(err_path)
    if rc_r != 0 or rc_n != 0:
        raise SystemExit(f"expo flood run failed: rdx exit {rc_r}, node exit {rc_n}; rdx said:\n{stderr[-2000:]}")
    return {"rdx": {"cpu": cpu_r, "rss": rss_r, "user": rdx.user_s, "sys": rdx.sys_s}, "node": {"cpu": cpu_n, "rss": rss_n},
            "server": c1 - c0, "flood_s": flood_s,
            "busy": busy, "stderr": stderr}


def check_expo_output(path):
    """rdx's `tail --json` lines of an Expo flood: FLOOD actions, each
    store's ids 1..n once each, in order. Raises SystemExit if not."""
    nxt, n = {}, 0
    with open(path) as fh:
        for k, l in enumerate(fh, 1):
            v = json.loads(l)
            if v.get("type") != "action":
                raise SystemExit(f"expo flood: line {k} of rdx's output is not an action: {l[:200]}")
            inst = v.get("instance")
            want = nxt.get(inst, 1)
            if v.get("action_id") != want:
                raise SystemExit(f"expo flood: {inst}: printed id {v.get('action_id')}, expected {want}")
            nxt[inst] = want + 1
            n += 1
    per = {f"inst{s}": FLOOD // EXPO_STORES + (1 if s < FLOOD % EXPO_STORES else 0) for s in range(EXPO_STORES)}
    if n != FLOOD or {k: v - 1 for k, v in nxt.items()} != per:
        raise SystemExit(f"expo flood: rdx printed {n} actions, ids per instance {nxt}")


def expo():
    """Issue 21: CPU per action of `rdx tail --json > /dev/null` on the Expo
    source beside the cli source, the same flood of FLOOD ~1 KB ACTIONs
    (flood.js's messages; expo-flood.js sends them in the plugin's envelope)
    from EXPO_STORES stores, as fast as each server takes it and paced at
    EXPO_RATE a second; the Node monitor beside rdx on each. Each run does
    the four, in turn; one Expo dev server for every run (it is a relay that
    keeps nothing), a fresh cli server each time, as in the case flood.
    First, an unmeasured run checks what rdx prints of an Expo flood."""
    srv = ExpoServer()
    res = {k: [] for k in ("cli", "expo", "cli_paced", "expo_paced")}
    try:
        tmp = tempfile.mkdtemp(prefix="rdx-bench-expo-")
        try:
            path = os.path.join(tmp, "out.jsonl")
            expo_flood_run(srv, check=path)
            check_expo_output(path)
            os.unlink(path)
        finally:
            os.rmdir(tmp)
        for run in range(RUNS):
            for key, fn in (("cli", lambda: cli_flood_run()), ("expo", lambda: expo_flood_run(srv)),
                            ("cli_paced", lambda: cli_flood_run(EXPO_RATE)), ("expo_paced", lambda: expo_flood_run(srv, EXPO_RATE))):
                r = fn()
                res[key].append(r)
            print(f"   run {run + 1}: " + "; ".join(
                f"{k} rdx {r['rdx']['cpu'] / FLOOD * 1e6:.2f} µs (user {r['rdx']['user'] / FLOOD * 1e6:.2f} + sys {r['rdx']['sys'] / FLOOD * 1e6:.2f}; "
                f"{r['rdx']['rss']:.1f} MB), Node {r['node']['cpu'] / FLOOD * 1e6:.2f} µs, "
                f"server {r['server']:.2f} s, all of rdx's {FLOOD} in {r['flood_s']:.2f} s, machine busy {r['busy']:.1f} CPU-s"
                for k, r in ((k, v[-1]) for k, v in res.items())), flush=True)
            for k in ("expo", "expo_paced"):
                extra = [l for l in res[k][-1]["stderr"].splitlines() if "connected to the Expo" not in l]
                if extra:
                    print(f"   {k}: rdx --verbose also said: {extra[:5]} ({len(extra)} lines)", flush=True)
    finally:
        srv.stop()
    return res


CASES = ("flood", "cut", "startup", "replay", "big", "million", "hostile", "hostile18", "many", "static", "instr", "ui", "expo")


def main():
    ap = argparse.ArgumentParser(description="rdx benchmarks (`make bench`)")
    ap.add_argument("--only", metavar="CASE[,CASE...]",
                    help=f"run only these cases, for quick iteration ({', '.join(CASES)}); the table goes to target/bench-results-only.md")
    opts = ap.parse_args()
    only = None
    if opts.only:
        only = set(opts.only.split(","))
        if only - set(CASES):
            ap.error(f"unknown case(s) {', '.join(sorted(only - set(CASES)))}; cases: {', '.join(CASES)}")
    want = lambda case: only is None or case in only
    needed = [RDX, TIME] + ([FLOOR] if want("replay") else [])
    for path in needed:
        if not os.path.exists(path):
            raise SystemExit(f"missing {path}: run `make bench`")
    started = time.time()
    if want("flood"):
        print(f"== live flood: {FLOOD} ACTION messages, rdx and Node subscribed together, {RUNS} runs", flush=True)
        fl = live_flood()
    if want("cut"):
        print(f"== live flood, rdx's link cut for {CUT_S:.0f} s mid-flood: {FLOOD} ACTION messages, every one accounted for, {RUNS} runs", flush=True)
        cf = cut_flood()
    if want("startup"):
        print("== start-up", flush=True)
        su_r, su_n = startup()
    if want("replay"):
        print("== replay throughput", flush=True)
        rp = replay()
    if want("big"):
        print("== big state", flush=True)
        (size, state_size), bt, brss, lt, lrss, wt, wrss = big_state()
    if want("million"):
        print("== 1,000,000 actions replayed", flush=True)
        mil = million()
    if want("hostile"):
        print("== hostile jsan", flush=True)
        ht, hrss = hostile()
    if want("hostile18"):
        print("== hostile classes beside plain messages of the same size", flush=True)
        hc = hostile_classes()
    if want("many"):
        print("== 10,000 instances", flush=True)
        mt, mrss = many()
    if want("instr"):
        print("== instructions per message (callgrind)", flush=True)
        ins_main, ins_reader = instructions()
    if want("ui"):
        if not shutil.which("tmux"):
            raise SystemExit("the case ui needs tmux (make e2e-deps installs it)")
        print(f"== rdx ui (tmux, 120x40) under {UI_RATE} actions/s from {UI_STORES} stores for {UI_FLOOD_S} s, beside `tail --json` and Node, {RUNS} runs; then idle {UI_IDLE_S} s", flush=True)
        uf, ui_idle = ui()
    if want("expo"):
        print(f"== the Expo source beside the cli: {FLOOD} ~1 KB ACTIONs from {EXPO_STORES} stores, as fast as each server takes them and {EXPO_RATE} a second, rdx and Node, {RUNS} runs", flush=True)
        ex = expo()
    binary = os.path.getsize(STATIC) / 1e6 if os.path.exists(STATIC) else float("nan")

    goal = lambda ok: "yes" if ok else "**no**"
    m = lambda xs: statistics.median(xs)
    rows = []
    if want("flood"):
        rows += [
            ("Live flood: CPU per message", fmt(fl["rdx"]["cpu_us"], "µs", 2), fmt(fl["node"]["cpu_us"], "µs", 2), f"Node/rdx {fmt(fl['ratio_cpu'], '×')}", "rdx ≤ 2.5 µs, Node/rdx ≥ 8×", goal(m(fl["rdx"]["cpu_us"]) <= 2.5 and m(fl["ratio_cpu"]) >= 8)),
            ("Live flood: peak RSS", fmt(fl["rdx"]["rss"], "MB"), fmt(fl["node"]["rss"], "MB"), f"Node/rdx {fmt(fl['ratio_rss'], '×')}", "rdx ≤ 1/10 of Node", goal(m(fl["ratio_rss"]) >= 10)),
            ("Live flood: messages received", f"{FLOOD} of {FLOOD} (every run)", f"{FLOOD} of {FLOOD} (every run)", "", "all", "yes"),
        ]
    if want("cut"):
        # cut_flood() raises SystemExit unless every run accounts for every
        # message, so reaching here means the goal was met in every run.
        ok = all(p + l == FLOOD and p + l >= n for p, l, n in zip(cf["printed"], cf["lost"], cf["node"]))
        every = " (every run)" if ok else ""
        rows += [
            (f"Flood with rdx's link cut {CUT_S:.0f} s: accounted for", f"printed {m(cf['printed']):.0f} + reported lost {m(cf['lost']):.0f} = {FLOOD} of {FLOOD}{every}; lost {min(cf['lost'])}–{max(cf['lost'])}",
             f"received {m(cf['node']):.0f} ({min(cf['node'])}–{max(cf['node'])})",
             f"rdx back {fmt([b for b in cf['back'] if b is not None] or [float('nan')], 's', 2)} after restore", "printed + lost = highest id, none twice, ≥ Node", goal(ok)),
            (f"Flood with rdx's link cut {CUT_S:.0f} s: CPU, peak RSS", f"{fmt(cf['rdx_cpu'], 's', 2)}, RSS {fmt(cf['rdx_rss'], 'MB')}", f"{fmt(cf['node_cpu'], 's', 2)}, RSS {fmt(cf['node_rss'], 'MB')}",
             f"Node/rdx CPU {m(cf['node_cpu']) / m(cf['rdx_cpu']):.1f}×", "", ""),
        ]
    if want("startup"):
        rows.append(("Start-up to subscribed", fmt(su_r, "ms", 2), fmt(su_n, "ms", 1), f"Node/rdx {m(su_n) / m(su_r):.1f}×", "rdx ≤ 5 ms", goal(m(su_r) <= 5)))
    if want("replay"):
        rows += [
            ("Replay 100k: `tail --json`", fmt([x / 1000 for x in rp["tail"]], "k frames/s"), "", f"of floor {fmt([x * 100 for x in rp['r_tail']], '%', 0)}", "≥ 70 % of floor", goal(m(rp["r_tail"]) >= 0.7)),
            ("Replay 100k: `sessions`", fmt([x / 1000 for x in rp["sessions"]], "k frames/s"), "", f"of floor {fmt([x * 100 for x in rp['r_sessions']], '%', 0)}", "faster than floor", goal(m(rp["r_sessions"]) > 1.0)),
            ("Replay 100k: floor (serde_json)", fmt([x / 1000 for x in rp["floor"]], "k frames/s"), "", "", "", ""),
        ]
    if want("big"):
        rows += [
            (f"Big state ({size:.0f} MB STATE) replayed: `state`", f"{fmt(bt, 's', 2)}, RSS {fmt(brss, 'MB', 0)}", "", f"RSS / frame {m(brss) / size:.1f}×", "RSS ≤ 4× frame", goal(m(brss) <= 4 * size)),
            (f"Big state ({size:.0f} MB STATE) replayed: whole `state`, no path", f"{fmt(wt, 's', 2)}, RSS {fmt(wrss, 'MB', 0)}", "", f"RSS / state ({state_size:.0f} MB) {m(wrss) * 1.048576 / state_size:.1f}×", "RSS ≤ 2× state", goal(m(wrss) * 1.048576 <= 2 * state_size)),
        ]
    if want("hostile"):
        rows.append(("Hostile jsan, 200 × 2.4 KB ACTIONs: `tail --diff`", f"{fmt(ht, 's', 2)}, RSS {fmt(hrss, 'MB', 0)}", "", "", "cost ∝ size", goal(m(ht) < 1)))
    if want("hostile18"):
        for name, row in hc.items():
            mb = row["size"] / 1e6
            h, p = row["hostile"], row["plain"]
            cpu_x = m(h["cpu"]) / max(m(p["cpu"]), 0.005)
            rss_over = (m(h["rss"]) - m(p["rss"])) * 1.048576 / mb
            out_x = m(h["out"]) / row["size"]
            rows.append((f"Hostile `{name}` ({mb:.2f} MB) vs plain: `tail --json` + `state`",
                         f"CPU {fmt(h['cpu'], 's', 3)} vs {fmt(p['cpu'], 's', 3)}; RSS {fmt(h['rss'], 'MB')} vs {fmt(p['rss'], 'MB')}; output {m(h['out']) / 1e6:.2f} MB",
                         "", f"CPU {cpu_x:.1f}×, RSS over plain {rss_over:.1f}× input, output {out_x:.1f}× input",
                         "CPU ≤ 5×, RSS over ≤ 4× input, output ≤ 8× input",
                         goal(cpu_x <= 5 and rss_over <= 4 and out_x <= 8)))
    if want("big"):
        rows.append((f"Big state ({size:.0f} MB STATE) live: `state`", f"{fmt(lt, 's', 2)}, RSS {fmt(lrss, 'MB', 0)}", "", f"RSS / frame {m(lrss) / size:.1f}×", "RSS ≤ 4× frame", goal(m(lrss) <= 4 * size)))
    if want("many"):
        rows.append(("10,000 instances: `sessions --all --json`", f"{fmt(mt, 's', 2)}, RSS {fmt(mrss, 'MB', 0)}", "", "", "", ""))
    if want("million"):
        rows += [(f"Replay 1M actions, 500 instances coming and going: `{k}`", f"{t:.2f} s, RSS {r:.1f} MB", "", "", "RSS flat", "") for k, (t, r) in mil.items()]
    if want("instr"):
        rows.append(("`tail --json`, 20k ~1 KB ACTIONs: instructions per message (callgrind)", f"main thread {ins_main / 1000:.1f} k, replay reader {ins_reader / 1000:.1f} k", "", "", "", ""))
    if want("ui"):
        med = [statistics.median(r["lat_ms"]) for r in uf]
        top = [max(r["lat_ms"]) for r in uf]
        rate = [r["flood_draws_s"] for r in uf]
        ratio = [r["cpu"]["ui"] / r["cpu"]["tail"] for r in uf]
        flood = f"{UI_RATE:,} actions/s from {UI_STORES} stores"
        over = sum(x > 50 for r in uf for x in r["lat_ms"])
        presses = sum(len(r["lat_ms"]) for r in uf)
        key_goal = "yes" if over == 0 else f"**no**: {over} of {presses} presses over 50 ms" + (" (the median is under)" if m(med) <= 50 else "")
        rows += [
            (f"`rdx ui` under {flood}: key drawn (`?` opens/closes the help, {UI_PRESSES} presses a run)",
             f"median {fmt(med, 'ms')}, max {fmt(top, 'ms')}", "", "", "≤ 50 ms",
             key_goal),
            (f"`rdx ui` under {flood}: draws per second of flood (the draws before it, a twin's, left out)",
             f"{fmt(rate, 'draws/s')}", "", "", "≤ 30", goal(max(rate) <= 30)),
            (f"`rdx ui` under {flood}: CPU over the flood, beside `rdx tail --json > /dev/null`",
             f"ui {fmt([r['cpu']['ui'] for r in uf], 's', 2)}, tail {fmt([r['cpu']['tail'] for r in uf], 's', 2)}",
             fmt([r["cpu"]["node"] for r in uf], "s", 2), f"ui/tail {fmt(ratio, '×', 2)}", "ui ≤ 1.5× tail", goal(m(ratio) <= 1.5)),
        ]
        # Idle, nothing shown changes, but live with apps their ages
        # ("LAST SEEN 12s ago") move on once a second.
        for kind, what, want_, ok in (
                ("replay", "on a recording, after its end", "no draw", lambda d: d == 0),
                ("live", "live, no app", "no draw", lambda d: d == 0),
                ("live-apps", f"live, {UI_STORES} apps connected, idle (ages in seconds shown)", "only when a shown age changes: ≤ 1 a second",
                 lambda d: d <= UI_IDLE_S + 1)):
            v = ui_idle[kind]
            rows.append((f"`rdx ui` idle {UI_IDLE_S} s, {what}: draws, CPU", f"{v['draws']} draws, {v['cpu'] * 1000:.0f} ms CPU", "", "", want_,
                         goal(ok(v["draws"]))))
    if want("expo"):
        us = lambda k, who: [r[who]["cpu"] / FLOOD * 1e6 for r in ex[k]]
        for cli_k, expo_k, how in (("cli", "expo", "as fast as the server takes it"), ("cli_paced", "expo_paced", f"{EXPO_RATE:,} a second")):
            for k, src in ((cli_k, "cli server"), (expo_k, "Expo dev server")):
                ratio = [n / r for n, r in zip(us(k, "node"), us(k, "rdx"))]
                part = lambda which: fmt([r["rdx"][which] / FLOOD * 1e6 for r in ex[k]], "µs", 2)
                rows.append((f"{src}, {FLOOD:,} ~1 KB ACTIONs {how}: CPU per action (user + sys), peak RSS",
                             f"{fmt(us(k, 'rdx'), 'µs', 2)} (user {part('user')}, sys {part('sys')}), RSS {fmt([r['rdx']['rss'] for r in ex[k]], 'MB')}",
                             f"{fmt(us(k, 'node'), 'µs', 2)}, RSS {fmt([r['node']['rss'] for r in ex[k]], 'MB')}",
                             f"Node/rdx {fmt(ratio, '×')}", "", ""))
            per_run = [e / c for e, c in zip(us(expo_k, "rdx"), us(cli_k, "rdx"))]
            rows.append((f"rdx, {how}: Expo source / cli source, CPU per action",
                         f"{m(us(expo_k, 'rdx')) / m(us(cli_k, 'rdx')):.2f}× (of the medians; run by run {min(per_run):.2f}–{max(per_run):.2f}×)",
                         f"{m(us(expo_k, 'node')) / m(us(cli_k, 'node')):.2f}×", "", "", ""))
    if want("static"):
        rows.append(("Static binary (`make static`)", f"{binary:.2f} MB", "", "", "≤ 3 MB", goal(binary <= 3)))
    elapsed = time.time() - started
    table = ["| measure | rdx | Node monitor | ratio | goal | met |", "|---|---|---|---|---|---|"]
    table += [f"| {a} | {b} | {c} | {d} | {e} | {f} |" for a, b, c, d, e, f in rows]
    text = "\n".join(table)
    print(text)
    print(f"(bench took {elapsed:.0f} s)")
    # a partial run (--only) does not overwrite the full table
    name = "target/bench-results.md" if only is None else "target/bench-results-only.md"
    os.makedirs(os.path.join(ROOT, "target"), exist_ok=True)
    with open(os.path.join(ROOT, name), "w") as fh:
        fh.write(text + "\n")


if __name__ == "__main__":
    main()
