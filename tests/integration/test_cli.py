"""CLI: `config` prints the resolved manifest (interpolation, .env, merge, profiles), `config
--services` lists start order, `-q`, manifest discovery without -f, named services start with
their dependencies only, `--version`, `--help`, `help up`, docker-only keys warned about."""
import os
import re
import signal
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def write(d, name, text):
    with open(os.path.join(d, name), "w") as f:
        f.write(text)
    return os.path.join(d, name)


class Cli(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="svit-cli-")
        self.d = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def test_version_and_help(self):
        r = h.run(["--version"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"\d+\.\d+\.\d+")
        r = h.run(["--help"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("up", r.stdout)
        self.assertIn("config", r.stdout)
        r = h.run(["help", "up"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("--exit-code-from", r.stdout)
        self.assertIn("--abort-on-exit", r.stdout)
        r = h.run(["help", "config"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("--services", r.stdout)
        # Every control verb has its help topic, with its own options.
        for verb, option in [("ps", "--json"), ("logs", "--tail"), ("start", "services"),
                             ("stop", "--timeout"), ("restart", "--timeout"),
                             ("kill", "--signal"), ("top", "services"), ("down", "--timeout"),
                             ("up", "--log-lines")]:
            r = h.run(["help", verb])
            self.assertEqual(r.returncode, 0, (verb, r.stderr))
            self.assertIn(option, r.stdout, verb)
        r = h.run(["help", "nosuch"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown command 'nosuch'", r.stderr)

    def test_config_interpolates(self):
        write(self.d, ".env", "FROM_DOTENV=dotenv-value-42\nBOTH=from-dotenv\n")
        f = write(self.d, "stackvisor.yaml",
                  "services:\n  web:\n    command: [\"echo\", \"${GREETING:-hi}\", \"${FROM_DOTENV}\","
                  " \"${BOTH}\", \"${MISSING:-fallback-7}\", \"$$literal\"]\n")
        r = h.run(["config", "-f", f], env={"GREETING": "bonjour-xyz", "BOTH": "from-process"})
        self.assertEqual(r.returncode, 0, r.stderr)
        for s in ("bonjour-xyz", "dotenv-value-42", "from-process", "fallback-7", "$literal"):
            self.assertIn(s, r.stdout)
        self.assertNotIn("from-dotenv", r.stdout)
        self.assertNotIn("${", r.stdout)
        r = h.run(["config", "-q", "-f", f])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "")

    def test_config_services_start_order(self):
        f = write(self.d, "stackvisor.yaml",
                  "services:\n"
                  "  a:\n    command: [\"true\"]\n    depends_on: [b]\n"
                  "  b:\n    command: [\"true\"]\n    depends_on:\n      c:\n        condition: service_healthy\n"
                  "  c:\n    command: [\"true\"]\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n")
        r = h.run(["config", "--services", "-f", f])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.split(), ["c", "b", "a"])

    def test_config_invalid_exits_2(self):
        f = write(self.d, "stackvisor.yaml", "services:\n  web:\n    comand: [\"true\"]\n")
        r = h.run(["config", "-f", f])
        self.assertEqual(r.returncode, 2)
        self.assertRegex(r.stderr, re.escape(f) + r":3:5: error: services\.web\.comand: .*command")

    def test_merge_and_profiles(self):
        a = write(self.d, "a.yaml",
                  "services:\n  web:\n    command: [\"echo\", \"base-cmd\"]\n"
                  "    environment:\n      KEEP: kept-1\n      OVER: base\n"
                  "  dbg:\n    command: [\"true\"]\n    profiles: [debug]\n")
        b = write(self.d, "b.yaml",
                  "services:\n  web:\n    command: [\"echo\", \"override-cmd\"]\n"
                  "    environment:\n      OVER: overridden-2\n")
        r = h.run(["config", "-f", a, "-f", b])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("override-cmd", r.stdout)
        self.assertNotIn("base-cmd", r.stdout)
        self.assertIn("kept-1", r.stdout)
        self.assertIn("overridden-2", r.stdout)
        r = h.run(["config", "--services", "-f", a, "-f", b])
        self.assertEqual(r.stdout.split(), ["web"])
        r = h.run(["config", "--services", "--profile", "debug", "-f", a, "-f", b])
        self.assertEqual(sorted(r.stdout.split()), ["dbg", "web"])

    def test_project_options_before_the_subcommand(self):
        """Compose's form `-f a -f b config` (the seed pages print it): merged as after it;
        `run` still finds its command after SERVICE."""
        a = write(self.d, "a.yaml", "services:\n  web:\n    command: [\"echo\", \"base-cmd\"]\n")
        b = write(self.d, "b.yaml", "services:\n  web:\n    command: [\"echo\", \"over-cmd\"]\n"
                  "  dbg:\n    command: [\"true\"]\n    profiles: [debug]\n")
        r = h.run(["-f", a, "-f", b, "config"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("over-cmd", r.stdout)
        self.assertNotIn("base-cmd", r.stdout)
        r = h.run(["--file", a, "-f", b, "--profile", "debug", "config", "--services"])
        self.assertEqual(sorted(r.stdout.split()), ["dbg", "web"], r.stderr)
        r = h.run(["-f", a, "-f", b, "run", "--rm", "web", "echo", "--from-run", "-f"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("--from-run -f", r.stdout)

    def test_discovery_without_f(self):
        write(self.d, "compose.yaml", "services:\n  web:\n    command: [\"echo\", \"from-compose\"]\n")
        write(self.d, "compose.override.yaml",
              "services:\n  extra:\n    command: [\"true\"]\n")
        r = h.run(["config", "--services"], cwd=self.d)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(r.stdout.split()), ["extra", "web"])
        write(self.d, "stackvisor.yaml", "services:\n  first:\n    command: [\"true\"]\n")
        r = h.run(["config", "--services"], cwd=self.d)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.split(), ["first"])

    def test_docker_only_keys_warned(self):
        f = write(self.d, "stackvisor.yaml",
                  # an image without a recipe (nginx has one: it is no longer ignored)
                  "services:\n  web:\n    image: example/web\n    ipc: host\n"
                  "    ports: [\"80:80\"]\n    command: [\"true\"]\n")
        r = h.run(["config", "-f", f])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stderr, r"services\.web\.image.*ignored|image.*ignored")
        self.assertRegex(r.stderr, r"ipc.*ignored")
        self.assertNotRegex(r.stderr, r"ports.*ignored")  # honoured: docs/ports.md

    def test_up_named_service_starts_dependencies_only(self):
        with h.Stack({"a": {"command": ["sleep", "1000"]},
                      "b": {"command": ["sleep", "1000"], "depends_on": ["a"]},
                      "c": {"command": ["sleep", "1000"]}}, args=["b"]) as st:
            st.started_pid("a")
            st.started_pid("b")
            st.wait_for_line(r"^stackvisor\s+\| all services ready", timeout=10)
            self.assertFalse(st.has_event("c", "started"), st.dump())
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            st.assert_no_leftovers()


if __name__ == "__main__":
    h.main()
