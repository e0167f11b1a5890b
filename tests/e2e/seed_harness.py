"""What the seed-stack tests share (tests/e2e/test_seed_*.py): a seed example of examples/, run
by `stackvisor up` with no -f in (a copy of) its own directory, as root and as an ordinary user,
under the e2e lock, with the privileged-port sysctl handled for the ordinary user.

The seeds use fixed ports (80, 5432, 6379, 8000, 8001), as their authors wrote them: every run
holds /tmp/stackvisor-e2e.lock (the lock `flock /tmp/stackvisor-e2e.lock ...` takes), and a
port already taken fails the test at once instead of testing someone else's server."""
import fcntl
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stack_harness import (ROOT, Failure, Up, check, pid_alive, port_open,  # noqa: E402,F401
                           processes_with_env, wait_until)

BIN = Path(os.environ.get("STACKVISOR_BIN", ROOT / "build" / "app" / "stackvisor")).resolve()
VERBOSE = os.environ.get("E2E_VERBOSE") == "1"
LOCK = "/tmp/stackvisor-e2e.lock"
SYSCTL = Path("/proc/sys/net/ipv4/ip_unprivileged_port_start")
CGROUP_RE = re.compile(r"containment: cgroup v2 \((/sys/fs/cgroup/[^)]+)\)")


def log(msg):
    print(msg, flush=True)


soft_failures = []  # checks whose failure is reported at the end, the scenario going on


def expect(condition, message):
    """A check after which the scenario can safely go on (the stop and persistence checks
    still say something); the test fails at the end."""
    if not condition:
        soft_failures.append(message)
        log(f"  CHECK FAILED (continuing): {message.splitlines()[0][:300]}")


class E2eLock:
    """Holds /tmp/stackvisor-e2e.lock (flock(2), as flock(1) takes it) for the whole test."""

    def __init__(self, timeout=240):
        self.fd = os.open(LOCK, os.O_RDWR | os.O_CREAT, 0o666)
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise Failure(f"{LOCK} still held by another run after {timeout} s")
                time.sleep(0.2)

    def release(self):
        os.close(self.fd)


class PortSysctl:
    """net.ipv4.ip_unprivileged_port_start: read, set for a run, restored afterwards."""

    def __init__(self):
        self.original = int(SYSCTL.read_text())

    def writable(self):
        """None when it can be set, else why not."""
        if os.getuid() != 0:
            return "not root"
        try:
            SYSCTL.write_text(str(self.original))
            return None
        except OSError as exc:
            return f"{SYSCTL}: {exc.strerror}"

    def set(self, value):
        SYSCTL.write_text(str(value))

    def restore(self):
        if int(SYSCTL.read_text()) != self.original:
            SYSCTL.write_text(str(self.original))


class SeedRun:
    """One user's runs of one seed example: a private copy of the example directory (same
    name, so the same project name; the checkout is never written to, and may be out of the
    user's reach), the state home, the API socket directory, an environment marker that every
    process of the stack inherits when stackvisor passes its environment on."""

    def __init__(self, example, label, user):
        self.label, self.user = label, user
        pw = pwd.getpwnam(user)
        self.uid, self.gid = pw.pw_uid, pw.pw_gid
        self.top = Path(tempfile.mkdtemp(prefix=f"sv-seed-{label}-", dir="/tmp"))
        self.top.chmod(0o755)  # as root, services drop to postgres/nginx: they must reach it
        self.example = self.top / example.name
        shutil.copytree(example, self.example, symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__", "media"))
        self.state_home = self.top / "state"
        self.state_home.mkdir()
        self.runtime = self.top / "rt"
        self.marker = f"SV_SEED_E2E={self.top}"
        self.run_as = user if self.uid != os.getuid() else None
        self.binary = BIN
        if self.run_as:
            self.binary = self.top / "stackvisor"
            shutil.copy2(BIN, self.binary)
            # The build-tree binary reads the checkout's recipes/, which the user cannot reach
            # when the checkout is in root's 0700 home (as CI's is): stage them with the binary,
            # as an install puts them beside it.
            self.recipes = self.top / "recipes"
            shutil.copytree(ROOT / "recipes", self.recipes, symlinks=True)
        for path in [self.top, *self.top.rglob("*")]:
            os.lchown(path, self.uid, self.gid)
        env = {k: v for k, v in os.environ.items()
               if k not in ("NOTIFY_SOCKET", "COMPOSE_FILE", "COMPOSE_PROFILES",
                            "COMPOSE_PROJECT_NAME", "PGDATA", "PGHOST", "PGPORT")}
        home = pw.pw_dir if os.path.isdir(pw.pw_dir) else str(self.top)
        env.update({"HOME": home, "USER": user, "LOGNAME": user,
                    "STACKVISOR_STATE_HOME": str(self.state_home),
                    "STACKVISOR_RUNTIME_DIR": str(self.runtime),
                    "SV_SEED_E2E": str(self.top)})
        if self.run_as:
            env["STACKVISOR_RECIPES_PATH"] = str(self.recipes)
        self.env = env
        self.ups = []
        self.logs = []
        self.up_args = []  # main(up_args=...): what every `up` of the seed passes
        self.global_args = []  # before the subcommand, as the seed writes its command (-f ...)

    def _user_kwargs(self):
        if not self.run_as:
            return {}
        return dict(user=self.uid, group=self.gid,
                    extra_groups=os.getgrouplist(self.run_as, self.gid))

    def up(self, name, args=None):
        """`stackvisor up` with no arguments but --no-color (and up_args, or args if given), in
        the example directory."""
        path = self.top.parent / f"{self.top.name}-{name}.log"
        self.logs.append(path)
        u = Up(self.binary, list(self.up_args if args is None else args), self.env, path,
               user=self.run_as, echo=VERBOSE, cwd=self.example, global_args=self.global_args)
        self.ups.append(u)
        return u

    def cli(self, *args, timeout=120):
        return subprocess.run([str(self.binary), *args], cwd=str(self.example), env=self.env,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout, **self._user_kwargs())

    def down(self, up, what, ports):
        """`stackvisor down` from another process; the foreground `up` must exit 0, its
        PostgreSQL must log a clean shutdown, and nothing of the stack may be left (no
        process, no cgroup member, no listening port)."""
        pids = [p for ps in up.pids().values() for p in ps]
        cgroups = [m.group(1) for _, text in up.snapshot() if (m := CGROUP_RE.search(text))]
        t = time.monotonic()
        r = self.cli(*self.global_args, "down", timeout=90)
        check(r.returncode == 0, f"{what}: down: exit {r.returncode}\n{r.stdout}{r.stderr}")
        try:
            rc = up.proc.wait(60)
        except subprocess.TimeoutExpired:
            raise Failure(f"{what}: `up` still running 60 s after `down`\n" + up.tail())
        up.reader.join(5)
        log(f"  {what}: down -> up exited {rc} in {time.monotonic() - t:.2f} s")
        check(rc == 0, f"{what}: up exited with {rc} after down\n{up.tail()}")
        db = up.service_lines("db")
        check(any("database system is shut down" in line for line in db),
              f"{what}: PostgreSQL did not log a clean shutdown\n{up.tail()}")
        alive = [p for p in pids if pid_alive(p)]
        check(not alive, f"{what}: processes still alive after down: {alive}")
        left = [(p, c) for p, c in processes_with_env(self.marker)
                if not c.startswith(str(self.binary))]
        check(not left, f"{what}: processes of the stack left after down: {left}")
        for cg in cgroups:
            try:
                members = (Path(cg) / "cgroup.procs").read_text().split()
            except FileNotFoundError:  # removed with the stack: nothing can be in it
                members = []
            check(not members, f"{what}: processes left in {cg}: {members}")
        busy = [p for p in ports if port_open(p)]
        check(not busy, f"{what}: ports still accepting connections after down: {busy}")
        return rc

    def kill_all(self):
        for u in self.ups:
            u.kill()
        self.ups = []
        for pid, _ in processes_with_env(self.marker):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    def cleanup(self, failed):
        self.kill_all()
        shutil.rmtree(self.top, ignore_errors=True)
        if failed:
            log("  stackvisor output kept in: " + " ".join(map(str, self.logs)))
        else:
            for path in self.logs:
                path.unlink(missing_ok=True)


def check_ports_free(ports):
    busy = [p for p in ports if port_open(p)]
    check(not busy, f"ports already in use: {busy}: the seed stacks need them (stop the "
          "system's postgresql/redis/nginx, or whatever listens there)")


def refused_up(run, name, what, args=None):
    """An `up` that must refuse: waits for its exit (60 s), checks that nothing was started;
    (exit code, its whole output, the Up)."""
    up = run.up(name, args)
    try:
        rc = up.proc.wait(60)
    except subprocess.TimeoutExpired:
        raise Failure(f"up did not refuse {what} within 60 s\n" + up.tail())
    up.reader.join(5)
    started = [msg for _, _, _, msg in up.events() if msg.startswith("started")]
    check(not started, f"services were started before the refusal: {started}\n{up.tail()}")
    return rc, "\n".join(t for _, t in up.snapshot()), up


def check_privileged_refusal(run, port=80, service="nginx", also=()):
    """With the sysctl at its default, an ordinary user's `up` refuses before starting anything,
    naming the service, the port (and the ports `also` lists) and the ways out."""
    rc, text, up = refused_up(run, "refusal", f"port {port} for an ordinary user")
    check(rc != 0, f"up exited 0 although {service} needs port {port}\n{up.tail()}")
    for word in (service, str(port), *map(str, also), "ip_unprivileged_port_start"):
        check(word in text, f"the refusal does not name {word!r}:\n{up.tail()}")
    return text


def dead_service(up):
    """Why waiting on the stack is pointless: stackvisor exited, or a service exited and is
    not being restarted (its last own event is the exit); else None."""
    reason = up.gone()
    if reason:
        return reason
    last = {}
    for _, _, svc, msg in up.events():
        last[svc] = msg
    dead = [f"{svc}: {msg}" for svc, msg in last.items()
            if msg.startswith("exited") or msg.startswith("failed")]
    return ", ".join(dead) or None


def wait_http(up, url, accept, timeout):
    """Polls url until accept(status, headers, body) is truthy (returned); fails at once when
    a service died for good."""
    from stack_harness import http_get

    def attempt():
        status, headers, body = http_get(url)
        return accept(status, headers, body)
    return wait_until(f"GET {url}", attempt, timeout, interval=0.25, context=up.tail,
                      gone=lambda: dead_service(up))


def plan():
    """[(label, user)]: root then the ordinary user (svtest, created if missing) as root;
    only oneself otherwise."""
    if os.getuid() != 0:
        return [("user", pwd.getpwuid(os.getuid()).pw_name)]
    name = os.environ.get("E2E_USER", "svtest")
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", name], check=True)
    return [("root", "root"), ("user", name)]


def main(example, ports, scenario, up_args=(), global_args=(), refusal=("nginx", ())):
    """Runs scenario(run) for each user of plan(), as the seed tests' main. An ordinary user
    needs port 80: the run first checks the refusal with the sysctl at its default, then sets
    it to 80 for the scenario and restores it (skipped, with the reason, if it cannot).
    up_args: what every `up` passes (seed 003: --ignore-unavailable, for its pgadmin);
    global_args go before each command (`-f a.yml -f b.yml up`); refusal is the service the
    refusal must name and its other privileged ports (caddy: 443)."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    check(BIN.exists(), f"{BIN} not found: build first or set STACKVISOR_BIN")
    start = time.monotonic()
    lock = E2eLock()
    sysctl = PortSysctl()
    failed, skipped = False, []
    try:
        check_ports_free(ports)
        for label, user in plan():
            run = SeedRun(example, label, user)
            run.up_args = list(up_args)
            run.global_args = list(global_args)
            run_failed = False
            try:
                if pwd.getpwnam(user).pw_uid != 0:
                    if sysctl.original > 80:
                        check_privileged_refusal(run, service=refusal[0], also=refusal[1])
                        log(f"[{label}] ok: port 80 refused before start, with the ways out")
                    why = sysctl.writable() if sysctl.original > 80 else None
                    if why:
                        skipped.append(f"{label}: the stack itself (sysctl not writable: {why})")
                        continue
                    if sysctl.original > 80:
                        sysctl.set(80)
                        log(f"[{label}] net.ipv4.ip_unprivileged_port_start=80 for this run")
                before = len(soft_failures)
                scenario(run)
                if len(soft_failures) == before:
                    log(f"[{label}] PASS")
            except Failure as exc:
                failed = run_failed = True
                log(f"FAIL [{label}]: {exc}")
            finally:
                sysctl.restore()
                run.cleanup(run_failed)
    finally:
        sysctl.restore()
        lock.release()
    log(f"total: {time.monotonic() - start:.1f} s")
    for s in skipped:
        log(f"SKIPPED {s}")
    for message in soft_failures:
        log(f"FAIL: {message}")
    if failed or soft_failures:
        return 1
    log("PASS")
    return 0
