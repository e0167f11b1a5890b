"""Cold start of seed 000 from its compose file against the hand-written manifest (issue 12):
examples/channels-postgis-nginx (docker-compose.yml + docker-compose.override.yml, `stackvisor
up` with no -f: recipes for redis, postgis and nginx, the Dockerfile builds, the postgres
entrypoint) and examples/django-channels (compose.yaml: every command written out, bin/pg-init.sh
and friends), measured in the same run, interleaved (one round = each stack once).

Cold: a fresh state directory every run, so both include initdb, their init scripts and Django's
migrate (the seed's postgis image contract does more: template_postgis and four extensions in two
databases, against one extension in one). Warm: the same initialised state again, so both do the
same work and the ratio is what the compose path itself costs. The figure is the time from launching `stackvisor up` to the first 200 through nginx of
a page that reads PostgreSQL (seed: /api/advice on port 80; hand-written: /api/counter), polled
every 20 ms: the same external rule for both, whatever each prints. "all services ready" is
reported as well. Then SIGTERM, and the next run starts once every port is closed again.
The target is a ratio of medians seed / hand-written <= 1.1.

The seed listens on 80, 5432, 6379, 8000 and 8001 as its author wrote it: the caller holds
/tmp/stackvisor-e2e.lock (bench/seed_cold_start.sh). As an ordinary user port 80 needs
net.ipv4.ip_unprivileged_port_start <= 80. Prerequisites: the examples' Debian packages.
"""
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402

SEED = os.path.join(bl.ROOT, "examples", "channels-postgis-nginx")
HAND = os.path.join(bl.ROOT, "examples", "django-channels")
SEED_PORTS = [80, 5432, 6379, 8000, 8001]
HAND_PORTS = {"DB_PORT": 35432, "REDIS_PORT": 36379, "WEB_PORT": 38000, "CHANNELS_PORT": 38001,
              "HTTP_PORT": 38080}
_PASSWORDS = {}
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def answered(url):
    try:
        with _opener.open(url, timeout=2) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


def port_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


class Stack:
    """One cold run of one stack: its command, environment, working dir and the URL that
    says it serves."""

    def __init__(self, name, binary, work, run, state_key=None):
        self.name, self.binary = name, binary
        # Cold runs get a fresh state each; warm runs share one (state_key), initialised once.
        state = os.path.join(work, f"{name}-state-{run if state_key is None else state_key}")
        os.makedirs(state, exist_ok=True)
        os.chmod(state, 0o755)  # postgres and nginx's workers (as root) reach it
        env = {k: v for k, v in os.environ.items()
               if k not in ("NOTIFY_SOCKET", "STATE_DIR", "PGDATA", "PGHOST", "COMPOSE_FILE")}
        env["STACKVISOR_RUNTIME_DIR"] = os.path.join(work, f"{name}-rt-{run}")
        if name == "seed":
            self.cwd = os.path.join(work, os.path.basename(SEED))
            self.args = []
            env["STACKVISOR_STATE_HOME"] = state
            self.url = "http://127.0.0.1/api/advice"
            self.ports = SEED_PORTS
        else:
            self.cwd = HAND
            self.args = ["-f", os.path.join(HAND, "compose.yaml"),
                         "--env-file", os.path.join(HAND, ".env.example")]
            me = pwd.getpwuid(os.getuid()).pw_name
            env.update({k: str(v) for k, v in HAND_PORTS.items()})
            env.update({"STATE_DIR": state, "DB_OS_USER": "postgres" if os.getuid() == 0 else me,
                        # One password per state directory: a warm start logs in to the cluster
                        # the first start made.
                        "POSTGRES_PASSWORD": _PASSWORDS.setdefault(state, secrets.token_hex(8)),
                        "DJANGO_SECRET_KEY": secrets.token_hex(32)})
            self.url = f"http://127.0.0.1:{HAND_PORTS['HTTP_PORT']}/api/counter"
            self.ports = list(HAND_PORTS.values())
        self.env = env
        self.log = os.path.join(work, f"{name}-up-{run}.log")

    def cold_start(self, timeout=240):
        """(seconds to the first 200, seconds to 'all services ready' or None)."""
        out = open(self.log, "w")
        t0 = time.monotonic()
        proc = subprocess.Popen([self.binary, "up", "--no-color", *self.args], env=self.env,
                                cwd=self.cwd, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        ready_at = None
        try:
            while True:
                if answered(self.url):
                    served = time.monotonic() - t0
                    break
                if ready_at is None and "all services ready" in self.text():
                    ready_at = time.monotonic() - t0
                if proc.poll() is not None or time.monotonic() - t0 > timeout:
                    sys.exit(f"{self.name}: no 200 from {self.url}; see {self.log}\n"
                             + self.text()[-3000:])
                time.sleep(0.02)
            if ready_at is None:
                deadline = time.monotonic() + 30
                while "all services ready" not in self.text() and time.monotonic() < deadline:
                    time.sleep(0.02)
                if "all services ready" in self.text():
                    ready_at = time.monotonic() - t0
        finally:
            bl.terminate(proc, timeout=60)
        deadline = time.monotonic() + 30
        while any(port_open(p) for p in self.ports):
            if time.monotonic() > deadline:
                sys.exit(f"{self.name}: ports still open 30 s after the stop: "
                         f"{[p for p in self.ports if port_open(p)]}")
            time.sleep(0.05)
        return served, ready_at

    def text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def db_healthy(self):
        """Seconds from db's start to its first healthy, as `up` reported it, or None: where
        the two stacks' database work (initdb, init scripts, the postgis contract) differs."""
        m = re.search(r"\bdb: healthy after (\d+) ms", self.text())
        return int(m.group(1)) / 1000 if m else None


def main():
    p = bl.parser(__doc__.splitlines()[0], runs=5)
    args = p.parse_args()
    binary = bl.stackvisor_bin(args.bin)
    if os.getuid() != 0:
        with open("/proc/sys/net/ipv4/ip_unprivileged_port_start") as f:
            if int(f.read()) > 80:
                sys.exit("seed_cold_start: seed 000's nginx listens on 80: run as root or set "
                         "net.ipv4.ip_unprivileged_port_start=80")
    busy = [p for p in SEED_PORTS + list(HAND_PORTS.values()) if port_open(p)]
    if busy:
        sys.exit(f"seed_cold_start: ports already in use: {busy}")
    work = tempfile.mkdtemp(prefix="sv-bench-seed-")
    os.chmod(work, 0o755)
    # The seed runs in a copy (same directory name, so the same project): never in the checkout.
    shutil.copytree(SEED, os.path.join(work, os.path.basename(SEED)),
                    ignore=shutil.ignore_patterns("__pycache__", "media"))
    results = bl.Results("seed_cold_start", args.json)
    served = {"seed": [], "hand": []}
    ready = {"seed": [], "hand": []}
    db = {"seed": [], "hand": []}
    warm = {"seed": [], "hand": []}
    try:
        for run in range(args.runs):
            for name in ("seed", "hand"):
                stack = Stack(name, binary, work, run)
                s, r = stack.cold_start()
                served[name].append(s)
                if stack.db_healthy() is not None:
                    db[name].append(stack.db_healthy())
                if r is not None:
                    ready[name].append(r)
                bl.log(f"run {run + 1}/{args.runs} {name}: first 200 after {s:.2f} s"
                       + (f", all services ready after {r:.2f} s" if r is not None else ""))
        # Warm: the same state again (databases initialised, volumes filled), so both stacks do
        # the same work and the figure is what stackvisor adds on the compose path: recipes,
        # Dockerfile reads, container views. The first start of each initialises, untimed.
        for name in ("seed", "hand"):
            Stack(name, binary, work, "init", state_key="warm").cold_start()
        for run in range(args.runs):
            for name in ("seed", "hand"):
                s, r = Stack(name, binary, work, f"warm{run}", state_key="warm").cold_start()
                warm[name].append(s)
                bl.log(f"warm run {run + 1}/{args.runs} {name}: first 200 after {s:.2f} s")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            bl.log(f"kept {work}")
    ratio = bl.med(served["seed"]) / bl.med(served["hand"])
    rows = []
    for name, label in (("seed", "seed 000 compose files"), ("hand", "django-channels manifest")):
        rows.append([label, bl.fmt_stat(served[name]), bl.fmt_stat(ready[name]) if ready[name]
                     else "-", bl.fmt_stat(db[name]) if db[name] else "-",
                     bl.fmt_stat([a - b for a, b in zip(served[name], db[name])])
                     if len(db[name]) == len(served[name]) else "-"])
        results.add("cold start to first 200 through nginx", label, "seconds", "s", served[name])
    rows.append(["ratio seed / hand-written (target <= 1.1)", f"{ratio:.2f}", "", "", ""])
    results.add("cold start to first 200 through nginx", "seed / hand-written", "ratio", "x",
                [ratio], target=1.1, passed=ratio <= 1.1)
    bl.print_table(f"cold start, fresh state, medians of {args.runs} runs [min-max]",
                   ["stack", "first 200 s", "all services ready s", "db start to healthy s",
                    "first 200 - db healthy s"], rows)
    warm_ratio = bl.med(warm["seed"]) / bl.med(warm["hand"])
    for name, label in (("seed", "seed 000 compose files"), ("hand", "django-channels manifest")):
        results.add("warm start to first 200 through nginx", label, "seconds", "s", warm[name])
    results.add("warm start to first 200 through nginx", "seed / hand-written", "ratio", "x",
                [warm_ratio])
    bl.print_table(f"warm start, initialised state, medians of {args.runs} runs [min-max]",
                   ["stack", "first 200 s"],
                   [["seed 000 compose files", bl.fmt_stat(warm["seed"])],
                    ["django-channels manifest", bl.fmt_stat(warm["hand"])],
                    ["ratio seed / hand-written", f"{warm_ratio:.2f}"]])
    results.save({"runs": args.runs})
    bl.log(f"ratio {ratio:.2f} ({'PASS' if ratio <= 1.1 else 'MISS'}: target <= 1.1)")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    main()
