"""Issue 11: `up -d` (and --wait, --wait-timeout) runs the stack as a daemon and returns once it
is ready (or says why not); `down` stops it and waits until it is gone; -p names the project.

Each test has its own project directory and STACKVISOR_RUNTIME_DIR; every service carries the
test's SV_TEST_TAG, so whatever is left is found in /proc and killed when the test ends.
"""
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


class Project:
    """A manifest in a fresh directory and the commands run on it (each to completion)."""

    def __init__(self, services):
        self.tag = "sv" + uuid.uuid4().hex[:12]
        self.marker = f"SV_TEST_TAG={self.tag}"
        self.dir = tempfile.mkdtemp(prefix="svdetach-")
        self.runtime = os.path.join(self.dir, "rt")
        out = {}
        for name, svc in services.items():
            svc = dict(svc)
            svc["environment"] = dict(svc.get("environment") or {}, SV_TEST_TAG=self.tag)
            out[name] = svc
        self.manifest = os.path.join(self.dir, "stackvisor.yaml")
        with open(self.manifest, "w") as f:
            f.write(h.to_yaml({"services": out}))
        self.env = dict(os.environ, STACKVISOR_RUNTIME_DIR=self.runtime)
        self.env.pop("NOTIFY_SOCKET", None)

    def run(self, *args, timeout=30, runtime=None):
        env = self.env if runtime is None else dict(self.env, STACKVISOR_RUNTIME_DIR=runtime)
        start = time.monotonic()
        # The daemon must not keep our pipes: run() returning at all proves it let them go.
        proc = subprocess.run([h.BIN, args[0], "-f", self.manifest] + list(args[1:]),
                              cwd=self.dir, env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout)
        proc.elapsed = time.monotonic() - start
        return proc

    def log(self, runtime=None):
        try:
            with open(os.path.join(runtime or self.runtime, "stackvisor.log")) as f:
                return f.read()
        except OSError:
            return ""

    def daemon_pid(self, runtime=None):
        with open(os.path.join(runtime or self.runtime, "daemon.pid")) as f:
            return int(f.read().split()[0])

    def pids(self):
        return h.pids_with_env(self.marker)

    def wait_for_pids(self, count):
        pids = h.wait_until(lambda: (lambda found: found if len(found) == count else None)(
            sorted(self.pids())), 10, f"{count} tagged service processes")
        return pids

    def cleanup(self):
        for runtime in (self.runtime, self.runtime + "-b"):
            if os.path.exists(os.path.join(runtime, "lock")):
                subprocess.run([h.BIN, "down", "-f", self.manifest, "-t", "1"], cwd=self.dir,
                               env=dict(self.env, STACKVISOR_RUNTIME_DIR=runtime),
                               capture_output=True, timeout=30)
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)

    def describe(self, proc):
        return (f"rc={proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}\n"
                f"log:\n{self.log()}")


LONG = {"command": ["sh", "-c", "echo web listening; exec sleep 1000"]}


class Detach(unittest.TestCase):

    def project(self, services):
        p = Project(services)
        self.addCleanup(p.cleanup)
        return p

    def test_up_d_returns_once_ready_and_leaves_the_stack_running(self):
        p = self.project({
            "web": LONG,
            "slow": {"command": ["sh", "-c", "sleep 0.5; touch ready; echo slow ready; "
                                 "exec sleep 1000"],
                     "healthcheck": {"test": ["CMD", "test", "-e", "ready"],
                                     "interval": "100ms"}},
        })
        up = p.run("up", "-d")
        self.assertEqual(up.returncode, 0, p.describe(up))
        self.assertRegex(up.stdout, r"(?m)^web\s+running$")
        # "(healthy)" once the Plan reports health (h11); running already means ready.
        self.assertRegex(up.stdout, r"(?m)^slow\s+running( \(healthy\))?$")
        self.assertTrue(os.path.exists(os.path.join(p.dir, "ready")), "returned before ready")
        # The command has returned; the services and the daemon still run (a service reported
        # running may still be between fork and exec, without its tag yet: hence the wait).
        p.wait_for_pids(2)
        self.assertTrue(h.is_alive(p.daemon_pid()))
        h.wait_until(lambda: re.search(r"(?m)^slow\s+\| slow ready$", p.log()), 10,
                     "slow's line in stackvisor.log")
        self.assertRegex(p.log(), r"(?m)^web\s+\| web listening$")
        self.assertEqual(os.stat(os.path.join(p.runtime, "stackvisor.log")).st_mode & 0o777,
                         0o600)

    def test_failing_one_shot_fails_up_d_with_its_last_line(self):
        p = self.project({
            "web": dict(LONG, depends_on={
                "migrate": {"condition": "service_completed_successfully"}}),
            "cache": LONG,
            "migrate": {"command": ["sh", "-c", "echo applying 0001; sleep 0.3; "
                                    "echo 'relation missing'; exit 3"], "restart": "no"},
        })
        up = p.run("up", "-d")
        self.assertEqual(up.returncode, 1, p.describe(up))
        # With PlanOptions::stay_up the stack stays and the API names the failed service; a
        # Plan that ends the stack instead leaves the daemon's death and its log's end.
        self.assertRegex(up.stderr, r"service migrate failed: .*code 3|migrate: exited with code 3",
                         p.describe(up))
        self.assertRegex(up.stderr, r"migrate\s+\| relation missing", p.describe(up))
        self.assertNotIn("web", up.stderr.split("\n")[0])

    def test_wait_timeout_names_the_service_never_ready(self):
        p = self.project({
            "web": LONG,
            "db": {"command": ["sleep", "1000"],
                   "healthcheck": {"test": ["CMD", "false"], "interval": "100ms",
                                   "retries": 1000}},
        })
        up = p.run("up", "--wait", "--wait-timeout", "1")
        self.assertEqual(up.returncode, 1, p.describe(up))
        self.assertGreaterEqual(up.elapsed, 1.0)
        self.assertLess(up.elapsed, 6.0, p.describe(up))
        self.assertIn("--wait-timeout 1s passed before every service was ready", up.stderr)
        self.assertRegex(up.stderr, r"not ready: db \(starting", p.describe(up))

    def test_daemon_killed_while_waiting_fails_at_once_with_its_log(self):
        p = self.project({
            "web": LONG,
            "db": {"command": ["sleep", "1000"],
                   "healthcheck": {"test": ["CMD", "false"], "interval": "100ms",
                                   "retries": 1000}},
        })
        up = subprocess.Popen([h.BIN, "up", "-d", "-f", p.manifest], cwd=p.dir, env=p.env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: up.poll() is None and up.kill())
        h.wait_until(lambda: re.search(r"(?m)^web\s+\| web listening$", p.log()), 10,
                     "web's line in the log")
        # The daemon is the waiting command's only child (the relay, in a PID namespace).
        children = h.children_of(up.pid)
        self.assertEqual(len(children), 1, children)
        daemon = children[0]
        os.kill(daemon, signal.SIGKILL)
        killed = time.monotonic()
        out, err = up.communicate(timeout=10)
        self.assertLess(time.monotonic() - killed, 3.0, err)
        self.assertEqual(up.returncode, 1, err)
        self.assertIn(f"daemon (pid {daemon}) was killed by signal 9", err)
        self.assertRegex(err, r"(?m)^web\s+\| web listening$")

    def test_down_stops_everything_and_the_daemon(self):
        p = self.project({"web": LONG, "worker": {"command": ["sleep", "1000"]}})
        up = p.run("up", "-d")
        self.assertEqual(up.returncode, 0, p.describe(up))
        pids = p.wait_for_pids(2)
        daemon = p.daemon_pid()
        down = p.run("down")
        self.assertEqual(down.returncode, 0, p.describe(down))
        self.assertIn("is down", down.stderr)
        # down returned only once everything was gone: no waiting needed here.
        self.assertEqual([pid for pid in pids + [daemon] if h.is_alive(pid)], [], p.describe(down))
        self.assertEqual(p.pids(), [])
        again = p.run("down")
        self.assertEqual(again.returncode, 0, p.describe(again))
        self.assertIn("no stack is running", again.stderr)

    def test_second_up_d_applies_without_restarting(self):
        # Issue 13: against a running project `up -d` applies the files; unchanged, it keeps all.
        p = self.project({"web": LONG})
        first = p.run("up", "-d")
        self.assertEqual(first.returncode, 0, p.describe(first))
        pids = p.wait_for_pids(1)
        second = p.run("up", "-d")
        self.assertEqual(second.returncode, 0, p.describe(second))
        self.assertIn("1 kept, 0 restarted, 0 started, 0 stopped", second.stdout, p.describe(second))
        self.assertLess(second.elapsed, 5.0)
        self.assertEqual(p.pids(), pids, "the second up started something")

    def states(self, p):
        ps = p.run("ps", "--json", "--all")
        self.assertEqual(ps.returncode, 0, p.describe(ps))
        return {s["name"]: s["state"] for s in json.loads(ps.stdout)}

    def wait_states(self, p, wanted):
        h.wait_until(lambda: self.states(p) == wanted, 15, f"states {wanted}")

    def test_up_after_run_starts_the_service_run_left_out(self):
        # `run` with no stack starts only web's dependencies (`up -d --wait db`); a later
        # `up -d` is compose's up: every service, so web starts and db keeps its pid.
        p = self.project({"db": {"command": ["sleep", "1000"]},
                          "web": dict(LONG, depends_on=["db"])})
        run = p.run("run", "--rm", "web", "true", timeout=60)
        self.assertEqual(run.returncode, 0, p.describe(run))
        db = p.wait_for_pids(1)
        up = p.run("up", "-d")
        self.assertEqual(up.returncode, 0, p.describe(up))
        self.assertIn("start   web (new)", up.stdout, p.describe(up))
        self.wait_states(p, {"db": "running", "web": "running"})
        self.assertIn(db[0], p.wait_for_pids(2), "db was restarted")

    def test_up_starts_services_stopped_on_request_it_selects(self):
        # compose: `stop web` then `up -d` starts web again; `up -d web` starts web and its
        # stopped dependency but not a stopped service it did not select; SIGHUP starts none.
        p = self.project({"db": {"command": ["sleep", "1000"]},
                          "web": dict(LONG, depends_on=["db"]),
                          "worker": {"command": ["sleep", "1000"]}})
        self.assertEqual(p.run("up", "-d").returncode, 0)
        p.wait_for_pids(3)
        self.assertEqual(p.run("stop", "web").returncode, 0)
        up = p.run("up", "-d")
        self.assertEqual(up.returncode, 0, p.describe(up))
        self.assertIn("start   web (not running)", up.stdout, p.describe(up))
        self.assertIn("2 kept, 0 restarted, 1 started, 0 stopped", up.stdout, p.describe(up))
        self.wait_states(p, {"db": "running", "web": "running", "worker": "running"})
        self.assertEqual(p.run("stop", "db", "worker").returncode, 0)  # db takes web with it
        self.wait_states(p, {"db": "stopped", "web": "stopped", "worker": "stopped"})
        os.kill(p.daemon_pid(), signal.SIGHUP)
        h.wait_until(lambda: "reload: 3 kept" in p.log(), 10, "the SIGHUP reload")
        self.assertEqual(self.states(p), {"db": "stopped", "web": "stopped", "worker": "stopped"})
        up = p.run("up", "-d", "web")
        self.assertEqual(up.returncode, 0, p.describe(up))
        self.assertIn("start   db (not running)", up.stdout, p.describe(up))
        self.assertIn("start   web (not running)", up.stdout, p.describe(up))
        self.assertIn("keep    worker", up.stdout, p.describe(up))
        self.wait_states(p, {"db": "running", "web": "running", "worker": "stopped"})

    def test_only_up_and_run_say_a_service_was_left_out(self):
        # An image with no recipe and no command: `up --ignore-unavailable` leaves it out and
        # says so; down/stop/exec load the files the same way but the running stack cannot
        # have that service, so they say nothing about it.
        p = self.project({"web": LONG, "admin": {"image": "example/no-recipe-here"}})
        left_out = "services.admin.image: left out (--ignore-unavailable)"
        up = p.run("up", "-d", "--ignore-unavailable")
        self.assertEqual(up.returncode, 0, p.describe(up))
        self.assertIn(left_out, up.stderr, p.describe(up))
        p.wait_for_pids(1)
        for verb in (["exec", "web", "true"], ["run", "--rm", "web", "true"], ["stop", "web"],
                     ["start", "web"], ["down"], ["down"]):
            r = p.run(*verb)
            self.assertEqual(r.returncode, 0, p.describe(r))
            if verb[0] == "run":
                self.assertIn(left_out, r.stderr, p.describe(r))  # run may start services
            else:
                self.assertNotIn("left out", r.stderr, f"{verb}: " + p.describe(r))
        self.assertIn("no stack is running", r.stderr)

    def test_project_name_gives_a_separate_stack(self):
        p = self.project({"web": LONG})
        # Two runtime directories as the two names would get under $XDG_RUNTIME_DIR.
        xdg = os.path.join(p.dir, "xdg")
        os.makedirs(xdg, mode=0o700)
        env = dict(p.env, XDG_RUNTIME_DIR=xdg)
        env.pop("STACKVISOR_RUNTIME_DIR")
        p.env = env
        a = p.run("up", "-d", "-p", "alpha")
        b = p.run("up", "-d", "--project-name", "beta")
        self.assertEqual(a.returncode, 0, p.describe(a))
        self.assertEqual(b.returncode, 0, p.describe(b))
        p.wait_for_pids(2)
        for name in ("alpha", "beta"):
            self.assertTrue(os.path.exists(os.path.join(xdg, "stackvisor", name, "api.sock")))
        # The control verbs take -p too, and reach that stack: alpha's web, not beta's.
        ps_a = p.run("ps", "--json", "-p", "alpha")
        ps_b = p.run("ps", "--json", "-p", "beta")
        self.assertEqual(ps_a.returncode, 0, p.describe(ps_a))
        self.assertEqual(ps_b.returncode, 0, p.describe(ps_b))
        web_a = json.loads(ps_a.stdout)[0]
        web_b = json.loads(ps_b.stdout)[0]
        self.assertEqual((web_a["state"], web_b["state"]), ("running", "running"))
        if os.getuid() == 0:  # host pids (cgroups); an ordinary user's are namespace pids
            self.assertEqual(sorted([web_a["pid"], web_b["pid"]]), sorted(p.pids()))
        down = p.run("down", "-p", "alpha")
        self.assertEqual(down.returncode, 0, p.describe(down))
        self.assertEqual(len(p.pids()), 1, "down -p alpha stopped beta too")
        down = p.run("down", "-p", "beta")
        self.assertEqual(down.returncode, 0, p.describe(down))
        self.assertEqual(p.pids(), [])

    @unittest.skipUnless(os.getuid() == 0, "as an ordinary user every test above runs this way")
    def test_in_a_pid_namespace_the_relay_is_detached_too(self):
        # As the ordinary user svtest (no writable cgroup), stackvisor runs the stack as PID 1
        # of its own namespace with a relay outside: the daemon must be that relay.
        try:
            pw = pwd.getpwnam("svtest")
        except KeyError:
            subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", "svtest"],
                           check=True)
            pw = pwd.getpwnam("svtest")
        p = self.project({"web": LONG})
        os.chmod(p.dir, 0o755)
        binary = os.path.join(p.dir, "stackvisor")
        shutil.copy2(h.BIN, binary)
        for path in (p.dir, p.manifest, binary):
            os.chown(path, pw.pw_uid, pw.pw_gid)

        def run(*args):
            return subprocess.run([binary, args[0], "-f", p.manifest] + list(args[1:]),
                                  cwd=p.dir, env=dict(p.env, HOME=p.dir), user=pw.pw_uid,
                                  group=pw.pw_gid, extra_groups=[], stdin=subprocess.DEVNULL,
                                  capture_output=True, text=True, timeout=30)
        up = run("up", "-d")
        self.assertEqual(up.returncode, 0, p.describe(up))
        if "containment: PID namespace" not in p.log():
            self.skipTest("no PID namespace here: " + p.log().splitlines()[0])
        relay = p.daemon_pid()
        [service] = p.wait_for_pids(1)
        self.assertNotEqual(os.getsid(relay), os.getsid(0), "the relay is in our session")
        self.assertEqual(os.getsid(relay), relay)
        self.assertIn(service, h.descendants_of(relay), "the stack is not under the relay")
        down = run("down")
        self.assertEqual(down.returncode, 0, p.describe(down))
        self.assertFalse(h.is_alive(relay))
        self.assertFalse(h.is_alive(service))


if __name__ == "__main__":
    h.require_binary()
    unittest.main()
