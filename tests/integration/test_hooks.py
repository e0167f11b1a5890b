"""Compose lifecycle hooks: post_start runs after the process started, with the service's
environment, user and directory (plus its own), its output in the service's log; a failing
post_start kills the process (compose fails the start); a dependent waits for the post_start
hooks to end; pre_stop runs before the stop signal and
the grace period bounds it."""
import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


class Hooks(unittest.TestCase):

    def test_post_start_runs_with_the_service_environment(self):
        with h.Stack({"web": {
            "command": ["sleep", "1000"],
            "environment": {"SVC_VAR": "from-service"},
            "post_start": [
                {"command": ["sh", "-c", "echo hook $$SVC_VAR $$HOOK_VAR $$(pwd) > @DIR@/post.txt; echo hook-says-hi"],
                 "environment": {"HOOK_VAR": "from-hook"}},
            ],
        }}) as st:
            st.started_pid("web")
            st.wait_for_line(r"^web\s+\| hook-says-hi$")
            h.wait_until(lambda: os.path.exists(st.path("post.txt")), 10, "post.txt")
            with open(st.path("post.txt")) as f:
                self.assertEqual(f.read().strip(), f"hook from-service from-hook {st.dir}")
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            st.assert_no_leftovers()

    def test_failing_post_start_kills_the_process(self):
        with h.Stack({"web": {
            "command": ["sleep", "1000"],
            "post_start": [{"command": ["sh", "-c", "exit 3"]},
                           {"command": ["touch", "@DIR@/never"]}],
        }}) as st:
            st.started_pid("web")
            st.event("web", r"post_start hook 'sh -c exit 3' exited with code 3; killing")
            st.event("web", r"killed by SIGKILL")
            self.assertNotEqual(st.wait_exit(15), 0, st.dump())
            self.assertFalse(os.path.exists(st.path("never")), "a hook after a failed one ran")
            st.assert_no_leftovers()

    def test_dependent_starts_after_post_start_ran(self):
        # compose: a dependency is started once its post_start hooks ran. The hook takes a
        # moment on purpose; the dependent records whether the hook's file was there.
        with h.Stack({
            "db": {"command": ["sleep", "1000"],
                   "post_start": [{"command": ["sh", "-c", "sleep 0.5; touch @DIR@/hook-done"]}]},
            "web": {"command": ["sh", "-c", "if test -e @DIR@/hook-done; then touch @DIR@/after; "
                                            "else touch @DIR@/before; fi; exec sleep 1000"],
                    "depends_on": ["db"]},
        }) as st:
            h.wait_until(lambda: os.path.exists(st.path("after")) or
                         os.path.exists(st.path("before")), 15, "web to start")
            self.assertTrue(os.path.exists(st.path("after")), "web started before db's hook ran")
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(15), 0, st.dump())

    def test_pre_stop_runs_before_the_stop_signal(self):
        # The service records SIGTERM's arrival; the hook writes its mark first and sleeps a
        # little, so the order shows in the file.
        with h.Stack({"web": {
            "command": ["sh", "-c", "trap 'echo term >> @DIR@/order; exit 0' TERM; "
                        "while true; do sleep 0.1; done"],
            "pre_stop": [{"command": ["sh", "-c", "echo hook >> @DIR@/order; sleep 0.3"]}],
        }}) as st:
            st.started_pid("web")
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            with open(st.path("order")) as f:
                self.assertEqual(f.read().split(), ["hook", "term"], st.dump())
            st.assert_no_leftovers()

    def test_grace_period_bounds_a_hanging_pre_stop(self):
        with h.Stack({"web": {
            "command": ["sleep", "1000"],
            "stop_grace_period": "1s",
            "pre_stop": [{"command": ["sleep", "1000"]}],
        }}) as st:
            st.started_pid("web")
            t0 = time.monotonic()
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            self.assertLess(time.monotonic() - t0, 8, st.dump())
            st.event("web", r"stopped.*SIGKILL", timeout=1)
            st.assert_no_leftovers()


if __name__ == "__main__":
    h.main()
