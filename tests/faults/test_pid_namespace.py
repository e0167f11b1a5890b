"""Issue 10 item 3 for an ordinary user (no writable cgroup v2): `stackvisor up` runs the stack
as PID 1 of its own PID namespace (in a user namespace mapping the uid to itself), and the
process the user started stays outside as a relay. SIGKILL of that process takes every
service's process along within 2 s, `env -i`, setsid and double-fork escapees included; a
SIGTERM to it stops the stack cleanly (exit 0, nothing left); a Ctrl-C on the terminal stops
gracefully once (the relay does not forward terminal signals: the inner has them already);
the exit code of `--exit-code-from`, and 128+N of a killed inner, pass through the relay.
As root (cgroup v2 is used there) the stacks run as the ordinary user `svtest` (created if
missing), with the binary staged in a directory that user owns."""
import fcntl
import json
import os
import pty
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import termios
import threading
import time
import unittest
import uuid

import faultlib as fl
from faultlib import h
from test_containment import PID_FILES, SERVICES

LIMIT_S = 2.0
USER = os.environ.get("PIDNS_TEST_USER", "svtest")
NS_RX = r"^stackvisor\s+\| containment: PID namespace \(user namespace; no writable cgroup v2: "
TRAP = "trap 'echo got TERM; exit 0' TERM; echo waiting; while :; do sleep 0.1; done"


def ensure_user():
    if os.getuid() != 0:
        return None
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", USER], check=True)
    return pwd.getpwnam(USER)


class Run:
    """One `stackvisor up` of the staged binary, as the ordinary user, in its own session; its
    output on a pipe or, with tty=True, on a pty whose slave is its controlling terminal."""

    def __init__(self, tc, services, args=(), tty=False):
        self.pw = ensure_user()
        self.dir = tempfile.mkdtemp(prefix="sv-pidns-", dir="/tmp")
        tc.addCleanup(shutil.rmtree, self.dir, True)
        self.tag = "SV_PIDNS_TAG=" + uuid.uuid4().hex
        text = json.dumps({"services": services}).replace("@DIR@", self.dir)
        with open(os.path.join(self.dir, "stackvisor.yaml"), "w") as f:
            f.write(text)
        binary = os.path.join(self.dir, "stackvisor")
        shutil.copy2(h.BIN, binary)
        kwargs = {}
        if self.pw:
            for p in [self.dir] + [os.path.join(self.dir, n) for n in os.listdir(self.dir)]:
                os.chown(p, self.pw.pw_uid, self.pw.pw_gid)
            kwargs = dict(user=self.pw.pw_uid, group=self.pw.pw_gid, extra_groups=[])
        env = {"PATH": "/usr/bin:/bin", "HOME": self.dir, self.tag.split("=")[0]:
               self.tag.split("=")[1]}
        env.update({k: v for k, v in os.environ.items() if k.endswith("SAN_OPTIONS")})
        self.lines, self.lock = [], threading.Lock()
        argv = [binary, "up", "--no-color", *args]
        if tty:
            master, slave = pty.openpty()
            self.proc = subprocess.Popen(
                argv, cwd=self.dir, env=env, stdin=slave, stdout=slave, stderr=slave,
                start_new_session=True, preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
                **kwargs)
            os.close(slave)
            self.master = master
            reader = lambda: self._read_fd(master)
        else:
            self.master = None
            self.proc = subprocess.Popen(argv, cwd=self.dir, env=env, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                         start_new_session=True, **kwargs)
            reader = lambda: self._read_fd(self.proc.stdout.fileno())
        tc.addCleanup(self.cleanup)
        self.reader = threading.Thread(target=reader, daemon=True)
        self.reader.start()

    def _read_fd(self, fd):
        buf = b""
        while True:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the pty's last slave closed
                chunk = b""
            if not chunk:
                break
            buf += chunk
            *done, buf = buf.split(b"\n")
            with self.lock:
                self.lines += [d.decode(errors="replace").rstrip("\r") for d in done]

    def path(self, name):
        return os.path.join(self.dir, name)

    def output(self):
        with self.lock:
            return "\n".join(self.lines)

    def find(self, rx):
        with self.lock:
            return next((l for l in self.lines if re.search(rx, l)), None)

    def wait_line(self, rx, timeout=10):
        return h.wait_until(lambda: self.find(rx) or (self.proc.poll() is not None and
                                                      self.fail_exited(rx)), timeout, rx)

    def fail_exited(self, rx):
        raise AssertionError(f"stackvisor exited ({self.proc.returncode}) before {rx!r}:\n"
                             + self.output())

    def wait_exit(self, timeout):
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"stackvisor still running after {timeout}s:\n" + self.output())
        self.reader.join(5)  # the output is complete once the inner and the services are gone
        return code

    def tree(self):
        """Every process under the outer stackvisor, with its pid inside the namespace."""
        return fl.ns_pid_map(self.proc.pid)

    def tagged(self):
        return h.pids_with_env(self.tag)

    def cleanup(self):
        for p in [self.proc.pid] + h.descendants_of(self.proc.pid) + self.tagged():
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(5)
        self.reader.join(5)  # EOF once every holder of the pipe or pty is gone
        if self.master is not None:
            os.close(self.master)
        else:
            self.proc.stdout.close()


def unprivileged_pid_namespaces():
    pw = ensure_user()
    kwargs = dict(user=pw.pw_uid, group=pw.pw_gid, extra_groups=[]) if pw else {}
    try:
        return subprocess.run(["unshare", "--user", "--pid", "--fork", "--mount-proc", "true"],
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=10,
                              **kwargs).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


class PidNamespace(unittest.TestCase):

    def setUp(self):
        if not unprivileged_pid_namespaces():
            self.skipTest("SKIP: unprivileged user + PID namespaces are not permitted here")

    def start_escapees(self, run, require_ns=True):
        if require_ns:  # a build without it fails here: the containment line says otherwise
            run.wait_line(NS_RX)
        for name in PID_FILES:
            h.wait_until(lambda n=name: os.path.exists(run.path(n)), 10, f"{name} written")
        tree = run.tree()
        escapees = {n[:-4]: tree[int(fl.read_file(run.path(n)).strip())] for n in PID_FILES}
        for name, pid in escapees.items():
            self.assertTrue(h.is_alive(pid), f"{name} escapee running")
        return escapees

    def test_sigkill_of_the_outer_takes_everything(self):
        run = Run(self, SERVICES)
        # Not awaited first, so that a build without the namespace fails on the survivors.
        escapees = self.start_escapees(run, require_ns=False)
        inner = [p for p in h.children_of(run.proc.pid) if h.is_alive(p)]
        t0 = time.monotonic()
        os.kill(run.proc.pid, signal.SIGKILL)
        alive = lambda: ([n for n, p in escapees.items() if h.is_alive(p)] +
                         [f"inner {p}" for p in inner if h.is_alive(p)] +
                         [f"tagged {p}" for p in run.tagged()])
        try:
            h.wait_until(lambda: not alive(), LIMIT_S, "every process of the stack gone")
        except AssertionError:
            self.fail(f"alive {LIMIT_S}s after SIGKILL of the stackvisor the user started: "
                      f"{alive()}")
        fl.figure("containment_pidns_sigkill_all_gone_s", time.monotonic() - t0)
        self.assertIsNotNone(run.find(NS_RX), run.output())

    def test_sigterm_stops_cleanly(self):
        run = Run(self, SERVICES)
        escapees = self.start_escapees(run)
        os.kill(run.proc.pid, signal.SIGTERM)
        self.assertEqual(run.wait_exit(10), 0, run.output())
        self.assertIsNotNone(run.find(r"SIGTERM received"), run.output())
        h.wait_until(lambda: not [p for p in escapees.values() if h.is_alive(p)], LIMIT_S,
                     "no escapee left after a clean stop")
        self.assertEqual(run.tagged(), [])

    def test_ctrl_c_stops_gracefully_once(self):
        run = Run(self, {"a": {"command": ["sh", "-c", TRAP]}}, tty=True)
        run.wait_line(NS_RX)
        run.wait_line(r"^a\s+\| waiting$")
        os.write(run.master, b"\x03")  # the terminal sends SIGINT to the foreground group
        code = run.wait_exit(10)
        out = run.output()
        self.assertIsNotNone(run.find(r"SIGINT received; press Ctrl\+C again"), out)
        self.assertIsNotNone(run.find(r"^a\s+\| got TERM$"), out)
        self.assertIsNone(run.find(r"killing every service now"), out)
        self.assertIsNone(run.find(r"already stopping"), out)
        self.assertIn(code, (0, 130), out)

    def test_exit_code_from_passes_through(self):
        run = Run(self, {"a": {"command": ["sh", "-c", "sleep 0.5; exit 7"]},
                         "b": {"command": ["sleep", "1000"]}}, args=["--exit-code-from", "a"])
        run.wait_line(NS_RX)
        self.assertEqual(run.wait_exit(15), 7, run.output())
        self.assertEqual(run.tagged(), [])

    def test_killed_inner_exit_code(self):
        run = Run(self, {"a": {"command": ["sleep", "1000"]}})
        run.wait_line(NS_RX)
        inner = h.wait_until(lambda: h.children_of(run.proc.pid), 10, "inner stackvisor")[0]
        os.kill(inner, signal.SIGKILL)
        self.assertEqual(run.wait_exit(10), 128 + signal.SIGKILL, run.output())
        h.wait_until(lambda: not run.tagged(), LIMIT_S, "the stack gone with its PID 1")


if __name__ == "__main__":
    fl.main()
