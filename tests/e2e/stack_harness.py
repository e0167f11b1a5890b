"""Helpers for the end-to-end test of examples/django-channels: run `stackvisor up` as a child,
collect and parse its output, wait on conditions with deadlines, and talk to the stack (HTTP,
websockets, psql). Python 3 standard library plus Debian's python3-websockets only."""
import asyncio
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "django-channels"
PYTHON = "/usr/bin/python3"  # Debian's interpreter: it sees python3-django & co.

EVENT_RE = re.compile(r"^(?:\S+Z )?stackvisor\s+\| ([\w.-]+): (.*)$")
READY_RE = re.compile(r"^(?:\S+Z )?stackvisor\s+\| all services ready\s*$")
STARTED_RE = re.compile(r"^started \(pid (\d+)\)")
NAMESPACE_RE = re.compile(r"^(?:\S+Z )?stackvisor\s+\| containment: PID namespace")


class Failure(AssertionError):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def wait_until(what, predicate, timeout, interval=0.05, context=None, gone=None):
    """Polls predicate() until it returns something truthy (returned) or the deadline passes.
    gone(), checked at every poll the predicate did not hold, says why it never can (say,
    stackvisor exited) or returns None: then this fails at once instead of at the deadline.
    It is separate from predicate because predicate's own errors are retried."""
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            result = predicate()
            if result:
                return result
        except Exception as exc:  # the condition may raise until it holds
            last_error = exc
        reason = gone() if gone else None
        if reason:
            detail = f" (last error: {last_error!r})" if last_error else ""
            extra = ("\n" + context()) if context else ""
            raise Failure(f"gave up waiting for {what}: {reason}{detail}{extra}")
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error!r})" if last_error else ""
            extra = ("\n" + context()) if context else ""
            raise Failure(f"timed out after {timeout} s waiting for {what}{detail}{extra}")
        time.sleep(interval)


class Up:
    """One `stackvisor up` child: its own session, stdout+stderr merged and collected by a
    thread, every line kept with the monotonic time it arrived."""

    def __init__(self, binary, args, env, log_path, user=None, echo=False, cwd=ROOT,
                 global_args=()):
        self.lines = []  # (monotonic time, text)
        self.lock = threading.Lock()
        self.log = open(log_path, "w")
        self.echo = echo
        kwargs = {}
        if user is not None:
            pw = pwd.getpwnam(user)
            kwargs = dict(user=pw.pw_uid, group=pw.pw_gid,
                          extra_groups=os.getgrouplist(pw.pw_name, pw.pw_gid))
        self.started_at = time.monotonic()
        # setpriv --pdeathsig: if this test dies (even by SIGKILL, e.g. a ctest timeout),
        # stackvisor gets SIGTERM and stops the stack instead of outliving the test.
        self.proc = subprocess.Popen(
            # global_args before `up`: compose's form, `-f a.yml -f b.yml up` (seed 004).
            ["setpriv", "--pdeathsig", "TERM", "--", str(binary), *global_args, "up",
             "--no-color", *args],
            cwd=str(cwd), env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True, **kwargs)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in iter(self.proc.stdout.readline, b""):
            text = raw.decode(errors="replace").rstrip("\n")
            with self.lock:
                self.lines.append((time.monotonic(), text))
            self.log.write(f"{time.monotonic() - self.started_at:8.3f} {text}\n")
            self.log.flush()
            if self.echo:
                print("    " + text, flush=True)

    def snapshot(self):
        with self.lock:
            return list(self.lines)

    def tail(self, n=80):
        return "--- last stackvisor output ---\n" + "\n".join(t for _, t in self.snapshot()[-n:])

    def events(self):
        """stackvisor's own lines as (index, time, service, message)."""
        out = []
        for i, (t, text) in enumerate(self.snapshot()):
            m = EVENT_RE.match(text)
            if m:
                out.append((i, t, m.group(1), m.group(2)))
        return out

    def find(self, service, prefix, after=-1):
        """First own event of service whose message starts with prefix, after line index."""
        for i, t, svc, msg in self.events():
            if i > after and svc == service and msg.startswith(prefix):
                return i, t, msg
        return None

    def service_lines(self, service):
        pat = re.compile(r"^(?:\S+Z )?" + re.escape(service) + r"\s+\| ?(.*)$")
        return [m.group(1) for _, text in self.snapshot() if (m := pat.match(text))]

    def pids(self):
        """Every pid stackvisor reported starting, by service, as host pids. When the stack runs
        in its own PID namespace (an ordinary user), the pids printed are the namespace's: those
        of processes still there are translated, those gone are left out (a namespace pid is
        never used as a host pid: as root, that would signal some unrelated process)."""
        in_namespace = any(NAMESPACE_RE.match(text) for _, text in self.snapshot())
        host = namespace_pids(self.proc.pid) if in_namespace else {}
        out = {}
        for _, _, svc, msg in self.events():
            m = STARTED_RE.match(msg)
            if m:
                pid = int(m.group(1))
                if in_namespace and pid not in host:
                    continue
                out.setdefault(svc, []).append(host.get(pid, pid))
        return out

    def gone(self):
        """Why nothing more can be waited for from this stackvisor, or None while it runs."""
        rc = self.proc.poll()
        if rc is None:
            return None
        self.reader.join(5)  # its last lines are what explain the exit
        return f"stackvisor exited with {rc}"

    def wait_ready(self, timeout):
        def ready():
            for i, (t, text) in enumerate(self.snapshot()):
                if READY_RE.match(text):
                    return i, t
            return None
        return wait_until("'stackvisor | all services ready'", ready, timeout,
                          context=self.tail, gone=self.gone)

    def wait_event(self, service, prefix, timeout, after=-1):
        return wait_until(f"'{service}: {prefix}'", lambda: self.find(service, prefix, after),
                          timeout, context=self.tail, gone=self.gone)

    def stop(self, timeout=30, sig=signal.SIGTERM):
        """Sends sig to stackvisor only (not its services) and waits for its exit."""
        t = time.monotonic()
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise Failure(f"stackvisor still running {timeout} s after {sig.name}\n" + self.tail())
        self.reader.join(5)
        return rc, time.monotonic() - t

    def kill(self):
        """Cleanup path: make sure stackvisor and everything it started are gone."""
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(20)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                pass
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        for pids in self.pids().values():
            for pid in pids:
                if pid_alive(pid):
                    try:
                        os.killpg(pid, signal.SIGKILL)
                    except OSError:
                        pass
        self.reader.join(5)
        self.proc.stdout.close()
        self.log.close()


def stage_for_user(user, binary):
    """Copies the stackvisor binary and the example into a fresh directory owned by user, for
    a run as that user: the checkout may be out of its reach (a clone in /root, mode 0700).
    Like a clone in the user's own 0700 home, the copy is private to it. Returns (top dir,
    binary, example); the caller removes top. The checkout's modes are never changed."""
    pw = pwd.getpwnam(user)
    top = Path(tempfile.mkdtemp(prefix=f"sv-e2e-{user}-checkout-", dir="/tmp"))
    example = top / "examples" / "django-channels"
    shutil.copytree(EXAMPLE, example, ignore=shutil.ignore_patterns(
        ".env", ".state", "__pycache__", "compose.override.yaml"))
    staged_binary = top / "stackvisor"
    shutil.copy2(binary, staged_binary)
    for path in [top, *top.rglob("*")]:
        os.lchown(path, pw.pw_uid, pw.pw_gid)
    return top, staged_binary, example


def _nspid(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("NSpid:"):
                    return line.split()[1:]
    except OSError:
        pass
    return []


def namespace_pids(outer):
    """{pid inside a PID namespace nested under `outer`: host pid} for outer's live subtree."""
    by_parent = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            by_parent.setdefault(ppid, []).append(int(name))
    depth, out, todo = len(_nspid(outer)), {}, [outer]
    while todo:
        for child in by_parent.get(todo.pop(), []):
            ids = _nspid(child)
            if len(ids) > depth:
                out[int(ids[-1])] = child
            todo.append(child)
    return out


def pid_alive(pid):
    """True for a live process (a zombie is dead, whoever has to reap it)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def processes_with_env(marker):
    """Pids of live processes whose environment contains marker (e.g. STATE_DIR=/tmp/x):
    every process of the stack inherits stackvisor's environment, postgres backends included."""
    found = []
    needle = marker.encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                env = f.read().split(b"\0")
        except OSError:
            continue
        if needle in env and pid_alive(int(entry)):
            try:
                cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                cmd = "?"
            found.append((int(entry), cmd.strip()))
    return found


def process_name(pid):
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def port_open(port, host="127.0.0.1"):
    try:
        socket.create_connection((host, port), timeout=0.5).close()
        return True
    except OSError:
        return False


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # ignore http_proxy


def http_get(url, timeout=5):
    """(status, headers, body text); HTTP errors are returned, not raised."""
    try:
        with _opener.open(url, timeout=timeout) as r:
            return r.status, r.headers, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode(errors="replace")


def ws_broadcast(url, origin, token, publish_cmd=None, publish_env=None, timeout=10,
                 example=EXAMPLE):
    """Two clients on url: a message sent by one reaches the other (through the Redis group);
    then, if publish_cmd is given, a message published by that separate process reaches both.
    Returns the number of messages checked."""
    import websockets  # Debian's python3-websockets

    async def recv_text(ws, text):
        while True:
            msg = await ws.recv()
            if f'"text": "{text}"' in msg:
                return msg

    async def run():
        async with websockets.connect(url, origin=origin, open_timeout=5) as a, \
                websockets.connect(url, origin=origin, open_timeout=5) as b:
            for ws in (a, b):  # "welcome" arrives once the group membership exists
                check('"welcome"' in await asyncio.wait_for(ws.recv(), timeout), "no welcome")
            await a.send(token)
            await asyncio.wait_for(recv_text(b, token), timeout)
            await asyncio.wait_for(recv_text(a, token), timeout)  # the sender is in the group too
            if not publish_cmd:
                return 2
            published = token + "-published"
            proc = await asyncio.create_subprocess_exec(
                *publish_cmd, published, cwd=str(example), env=publish_env,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
            out, _ = await asyncio.wait_for(proc.communicate(), 30)
            check(proc.returncode == 0, f"publish failed: {out.decode(errors='replace')}")
            await asyncio.wait_for(recv_text(a, published), timeout)
            await asyncio.wait_for(recv_text(b, published), timeout)
            return 4

    return asyncio.run(run())
