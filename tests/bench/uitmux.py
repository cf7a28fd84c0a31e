"""`rdx ui` in a real terminal for the benchmarks (`make bench` case `ui`,
`make soak`): a tmux server of its own (`tmux -L SOCKET -f /dev/null`, as
tests/ui.rs does) runs rdx in one 120x40 window, and one tmux control-mode
client (`tmux -C`, its output notifications off) sends the keys and reads
the screen back. A control-mode command is a line written and a block read
back: a screen read costs ~0.1 ms, where a `tmux capture-pane` process costs
~3.5 ms here, so polling every 2 ms measures rdx rather than tmux.

Also the CPU (utime+stime, every thread) and the resident memory of a
process, from /proc.
"""
import os
import signal
import select
import shutil
import subprocess
import tempfile
import time

TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid):
    """utime+stime of a live process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def clean_env():
    """The environment of tmux and rdx: none of the user's rdx settings
    (tests/util isolate()), a label store of its own, not inside tmux."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RDX_") and k not in ("NO_COLOR", "TMUX")}
    env["TERM"] = "xterm-256color"
    return env


class Tmux:
    """`rdx ARGS` in a W×H terminal; after it exits the pane says
    `rdx exited CODE`. `env` is exported to rdx alone."""

    def __init__(self, rdx, args, env=None, w=120, h=40, name="ui"):
        self.dir = tempfile.mkdtemp(prefix="rdx-bench-ui-")
        self.socket = f"rdx-bench-{name}-{os.getpid()}-{os.path.basename(self.dir)}"
        self.env = clean_env()
        self.ctl = None
        self.buf = b""
        exports = "".join(f"export {k}={quote(v)}\n" for k, v in {"XDG_STATE_HOME": self.dir, **(env or {})}.items())
        with open(os.path.join(self.dir, "inner.sh"), "w") as fh:
            fh.write(f"echo $$ > {quote(self.path('pid'))}\n{exports}exec {quote(rdx)} {' '.join(quote(a) for a in args)}\n")
        with open(os.path.join(self.dir, "outer.sh"), "w") as fh:
            fh.write(f"sh {quote(self.path('inner.sh'))}\necho \"rdx exited $?\"\nexec sleep 600\n")
        self.pid = None
        self.socket_path = None
        try:
            self.tmux("new-session", "-d", "-x", str(w), "-y", str(h), "-s", "ui", f"sh {quote(self.path('outer.sh'))}")
            self.socket_path = self.tmux("display-message", "-p", "#{socket_path}").strip()
            self.ctl = subprocess.Popen(["tmux", "-L", self.socket, "-f", "/dev/null", "-C", "attach-session", "-t", "ui", "-f", "no-output,ignore-size"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=self.env)
            self.pid = self._rdx_pid()
        except BaseException:
            self.stop()
            raise

    def path(self, name):
        return os.path.join(self.dir, name)

    def tmux(self, *args):
        p = subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args], env=self.env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
        if p.returncode != 0:
            raise SystemExit(f"tmux {' '.join(args)}: {p.stderr.decode()}")
        return p.stdout.decode("utf-8", "replace")

    def command(self, line, limit=10):
        """One command through the control client; its output. (The blocks
        of the client's own commands are flagged 1; the attach's is not.)"""
        self.ctl.stdin.write(line.encode() + b"\n")
        self.ctl.stdin.flush()
        end = time.monotonic() + limit
        out, inside = [], False
        while True:
            while b"\n" in self.buf:
                l, self.buf = self.buf.split(b"\n", 1)
                if l.startswith(b"%begin ") and l.endswith(b" 1"):
                    inside, out = True, []
                elif inside and (l.startswith(b"%end ") or l.startswith(b"%error ")):
                    if l.startswith(b"%error "):
                        raise SystemExit(f"tmux {line}: {b' '.join(out).decode()}")
                    return b"\n".join(out).decode("utf-8", "replace")
                elif inside:
                    out.append(l)
            left = end - time.monotonic()
            if left <= 0:
                raise SystemExit(f"watchdog: tmux control client gave no answer to {line!r} in {limit}s")
            r, _, _ = select.select([self.ctl.stdout], [], [], left)
            if r:
                chunk = os.read(self.ctl.stdout.fileno(), 1 << 16)
                if not chunk:
                    raise SystemExit(f"tmux control client ended (at {line!r})")
                self.buf += chunk

    def screen(self):
        return self.command("capture-pane -p -t ui")

    def keys(self, *keys):
        self.command("send-keys -t ui " + " ".join(quote(k) for k in keys))

    def wait(self, ok, what, limit=20, every=0.002):
        """Poll the screen until ok(screen); (seconds waited, screen)."""
        t0 = time.perf_counter()
        end = t0 + limit
        while True:
            s = self.screen()
            if ok(s):
                return time.perf_counter() - t0, s
            if time.perf_counter() > end:
                raise SystemExit(f"watchdog: the screen never showed {what} within {limit}s:\n{s}")
            time.sleep(every)

    def wait_for(self, text, limit=20, every=0.02):
        return self.wait(lambda s: text in s, repr(text), limit, every)

    def server_pid(self):
        """The tmux server's pid (it reads rdx's output and keeps the screen)."""
        return int(self.command("display-message -p '#{pid}'").strip())

    def _rdx_pid(self):
        end = time.monotonic() + 20
        while time.monotonic() < end:
            try:
                with open(self.path("pid")) as fh:
                    p = fh.read().strip()
                if p:
                    return int(p)
            except OSError:
                pass
            time.sleep(0.01)
        raise SystemExit("watchdog: rdx ui never started in tmux")

    def quit(self, limit=20):
        """q; wait for rdx to exit; its exit code."""
        self.keys("q")
        _, s = self.wait_for("rdx exited", limit)
        return int(s.split("rdx exited", 1)[1].split()[0])

    def stop(self):
        # rdx, if q did not end it (and the pid is still rdx's)
        try:
            if self.pid and os.path.basename(os.readlink(f"/proc/{self.pid}/exe")) == "rdx":
                os.kill(self.pid, signal.SIGKILL)
        except OSError:
            pass
        if self.ctl is not None and self.ctl.poll() is None:
            self.ctl.kill()
            self.ctl.wait()
        subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", "kill-server"], env=self.env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=20)
        if self.socket_path and os.path.basename(self.socket_path) == self.socket and os.path.exists(self.socket_path):
            os.unlink(self.socket_path)  # kill-server leaves it
        shutil.rmtree(self.dir, ignore_errors=True)
