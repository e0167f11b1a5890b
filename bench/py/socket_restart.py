"""Zero-downtime restarts (issue 13): the example stack (examples/django-channels) behind nginx,
200 requests/s to /health (nginx -> gunicorn) for 20 s while `stackvisor restart web` runs 5
times, counting failed requests, in two modes measured in the same run, one after the other:

  sockets    compose.yaml as shipped: web's socket is stackvisor's (x-stackvisor.sockets), passed
             to each gunicorn as fd 3, so connections wait in the backlog during a restart;
  no-sockets an override resets x-stackvisor.sockets: gunicorn binds --bind itself (today's
             behaviour without socket activation), so a restart leaves the port closed.

Every request is a fresh connection, sent on schedule whatever the latency (open loop, see
http_load.py); a request fails on a non-200 (nginx's 502 when the upstream refuses) or on an
error or after --timeout (30 s). Requests still in flight when the 20 s end are waited for.
The stack uses its own ports (BENCH_*_PORT to change them, defaults below), its own state dir
(initdb once, reused by the second mode), and `flock /tmp/stackvisor-e2e.lock` is the caller's
(bench/socket_restart.sh). Prerequisites: the example's Debian packages (scripts/install-deps.sh).
"""
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402
from http_load import HttpLoad  # noqa: E402

EXAMPLE = os.path.join(bl.ROOT, "examples", "django-channels")
PORTS = {"DB_PORT": 25432, "REDIS_PORT": 26379, "WEB_PORT": 28000, "CHANNELS_PORT": 28001,
         "HTTP_PORT": 28080}
NO_SOCKETS = """services:
  web:
    x-stackvisor:
      sockets: !reset []
"""


class Stack:
    def __init__(self, binary, work, state, mode, secrets_, workers):
        self.binary, self.mode = binary, mode
        self.files = ["-f", os.path.join(EXAMPLE, "compose.yaml")]
        if mode == "no-sockets":
            override = os.path.join(work, "no-sockets.yaml")
            with open(override, "w") as f:
                f.write(NO_SOCKETS)
            self.files += ["-f", override]
        self.files += ["--env-file", os.path.join(EXAMPLE, ".env.example")]
        me = pwd.getpwuid(os.getuid()).pw_name
        env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "STATE_DIR")}
        env.update({k: str(os.environ.get("BENCH_" + k, v)) for k, v in PORTS.items()})
        env.update({"STATE_DIR": state, "DB_OS_USER": "postgres" if os.getuid() == 0 else me,
                    "WEB_WORKERS": str(workers), **secrets_,
                    "STACKVISOR_RUNTIME_DIR": os.path.join(work, "run-" + mode)})
        self.env = env
        self.log = os.path.join(work, f"up-{mode}.log")
        self.proc = None

    def url(self):
        return f"http://127.0.0.1:{self.env['HTTP_PORT']}/health"

    def up(self, timeout=180):
        out = open(self.log, "w")
        self.proc = subprocess.Popen([self.binary, "up", *self.files], env=self.env,
                                     stdin=subprocess.DEVNULL, stdout=out,
                                     stderr=subprocess.STDOUT, cwd=EXAMPLE)
        out.close()
        deadline = time.monotonic() + timeout
        while "all services ready" not in self.text():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"{self.mode}: the stack did not become ready; see {self.log}\n"
                         + self.text()[-3000:])
            time.sleep(0.05)

    def text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def restart_web(self, timeout=60):
        """`stackvisor restart web`, then until web is healthy again (a new 'web: healthy')."""
        before = self.text().count("web: healthy")
        r = subprocess.run([self.binary, "restart", *self.files, "web"], env=self.env,
                           capture_output=True, text=True, timeout=timeout, cwd=EXAMPLE)
        if r.returncode != 0:
            sys.exit(f"{self.mode}: restart web: exit {r.returncode}: {r.stderr}")
        deadline = time.monotonic() + timeout
        while self.text().count("web: healthy") <= before:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"{self.mode}: web not healthy again after restart; see {self.log}")
            time.sleep(0.02)

    def down(self):
        bl.terminate(self.proc, timeout=30)


def measure(stack, seconds, restarts, rate, timeout):
    load = HttpLoad(stack.url(), rate=rate, timeout=timeout).start()
    t0 = time.monotonic()
    # Restarts spread over the window, the first after 1 s of steady load, each at least 2 s
    # after the last one was healthy: gunicorn 20.1 signals READY=1 before its workers are
    # forked, and a worker forked while its master handles SIGTERM misses the signal, serves on,
    # and is SIGKILLed mid-request at --graceful-timeout (a 502 that is gunicorn's, not the
    # socket's: seen once when restarts came back to back on an overloaded machine).
    healthy_at = t0
    for k in range(restarts):
        at = max(t0 + 1 + k * (seconds - 2) / restarts, healthy_at + 2)
        while time.monotonic() < at:
            time.sleep(0.01)
        stack.restart_web()
        healthy_at = time.monotonic()
    while time.monotonic() < t0 + seconds:
        time.sleep(0.05)
    load.stop()
    return load.summary()


def main():
    p = bl.parser(__doc__.splitlines()[0], runs=1)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--restarts", type=int, default=5)
    p.add_argument("--rate", type=int, default=200, help="requests per second (default 200)")
    p.add_argument("--timeout", type=float, default=30,
                   help="a request not answered within this many seconds fails (default 30; "
                        "nginx itself waits 60 s for gunicorn)")
    p.add_argument("--workers", type=int, default=4,
                   help="gunicorn workers (WEB_WORKERS, default 4: 2 sync workers serve about "
                        "200 req/s of /health on 2 busy cores, leaving no room to drain the "
                        "backlog a restart leaves)")
    args = p.parse_args()
    binary = bl.stackvisor_bin(args.bin)
    work = tempfile.mkdtemp(prefix="sv-bench-sockets-")
    state = os.path.join(work, "state")
    os.makedirs(state)
    for d in (work, state):
        os.chmod(d, 0o755)  # postgres (as root: DB_OS_USER) and nginx's workers reach it
    results = bl.Results("socket_restart", args.json)
    # One database for both modes (initialised by the first): the same credentials.
    credentials = {"POSTGRES_PASSWORD": "bench-" + secrets.token_hex(8),
                   "DJANGO_SECRET_KEY": secrets.token_hex(32)}
    rows = []
    try:
        for run in range(args.runs):
            for mode in ("sockets", "no-sockets"):
                stack = Stack(binary, work, state, mode, credentials, args.workers)
                bl.log(f"run {run + 1}/{args.runs}, {mode}: up ...")
                stack.up()
                try:
                    s = measure(stack, args.seconds, args.restarts, args.rate, args.timeout)
                finally:
                    stack.down()
                bl.log(f"  {mode}: {s}")
                rows.append([mode, s["done"], s["ok"], s["failed"],
                             ", ".join(f"{k} {v}" for k, v in sorted(s["reasons"].items())) or "-",
                             s["rate"], s["p50_ms"], s["p99_ms"], s["max_ms"]])
                results.add("restart web x%d under %d req/s" % (args.restarts, args.rate),
                            f"stackvisor ({mode})", "failed requests", "count", [s["failed"]],
                            summary=s)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            bl.log(f"kept {work}")
    bl.print_table(f"restart web x{args.restarts} during {args.seconds:g} s of {args.rate} req/s "
                   "through nginx (example stack)",
                   ["mode", "requests", "ok", "failed", "failures", "req/s", "p50 ms", "p99 ms",
                    "max ms"], rows)
    results.save({"seconds": args.seconds, "restarts": args.restarts, "rate": args.rate,
                  "timeout": args.timeout, "workers": args.workers})


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    main()
