"""Helpers for the fault suite, on top of tests/integration/harness.py (imported, never modified).

Adds: PID-namespace wrapping (stackvisor as PID 1 via `unshare --pid --fork --mount-proc`) with
a lookup of stackvisor's host pid, /proc readings (RSS, peak RSS, fd count, CPU ticks), a Stack
whose reader can count a service's lines instead of storing them (for 200 MB floods), and the
`FIGURE name=value` lines that docs/reliability.md collects.
"""
import os
import re
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import harness as h  # noqa: E402,F401  (re-exported for the tests)

UNSHARE = ["unshare", "--pid", "--fork", "--mount-proc"]
CLK_TCK = os.sysconf("SC_CLK_TCK")
SOURCE_DIR = os.environ.get("STACKVISOR_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))


# Set by scripts/test.sh for its AddressSanitizer pass: ASan's shadow memory and quarantine
# make RSS figures meaningless, and its runtime must come first, so an LD_PRELOAD shim cannot
# load. Those assertions (and only those) are skipped there; the optimised pass makes them.
SANITIZED = os.environ.get("STACKVISOR_SANITIZED") == "1"


def assert_memory(tc, check):
    """Runs an RSS assertion unless the binary is sanitized."""
    if SANITIZED:
        print("note: RSS bound not checked under sanitizers", flush=True)
        return
    check()


def figure(name, value):
    """One grep-able result line: FIGURE name=value (collected by tests/faults/report.sh)."""
    if isinstance(value, float):
        value = f"{value:.3f}"
    print(f"FIGURE {name}={value}", flush=True)


def env_number(name, default, kind=float):
    v = os.environ.get(name)
    return kind(v) if v else default


_unshare_ok = None


def unshare_works():
    global _unshare_ok
    if _unshare_ok is None:
        try:
            r = subprocess.run(UNSHARE + ["true"], capture_output=True, timeout=10)
            _unshare_ok = r.returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            _unshare_ok = False
    return _unshare_ok


SKIP_PID1 = ("SKIP: `unshare --pid --fork --mount-proc` is not permitted here (needs root or "
             "user namespaces); the PID-1 variant is not run")

MODES = ("ordinary", "pid1")


def wrapper_for(mode):
    return UNSHARE if mode == "pid1" else []


def skip_unless_mode(tc, mode):
    if mode == "pid1" and not unshare_works():
        print(SKIP_PID1, flush=True)
        tc.skipTest(SKIP_PID1)


def sv_pid(st, timeout=10):
    """Host pid of the stackvisor process of a Stack (the child of unshare when wrapped)."""
    if not st.wrapper:
        return st.pid
    binname = os.path.basename(h.BIN)

    def find():
        for c in h.children_of(st.pid):
            argv0 = h.cmdline(c).split(" ")[0]
            if os.path.basename(argv0) == binname:
                return c
        return None
    return h.wait_until(find, timeout, "stackvisor running under unshare")


# ---------------------------------------------------------------------------------------------
# /proc readings

def status_kb(pid, key):
    """A `Key:   N kB` field of /proc/PID/status in kB, or None when the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def rss_kb(pid):
    return status_kb(pid, "VmRSS")


def peak_rss_kb(pid):
    return status_kb(pid, "VmHWM")


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def fd_targets(pid):
    out = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            out.append((int(fd), os.readlink(f"/proc/{pid}/fd/{fd}")))
        except OSError:
            pass
    return sorted(out)


def cpu_seconds(pid):
    """utime + stime of pid (all threads) in seconds."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        data = f.read().decode()
    rest = data[data.rfind(")") + 2:].split()
    return (int(rest[11]) + int(rest[12])) / CLK_TCK


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


def guardians_of(sv):
    """stackvisor's guardian child (PR_SET_NAME "stackvisor-guard", cut to 15 characters)."""
    return [c for c in h.children_of(sv) if comm(c).startswith("stackvisor-gua")]


def read_file(path):
    with open(path) as f:
        return f.read()


def live_children(pid, cmd_contains=None):
    out = []
    for c in h.children_of(pid):
        st = h.proc_stat(c)
        if not st or st[0] in ("Z", "X"):
            continue
        if cmd_contains and cmd_contains not in h.cmdline(c):
            continue
        out.append(c)
    return out


def ns_pid_map(sv):
    """{pid as seen inside stackvisor's PID namespace: host pid} for stackvisor's subtree (the
    identity map when stackvisor is an ordinary process)."""
    out = {}
    for p in [sv] + h.descendants_of(sv):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("NSpid:"):
                        out[int(line.split()[-1])] = p
                        break
        except OSError:
            pass
    return out


def zombie_count_under(pid):
    return len(h.zombies_under(pid))


def zombies_in_ns(sv):
    """Zombies anywhere in stackvisor's subtree (its namespace, when it is PID 1)."""
    n = 0
    for p in [sv] + h.descendants_of(sv):
        st = h.proc_stat(p)
        if st and st[0] == "Z":
            n += 1
    return n


# ---------------------------------------------------------------------------------------------

class CountingStack(h.Stack):
    """A Stack whose reader counts, instead of storing, the lines of services in `count_only`.

    For each such service: lines (pieces) received, payload bytes, and the longest piece. Lines of
    other services and of stackvisor are stored as usual. A plain Stack would hold a 200 MB flood
    in the test's memory.
    """

    def __init__(self, *args, count_only=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.count_only = set(count_only)
        self.counts = {n: {"lines": 0, "bytes": 0, "longest": 0, "raw": 0} for n in count_only}
        self.total_bytes = 0
        self._prefix = re.compile(rb"^([\w][\w.-]*) *\| ")

    def _line(self, raw, sink):
        if sink is self.lines:
            self.total_bytes += len(raw)
            m = self._prefix.match(raw) if self.count_only else None
            if m and m.group(1).decode() in self.count_only:
                c = self.counts[m.group(1).decode()]
                body = raw[m.end():]
                if body.endswith(b"\n"):
                    body = body[:-1]
                with self.cond:
                    c["lines"] += 1
                    c["bytes"] += len(body)
                    c["raw"] += len(raw)
                    c["longest"] = max(c["longest"], len(body))
                    self.cond.notify_all()
                return None
        return super()._line(raw, sink)




def main():
    h.require_binary()
    unittest.main(verbosity=2)
