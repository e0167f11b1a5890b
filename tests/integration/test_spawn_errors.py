"""Spawn errors name the step that failed (issue 9), and a relative command is looked up in the
service's working_dir, not in the directory stackvisor was started from (issue 10, item 11)."""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

HI = "#!/bin/sh\necho \"hi from $(pwd)\"\n"


class SpawnErrors(unittest.TestCase):
    @unittest.skipUnless(os.getuid() == 0, "user: needs root")
    def test_working_dir_the_user_cannot_enter(self):
        # The project dir is a 0700 temp dir owned by root: nobody cannot enter anything in it.
        with h.Stack({"u": {"command": ["sh", "-c", "true"], "user": "nobody",
                            "working_dir": "private"}}, files={"private/x": ""}) as st:
            want = f"spawn: chdir to {st.path('private')} as nobody: Permission denied"
            st.event("u", re.escape(want), timeout=10)
            self.assertFalse(st.has_event("u", r"spawn sh:"), st.dump())
            self.assertEqual(st.wait_exit(10), 1, st.dump())

    @unittest.skipUnless(os.getuid() == 0, "user: needs root")
    def test_program_the_user_cannot_exec(self):
        st = h.Stack({"u": {"command": ["@DIR@/run.sh"], "user": "nobody", "working_dir": "/tmp"}},
                     files={"run.sh": HI})
        os.chmod(st.path("run.sh"), 0o755)  # executable, but inside a dir nobody cannot enter
        with st:
            want = f"spawn: exec {st.path('run.sh')}: Permission denied"
            st.event("u", re.escape(want), timeout=10)
            self.assertEqual(st.wait_exit(10), 1, st.dump())


class RelativeCommand(unittest.TestCase):
    def run_from(self, services, cwd_of):
        st = h.Stack(services, files={"sub/hi.sh": HI, "sub/bin/tool": HI})
        try:
            for name in ("sub/hi.sh", "sub/bin/tool"):
                os.chmod(st.path(name), 0o755)
            cwd = cwd_of(st)
            r = h.run(["up", "--no-color", "-f", st.manifest], cwd=cwd)
            self.assertEqual(r.returncode, 0, f"from {cwd}:\n{r.stdout}\n{r.stderr}")
            return st.path("sub"), r.stdout
        finally:
            st.cleanup()

    def test_dot_slash_command_runs_from_working_dir(self):
        services = {"a": {"command": ["./hi.sh"], "working_dir": "sub"}}
        for cwd_of in (lambda st: st.dir, lambda st: "/", lambda st: st.path("sub")):
            sub, out = self.run_from(services, cwd_of)
            self.assertIn(f"hi from {sub}", out)
            self.assertNotIn("No such file", out)

    def test_relative_path_entry_is_relative_to_working_dir(self):
        services = {"a": {"command": ["tool"], "working_dir": "sub",
                          "environment": {"PATH": "bin:/usr/bin:/bin"}}}
        sub, out = self.run_from(services, lambda st: "/")
        self.assertIn(f"hi from {sub}", out)


if __name__ == "__main__":
    h.main()
