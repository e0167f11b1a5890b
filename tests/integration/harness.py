"""Shared helpers for stackvisor's integration tests (python3 standard library only).

A `Stack` writes a manifest into its own temp dir, runs `stackvisor up` on it with stdout/stderr
captured line by line (with monotonic timestamps) by reader threads, and always kills the whole
process tree when the test ends. Every service gets a unique SV_TEST_TAG env var so leftovers can
be found by scanning /proc/*/environ. Waiting is always on a condition with a deadline.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
PROGS = os.path.join(HERE, "progs")
PY = "/usr/bin/python3"
BIN = os.environ.get("STACKVISOR_BIN", "/work/main/build/app/stackvisor")

# `stackvisor | web: started (pid 12)` -> ("web", "started (pid 12)")
EVENT_RE = re.compile(r"^stackvisor\s+\| ([\w][\w.-]*): (.*)$")


def prog(name):
    return os.path.join(PROGS, name)


def py(name, *args):
    """argv list running one of our helper programs."""
    return [PY, prog(name)] + [str(a) for a in args]



class Staged:
    """Copies of helper programs in a fresh directory another user can reach, removed on exit.

    A service that runs as another user (`user: nobody`) cannot read the checkout when one of
    its parents is private (a clone in /root or any 0700 home): it gets copies instead. The
    directory is made under /tmp itself (TMPDIR may be private too) with mode 0755, and the
    checkout and its parents are never chmod'ed."""

    def __init__(self, *names):
        self.names = names
        self.dir = None

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="svit-staged-", dir="/tmp")
        os.chmod(self.dir, 0o755)
        for name in self.names:
            dest = os.path.join(self.dir, name)
            shutil.copyfile(prog(name), dest)
            os.chmod(dest, 0o755)
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.dir, ignore_errors=True)

    def py(self, name, *args):
        """Like py(), for the staged copy of name."""
        return [PY, os.path.join(self.dir, name)] + [str(a) for a in args]

# ---------------------------------------------------------------------------------------------
# YAML emitter: strings are JSON-quoted (a JSON string is a valid YAML double-quoted scalar).
# Remember compose interpolation: a literal `$` in a manifest must be written `$$`.

def to_yaml(obj, indent=0):
    pad = "  " * indent
    if isinstance(obj, dict):
        if not obj:
            return pad + "{}\n"
        out = []
        for k, v in obj.items():
            if isinstance(v, (dict, list)) and v:
                out.append(f"{pad}{k}:\n{to_yaml(v, indent + 1)}")
            else:
                out.append(f"{pad}{k}: {scalar(v)}\n")
        return "".join(out)
    if isinstance(obj, list):
        if not obj:
            return pad + "[]\n"
        out = []
        for v in obj:
            if isinstance(v, (dict, list)) and v:
                body = to_yaml(v, indent + 1)
                out.append(f"{pad}- {body.lstrip()}")
            else:
                out.append(f"{pad}- {scalar(v)}\n")
        return "".join(out)
    return pad + scalar(obj) + "\n"


def scalar(v):
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, dict):
        return "{}"
    if isinstance(v, list):
        return "[]"
    return json.dumps(str(v))


# ---------------------------------------------------------------------------------------------
# /proc inspection

def proc_stat(pid):
    """(state, ppid, pgrp, session) or None if the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode("utf-8", "replace")
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    rest = data[data.rfind(")") + 2:].split()
    return rest[0], int(rest[1]), int(rest[2]), int(rest[3])


def all_pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def children_of(pid):
    out = []
    for p in all_pids():
        st = proc_stat(p)
        if st and st[1] == pid:
            out.append(p)
    return out


def descendants_of(pid):
    by_parent = {}
    for p in all_pids():
        st = proc_stat(p)
        if st:
            by_parent.setdefault(st[1], []).append(p)
    out, todo = [], [pid]
    while todo:
        for c in by_parent.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def zombies_under(pid):
    return [c for c in children_of(pid) if (proc_stat(c) or ("?",))[0] == "Z"]


def ns_pids(pid, key="NSpid"):
    """The NSpid: (or NSpgid:) line of /proc/PID/status: its pid (or process group) in each
    PID namespace, outermost first."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return line.split()[1:]
    except OSError:
        pass
    return []


def is_alive(pid):
    """True if pid exists and is not a zombie."""
    st = proc_stat(pid)
    return st is not None and st[0] not in ("Z", "X")


def pids_with_env(marker):
    """Live pids whose environment contains `marker` (e.g. b"SV_TEST_TAG=abc")."""
    if isinstance(marker, str):
        marker = marker.encode()
    out = []
    for p in all_pids():
        if p == os.getpid():
            continue
        try:
            with open(f"/proc/{p}/environ", "rb") as f:
                env = f.read().split(b"\0")
        except OSError:
            continue
        if marker in env and is_alive(p):
            out.append(p)
    return out


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
    except OSError:
        return ""


def wait_until(pred, timeout, what="condition", interval=0.02):
    """Poll pred() until truthy (returns its value) or fail with `what` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def require_binary(testcase_cls=None):
    if not os.access(BIN, os.X_OK):
        print(f"STACKVISOR_BIN {BIN} is not an executable", file=sys.stderr)
        sys.exit(1)


# ---------------------------------------------------------------------------------------------

class Stack:
    """One `stackvisor up` (or other subcommand) run over a manifest in a fresh temp dir.

    services: dict of service name -> dict (emitted as YAML; SV_TEST_TAG is added to each
    service's environment) -- or pass `yaml_text` to write the manifest verbatim. The text
    `@DIR@` anywhere in the manifest is replaced by the stack's temp dir (the project directory).
    """

    def __init__(self, services=None, yaml_text=None, args=(), subcommand="up", env=None,
                 files=None, top=None, tag_services=True, wrapper=(), manifest_name="stackvisor.yaml",
                 use_f=True):
        self.tag = "sv" + uuid.uuid4().hex[:12]
        self.marker = f"SV_TEST_TAG={self.tag}"
        self.tmp_obj = tempfile.TemporaryDirectory(prefix="svit-")
        self.dir = self.tmp_obj.name
        self.lines = []      # [(monotonic_time, text)] of stdout
        self.err_lines = []  # [(monotonic_time, text)] of stderr
        self.cond = threading.Condition()
        self.proc = None
        self.returncode = None
        self.start_time = None
        self.exit_time = None
        self.readers = []
        self.read_gate = threading.Event()  # clear it to stop reading stdout (backpressure)
        self.read_gate.set()
        if files:
            for name, content in files.items():
                path = self.path(name)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                mode = "wb" if isinstance(content, bytes) else "w"
                with open(path, mode) as f:
                    f.write(content)
        self.manifest = self.path(manifest_name)
        if yaml_text is None and services is not None:
            doc = dict(top or {})
            svc_out = {}
            for name, svc in services.items():
                svc = dict(svc)
                if tag_services:
                    envs = dict(svc.get("environment") or {})
                    envs["SV_TEST_TAG"] = self.tag
                    svc["environment"] = envs
                svc_out[name] = svc
            doc["services"] = svc_out
            yaml_text = to_yaml(doc)
        if yaml_text is not None:
            yaml_text = yaml_text.replace("@DIR@", self.dir)
            with open(self.manifest, "w") as f:
                f.write(yaml_text)
        self.yaml_text = yaml_text
        self.args = list(args)
        self.subcommand = subcommand
        self.env = dict(os.environ)
        self.env.pop("NOTIFY_SOCKET", None)
        self.env.pop("NO_COLOR", None)
        if env:
            self.env.update(env)
        self.wrapper = list(wrapper)
        self.inner_pid = None
        self.use_f = use_f

    def ensure_absent(self, service, what, seconds):
        """Assert for `seconds` that no `SERVICE: WHAT` event appears (an absence needs a window)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.has_event(service, what):
                raise AssertionError(f"unexpected event {service}: {what}\n{self.dump()}")
            time.sleep(0.02)

    def touch(self, name):
        with open(self.path(name), "w") as f:
            f.write("x")

    def path(self, name):
        return os.path.join(self.dir, name)

    # -- life cycle ----------------------------------------------------------------------------
    def start(self):
        argv = self.wrapper + [BIN]
        if self.subcommand:
            argv.append(self.subcommand)
            if self.use_f and self.yaml_text is not None:
                argv += ["-f", self.manifest]
        argv += self.args
        self.argv = argv
        self.start_time = time.monotonic()
        self.proc = subprocess.Popen(argv, cwd=self.dir, env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     start_new_session=True)
        for stream, sink in ((self.proc.stdout, self.lines), (self.proc.stderr, self.err_lines)):
            t = threading.Thread(target=self._read, args=(stream, sink), daemon=True)
            t.start()
            self.readers.append(t)
        return self

    def _read(self, stream, sink):
        for raw in iter(stream.readline, b""):
            if sink is self.lines:
                self.read_gate.wait()
            text = self._line(raw, sink)
            if text is None:
                continue
            with self.cond:
                sink.append((time.monotonic(), text))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def _line(self, raw, sink):
        """The text kept for one raw line read for `sink` (self.lines or self.err_lines), or None
        to keep nothing. Subclasses that count or rewrite lines override this."""
        text = raw.decode("utf-8", "replace")
        return text[:-1] if text.endswith("\n") else text

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()
        return False

    def cleanup(self):
        """Kill stackvisor and every tagged process; always safe to call."""
        try:
            if self.proc and self.proc.poll() is None:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                try:
                    self.proc.kill()
                except ProcessLookupError:
                    pass
            for _ in range(3):
                for p in pids_with_env(self.marker):
                    try:
                        os.kill(p, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            if self.proc:
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    pass
                for t in self.readers:
                    t.join(timeout=5)
                for stream in (self.proc.stdout, self.proc.stderr):
                    try:
                        stream.close()
                    except OSError:
                        pass
        finally:
            self.tmp_obj.cleanup()

    @property
    def pid(self):
        """stackvisor's pid: the process started, or, when it runs the stack in a PID namespace
        (an ordinary user without a writable cgroup v2), the inner stackvisor, PID 1 there,
        whose children the services are. Signals go to self.proc, which relays them."""
        if self.inner_pid is None:
            self.inner_pid = self._find_inner()
        return self.inner_pid

    def _find_inner(self):
        # The first child decides: in a namespace the outer has only the inner, one level
        # deeper; otherwise the guardian or a service, at its own level. A wrapper that stays
        # (`unshare --fork`) is not stackvisor: its child is what faultlib.sv_pid looks for.
        outer = self.proc.pid
        if self.subcommand != "up":
            return outer
        deadline = time.monotonic() + 10
        while self.proc.poll() is None and time.monotonic() < deadline:
            children = children_of(outer)
            if children:
                if os.path.basename(cmdline(outer).split(" ")[0]) != os.path.basename(BIN):
                    return outer
                nested = [c for c in children if len(ns_pids(c)) > len(ns_pids(outer))]
                return nested[0] if nested else outer
            time.sleep(0.005)
        return outer

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait_exit(self, timeout=15):
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"stackvisor did not exit within {timeout}s\n{self.dump()}")
        self.exit_time = time.monotonic()
        for t in self.readers:
            t.join(timeout=10)
        return self.returncode

    # -- output --------------------------------------------------------------------------------
    def texts(self):
        with self.cond:
            return [t for _, t in self.lines]

    def err_text(self):
        with self.cond:
            return "\n".join(t for _, t in self.err_lines)

    def dump(self, n=60):
        with self.cond:
            out = [t for _, t in self.lines][-n:]
            err = [t for _, t in self.err_lines][-20:]
        return ("--- argv: " + " ".join(getattr(self, "argv", [])) + "\n--- last stdout lines:\n"
                + "\n".join(out) + "\n--- last stderr lines:\n" + "\n".join(err))

    def find_line(self, regex, start=0):
        """First (index, time, match) of a stdout line matching regex at or after start, or None."""
        rx = re.compile(regex)
        with self.cond:
            for i in range(start, len(self.lines)):
                m = rx.search(self.lines[i][1])
                if m:
                    return i, self.lines[i][0], m
        return None

    def wait_for_line(self, regex, timeout=10, start=0):
        """Wait for a stdout line matching regex; returns (index, time, match)."""
        rx = re.compile(regex)
        deadline = time.monotonic() + timeout
        i = start
        with self.cond:
            while True:
                while i < len(self.lines):
                    m = rx.search(self.lines[i][1])
                    if m:
                        return i, self.lines[i][0], m
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                if self.proc.poll() is not None and all(not t.is_alive() for t in self.readers):
                    break
                self.cond.wait(min(left, 0.1))
        raise AssertionError(f"no stdout line matching {regex!r} within {timeout}s\n{self.dump()}")

    def event(self, service, what, timeout=10, start=0):
        """Wait for `stackvisor | SERVICE: WHAT...` (WHAT a regex)."""
        return self.wait_for_line(rf"^stackvisor\s+\| {re.escape(service)}: {what}", timeout, start)

    def has_event(self, service, what):
        return self.find_line(rf"^stackvisor\s+\| {re.escape(service)}: {what}") is not None

    def service_lines(self, name):
        """Texts of lines the service itself wrote (prefix stripped)."""
        rx = re.compile(rf"^{re.escape(name)}\s*\| (.*)$")
        out = []
        for t in self.texts():
            m = rx.match(t)
            if m:
                out.append(m.group(1))
        return out

    def started_pid(self, service, timeout=10):
        """The host pid of the service's process, from its `started (pid N)` event."""
        _, _, m = self.event(service, r"started \(pid (\d+)\)", timeout)
        return self.host_pid(int(m.group(1)))

    def host_pid(self, pid):
        """The host pid of a pid that stackvisor or a service saw (printed, or written to a
        file): the same unless the stack runs in its own PID namespace (see `pid`); there,
        None once that process is gone."""
        sv = self.pid
        if sv == self.proc.pid:
            return pid
        for p in [sv] + descendants_of(sv):
            ids = ns_pids(p)
            if len(ids) > len(ns_pids(self.proc.pid)) and int(ids[-1]) == pid:
                return p
        return None

    def seen_pgid(self, pid):
        """The process group of host process `pid` as stackvisor and its services see it."""
        if self.pid == self.proc.pid:
            return (proc_stat(pid) or (0, 0, 0))[2]
        groups = ns_pids(pid, "NSpgid")
        return int(groups[-1]) if len(groups) > len(ns_pids(self.proc.pid)) else None

    def leftovers(self):
        return pids_with_env(self.marker)

    def assert_no_leftovers(self, timeout=5):
        try:
            wait_until(lambda: not self.leftovers(), timeout, "no tagged processes left")
        except AssertionError:
            left = [(p, proc_stat(p), cmdline(p)) for p in self.leftovers()]
            raise AssertionError(f"processes left behind: {left}\n{self.dump()}")


def run(args, timeout=20, cwd=None, env=None):
    """Run stackvisor to completion; returns CompletedProcess with text output."""
    e = dict(os.environ)
    e.pop("NOTIFY_SOCKET", None)
    if env:
        e.update(env)
    return subprocess.run([BIN] + list(args), cwd=cwd, env=e, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)


def main():
    require_binary()
    unittest.main(verbosity=2)
