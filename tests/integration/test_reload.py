"""Reload: an edited manifest applied to a running stack (issue 13) through `up` again, the API
(POST /v1/stack/apply) and SIGHUP. Changed services restart (and their depends_on.restart: true
dependents), new ones start, removed ones stop and leave the API; the rest keep their pid. An
invalid edit is rejected whole and the stack is left exactly as it was. Log prefixes are
re-padded as names come and go, and no line is ever split.
"""
import os
import re
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
from test_control import ControlStack  # noqa: E402

FOREVER = ["sleep", "100000"]


def sleeper(tag):
    # The argument makes each definition distinct; changing it changes the service.
    return {"command": ["sh", "-c", f"echo {tag} up; exec sleep 100000"]}


class ReloadStack(ControlStack):
    def rewrite(self, services):
        """Replace the manifest with `services` (tagged like the original)."""
        doc = {}
        for name, svc in services.items():
            svc = dict(svc)
            envs = dict(svc.get("environment") or {})
            envs["SV_TEST_TAG"] = self.tag
            svc["environment"] = envs
            doc[name] = svc
        with open(self.manifest, "w") as f:
            f.write(h.to_yaml({"services": doc}).replace("@DIR@", self.dir))

    def running_pid(self, name, other_than=None, timeout=15):
        s = self.wait_service(name, lambda s: s["state"] == "running" and s["pid"] is not None
                              and s["pid"] != other_than, timeout,
                              f"{name} running (pid other than {other_than})")
        return s["pid"]

    def pids(self, names):
        return {n: self.running_pid(n) for n in names}

    def apply(self, query=""):
        return self.api("POST", "/v1/stack/apply" + query)

    def plan(self, body):
        return {e["service"]: e["action"] for e in body["services"]}


class Reload(unittest.TestCase):

    def test_changed_unchanged_added_removed_through_up(self):
        services = {"a": sleeper("a"), "b": sleeper("b"), "c": sleeper("c")}
        with ReloadStack(services) as st:
            st.wait_api()
            before = st.pids(["a", "b", "c"])
            # b changes, c goes, d comes; a's block moves to the end (no change).
            st.rewrite({"b": sleeper("b2"), "d": sleeper("d"), "a": sleeper("a")})
            r = st.sv("up", "-d", check=0)
            self.assertRegex(r.stdout, r"(?m)^keep +a$")
            self.assertRegex(r.stdout, r"(?m)^restart +b \(changed\)$")
            self.assertRegex(r.stdout, r"(?m)^start +d \(new\)$")
            self.assertRegex(r.stdout, r"(?m)^stop +c \(removed\)$")
            self.assertIn("1 kept, 1 restarted, 1 started, 1 stopped", r.stdout)
            new_b = st.running_pid("b", other_than=before["b"])
            st.running_pid("d")
            self.assertEqual(st.service("a")["pid"], before["a"])
            h.wait_until(lambda: not h.is_alive(before["c"]), 10, "c's process to end")
            self.assertEqual(st.api("GET", "/v1/services/c")[0], 404)
            names = [s["name"] for s in st.api("GET", "/v1/services")[1]["services"]]
            self.assertEqual(sorted(names), ["a", "b", "d"])
            self.assertFalse(h.is_alive(before["b"]))
            st.wait_for_line(r"^b +\| b2 up$")
            # Applying the same files again changes nothing.
            status, body = st.apply()
            self.assertEqual(status, 200, body)
            self.assertEqual(set(st.plan(body).values()), {"keep"})
            self.assertEqual(st.service("b")["pid"], new_b)
            # c comes back in its old slot: its earlier lines are still in its log.
            st.rewrite({"b": sleeper("b2"), "d": sleeper("d"), "a": sleeper("a"), "c": sleeper("c")})
            status, body = st.apply()
            self.assertEqual(st.plan(body)["c"], "start", body)
            st.running_pid("c")
            logs = st.sv("logs", "c", "--no-color", check=0).stdout
            self.assertEqual(logs.count("c up"), 2, logs)

    def test_dependents_with_restart_true_follow(self):
        services = {
            "db": sleeper("db"),
            "web": dict(sleeper("web"), depends_on={"db": {"condition": "service_started",
                                                           "restart": True}}),
            "worker": dict(sleeper("worker"), depends_on=["db"]),
        }
        with ReloadStack(services) as st:
            st.wait_api()
            before = st.pids(["db", "web", "worker"])
            services["db"] = sleeper("db2")
            st.rewrite(services)
            status, body = st.apply()
            self.assertEqual(status, 200, body)
            self.assertEqual(st.plan(body), {"db": "restart", "web": "restart", "worker": "keep"})
            reasons = {e["service"]: e["reason"] for e in body["services"]}
            self.assertEqual(reasons["web"], "dependency db restarts")
            st.running_pid("db", other_than=before["db"])
            st.running_pid("web", other_than=before["web"])
            self.assertEqual(st.service("worker")["pid"], before["worker"])
            # web started after the new db: its restart waited for its dependency.
            db_start = st.wait_for_line(r"db: started \(pid (?!%d\))" % before["db"])[0]
            web_start = st.wait_for_line(r"web: started \(pid (?!%d\))" % before["web"])[0]
            self.assertLess(db_start, web_start, st.dump())

    def test_a_new_name_reaches_running_views_without_a_restart(self):
        # A service with a container view has the stack's names in its /etc/hosts; one added by
        # an edit is not a change of it: it keeps its pid and resolves the new name.
        watcher = {"command": ["sh", "-c", "while :; do getent hosts newcomer >/dev/null && "
                               "echo SEEN-NEWCOMER; sleep 0.1; done"],
                   "volumes": ["@DIR@:/sv-watcher"]}
        services = {"watcher": watcher}
        with ReloadStack(services) as st:
            st.wait_api()
            before = st.running_pid("watcher")
            services["newcomer"] = sleeper("newcomer")
            st.rewrite(services)
            status, body = st.apply()
            self.assertEqual(status, 200, body)
            self.assertEqual(st.plan(body), {"watcher": "keep", "newcomer": "start"})
            st.wait_for_line(r"watcher +\| SEEN-NEWCOMER")
            self.assertEqual(st.service("watcher")["pid"], before)

    def test_invalid_edit_is_rejected_whole(self):
        with ReloadStack({"a": sleeper("a"), "b": sleeper("b")}) as st:
            st.wait_api()
            before = st.pids(["a", "b"])
            with open(st.manifest, "a") as f:
                f.write("  c:\n    command: [sleep, '1']\n    depends_on: [nope]\n")
            with open(st.manifest) as f:
                text = f.read()
            # b changed too: nothing of the edit may be applied.
            with open(st.manifest, "w") as f:
                f.write(text.replace("echo b up", "echo b changed"))
            status, body = st.apply()
            self.assertEqual(status, 400, body)
            self.assertRegex(body["error"], r"stackvisor\.yaml:\d+:\d+: error: "
                                            r"services\.c\.depends_on\.nope: unknown service 'nope'")
            self.assertIn("nothing was changed", body["error"])
            r = st.sv("up", "-d")
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            self.assertIn("unknown service 'nope'", r.stderr)
            time.sleep(0.3)  # an absence needs a window: nothing may restart
            self.assertEqual({n: st.service(n)["pid"] for n in ("a", "b")}, before)
            self.assertEqual(st.api("GET", "/v1/services/c")[0], 404)
            self.assertTrue(st.alive())

    def test_sighup_applies_the_files(self):
        with ReloadStack({"a": sleeper("a"), "b": sleeper("b")}) as st:
            st.wait_api()
            before = st.pids(["a", "b"])
            st.rewrite({"a": sleeper("a"), "b": sleeper("b-hup")})
            st.signal(signal.SIGHUP)
            st.running_pid("b", other_than=before["b"])
            st.wait_for_line(r"reload: 1 kept, 1 restarted, 0 started, 0 stopped")
            self.assertEqual(st.service("a")["pid"], before["a"])
            self.assertTrue(st.alive())
            # An invalid edit on SIGHUP is logged with its position; the stack keeps running.
            with open(st.manifest, "a") as f:
                f.write("  bad: {command: [x], restart: sometimes}\n")
            st.signal(signal.SIGHUP)
            st.wait_for_line(r"SIGHUP: reload failed: the manifest is invalid")
            st.wait_for_line(r"stackvisor\.yaml:\d+:\d+: error: services\.bad\.restart")
            self.assertTrue(st.alive())
            self.assertEqual(st.service("a")["pid"], before["a"])

    def test_dry_run_force_and_no_recreate(self):
        with ReloadStack({"a": sleeper("a"), "b": sleeper("b")}) as st:
            st.wait_api()
            before = st.pids(["a", "b"])
            st.rewrite({"a": sleeper("a"), "b": sleeper("b2")})
            r = st.sv("up", "--dry-run", check=0)
            self.assertRegex(r.stdout, r"(?m)^restart +b \(changed\)$")
            self.assertIn("dry run: nothing was changed", r.stdout)
            status, body = st.apply("?no_recreate=1")
            self.assertEqual(st.plan(body), {"a": "keep", "b": "keep"}, body)
            status, body = st.apply("?force_recreate=1&no_recreate=1")
            self.assertEqual(status, 400, body)
            time.sleep(0.2)
            self.assertEqual({n: st.service(n)["pid"] for n in ("a", "b")}, before)
            r = st.sv("up", "-d", "--force-recreate", check=0)
            self.assertIn("0 kept, 2 restarted", r.stdout)
            st.running_pid("a", other_than=before["a"])
            st.running_pid("b", other_than=before["b"])
        # Nothing running: every service would start, and nothing is started.
        d = h.Stack({"x": sleeper("x"), "y": dict(sleeper("y"), depends_on=["x"])})
        r = h.run(["up", "--dry-run", "-f", d.manifest], cwd=d.dir,
                  env={"STACKVISOR_RUNTIME_DIR": d.path("run")})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(re.findall(r"(?m)^start +(\w+)$", r.stdout), ["x", "y"])
        self.assertEqual(h.pids_with_env(d.marker), [])
        d.cleanup()

    def test_apply_as_up_starts_what_it_selects_that_is_not_running(self):
        # POST /v1/stack/apply?up=1[&services=a,b]: what `up` sends (docs/reload.md).
        with ReloadStack({"a": sleeper("a"), "b": sleeper("b")}) as st:
            st.wait_api()
            st.pids(["a", "b"])
            for name in ("a", "b"):
                self.assertEqual(st.api("POST", f"/v1/services/{name}/stop")[0], 202)
                st.wait_service(name, lambda s: s["state"] == "stopped", 10, f"{name} stopped")
            status, body = st.apply()  # a plain reload leaves them stopped
            self.assertEqual((status, st.plan(body)), (200, {"a": "keep", "b": "keep"}), body)
            status, body = st.apply("?up=1&services=b&dry_run=1")
            self.assertEqual((status, st.plan(body)), (200, {"a": "keep", "b": "start"}), body)
            self.assertEqual(st.service("b")["state"], "stopped", "a dry run started b")
            status, body = st.apply("?up=1&services=b")
            self.assertEqual(status, 200, body)
            self.assertIn({"service": "b", "action": "start", "reason": "not running"},
                          body["services"])
            st.running_pid("b")
            self.assertEqual(st.service("a")["state"], "stopped")
            status, body = st.apply("?up=1")
            self.assertEqual((status, st.plan(body)), (200, {"a": "start", "b": "keep"}), body)
            st.running_pid("a")
            status, body = st.apply("?up=1&services=nosuch")
            self.assertEqual(status, 400, body)
            self.assertIn("no such service", body["error"])
            status, body = st.apply("?services=a")
            self.assertEqual(status, 400, body)

    def test_detached_up_against_a_running_stack_waits_for_what_it_started(self):
        # `up -d` returns once what it started or changed is ready, as a first `up -d` does,
        # and fails naming the service that failed.
        with ReloadStack({"a": sleeper("a")}) as st:
            st.wait_api()
            st.pids(["a"])
            st.rewrite({"a": sleeper("a"),
                        "b": {"command": FOREVER,
                              "healthcheck": {"test": ["CMD", "test", "-e", st.path("ready")],
                                              "interval": "100ms", "retries": 1000}}})
            proc = subprocess.Popen([h.BIN, "up", "-d", "-f", st.manifest], cwd=st.dir,
                                    env=st.env, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                def b_started():
                    # `up -d` returning first is a failure, not a slow stack.
                    if proc.poll() is not None:
                        self.fail("up -d returned before b was healthy: "
                                  + "".join(proc.communicate()))
                    status, body = st.api("GET", "/v1/services/b")
                    return status == 200 and body["state"] == "starting" and body["pid"]
                h.wait_until(b_started, 15, "b started, its healthcheck not passed")
                # Started but not healthy: `up -d` is still waiting for it.
                if proc.poll() is not None:
                    self.fail("up -d returned before b was healthy: " + "".join(proc.communicate()))
                self.assertEqual(st.service("b")["health"], "starting")
                st.touch("ready")
                out, err = proc.communicate(timeout=15)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.communicate()
            self.assertEqual(proc.returncode, 0, out + err)
            self.assertRegex(out, r"(?m)^b +running \(healthy\)$")
            self.assertRegex(out, r"(?m)^start +b")
            st.rewrite({"a": sleeper("a"), "b": {"command": FOREVER},
                        "c": {"command": ["sh", "-c", "echo c is broken; exit 3"]}})
            r = subprocess.run([h.BIN, "up", "-d", "-f", st.manifest, "c"], cwd=st.dir,
                               env=st.env, stdin=subprocess.DEVNULL, capture_output=True,
                               text=True, timeout=30)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn("service c failed", r.stderr)
            self.assertIn("c is broken", r.stderr)
            self.assertTrue(st.alive())

    def test_prefixes_are_repadded_without_splitting_lines(self):
        chatter = {"command": ["sh", "-c", "while :; do echo tick; sleep 0.02; done"]}
        long_name = "a_service_with_a_long_name"
        with ReloadStack({"a": chatter}) as st:
            st.wait_api()
            st.wait_for_line(r"^a +\| tick$")
            st.rewrite({"a": chatter, long_name: sleeper("long")})
            self.assertEqual(st.apply()[0], 200)
            st.wait_for_line(r"^%s \| long up$" % long_name)
            mark = len(st.texts())
            pad = " " * (len(long_name) - 1)
            st.wait_for_line(r"^a%s \| tick$" % pad, start=mark)
            st.rewrite({"a": chatter})
            self.assertEqual(st.apply()[0], 200)
            st.wait_for_line(r"%s: stopped" % long_name)
            mark = len(st.texts())
            # Back to the widest remaining name: "stackvisor".
            st.wait_for_line(r"^a {10}\| tick$", start=mark)
            for line in st.texts():
                self.assertRegex(line, r"^[a-z_]+ *\| ", "a line without its prefix: a split")

    def test_foreground_up_against_a_running_stack_follows_the_logs(self):
        with ReloadStack({"a": chatter_every(0.05)}) as st:
            st.wait_api()
            proc = subprocess.Popen([h.BIN, "up", "-f", st.manifest, "--no-color"], cwd=st.dir,
                                    env=st.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
            try:
                first = proc.stdout.readline()
                self.assertRegex(first, r"^keep +a$")
                self.assertIn("1 kept", proc.stdout.readline())
                self.assertRegex(proc.stdout.readline(), r"^a +\| tick$")
            finally:
                proc.send_signal(signal.SIGINT)
                proc.wait(timeout=10)
            # Ctrl-C ended the following, not the stack.
            self.assertTrue(st.alive())
            self.assertEqual(st.api("GET", "/v1/services/a")[1]["state"], "running")

    def test_scale_stores_the_count_and_applies(self):
        # Replica expansion itself is helper P's (config); here: the verb, the route, the
        # validation, and that an apply with the override runs and keeps what did not change.
        with ReloadStack({"a": sleeper("a")}) as st:
            st.wait_api()
            before = st.running_pid("a")
            r = st.sv("scale", "a=1", check=0)
            self.assertRegex(r.stdout, r"(?m)^(keep|restart) +a")
            self.assertEqual(st.sv("scale", "a=x").returncode, 2)
            self.assertEqual(st.sv("scale", "a").returncode, 2)
            status, body = st.api("POST", "/v1/stack/scale")
            self.assertEqual(status, 400, body)
            self.assertTrue(st.alive())
            if "keep" in r.stdout.split()[0]:
                self.assertEqual(st.service("a")["pid"], before)


def chatter_every(seconds):
    return {"command": ["sh", "-c", f"while :; do echo tick; sleep {seconds}; done"]}


if __name__ == "__main__":
    h.main()
