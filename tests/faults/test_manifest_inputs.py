"""Bad file inputs to the manifest loader, through the real binary (`stackvisor config -q`).

Every input the loader reads (-f, --env-file, the project's .env, a service's env_file) must be
a regular file of at most 64 MiB: a FIFO (with no writer), /dev/zero, a directory or a sparse
65 MiB file each give exit 2 and one error naming the file, promptly (a FIFO used to block for
ever, /dev/zero to end in std::bad_alloc). Scale: a 200,000-line .env (quadratic before: hours)
and a 5,000-service manifest with 40 variables each (rejected before) load. A service named
`stackvisor` is refused, so no service can print a line that reads as one of stackvisor's events.
FIGURE lines give the times."""
import os
import subprocess
import tempfile
import time
import unittest

import faultlib as fl
from faultlib import h

DEADLINE = 60  # seconds for any single run; each is expected to take well under one
LIMIT = 64 * 1024 * 1024


def write(d, name, text):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(text)
    return path


class ManifestInputs(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="svft-inputs-")
        self.d = self.tmp.name
        self.ok = write(self.d, "ok.yaml", 'services:\n  web:\n    command: ["true"]\n')

    def tearDown(self):
        self.tmp.cleanup()

    def config(self, *args):
        """`stackvisor config -q ARGS` in the temp dir; fails the test if it does not end."""
        t0 = time.monotonic()
        try:
            r = h.run(["config", "-q", *args], timeout=DEADLINE, cwd=self.d)
        except subprocess.TimeoutExpired:
            self.fail(f"stackvisor config -q {' '.join(args)} still running after {DEADLINE} s")
        return r, time.monotonic() - t0

    def assert_refused(self, args, expected):
        r, _ = self.config(*args)
        self.assertEqual(r.returncode, 2, r.stderr)
        errors = [l for l in r.stderr.splitlines() if ": error: " in l]
        self.assertEqual(errors, [expected], r.stderr)

    def manifest_with_env_file(self, env_file):
        return write(self.d, "svc.yaml",
                     f'services:\n  web:\n    command: ["true"]\n    env_file: {env_file}\n')

    def test_fifo_never_blocks(self):
        fifo = os.path.join(self.d, "fifo")
        os.mkfifo(fifo)
        why = "not a regular file (a FIFO)"
        self.assert_refused(["-f", fifo], f"{fifo}: error: cannot read manifest: {why}")
        self.assert_refused(["-f", self.ok, "--env-file", fifo],
                            f"{fifo}: error: cannot read env file: {why}")
        m = self.manifest_with_env_file("fifo")
        self.assert_refused(["-f", m], f"{m}:4:15: error: services.web.env_file: "
                                       f"cannot read env file 'fifo': {why}")

    def test_dev_zero_is_refused_unread(self):
        why = "not a regular file (a character device)"
        self.assert_refused(["-f", "/dev/zero"],
                            f"/dev/zero: error: cannot read manifest: {why}")
        self.assert_refused(["-f", self.ok, "--env-file", "/dev/zero"],
                            f"/dev/zero: error: cannot read env file: {why}")
        m = self.manifest_with_env_file("/dev/zero")
        self.assert_refused(["-f", m], f"{m}:4:15: error: services.web.env_file: "
                                       f"cannot read env file '/dev/zero': {why}")

    def test_directory_env_file_is_an_error(self):
        os.mkdir(os.path.join(self.d, "envdir"))
        m = self.manifest_with_env_file("envdir")
        self.assert_refused(["-f", m], f"{m}:4:15: error: services.web.env_file: "
                                       "cannot read env file 'envdir': not a regular file "
                                       "(a directory)")
        os.mkdir(os.path.join(self.d, ".env"))  # the project's .env, read by default
        self.assert_refused(["-f", self.ok],
                            ".env: error: cannot read env file: not a regular file (a directory)")

    def test_over_the_size_limit(self):
        big = os.path.join(self.d, "big")
        with open(big, "wb") as f:
            f.truncate(LIMIT + 1)  # sparse: costs no disk
        why = "larger than the 64 MiB limit"
        self.assert_refused(["-f", big], f"{big}: error: cannot read manifest: {why}")
        self.assert_refused(["-f", self.ok, "--env-file", big],
                            f"{big}: error: cannot read env file: {why}")
        m = self.manifest_with_env_file("big")
        self.assert_refused(["-f", m], f"{m}:4:15: error: services.web.env_file: "
                                       f"cannot read env file 'big': {why}")

    def test_large_env_file_is_linear(self):
        lines = 200_000
        with open(os.path.join(self.d, "vars.env"), "w") as f:
            f.write("K0=v\n")
            for i in range(1, lines):
                f.write(f"K{i}=${{K{i - 1}}}\n")
        m = write(self.d, "uses.yaml",
                  f'services:\n  web:\n    command: ["echo", "${{K{lines - 1}}}"]\n')
        r, seconds = self.config("-f", m, "--env-file", "vars.env")
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        self.assertEqual(r.stderr, "")
        fl.figure("env_file_200k_lines_config_s", seconds)
        r = h.run(["config", "-f", m, "--env-file", "vars.env"], timeout=DEADLINE, cwd=self.d)
        self.assertIn('- "v"', r.stdout)  # the last variable resolved through all 200,000

    def test_5000_services_40_variables(self):
        parts = ["services:\n"]
        for i in range(5000):
            parts.append(f'  svc{i}:\n    command: ["/bin/sleep", "1000"]\n    environment:\n')
            parts.extend(f"      VAR_{j}: value{i}\n" for j in range(40))
        m = write(self.d, "big.yaml", "".join(parts))
        fl.figure("manifest_5000x40_bytes", os.path.getsize(m))
        r, seconds = self.config("-f", m)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        self.assertEqual(r.stderr, "")
        fl.figure("manifest_5000x40_config_q_s", seconds)

    def test_alias_bomb_is_one_error(self):
        lines = ['x-0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
        for i in range(1, 12):
            lines.append(f"x-{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
        lines += ["services:", "  web:", '    command: ["true"]', "    labels: *a11"]
        m = write(self.d, "bomb.yaml", "\n".join(lines) + "\n")
        r, seconds = self.config("-f", m)
        self.assertEqual(r.returncode, 2)
        errors = [l for l in r.stderr.splitlines() if ": error: " in l]
        self.assertEqual(len(errors), 1, r.stderr[-2000:])
        self.assertRegex(errors[0], r"^.*bomb\.yaml:\d+:\d+: error: aliases expand to more than")
        fl.figure("alias_bomb_9e12_nodes_config_s", seconds)

    def test_service_named_stackvisor_cannot_forge_events(self):
        m = write(self.d, "forge.yaml",
                  "services:\n"
                  "  db:\n"
                  '    command: ["sleep", "30"]\n'
                  "  stackvisor:\n"
                  "    command: [\"echo\", \"db: healthy after 1 ms\"]\n")
        self.assert_refused(["-f", m], f"{m}:4:3: error: services.stackvisor: service name "
                                       "'stackvisor' is reserved for stackvisor's own events; "
                                       "rename the service")
        # `up` refuses it too, before anything runs: no line of the service ever appears.
        r = h.run(["up", "-f", m], timeout=DEADLINE, cwd=self.d)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertNotIn("healthy after", r.stdout)


if __name__ == "__main__":
    h.main()
