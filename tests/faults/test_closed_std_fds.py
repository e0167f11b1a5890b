"""stackvisor started with fd 0, 1 or 2 closed (`<&-`, `>&-`, `2>&-`; issue 10 item 1): the
services keep running, SIGTERM stops them cleanly with exit 0 and nothing left, and the guardian
still works (SIGKILL of stackvisor afterwards takes the services along). Before the fix both
services were `killed by SIGKILL` within 0.1 s and libuv aborted (exit 134): the guardian's pipe
had landed on the closed fd. With stdout closed, stackvisor's and the services' lines go to
/dev/null."""
import os
import signal
import time
import unittest

import faultlib as fl
from faultlib import h

SERVICES = {
    "a": {"command": ["sh", "-c", "echo line1; sleep 1"]},
    "b": {"command": ["sleep", "1000"], "restart": "always"},
}
WINDOW_S = 1.5  # longer than a's run: the old failure took 0.06 s


def closing(redirect):
    # exec: stackvisor replaces the shell, so the Stack's pid is stackvisor's.
    return ["sh", "-c", f'exec "$@" {redirect}', "sh"]


class ClosedStdFds(unittest.TestCase):

    def run_closed(self, redirect, kill_after):
        with h.Stack(SERVICES, wrapper=closing(redirect), args=["--no-color"]) as st:
            sv = st.pid

            def while_running(find):
                def pred():
                    self.assertIsNone(st.proc.poll(), f"stackvisor exited\n{st.dump()}")
                    return find()
                return pred
            b = h.wait_until(while_running(lambda: [p for p in st.leftovers()
                                                    if h.cmdline(p) == "sleep 1000"]),
                             10, "b running")[0]
            h.wait_until(while_running(lambda: fl.guardians_of(sv)), 5, "the guardian running")
            deadline = time.monotonic() + WINDOW_S
            while time.monotonic() < deadline:
                self.assertIsNone(st.proc.poll(), f"stackvisor exited\n{st.dump()}")
                self.assertTrue(h.is_alive(b), f"b was killed\n{st.dump()}")
                self.assertTrue(fl.guardians_of(sv), f"the guardian is gone\n{st.dump()}")
                time.sleep(0.05)
            if redirect != ">&-":
                st.wait_for_line(r"^a\s+\| line1$", timeout=5)
                st.event("a", r"exited with code 0", timeout=5)
                self.assertFalse(st.has_event("b", r"killed"), st.dump())
            self.assertNotIn("Assertion", st.err_text())
            if kill_after:
                os.kill(sv, signal.SIGKILL)
                h.wait_until(lambda: not st.leftovers(), 2.0,
                             "no service process 2 s after SIGKILL of stackvisor")
                return
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(15), 0, f"{redirect}\n{st.dump()}")
            st.assert_no_leftovers()
            self.assertEqual(fl.guardians_of(sv), [])

    def test_stdin_closed(self):
        self.run_closed("<&-", kill_after=False)

    def test_stdout_closed(self):
        self.run_closed(">&-", kill_after=False)

    def test_stderr_closed(self):
        self.run_closed("2>&-", kill_after=False)

    def test_stderr_closed_guardian_still_cleans_up(self):
        self.run_closed("2>&-", kill_after=True)


if __name__ == "__main__":
    h.main()
