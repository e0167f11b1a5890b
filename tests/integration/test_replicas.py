"""Replicas: `scale:`/`deploy.replicas`/`up --scale` run N processes of a service, web-1..web-N,
each with STACKVISOR_REPLICA/STACKVISOR_REPLICAS, its own log prefix, restarted on its own; the
group name addresses every replica (restart, logs, ps), a replica name one."""
import json
import os
import re
import signal
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
from test_control import ControlStack  # noqa: E402

# Says which replica it is, then runs until stopped ($$: not interpolated by the loader).
REPLICA = ["sh", "-c", 'echo "replica $$STACKVISOR_REPLICA of $$STACKVISOR_REPLICAS"; '
           "exec sleep 100000"]


def pids(st, names):
    return {n: st.service(n)["pid"] for n in names}


def running(st, name):
    return st.wait_service(name, lambda s: s["state"] == "running" and s["pid"],
                           what=f"{name} running")


class Replicas(unittest.TestCase):

    def test_each_replica_has_its_env_prefix_and_api_identity(self):
        services = {"web": {"command": REPLICA, "scale": 3},
                    "db": {"command": REPLICA}}
        with ControlStack(services) as st:
            st.wait_api()
            for i in (1, 2, 3):
                st.wait_for_line(rf"^web-{i}\s+\| replica {i} of 3$")
            # The plain service has no index: its variables are unset.
            st.wait_for_line(r"^db\s+\| replica  of $")
            shown = json.loads(st.sv("ps", "--json", check=0).stdout)
            self.assertEqual([s["name"] for s in shown], ["web-1", "web-2", "web-3", "db"])
            self.assertEqual([(s["replica_of"], s["replica"]) for s in shown],
                             [("web", 1), ("web", 2), ("web", 3), (None, None)])
            # ps of the group is its replicas; of one replica, just that one.
            group = json.loads(st.sv("ps", "--json", "web", check=0).stdout)
            self.assertEqual([s["name"] for s in group], ["web-1", "web-2", "web-3"])
            one = json.loads(st.sv("ps", "--json", "web-2", check=0).stdout)
            self.assertEqual([s["name"] for s in one], ["web-2"])
            status, body = st.api("GET", "/v1/services/web")
            self.assertEqual(status, 200)
            self.assertEqual([s["name"] for s in body["services"]], ["web-1", "web-2", "web-3"])
            self.assertEqual(st.api("GET", "/v1/services/web-2")[1]["replica"], 2)
            self.assertEqual(st.api("GET", "/v1/services/web-4")[0], 404)
            # logs of the group: every replica's lines, each with its own prefix.
            logs = [re.sub(r"\s+\|", " |", line) for line in
                    st.sv("logs", "--no-color", "web", check=0).stdout.splitlines()]
            self.assertEqual(sorted(logs), [f"web-{i} | replica {i} of 3" for i in (1, 2, 3)])
            self.assertRegex(st.sv("logs", "--no-color", "web-3", check=0).stdout,
                             r"^web-3\s+\| replica 3 of 3\n$")

    def test_one_replica_crashing_restarts_alone(self):
        services = {"web": {"command": REPLICA, "deploy": {"replicas": 3}, "restart": "always",
                            "restart_backoff": {"initial": "100ms"}}}
        with ControlStack(services) as st:
            st.wait_api()
            names = ["web-1", "web-2", "web-3"]
            for n in names:
                running(st, n)
            before = pids(st, names)
            os.kill(st.host_pid(before["web-2"]), signal.SIGKILL)  # a crash, not a request
            after = st.wait_service(
                "web-2", lambda s: s["state"] == "running" and s["pid"] not in (None,
                                                                              before["web-2"])
                and s["restarts"] == 1, what="web-2 restarted")
            self.assertNotEqual(after["pid"], before["web-2"])
            now = pids(st, names)
            self.assertEqual((now["web-1"], now["web-3"]), (before["web-1"], before["web-3"]))
            self.assertEqual([st.service(n)["restarts"] for n in ("web-1", "web-3")], [0, 0])

    def test_restart_of_the_group_restarts_all_of_one_replica_only_it(self):
        services = {"web": {"command": REPLICA, "scale": 2},
                    "db": {"command": REPLICA}}
        with ControlStack(services) as st:
            st.wait_api()
            names = ["web-1", "web-2", "db"]
            for n in names:
                running(st, n)
            first = pids(st, names)
            r = st.sv("restart", "-t", "1", "web", check=0)
            self.assertEqual(sorted(r.stdout.splitlines()),
                             ["web-1: restarted", "web-2: restarted"])
            second = pids(st, names)
            self.assertNotEqual(second["web-1"], first["web-1"])
            self.assertNotEqual(second["web-2"], first["web-2"])
            self.assertEqual(second["db"], first["db"])
            st.sv("restart", "-t", "1", "web-2", check=0)
            third = pids(st, names)
            self.assertEqual(third["web-1"], second["web-1"])
            self.assertNotEqual(third["web-2"], second["web-2"])
            self.assertEqual(third["db"], first["db"])
            # The API takes the group too: one POST restarts both.
            status, _ = st.api("POST", "/v1/services/web/restart?timeout=1")
            self.assertEqual(status, 202)
            for n in ("web-1", "web-2"):
                st.wait_service(n, lambda s, n=n: s["state"] == "running" and s["pid"]
                                not in (None, third[n]), what=f"{n} restarted by the API")

    def test_up_scale_beats_the_file_and_zero_starts_nothing(self):
        services = {"web": {"command": REPLICA, "scale": 3},
                    "db": {"command": REPLICA, "deploy": {"replicas": 2}},
                    "app": {"command": REPLICA,
                            "depends_on": {"db": {"condition": "service_started"}}}}
        with ControlStack(services, args=["--scale", "web=2", "--scale", "db=0"]) as st:
            st.wait_api()
            running(st, "app")
            names = [s["name"] for s in json.loads(st.sv("ps", "--json", check=0).stdout)]
            self.assertEqual(names, ["web-1", "web-2", "app"])
            st.wait_for_line(r"^web-2\s+\| replica 2 of 2$")
            self.assertEqual(st.api("GET", "/v1/services/web-3")[0], 404)
            self.assertEqual(st.api("GET", "/v1/services/db")[0], 404)

    def test_up_scale_one_and_a_bad_value(self):
        services = {"web": {"command": REPLICA, "scale": 2}}
        with ControlStack(services, args=["--scale", "web=1"]) as st:
            st.wait_api()
            st.wait_for_line(r"^web\s+\| replica 1 of 1$")
            self.assertEqual(st.service("web")["replica"], None)
        bad = ControlStack(services, args=["--scale", "web=two"])
        with bad:
            self.assertEqual(bad.wait_exit(), 2)
            self.assertIn("--scale: expected SERVICE=N", bad.err_text())
        unknown = ControlStack(services, args=["--scale", "wbe=2"])
        with unknown:
            self.assertEqual(unknown.wait_exit(), 2)
            self.assertIn("--scale wbe=2: no such service: 'wbe', did you mean 'web'?",
                          unknown.err_text())

    def test_exec_index(self):
        services = {"web": {"command": REPLICA, "scale": 2}}
        with ControlStack(services) as st:
            st.wait_api()
            for n in ("web-1", "web-2"):
                running(st, n)
            r = st.sv("exec", "web", "sh", "-c", "echo $STACKVISOR_REPLICA", check=0)
            self.assertEqual(r.stdout, "1\n")
            r = st.sv("exec", "--index", "2", "web", "sh", "-c", "echo $STACKVISOR_REPLICA",
                      check=0)
            self.assertEqual(r.stdout, "2\n")
            r = st.sv("exec", "--index", "3", "web", "true")
            self.assertEqual(r.returncode, 1)
            self.assertIn("web has no replica 3 (it has 2)", r.stderr)


if __name__ == "__main__":
    unittest.main()
