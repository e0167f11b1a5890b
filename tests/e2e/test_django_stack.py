#!/usr/bin/python3
"""End-to-end test of examples/django-channels run by stackvisor (issue 3, steps 1-9).

    python3 tests/e2e/test_django_stack.py            # STACKVISOR_BIN defaults to build/app/stackvisor

Drives the real stack (PostgreSQL + PostGIS, Redis, gunicorn, daphne, nginx) through nginx:
1. `up` reaches "all services ready", and stackvisor's own started/healthy/completed lines
   respect every dependency and condition of the manifest (nginx last);
2. HTTP through nginx: the DB counter increments, a static file (and a media file) comes from
   nginx itself, /health answers, PostGIS works and the initdb.d seed data is there (view + psql);
3. websockets through nginx -> daphne -> Redis: a client receives another client's message and
   one published by a separate process (`manage.py publish`);
4. kill -9 of the gunicorn master: restarted, HTTP passes again, no other service restarted;
5. kill -9 of redis: restarted, websockets work again;
6. SIGTERM to stackvisor: reverse-dependency stop, PostgreSQL shuts down cleanly, nothing left
   (by pid, by environment marker, by port), exit code 0;
7. `up` again: the data is still there and PostgreSQL did not need recovery;
8. all of the above as an ordinary user too (created as `svtest` when run as root); that user
   runs a copy of the binary and the example private to it, since the checkout may be out of
   its reach (a clone in /root); root runs the checkout's own, wherever it is (issue 9);
9. the dev shape (compose.dev.yaml): HTTP and websockets both answered by daphne;
10. against the live stack (issue 11): `exec web python3 manage.py check` and `run --rm migrate`
   (its dependency db already healthy) exit 0 with Django's own answers;
11. socket activation (issue 13): 100 requests/s through nginx while `restart web` runs twice:
   gunicorn's socket is stackvisor's, so not one request fails (no refused connection, no 502).
Every wait has a deadline; stackvisor and its processes are killed and state removed on exit.

Environment: STACKVISOR_BIN, E2E_USER (ordinary user, default svtest), E2E_KEEP_STATE=1,
E2E_VERBOSE=1 (echo stackvisor's output), E2E_DB_PORT / E2E_REDIS_PORT / E2E_WEB_PORT /
E2E_CHANNELS_PORT / E2E_HTTP_PORT (defaults differ from the example's, so a running demo
does not disturb the test).
"""
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stack_harness import (EXAMPLE, PYTHON, ROOT, Failure, Up, check, http_get,  # noqa: E402
                           pid_alive, port_open, process_name, processes_with_env,
                           stage_for_user, wait_until, ws_broadcast)

sys.path.insert(0, str(ROOT / "bench" / "py"))
from http_load import HttpLoad  # noqa: E402

BIN = Path(os.environ.get("STACKVISOR_BIN", ROOT / "build" / "app" / "stackvisor")).resolve()
PORTS = {
    "DB_PORT": int(os.environ.get("E2E_DB_PORT", 55532)),
    "REDIS_PORT": int(os.environ.get("E2E_REDIS_PORT", 56479)),
    "WEB_PORT": int(os.environ.get("E2E_WEB_PORT", 18000)),
    "CHANNELS_PORT": int(os.environ.get("E2E_CHANNELS_PORT", 18001)),
    "HTTP_PORT": int(os.environ.get("E2E_HTTP_PORT", 18080)),
}
# Manifests of each shape, in the example directory the run uses (the checkout's, or a copy).
PROD = ["compose.yaml"]
DEV = ["compose.yaml", "compose.dev.yaml"]
VERBOSE = os.environ.get("E2E_VERBOSE") == "1"
# Variables of the caller's environment that would change the stack under test: everything
# .env.example sets, and what the example's scripts read.
INHERITED_IGNORED = {
    line.split("=", 1)[0].lstrip("#").strip()
    for line in (EXAMPLE / ".env.example").read_text().splitlines() if "=" in line
} | {"NOTIFY_SOCKET", "COMPOSE_PROFILES", "PGDATA", "PGPORT", "PGHOST", "STATIC_ROOT",
     "STACKVISOR_POSTGRES_INITDB_DIR", "POSTGRES_PASSWORD_FILE", "POSTGRES_USER_FILE",
     "POSTGRES_DB_FILE", "POSTGRES_INITDB_ARGS_FILE", "POSTGRES_HOST_AUTH_METHOD",
     "MEDIA_ROOT", "POSTGRES_INITDB_ARGS", "DJANGO_SETTINGS_MODULE", "DJANGO_LOG_LEVEL"}

# service -> [(dependency, event that must come first)], as compose.yaml declares them.
PROD_DEPS = {
    "db": [("state", "completed")],
    "redis": [("state", "completed")],
    "migrate": [("db", "healthy")],
    "collectstatic": [("state", "completed")],
    "web": [("migrate", "completed"), ("redis", "healthy")],
    "channels": [("migrate", "completed"), ("redis", "healthy")],
    "nginx-conf": [("state", "completed")],
    "nginx": [("nginx-conf", "completed"), ("collectstatic", "completed"),
              ("web", "healthy"), ("channels", "healthy")],
}
LONG_RUNNING = ["db", "redis", "web", "channels", "nginx"]
# (dependent, dependency): the dependent must be stopped before the dependency starts stopping.
STOP_ORDER = [("nginx", "web"), ("nginx", "channels"), ("web", "redis"), ("channels", "redis"),
              ("web", "db"), ("channels", "db")]
DEV_SERVICES = {"state", "db", "redis", "migrate", "web"}

timings = []  # (label, seconds)
soft_failures = []  # failed checks after which the scenario can safely go on


def expect(condition, message):
    """A check whose failure is reported at the end but does not stop the scenario (ordering
    checks: the later steps still say something useful)."""
    if not condition:
        soft_failures.append(message)
        log(f"  CHECK FAILED (continuing): {message.splitlines()[0]}")


def log(msg):
    print(msg, flush=True)


def record(label, seconds):
    timings.append((label, seconds))
    log(f"  timing: {label}: {seconds:.2f} s")


class Run:
    """Everything one user's scenario needs: the state dir, the environment, the ports."""

    def __init__(self, label, user):
        self.label, self.user = label, user
        self.state = Path(tempfile.mkdtemp(prefix=f"sv-e2e-{label}-"))
        # As root, postgres and nginx's workers (nobody) must reach the state directory.
        self.state.chmod(0o755)
        pw = pwd.getpwnam(user)
        if os.getuid() == 0:
            os.chown(self.state, pw.pw_uid, pw.pw_gid)
        self.db_os_user = "postgres" if pw.pw_uid == 0 else user
        # Another user gets its own copy of the binary and the example (see stage_for_user);
        # root runs the checkout's, wherever it is: the example must not need it reachable.
        self.run_as = user if pw.pw_uid != os.getuid() else None
        self.staged = None
        self.binary, self.example, self.cwd = BIN, EXAMPLE, ROOT
        if self.run_as:
            self.staged, self.binary, self.example = stage_for_user(user, BIN)
            self.cwd = self.staged
        self.password = secrets.token_hex(12)
        env = {k: v for k, v in os.environ.items() if k not in INHERITED_IGNORED}
        env.update({k: str(v) for k, v in PORTS.items()})
        env.update({
            "STATE_DIR": str(self.state),
            "DB_OS_USER": self.db_os_user,
            "POSTGRES_PASSWORD": self.password,
            "DJANGO_SECRET_KEY": secrets.token_hex(32),
            "POSTGRES_USER": "app", "POSTGRES_DB": "app",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "HOME": pw.pw_dir if os.path.isdir(pw.pw_dir) else str(self.state),
            "USER": user, "LOGNAME": user,
        })
        # The API socket (exec, run) in a directory of this run, not in the example's.
        env["STACKVISOR_RUNTIME_DIR"] = f"{self.state}-rt"
        self.env = env
        self.ups = []
        self.base = f"http://127.0.0.1:{PORTS['HTTP_PORT']}"

    def up(self, files, name):
        args = [a for f in files for a in ("-f", str(self.example / f))]
        args += ["--env-file", str(self.example / ".env.example")]
        u = Up(self.binary, args, self.env, self.state.parent / f"{self.state.name}-{name}.log",
               user=self.run_as, echo=VERBOSE, cwd=self.cwd)
        self.ups.append(u)
        return u

    def cli(self, files, *args, timeout=120):
        """`stackvisor ARGS...` on this run's project, as the run's user, to completion."""
        load = [a for f in files for a in ("-f", str(self.example / f))]
        load += ["--env-file", str(self.example / ".env.example")]
        kwargs = {}
        if self.run_as:
            pw = pwd.getpwnam(self.run_as)
            kwargs = dict(user=pw.pw_uid, group=pw.pw_gid,
                          extra_groups=os.getgrouplist(pw.pw_name, pw.pw_gid))
        verb, rest = args[0], list(args[1:])
        return subprocess.run([str(self.binary), verb, *load, *rest], cwd=str(self.cwd),
                              env=self.env, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=timeout, **kwargs)

    def django_env(self):
        env = dict(self.env)
        env.update({"POSTGRES_USER": "app", "POSTGRES_DB": "app", "POSTGRES_HOST": "127.0.0.1",
                    "POSTGRES_PORT": str(PORTS["DB_PORT"]),
                    "REDIS_URL": f"redis://127.0.0.1:{PORTS['REDIS_PORT']}/0"})
        return env

    def kill_processes(self):
        """Stops every stackvisor of this run and kills whatever of the stack is left;
        returns what had to be killed besides stackvisor's own shutdown."""
        for u in self.ups:
            u.kill()
        self.ups = []
        left = processes_with_env(f"STATE_DIR={self.state}")
        for pid, _ in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        return left

    def cleanup(self):
        left = self.kill_processes()
        if os.environ.get("E2E_KEEP_STATE") == "1":
            log(f"  state kept in {self.state}")
        else:
            shutil.rmtree(self.state, ignore_errors=True)
        shutil.rmtree(f"{self.state}-rt", ignore_errors=True)
        if self.staged:
            shutil.rmtree(self.staged, ignore_errors=True)
        return left

    def logs(self):
        return sorted(self.state.parent.glob(f"{self.state.name}-*.log"))


# ---- step 1 ---------------------------------------------------------------------------------

def check_start_order(up, deps, expected_services):
    first = {}  # (service, kind) -> line index of its first such event
    for i, _, svc, msg in up.events():
        for kind, prefix in (("started", "started"), ("healthy", "healthy"),
                             ("completed", "completed successfully")):
            if msg.startswith(prefix):
                first.setdefault((svc, kind), i)
    started = {svc for (svc, kind) in first if kind == "started"}
    check(started == expected_services,
          f"started services {sorted(started)} != expected {sorted(expected_services)}")
    for svc, needs in deps.items():
        if svc not in expected_services:
            continue
        for dep, kind in needs:
            check((dep, kind) in first, f"{dep} never {kind}")
            expect(first[(dep, kind)] < first[(svc, "started")],
                   f"{svc} started before {dep} was {kind}")
    if "nginx" in expected_services:
        last = max(i for (svc, kind), i in first.items() if kind == "started")
        expect(first[("nginx", "started")] == last, "nginx is not the last service started")


# ---- step 2 ---------------------------------------------------------------------------------

def counter(url):
    status, _, body = http_get(url)
    check(status == 200, f"GET {url}: {status} {body[:200]}")
    return json.loads(body)


def check_http(run):
    base = run.base
    a = counter(base + "/api/counter")
    b = counter(base + "/api/counter")
    check(b["count"] == a["count"] + 1, f"counter did not increment: {a} then {b}")
    check(b["server"] == "wsgi", f"/api/counter not served by gunicorn: {b}")

    status, headers, body = http_get(base + "/static/counter/app.css")
    check(status == 200 and "stackvisor-example-static" in body, f"static file: {status} {body[:100]}")
    check(headers.get("X-Served-By") == "nginx", "static file not served by nginx itself")
    media = run.state / "media" / "e2e.txt"
    media.write_text("media-ok\n")
    media.chmod(0o644)
    status, headers, body = http_get(base + "/media/e2e.txt")
    check(status == 200 and body == "media-ok\n" and headers.get("X-Served-By") == "nginx",
          f"media file: {status} {body!r}")

    status, _, body = http_get(base + "/health")
    check(status == 200 and body == "ok", f"/health: {status} {body!r}")

    status, _, body = http_get(base + "/api/places")
    check(status == 200, f"/api/places: {status} {body[:300]}")
    places = json.loads(body)
    check(places["postgis_version"].startswith("3."), f"postgis_version: {places}")
    names = sorted(p["name"] for p in places["places"])
    check(names == ["Berlin", "London", "Paris"], f"seed data: {names}")

    out = subprocess.run(
        ["psql", "-X", "-At", "-h", "127.0.0.1", "-p", str(PORTS["DB_PORT"]), "-U", "app",
         "-d", "app", "-c", "SELECT postgis_version(), (SELECT count(*) FROM places), "
         "obj_description('places'::regclass)"],
        env={**run.env, "PGPASSWORD": run.password, "PGCONNECT_TIMEOUT": "5"},
        capture_output=True, text=True, timeout=20)
    check(out.returncode == 0, f"psql: {out.stderr}")
    version, count, comment = out.stdout.strip().split("|")
    check(version.startswith("3.") and count == "3" and "initdb.d" in comment,
          f"psql: {out.stdout!r}")
    return b["count"]


# ---- step 3 ---------------------------------------------------------------------------------

def check_ws(run, port, token):
    url = f"ws://127.0.0.1:{port}/ws/"
    return ws_broadcast(url, f"http://127.0.0.1:{port}", token,
                        publish_cmd=[PYTHON, "manage.py", "publish"],
                        publish_env=run.django_env(), example=run.example)


# ---- step 10 --------------------------------------------------------------------------------

def check_exec_run(run):
    t = time.monotonic()
    r = run.cli(PROD, "exec", "web", PYTHON, "manage.py", "check")
    check(r.returncode == 0 and "System check identified no issues" in r.stdout,
          f"exec web manage.py check: exit {r.returncode}\n{r.stdout}{r.stderr}")
    record(f"{run.label}: exec web manage.py check", time.monotonic() - t)
    t = time.monotonic()
    r = run.cli(PROD, "run", "--rm", "migrate")
    check(r.returncode == 0 and "No migrations to apply" in r.stdout,
          f"run --rm migrate: exit {r.returncode}\n{r.stdout}{r.stderr}")
    record(f"{run.label}: run --rm migrate (db healthy already)", time.monotonic() - t)


# ---- step 11 --------------------------------------------------------------------------------

def check_restart_under_load(run, up, restarts=2, rate=100):
    """Requests through nginx to gunicorn while `restart web` runs: none may fail, because the
    listening socket is stackvisor's and outlives each gunicorn (x-stackvisor.sockets)."""
    t = time.monotonic()
    load = HttpLoad(run.base + "/health", rate=rate).start()
    try:
        for _ in range(restarts):
            mark = len(up.snapshot()) - 1
            old = up.pids()["web"][-1]
            r = run.cli(PROD, "restart", "web")
            check(r.returncode == 0, f"restart web: exit {r.returncode}\n{r.stdout}{r.stderr}")
            i, _, msg = up.wait_event("web", "started", 60, after=mark)
            check(f"pid {old})" not in msg, f"web 'restarted' with the old pid: {msg}")
            up.wait_event("web", "healthy", 60, after=i)
    finally:
        load.stop()
    summary = load.summary()
    record(f"{run.label}: {restarts} x restart web under {rate} req/s "
           f"({summary['ok']} ok, {summary['failed']} failed, max {summary['max_ms']} ms)",
           time.monotonic() - t)
    check(summary["failed"] == 0 and summary["ok"] > 0,
          f"requests failed during restart web: {summary}")
    return summary


# ---- steps 4 and 5 --------------------------------------------------------------------------

def kill_and_recover(up, service, recovered, timeout=30):
    """kill -9 the service's main process; wait until stackvisor started it again, it is
    healthy, and recovered() holds; check that no other service was restarted."""
    old = up.pids()[service][-1]
    mark = len(up.snapshot()) - 1
    t = time.monotonic()
    os.kill(old, signal.SIGKILL)
    i, _, msg = up.wait_event(service, "started", timeout, after=mark)
    check(f"pid {old})" not in msg, f"{service} 'restarted' with the old pid: {msg}")
    up.wait_event(service, "healthy", timeout, after=i)
    wait_until(f"{service} to work again", recovered, timeout, interval=0.2, context=up.tail,
               gone=up.gone)
    record(f"kill -9 {service} -> restarted, healthy and working", time.monotonic() - t)
    others = [(svc, msg) for j, _, svc, msg in up.events()
              if j > mark and svc != service and msg.startswith("started")]
    check(not others, f"other services restarted after kill -9 {service}: {others}")


# ---- step 6 ---------------------------------------------------------------------------------

def stop_and_check(run, up, what):
    mark = len(up.snapshot()) - 1
    pids = [p for ps in up.pids().values() for p in ps]
    rc, seconds = up.stop()
    record(f"{what}: SIGTERM -> stackvisor exited (ordered stop)", seconds)
    check(rc == 0, f"stackvisor exit code {rc} after SIGTERM\n{up.tail()}")
    index = {}
    for i, _, svc, msg in up.events():
        if i > mark:
            for kind in ("stopping", "stopped"):
                if msg.startswith(kind):
                    index.setdefault((svc, kind), i)
    running = [s for s in LONG_RUNNING if any(s == svc for svc, _ in index)]
    for dependent, dependency in STOP_ORDER:
        if dependent not in running or dependency not in running:
            continue
        check((dependent, "stopped") in index, f"no '{dependent}: stopped' line")
        begin = index.get((dependency, "stopping"), index.get((dependency, "stopped")))
        expect(index[(dependent, "stopped")] < begin,
               f"{what}: {dependency} began stopping before {dependent} was stopped")
    db = up.service_lines("db")
    check(any("database system is shut down" in line for line in db),
          "PostgreSQL did not log a clean shutdown")
    alive = [p for p in pids if pid_alive(p)]
    check(not alive, f"processes still alive after stop: {alive}")
    # Every process of the stack inherits STATE_DIR from stackvisor's environment. stackvisor's
    # own guardian process (comm "stackvisor-guar[d]", see procs/guardian.h) is designed to
    # outlive it by a moment to kill stragglers: give it a bounded grace, report how long.
    left = processes_with_env(f"STATE_DIR={run.state}")
    services_left = [(p, c) for p, c in left if not process_name(p).startswith("stackvisor-gua")]
    check(not services_left, f"processes of the stack left after stop: {services_left}")
    if left:
        t = time.monotonic()
        wait_until("stackvisor's guardian to exit", lambda: not processes_with_env(
            f"STATE_DIR={run.state}"), 2.0, interval=0.01)
        log(f"  note: stackvisor's guardian outlived stackvisor by {time.monotonic() - t:.3f} s+")
    busy = [name for name, port in PORTS.items() if port_open(port)]
    check(not busy, f"ports still accepting connections after stop: {busy}")


# ---- scenarios ------------------------------------------------------------------------------

def prod_scenario(run):
    log(f"[{run.label}] up (first run: initdb, PostGIS, seed data)")
    up = run.up(PROD, "up1")
    _, t_ready = up.wait_ready(180)
    record(f"{run.label}: first up -> all services ready (includes initdb)", t_ready - up.started_at)
    check_start_order(up, PROD_DEPS, set(PROD_DEPS) | {"state"})
    log(f"[{run.label}] step 1 ok: ready, start order respects dependencies")

    count = check_http(run)
    log(f"[{run.label}] step 2 ok: counter={count}, static, media, health, PostGIS, seed data")
    n = check_ws(run, PORTS["HTTP_PORT"], f"hello-{run.label}")
    log(f"[{run.label}] step 3 ok: websocket broadcast through nginx ({n} messages)")

    check_exec_run(run)
    log(f"[{run.label}] step 10 ok: exec web manage.py check, run --rm migrate")

    summary = check_restart_under_load(run, up)
    log(f"[{run.label}] step 11 ok: restart web under load, {summary['ok']} requests, none failed")

    def http_ok():
        return counter(run.base + "/api/counter")["count"] > count
    kill_and_recover(up, "web", http_ok)
    log(f"[{run.label}] step 4 ok: gunicorn master killed and restarted, nothing else restarted")

    def ws_ok():
        return check_ws(run, PORTS["HTTP_PORT"], f"after-redis-{run.label}") == 4
    kill_and_recover(up, "redis", ws_ok)
    log(f"[{run.label}] step 5 ok: redis killed and restarted, websockets work again")

    count = counter(run.base + "/api/counter")["count"]
    stop_and_check(run, up, run.label)
    log(f"[{run.label}] step 6 ok: ordered stop, clean PostgreSQL shutdown, nothing left, exit 0")

    up2 = run.up(PROD, "up2")
    _, t_ready = up2.wait_ready(60)
    record(f"{run.label}: second up (warm) -> all services ready", t_ready - up2.started_at)
    after = counter(run.base + "/api/counter")["count"]
    check(after == count + 1, f"counter not persisted: {count} before the stop, {after} after")
    db = up2.service_lines("db")
    check(not any("not properly shut down" in line or "automatic recovery" in line for line in db),
          "PostgreSQL needed recovery:\n" + "\n".join(db))
    check(any("database system was shut down at" in line for line in db),
          "PostgreSQL did not report a clean previous shutdown:\n" + "\n".join(db))
    check(not any("PostgreSQL init process complete" in line for line in db)
          and any("Skipping initialization" in line for line in db),
          "the postgres entrypoint initialised the cluster again:\n" + "\n".join(db))
    stop_and_check(run, up2, f"{run.label} (second run)")
    log(f"[{run.label}] step 7 ok: data persisted ({after}), no recovery needed")


def dev_scenario(run):
    log(f"[{run.label}] dev shape (compose.yaml + compose.dev.yaml)")
    up = run.up(DEV, "dev")
    _, t_ready = up.wait_ready(180)
    record(f"{run.label}: dev up -> all services ready", t_ready - up.started_at)
    check_start_order(up, PROD_DEPS, DEV_SERVICES)
    web = f"http://127.0.0.1:{PORTS['WEB_PORT']}"
    c = counter(web + "/api/counter")
    check(c["server"] == "asgi", f"dev /api/counter not served by daphne: {c}")
    status, _, body = http_get(web + "/static/counter/app.css")
    check(status == 200 and "stackvisor-example-static" in body, f"dev static: {status}")
    check_ws(run, PORTS["WEB_PORT"], f"dev-{run.label}")
    check(not port_open(PORTS["HTTP_PORT"]) and not port_open(PORTS["CHANNELS_PORT"]),
          "nginx or channels port open in the dev shape")
    stop_and_check(run, up, f"{run.label} dev")
    log(f"[{run.label}] step 9 ok: dev shape, HTTP and websockets answered by daphne")


def ensure_user(name):
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", name], check=True)
        log(f"created user {name}")


def main():
    # A SIGTERM (ctest, CI cancel) must still run the `finally` clean-ups.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    check(BIN.exists(), f"{BIN} not found: build first or set STACKVISOR_BIN")
    start = time.monotonic()
    me = pwd.getpwuid(os.getuid()).pw_name
    plan = []  # (label, user, with dev shape)
    if os.getuid() == 0:
        ordinary = os.environ.get("E2E_USER", "svtest")
        ensure_user(ordinary)
        plan = [("root", "root", True), ("user", ordinary, False)]
    else:
        plan = [("user", me, True)]
    busy = [f"{name}={port}" for name, port in PORTS.items() if port_open(port)]
    check(not busy, f"ports already in use: {busy} (set E2E_*_PORT)")
    failed = False
    for label, user, dev in plan:
        run = Run(label, user)
        failures_before = len(soft_failures)
        run_failed = False
        try:
            # The dev shape reuses the initialised state (and runs even if prod failed).
            for scenario in [prod_scenario] + ([dev_scenario] if dev else []):
                try:
                    scenario(run)
                except Failure as exc:
                    failed = run_failed = True
                    log(f"FAIL [{label}] {scenario.__name__}: {exc}")
                    left = run.kill_processes()
                    if left:
                        log(f"  cleanup killed leftover processes: {left}")
        finally:
            left = run.cleanup()
            if left:
                log(f"  cleanup killed leftover processes: {left}")
            if run_failed or len(soft_failures) > failures_before:
                log("  stackvisor output kept in: " + " ".join(map(str, run.logs())))
            else:
                for path in run.logs():
                    path.unlink()
    log("timings:")
    for label, seconds in timings:
        log(f"  {seconds:7.2f} s  {label}")
    log(f"total: {time.monotonic() - start:.1f} s")
    for message in soft_failures:
        log(f"FAIL: {message}")
    if failed or soft_failures:
        return 1
    log("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
