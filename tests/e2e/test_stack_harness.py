#!/usr/bin/python3
"""The e2e harness gives up at once when the stackvisor it waits on has exited (issue 9).

A stack whose first one-shot fails (as the example's `state` did from a checkout in /root)
makes stackvisor stop and exit 1 within a second or so; waiting for "all services ready", or
for any event, must then fail with stackvisor's last lines, not after the whole deadline.
Runs the real binary (STACKVISOR_BIN) on a two-service manifest; takes about a second."""
import os
import sys
import tempfile
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stack_harness import ROOT, Failure, Up  # noqa: E402

BIN = Path(os.environ.get("STACKVISOR_BIN", ROOT / "build" / "app" / "stackvisor")).resolve()
MANIFEST = """\
services:
  state:
    command: ["sh", "-c", "echo state-refuses-marker; exit 1"]
  web:
    command: ["sleep", "1000"]
    depends_on:
      state:
        condition: service_completed_successfully
"""
DEADLINE = 120  # what a test would wait for a healthy stack; giving up must take far less
FAST = 15  # generous for a noisy machine, still far below DEADLINE


class HarnessGivesUp(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="sv-e2e-harness-")
        self.dir = Path(self.tmp.name)
        (self.dir / "compose.yaml").write_text(MANIFEST)
        self.up = Up(BIN, ["-f", str(self.dir / "compose.yaml")], dict(os.environ),
                     self.dir / "up.log", cwd=self.dir)

    def tearDown(self):
        self.up.kill()
        self.tmp.cleanup()

    def assert_gives_up_fast(self, wait):
        start = time.monotonic()
        with self.assertRaises(Failure) as caught:
            wait()
        elapsed = time.monotonic() - start
        message = str(caught.exception)
        self.assertLess(elapsed, FAST, f"gave up only after {elapsed:.1f} s: {message}")
        self.assertIn("stackvisor exited with 1", message)
        self.assertIn("state-refuses-marker", message, "the failure must show stackvisor's output")

    def test_wait_ready_fails_once_stackvisor_exited(self):
        self.assert_gives_up_fast(lambda: self.up.wait_ready(DEADLINE))

    def test_wait_event_fails_once_stackvisor_exited(self):
        self.assert_gives_up_fast(lambda: self.up.wait_event("web", "started", DEADLINE))

    def test_event_seen_before_the_exit_still_counts(self):
        # Giving up must not hide what did happen: the exit line is there after the exit.
        hit = self.up.wait_event("state", "exited with code 1", DEADLINE)
        self.assertIsNotNone(hit)


if __name__ == "__main__":
    if not BIN.exists():
        sys.exit(f"{BIN} not found: build first or set STACKVISOR_BIN")
    unittest.main(verbosity=2)
