"""One-shot services: success gates service_completed_successfully; failure fails dependents.

Also: `up` ends by itself with 0 when every service exited 0 and none restarts, 1 otherwise.
"""
import os
import signal
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


class OneShot(unittest.TestCase):

    def test_success_gates_dependent(self):
        with h.Stack({
            "migrate": {"command": ["sh", "-c", "echo migrating; sleep 0.3; echo migrated"]},
            "web": {"command": ["sh", "-c", "echo web-up; exec sleep 1000"],
                    "depends_on": {"migrate": {"condition": "service_completed_successfully"}}},
        }) as st:
            st.started_pid("migrate")
            mi, _, _ = st.wait_for_line(r"^migrate\s+\| migrated$")
            ci, _, _ = st.event("migrate", r"(completed successfully|exited with code 0)")
            wi, _, _ = st.event("web", r"started \(pid \d+\)")
            self.assertLess(mi, wi)
            self.assertLess(ci, wi, "web started before migrate completed\n" + st.dump())
            st.event("migrate", r"completed successfully")
            st.wait_for_line(r"^web\s+\| web-up$")
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            st.assert_no_leftovers()

    def test_failure_fails_dependents(self):
        with h.Stack({
            "migrate": {"command": ["sh", "-c", "echo boom; exit 3"]},
            "other": {"command": ["sleep", "1000"]},
            "web": {"command": ["sh", "-c", "echo web-up; exec sleep 1000"],
                    "depends_on": {"migrate": {"condition": "service_completed_successfully"}}},
        }) as st:
            other = st.started_pid("other")
            st.event("migrate", r"exited with code 3")
            st.event("web", r"not started: dependency migrate\b", timeout=10)
            # stackvisor stops everything and exits 1
            self.assertEqual(st.wait_exit(15), 1, st.dump())
            self.assertFalse(st.has_event("web", r"started"), st.dump())
            self.assertNotIn("web-up", "\n".join(st.texts()))
            self.assertFalse(h.is_alive(other))
            st.assert_no_leftovers()

    def test_transitive_dependents_not_started(self):
        with h.Stack({
            "a": {"command": ["sh", "-c", "exit 1"]},
            "b": {"command": ["sleep", "1000"],
                  "depends_on": {"a": {"condition": "service_completed_successfully"}}},
            "c": {"command": ["sleep", "1000"], "depends_on": ["b"]},
        }) as st:
            self.assertEqual(st.wait_exit(15), 1, st.dump())
            self.assertFalse(st.has_event("b", r"started"), st.dump())
            self.assertFalse(st.has_event("c", r"started"), st.dump())
            self.assertTrue(st.has_event("b", r"not started: dependency a\b"), st.dump())

    def test_up_ends_with_0_when_all_exit_0(self):
        with h.Stack({
            "one": {"command": ["sh", "-c", "echo one"]},
            "two": {"command": ["sh", "-c", "sleep 0.2; echo two"],
                    "depends_on": {"one": {"condition": "service_completed_successfully"}}},
            "three": {"command": ["true"], "depends_on": ["two"]},
        }) as st:
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            for name in ("one", "two", "three"):
                self.assertTrue(st.has_event(name, r"(completed successfully|exited with code 0)"),
                                name + "\n" + st.dump())
            self.assertEqual(st.service_lines("one"), ["one"])
            self.assertEqual(st.service_lines("two"), ["two"])
            self.assertRegex(st.texts()[-1], r"^stackvisor\s+\| stopped$")

    def test_up_ends_with_1_when_one_failed(self):
        with h.Stack({
            "ok": {"command": ["true"]},
            "bad": {"command": ["sh", "-c", "sleep 0.2; exit 4"]},
        }) as st:
            self.assertEqual(st.wait_exit(15), 1, st.dump())
            self.assertTrue(st.has_event("bad", r"exited with code 4"), st.dump())

    def test_long_running_exit_0_is_a_failure_for_dependents(self):
        # restart: always makes it long-running; an exit 0 still fails a healthy/started dependent
        # chain once it has no restarts left (on-failure would not restart an exit 0 at all).
        with h.Stack({
            "daemon": {"command": ["sh", "-c", "exit 0"], "restart": "on-failure:1",
                       "healthcheck": {"test": ["CMD", "false"]}},
            "web": {"command": ["sleep", "1000"],
                    "depends_on": {"daemon": {"condition": "service_healthy"}}},
        }) as st:
            st.event("web", r"not started: dependency daemon\b", timeout=10)
            self.assertEqual(st.wait_exit(15), 1, st.dump())


if __name__ == "__main__":
    h.main()
