"""up --log-lines / --log-bytes bound what `logs` can still show of each service."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
from test_control import ControlStack  # noqa: E402

TWENTY = "for i in $(seq 1 20); do echo line $$i; done; exec sleep 100000"


def texts(stdout):
    return [l.split("| ", 1)[1] for l in stdout.splitlines()]


class LogLimits(unittest.TestCase):
    def test_log_lines_keeps_the_last_n(self):
        with ControlStack({"w": {"command": ["sh", "-c", TWENTY]}},
                          args=("--log-lines", "5")) as st:
            st.wait_api()
            st.wait_for_line(r"^w\s+\| line 20$")
            r = st.sv("logs", "w", check=0)
            self.assertEqual(texts(r.stdout), [f"line {i}" for i in range(16, 21)])
            # A tail beyond the ring returns what is kept, no more and no error.
            r = st.sv("logs", "--tail", "100", "w", check=0)
            self.assertEqual(len(texts(r.stdout)), 5)

    def test_log_bytes_keeps_what_fits(self):
        # "line NN" is 7 bytes: 32 bytes hold the last four lines at most.
        with ControlStack({"w": {"command": ["sh", "-c", TWENTY]}},
                          args=("--log-bytes", "32")) as st:
            st.wait_api()
            st.wait_for_line(r"^w\s+\| line 20$")
            kept = texts(st.sv("logs", "w", check=0).stdout)
            self.assertTrue(1 <= len(kept) <= 4, kept)
            self.assertEqual(kept[-1], "line 20")

    def test_bad_sizes_are_refused_before_anything_starts(self):
        for bad in ("0", "4t", "2g"):
            with ControlStack({"w": {"command": ["sh", "-c", "echo started"]}},
                              args=("--log-bytes", bad)) as st:
                self.assertEqual(st.wait_exit(), 2, st.dump())
                self.assertIn("--log-bytes: expected a size", st.err_text())
                self.assertIsNone(st.find_line(r"started"))


if __name__ == "__main__":
    unittest.main()
