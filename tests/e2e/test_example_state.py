#!/usr/bin/python3
"""The example's `state` one-shot as root, from a checkout other users cannot reach (issue 9).

A clone in /root (mode 0700) is the usual place for root. postgres (DB_OS_USER) and nginx's
workers (nobody) cannot reach it, and need not: `state` copies what db runs into the state
directory, readable by the database user. A state directory they cannot reach is refused with
the directory in the way, before anything is created. Runs the real script on copies of the
example; a fraction of a second. Skipped unless root (only root switches users)."""
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stack_harness import EXAMPLE  # noqa: E402

DB_OS_USER = "postgres"


@unittest.skipUnless(os.getuid() == 0, "the state one-shot checks reachability only as root")
class ExampleStateAsRoot(unittest.TestCase):

    def setUp(self):
        try:
            pwd.getpwnam(DB_OS_USER)
        except KeyError:
            self.skipTest(f"no {DB_OS_USER} user (apt-get install postgresql)")
        self.private = Path(tempfile.mkdtemp(prefix="sv-e2e-private-"))  # mode 0700
        self.example = self.private / "checkout" / "examples" / "django-channels"
        shutil.copytree(EXAMPLE, self.example, ignore=shutil.ignore_patterns(
            ".env", ".state", "__pycache__"))
        self.reachable = Path(tempfile.mkdtemp(prefix="sv-e2e-state-", dir="/tmp"))
        self.reachable.chmod(0o755)

    def tearDown(self):
        shutil.rmtree(self.private, ignore_errors=True)
        shutil.rmtree(self.reachable, ignore_errors=True)

    def state(self, state_dir):
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "STATE_DIR": str(state_dir),
               "DB_OS_USER": DB_OS_USER}
        return subprocess.run(["/bin/sh", "bin/prepare-state.sh"], cwd=self.example, env=env,
                              capture_output=True, text=True, timeout=30)

    def as_db_user(self, script, cwd):
        return subprocess.run(["setpriv", f"--reuid={DB_OS_USER}", f"--regid={DB_OS_USER}",
                               "--init-groups", "--", "/bin/sh", "-c", script], cwd=cwd,
                              capture_output=True, text=True, timeout=30)

    def test_checkout_in_a_private_directory_is_fine(self):
        self.assertEqual(oct(self.private.stat().st_mode & 0o777), "0o700")
        state_dir = self.reachable / "state"
        r = self.state(state_dir)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(f"state: {state_dir} ready", r.stdout)
        self.assertEqual((state_dir / "postgres").owner(), DB_OS_USER)
        # What db runs, from its working_dir (the state dir), as the database user.
        r = self.as_db_user("test -r db-entrypoint/docker-entrypoint.sh && "
                            "ls db-entrypoint/initdb.d && test -w postgres", state_dir)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        shipped = sorted(p.name for p in (EXAMPLE / "initdb.d").iterdir())
        self.assertEqual(r.stdout.split(), shipped)
        # ... and nothing of the checkout is reachable to it.
        r = self.as_db_user(f"test -r {self.example}/bin/prepare-state.sh", "/")
        self.assertNotEqual(r.returncode, 0, "the test's checkout copy is not private")

    def test_unreachable_state_directory_is_refused_without_creating_it(self):
        state_dir = self.private / "state"
        r = self.state(state_dir)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(f"state: error: {self.private} is drwx------", r.stderr)
        self.assertIn(f"cannot reach the state directory {state_dir}", r.stderr)
        self.assertIn("Set STATE_DIR", r.stderr)
        self.assertFalse(state_dir.exists(), "a refused state directory was created")


if __name__ == "__main__":
    unittest.main(verbosity=2)
