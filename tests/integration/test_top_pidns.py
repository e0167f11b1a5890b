"""`top` of a stack in its own PID namespace (an ordinary user without a writable cgroup): the
API's pids are the namespace's, and top must show the real processes by the numbers /proc here
knows them, not whatever host process happens to have the same small pid."""
import os
import pwd
import re
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
from test_detach import Project  # noqa: E402



@unittest.skipUnless(os.getuid() == 0, "needs root to run the stack as the user svtest")
class TopInPidNamespace(unittest.TestCase):
    def test_top_reads_the_host_pids_of_namespace_processes(self):
        try:
            pw = pwd.getpwnam("svtest")
        except KeyError:
            subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", "svtest"],
                           check=True)
            pw = pwd.getpwnam("svtest")
        p = Project({"web": {"command": ["sleep", "1001"]}})
        self.addCleanup(p.cleanup)
        os.chmod(p.dir, 0o755)
        binary = os.path.join(p.dir, "stackvisor")
        shutil.copy2(h.BIN, binary)
        for path in (p.dir, p.manifest, binary):
            os.chown(path, pw.pw_uid, pw.pw_gid)

        def run(*args):
            return subprocess.run([binary, args[0], "-f", p.manifest] + list(args[1:]),
                                  cwd=p.dir, env=dict(p.env, HOME=p.dir), user=pw.pw_uid,
                                  group=pw.pw_gid, extra_groups=[], stdin=subprocess.DEVNULL,
                                  capture_output=True, text=True, timeout=30)
        up = run("up", "-d")
        self.assertEqual(up.returncode, 0, p.describe(up))
        self.addCleanup(run, "down")
        if "containment: PID namespace" not in p.log():
            self.skipTest("no PID namespace here: " + p.log().splitlines()[0])
        [service] = p.wait_for_pids(1)
        inner = int(h.ns_pids(service)[-1])
        self.assertNotEqual(inner, service, "the service is not in its own PID namespace")
        top = run("top")
        self.assertEqual(top.returncode, 0, p.describe(top))
        rows = [l.split() for l in top.stdout.splitlines() if re.match(r"^\s*\d+\s", l)]
        self.assertEqual([(int(r[0]), r[-2:]) for r in rows], [(service, ["sleep", "1001"])],
                         top.stdout)


if __name__ == "__main__":
    unittest.main()
