"""Shared helpers of the stackvisor benchmarks: locating binaries, compiling the C helpers,
reading /proc, statistics, tables and the JSON results run-all.sh turns into docs/benchmarks.md.

Python 3 standard library only (Debian 12's /usr/bin/python3).
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(BENCH_DIR)
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


# ---------------------------------------------------------------------------------------------
# Command line shared by every bench

def parser(description, runs=5):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", runs)),
                   help=f"runs per tool (default {runs}, or $BENCH_RUNS)")
    p.add_argument("--bin", default=None,
                   help="stackvisor binary (default $STACKVISOR_BIN, else build-bench/app/stackvisor, else "
                        "the newest build*/app/stackvisor)")
    p.add_argument("--json", default=None, help="append machine-readable results to this file")
    p.add_argument("--keep", action="store_true", help="keep the work directory (outputs, manifests)")
    return p


def stackvisor_bin(explicit=None):
    cand = explicit or os.environ.get("STACKVISOR_BIN")
    if cand:
        if not os.access(cand, os.X_OK):
            sys.exit(f"stackvisor binary not executable: {cand}")
        return os.path.abspath(cand)
    preferred = os.path.join(ROOT, "build-bench", "app", "stackvisor")
    if os.access(preferred, os.X_OK):
        return preferred
    found = []
    for d in os.listdir(ROOT):
        for rel in ("app/stackvisor", "stackvisor"):
            p = os.path.join(ROOT, d, rel)
            if d.startswith("build") and os.access(p, os.X_OK) and os.path.isfile(p):
                found.append((os.path.getmtime(p), p))
    if not found:
        sys.exit("no stackvisor binary: build it (cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release"
                 " && cmake --build build --target stackvisor) or pass --bin / $STACKVISOR_BIN")
    return max(found)[1]


def require(tool):
    path = shutil.which(tool)
    if path is None:
        print(f"  ({tool} not installed: run bench/install-peers.sh; skipping it)", file=sys.stderr)
    return path


class WorkDir:
    """A scratch directory (outputs of 100 MB land here: under /tmp by default, $BENCH_TMP to move)."""

    def __init__(self, name, keep=False):
        base = os.environ.get("BENCH_TMP") or None
        self.path = tempfile.mkdtemp(prefix=f"stackvisor-bench-{name}-", dir=base)
        self.keep = keep

    def __call__(self, *parts):
        return os.path.join(self.path, *parts)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.keep:
            print(f"  work directory kept: {self.path}")
        else:
            shutil.rmtree(self.path, ignore_errors=True)


def build_helpers():
    """Compiles bench/src/*.c once (cached by source mtime) and returns {name: path}."""
    out_dir = os.path.join(os.environ.get("BENCH_TMP") or tempfile.gettempdir(),
                           f"stackvisor-bench-bin-{os.getuid()}")
    os.makedirs(out_dir, exist_ok=True)
    cc = os.environ.get("CC", "cc")
    progs = {}
    src_dir = os.path.join(BENCH_DIR, "src")
    for name in sorted(os.listdir(src_dir)):
        if not name.endswith(".c"):
            continue
        src = os.path.join(src_dir, name)
        exe = os.path.join(out_dir, name[:-2])
        if not os.path.exists(exe) or os.path.getmtime(exe) < os.path.getmtime(src):
            subprocess.run([cc, "-O2", "-Wall", "-o", exe + ".tmp", src], check=True)
            os.replace(exe + ".tmp", exe)
        progs[name[:-2]] = exe
    return progs


# ---------------------------------------------------------------------------------------------
# /proc

def cpu_ticks(pid):
    """utime + stime of the process (all its threads, live or exited), children excluded."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def status_kb(pid, key):
    """A 'kB' field of /proc/PID/status (VmRSS, VmHWM, RssAnon, RssFile); None if unavailable."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return None


def children(pid):
    """Direct children of pid (every thread's), from /proc/PID/task/TID/children."""
    kids = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    kids.extend(int(x) for x in f.read().split())
            except FileNotFoundError:
                pass
    except FileNotFoundError:
        pass
    return kids


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except (FileNotFoundError, ProcessLookupError):
        return None


class ChildCounter:
    """Counts processes named `name` among the children (depth 1) or grandchildren (depth 2)
    of a pid. A pid confirmed once stays counted (names change only at exec, and a forked child
    still carries its parent's name until then)."""

    def __init__(self, root, name="sleep", depth=1):
        self.root, self.name, self.depth = root, name, depth
        self.seen = set()

    def count(self):
        level = [self.root]
        for _ in range(self.depth):
            nxt = []
            for p in level:
                nxt.extend(children(p))
            level = nxt
        for p in level:
            if p not in self.seen and comm(p) == self.name:
                self.seen.add(p)
        return len(self.seen)

    def wait_for(self, n, timeout, poll=0.0005):
        """Returns the monotonic time at which n were seen, or raises TimeoutError."""
        deadline = time.monotonic() + timeout
        while True:
            if self.count() >= n:
                return time.monotonic()
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {len(self.seen)} of {n} '{self.name}' processes after {timeout}s")
            time.sleep(poll)


class HwmSampler:
    """Samples VmHWM (a high-water mark, so the last sample is the peak so far) every `period`
    seconds on a thread until stop(); the kernel drops it when the process exits, hence sampling."""

    def __init__(self, pid, period=0.01):
        self.pid, self.period = pid, period
        self.peak_kb = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        while not self._stop.is_set():
            v = status_kb(self.pid, "VmHWM")
            if v is not None:
                self.peak_kb = max(self.peak_kb, v)
            self._stop.wait(self.period)

    def stop(self):
        v = status_kb(self.pid, "VmHWM")
        if v is not None:
            self.peak_kb = max(self.peak_kb, v)
        self._stop.set()
        self._t.join()
        return self.peak_kb


def wait_own_cpu(popen, timeout=None):
    """Waits for popen's process to exit WITHOUT reaping it (waitid WNOWAIT), reads the
    zombie's /proc/PID/stat utime+stime -- its own CPU, all threads, children excluded: what it
    reaped itself is in cutime/cstime, which wait4's rusage would have added -- then reaps it.
    Returns (exit_time_monotonic, own_cpu_seconds, returncode)."""
    # Blocking, not polled: a 1 ms polling loop here would take CPU from the very run it
    # measures (the raw baseline waits without polling). A watchdog enforces the timeout.
    watchdog = None
    expired = threading.Event()
    if timeout is not None:
        def expire():
            expired.set()
            popen.kill()
        watchdog = threading.Timer(timeout, expire)
        watchdog.daemon = True
        watchdog.start()
    try:
        os.waitid(os.P_PID, popen.pid, os.WEXITED | os.WNOWAIT)
    finally:
        if watchdog:
            watchdog.cancel()
    if expired.is_set():
        popen.wait()
        raise TimeoutError(f"pid {popen.pid} still running after {timeout}s")
    t = time.monotonic()
    ticks = cpu_ticks(popen.pid)
    rc = popen.wait()
    return t, ticks / TICK, rc


def terminate(popen, timeout=20):
    """SIGTERM, then SIGKILL after timeout; never leaves the process unreaped."""
    if popen.poll() is not None:
        return
    try:
        popen.send_signal(signal.SIGTERM)
        popen.wait(timeout)
    except subprocess.TimeoutExpired:
        popen.kill()
        popen.wait()


def wait_file(path, timeout, poll=0.001):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} not created within {timeout}s")
        time.sleep(poll)


def wait_line(path, needle, timeout, poll=0.001):
    """Waits until the text file contains `needle`; returns the monotonic time it was seen."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with open(path, "rb") as f:
                if needle.encode() in f.read():
                    return time.monotonic()
        except FileNotFoundError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{needle!r} not in {path} within {timeout}s")
        time.sleep(poll)


# ---------------------------------------------------------------------------------------------
# Configuration files of the tools

def write_manifest(path, services):
    """JSON is YAML: the manifest is written as JSON so no YAML emitter is needed."""
    with open(path, "w") as f:
        json.dump({"services": services}, f, indent=1)


def write_supervisord_conf(path, workdir, programs):
    """programs: {name: {key: value}} merged over settings that make supervisord behave like a
    plain foreground supervisor: no auto-restart, 'running' at once, its own log off stdout."""
    lines = ["[supervisord]", "nodaemon=true", "silent=true", "loglevel=warn",
             f"logfile={os.path.join(workdir, 'supervisord.log')}",
             f"pidfile={os.path.join(workdir, 'supervisord.pid')}",
             f"childlogdir={workdir}"]
    if os.getuid() == 0:
        lines.append("user=root")  # otherwise supervisord logs a CRIT about running as root
    for name, opts in programs.items():
        base = {"autostart": "true", "autorestart": "false", "startsecs": "0",
                "stdout_logfile": "/dev/stdout", "stdout_logfile_maxbytes": "0",
                "redirect_stderr": "true", "stopsignal": "TERM"}
        base.update(opts)
        lines.append(f"[program:{name}]")
        lines.extend(f"{k}={v}" for k, v in base.items())
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


# ---------------------------------------------------------------------------------------------
# Statistics, tables, results

def med(values):
    return statistics.median(values) if values else float("nan")


def fmt_stat(values, digits=2, scale=1.0):
    """'median [min-max]' of a list of numbers."""
    if not values:
        return "n/a"
    v = [x * scale for x in values]
    f = f"{{:.{digits}f}}"
    if len(v) == 1:
        return f.format(v[0])
    return f"{f.format(statistics.median(v))} [{f.format(min(v))}-{f.format(max(v))}]"


def print_table(title, header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    print()
    print(title)
    print("  " + "  ".join(str(h).ljust(w) for h, w in zip(header, widths)))
    print("  " + "  ".join("-" * w for w in widths))
    for r in rows:
        print("  " + "  ".join(str(c).ljust(w) for c, w in zip(r, widths)))
    sys.stdout.flush()


class Results:
    """Collects every measured series; save() appends them to the --json file for run-all."""

    def __init__(self, bench, json_path):
        self.bench, self.json_path = bench, json_path
        self.records = []

    def add(self, workload, tool, metric, unit, values, **extra):
        rec = {"bench": self.bench, "workload": workload, "tool": tool, "metric": metric,
               "unit": unit, "values": list(values)}
        if values:
            rec.update(median=statistics.median(values), min=min(values), max=max(values))
        rec.update(extra)
        self.records.append(rec)
        return rec

    def save(self, meta=None):
        if not self.json_path:
            return
        data = {"records": [], "meta": {}}
        if os.path.exists(self.json_path):
            with open(self.json_path) as f:
                data = json.load(f)
        data["records"].extend(self.records)
        data["meta"].setdefault(self.bench, {}).update(meta or {})
        with open(self.json_path, "w") as f:
            json.dump(data, f, indent=1)


def log(msg):
    print(msg, flush=True)
