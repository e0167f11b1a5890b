"""Exit codes: invalid manifest -> 2 with every diagnostic on stderr and nothing started; bad
usage -> 2; --exit-code-from returns the service's code (128+N for signal N); --abort-on-exit;
spawn failures are reported at once."""
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

BAD = """\
services:
  web:
    command: ["touch", "@DIR@/marker"]
    restrat: always
  db:
    command: ["touch", "@DIR@/marker2"]
    stop_grace_period: 10 parsecs
    depends_on: [nope]
"""


class ExitCodes(unittest.TestCase):

    @staticmethod
    def file_rx(st):
        """The manifest as given (absolute) or relative to the working directory."""
        return f"(?:{re.escape(st.manifest)}|{re.escape(os.path.relpath(st.manifest, st.dir))})"

    def diag(self, st, line, col, path, msg_regex=""):
        rx = (rf"^{self.file_rx(st)}:{line}:{col}: error: {re.escape(path)}: " + msg_regex)
        self.assertRegex(st.err_text(), re.compile(rx, re.M))

    def assert_nothing_started(self, st):
        self.assertFalse(os.path.exists(st.path("marker")))
        self.assertFalse(os.path.exists(st.path("marker2")))
        self.assertFalse(any(re.search(r": started", t) for t in st.texts()), st.dump())

    def test_bad_manifest_all_diagnostics_exit_2(self):
        with h.Stack(yaml_text=BAD) as st:
            self.assertEqual(st.wait_exit(10), 2, st.dump())
            self.diag(st, 4, 5, "services.web.restrat", r".*did you mean.*restart")
            self.diag(st, 7, 24, "services.db.stop_grace_period")
            self.assertRegex(st.err_text(),
                             re.compile(rf"^{self.file_rx(st)}:8:\d+: error: "
                                        r"services\.db\.depends_on.*nope", re.M))
            self.assert_nothing_started(st)

    def test_cycle_is_named(self):
        text = ("services:\n"
                "  a:\n    command: [\"touch\", \"@DIR@/marker\"]\n    depends_on: [b]\n"
                "  b:\n    command: [\"touch\", \"@DIR@/marker2\"]\n    depends_on: [a]\n")
        with h.Stack(yaml_text=text) as st:
            self.assertEqual(st.wait_exit(10), 2, st.dump())
            self.assertRegex(st.err_text(), r"error: .*cycl.*\b(a -> b -> a|b -> a -> b)")
            self.assert_nothing_started(st)

    def test_yaml_syntax_error(self):
        with h.Stack(yaml_text="services:\n  web:\n    command: [\"true\"\n  db: x\n") as st:
            self.assertEqual(st.wait_exit(10), 2, st.dump())
            self.assertRegex(st.err_text(),
                             re.compile(rf"^{self.file_rx(st)}:\d+:\d+: error: ", re.M))

    def test_required_variable_and_missing_command(self):
        text = ("services:\n"
                "  web:\n    command: [\"touch\", \"${SV_SURELY_UNSET_VAR:?must be set for web}\"]\n"
                "  db:\n    environment: {A: b}\n")
        with h.Stack(yaml_text=text) as st:
            self.assertEqual(st.wait_exit(10), 2, st.dump())
            self.assertIn("must be set for web", st.err_text())
            self.assertRegex(st.err_text(), re.compile(r":4:\d+: error: services\.db", re.M))

    def test_bad_usage(self):
        with h.Stack({"a": {"command": ["touch", "@DIR@/marker"]}},
                     args=["--no-such-flag"]) as st:
            self.assertEqual(st.wait_exit(10), 2, st.dump())
            self.assertNotEqual(st.err_text(), "")
            self.assert_nothing_started(st)
        with h.Stack({"a": {"command": ["touch", "@DIR@/marker"]}},
                     args=["--exit-code-from", "nosuch"]) as st:
            self.assertEqual(st.wait_exit(10), 2, st.dump())
            self.assert_nothing_started(st)

    def test_exit_code_from(self):
        with h.Stack({"main": {"command": ["sh", "-c", "sleep 0.3; exit 5"]},
                      "other": {"command": ["sleep", "1000"]}},
                     args=["--exit-code-from", "main"]) as st:
            self.assertEqual(st.wait_exit(15), 5, st.dump())
            st.assert_no_leftovers()

    def test_exit_code_from_signal(self):
        for sig, code in (("TERM", 143), ("KILL", 137)):
            with h.Stack({"main": {"command": ["sh", "-c", f"sleep 0.2; kill -{sig} $$$$"]},
                          "other": {"command": ["sleep", "1000"]}},
                         args=["--exit-code-from", "main"]) as st:
                self.assertEqual(st.wait_exit(15), code, st.dump())
                st.event("main", rf"killed by SIG{sig}", timeout=1)
                st.assert_no_leftovers()

    def test_exit_code_from_zero(self):
        with h.Stack({"main": {"command": ["true"]}, "other": {"command": ["sleep", "1000"]}},
                     args=["--exit-code-from", "main"]) as st:
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            st.assert_no_leftovers()

    def test_abort_on_exit(self):
        for code, expected in ((0, 0), (3, 1)):
            with h.Stack({"long": {"command": ["sleep", "1000"]},
                          "short": {"command": ["sh", "-c", f"sleep 0.3; exit {code}"]}},
                         args=["--abort-on-exit"]) as st:
                pid = st.started_pid("long")
                self.assertEqual(st.wait_exit(15), expected, st.dump())
                self.assertFalse(h.is_alive(pid))
                st.event("long", r"stopping", timeout=1)
                st.assert_no_leftovers()

    def test_spawn_missing_binary(self):
        with h.Stack({"web": {"command": ["/no/such/bin", "x"]},
                      "after": {"command": ["true"], "depends_on": ["web"]}}) as st:
            _, t, _ = st.event("web", r"spawn /no/such/bin: No such file or directory", timeout=5)
            self.assertLess(t - st.start_time, 2.0)
            self.assertEqual(st.wait_exit(10), 1, st.dump())
            self.assertFalse(st.has_event("after", r"started"), st.dump())

    def test_spawn_not_executable(self):
        with h.Stack({"web": {"command": ["@DIR@/notexec"]}}, files={"notexec": "echo hi\n"}) as st:
            st.event("web", r"spawn \S*notexec: Permission denied", timeout=5)
            self.assertEqual(st.wait_exit(10), 1, st.dump())


if __name__ == "__main__":
    h.main()
