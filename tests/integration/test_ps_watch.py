"""ps --watch redraws at most every 100 ms however many changes arrive, and still shows the
newest state."""
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
from test_control import ControlStack  # noqa: E402


class PsWatch(unittest.TestCase):
    def test_a_storm_of_changes_is_coalesced(self):
        # 20 services crashing and restarting at once: hundreds of changes a second.
        churn = {f"c{i}": {"command": ["sh", "-c", "exit 1"], "restart": "always"}
                 for i in range(20)}
        with ControlStack(churn) as st:
            st.wait_api()
            watch = subprocess.Popen([h.BIN, "ps", "--file", st.manifest, "--watch", "--json"],
                                     cwd=st.dir, env=st.env, stdout=subprocess.PIPE, text=True)
            try:
                first = json.loads(watch.stdout.readline())
                self.assertEqual(len(first), 20)
                start = time.monotonic()
                draws, restarts = 0, 0
                while time.monotonic() - start < 2.0:
                    now = json.loads(watch.stdout.readline())
                    draws += 1
                    restarts = max(s["restarts"] for s in now)
                elapsed = time.monotonic() - start
                # Without coalescing every change is a draw: far more than one per 100 ms.
                self.assertLessEqual(draws, elapsed / 0.1 + 3, (draws, elapsed))
                self.assertGreaterEqual(draws, 2)
                self.assertGreater(restarts, first[0]["restarts"])
            finally:
                watch.kill()
                watch.wait(5)
                watch.stdout.close()


if __name__ == "__main__":
    unittest.main()
