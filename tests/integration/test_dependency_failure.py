"""A dependency that fails for good fails what requires it (issue 10 items 5 and 7): db turns
unhealthy 0.7 s after each start, on-failure:2 makes it give up after 2 restarts, web and worker
need it healthy, and stackvisor stops the stack and exits 1. An optional dependent keeps
running instead."""
import os
import re
import signal
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

# Healthy for 0.7 s after each start, then unhealthy (its process keeps running).
DB = {"command": ["sh", "-c", "touch @DIR@/ok; sleep 0.7; rm -f @DIR@/ok; exec sleep 1000"],
      "restart": "on-failure:2",
      "healthcheck": {"test": ["CMD", "test", "-e", "@DIR@/ok"], "interval": "200ms",
                      "retries": 2}}
SLEEPER = {"command": ["sleep", "1000"]}


def needs_db(required=True):
    svc = dict(SLEEPER)
    svc["depends_on"] = {"db": {"condition": "service_healthy", "required": required}}
    return svc


class DependencyFailure(unittest.TestCase):

    def db_starts(self, st):
        return len([t for t in st.texts() if re.match(r"^stackvisor\s+\| db: started", t)])

    def test_dependency_giving_up_fails_dependents_and_exits_1(self):
        with h.Stack({"db": DB, "web": needs_db(), "worker": needs_db()}) as st:
            st.event("db", r"gave up after 2 restarts", timeout=30)
            self.assertEqual(st.wait_exit(20), 1, st.dump())
            for svc in ("web", "worker"):
                self.assertTrue(st.has_event(svc, re.escape(
                    "failed: dependency db failed: gave up after 2 restarts")), st.dump())
                self.assertTrue(st.has_event(svc, r"stopped \(killed by SIGTERM\)"), st.dump())
            self.assertEqual(self.db_starts(st), 3, st.dump())  # the first run and 2 restarts
            st.assert_no_leftovers()

    def test_optional_dependent_keeps_running(self):
        with h.Stack({"db": DB, "worker": needs_db(required=False)}) as st:
            i, _, _ = st.event("worker", re.escape(
                "optional dependency db failed: gave up after 2 restarts; keeps running"),
                timeout=30)
            worker = st.started_pid("worker")
            st.ensure_absent("worker", "stopping", 1.0)
            self.assertTrue(h.is_alive(worker), st.dump())
            self.assertIsNone(st.proc.poll(), st.dump())
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            st.assert_no_leftovers()


if __name__ == "__main__":
    h.main()
