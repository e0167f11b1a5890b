"""The .deb CPack builds: lintian-clean, installable with dpkg into a fresh root, and what it
installs works: `stackvisor --version` names the version and git revision, the man page has
every subcommand, the completions and the stackvisor@.service template are in place."""
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exportlib  # noqa: E402

BUILD = os.path.dirname(os.path.dirname(os.path.abspath(exportlib.BIN)))


class DebPackage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sv-deb-")
        proc = subprocess.run(["cpack", "--config", os.path.join(BUILD, "CPackConfig.cmake"),
                               "-B", cls.tmp], capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            raise RuntimeError("cpack failed:\n" + proc.stdout + proc.stderr)
        debs = [f for f in os.listdir(cls.tmp) if f.endswith(".deb")]
        assert len(debs) == 1, debs
        cls.deb = os.path.join(cls.tmp, debs[0])
        # A fresh root with an empty dpkg database: nothing of the host's is installed there.
        cls.root = os.path.join(cls.tmp, "root")
        for d in ["var/lib/dpkg/info", "var/lib/dpkg/updates"]:
            os.makedirs(os.path.join(cls.root, d))
        open(os.path.join(cls.root, "var/lib/dpkg/status"), "w").close()
        cls.install = subprocess.run(
            ["dpkg", "--root=" + cls.root, "--force-depends", "--force-not-root",
             "--force-script-chrootless", "--log=/dev/null", "-i", cls.deb],
            capture_output=True, text=True, timeout=60)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def installed(self, path):
        return os.path.join(self.root, path.lstrip("/"))

    def test_lintian_clean(self):
        proc = subprocess.run(["lintian", "--fail-on", "error,warning", self.deb],
                              capture_output=True, text=True, timeout=120)
        tags = [l for l in proc.stdout.splitlines() if re.match(r"^[EWIPX]: ", l)]
        self.assertEqual(tags, [], proc.stdout + proc.stderr)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)

    def test_dpkg_installs_it_and_the_binary_runs(self):
        self.assertEqual(self.install.returncode, 0, self.install.stderr)
        status = subprocess.run(["dpkg-query", "--admindir=" + self.installed("/var/lib/dpkg"),
                                 "-W", "-f=${Status} ${Version}", "stackvisor"],
                                capture_output=True, text=True)
        self.assertTrue(status.stdout.startswith("install ok installed"), status.stdout)
        out = subprocess.run([self.installed("/usr/bin/stackvisor"), "--version"],
                             capture_output=True, text=True, timeout=10)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertRegex(out.stdout, r"^stackvisor \d+\.\d+\.\d+ \(git [0-9a-z.+-]+\)\n$")
        # The revision is a commit of this checkout (the one built; HEAD may have moved since).
        revision = re.search(r"\(git ([0-9a-f]+)(-dirty)?\)", out.stdout)
        if os.path.isdir(os.path.join(exportlib.SOURCE, ".git")) or os.path.isfile(
                os.path.join(exportlib.SOURCE, ".git")):
            self.assertIsNotNone(revision, out.stdout)
            known = subprocess.run(["git", "-C", exportlib.SOURCE, "cat-file", "-e",
                                    revision.group(1) + "^{commit}"], capture_output=True)
            self.assertEqual(known.returncode, 0, revision.group(1) + " is not a commit here")

    def test_man_page_lists_every_subcommand(self):
        with gzip.open(self.installed("/usr/share/man/man1/stackvisor.1.gz"), "rt") as f:
            man = f.read()
        help_text = subprocess.run([exportlib.BIN, "--help"], capture_output=True, text=True).stdout
        commands = re.findall(r"^  ([a-z]+) ", help_text.split("Subcommands:")[1], re.M)
        self.assertIn("export", commands)
        for cmd in commands:
            self.assertIn(".SS " + cmd + "\n", man)

    def test_completions_and_template_unit_installed(self):
        for path in ["/usr/share/bash-completion/completions/stackvisor",
                     "/usr/share/zsh/vendor-completions/_stackvisor",
                     "/usr/share/fish/vendor_completions.d/stackvisor.fish",
                     "/usr/share/doc/stackvisor/copyright"]:
            self.assertTrue(os.path.isfile(self.installed(path)), path)
        unit = self.installed("/lib/systemd/system/stackvisor@.service")
        with open(unit) as f:
            text = f.read()
        self.assertIn("WorkingDirectory=/srv/%i\n", text)
        self.assertIn("ExecStart=/usr/bin/stackvisor up", text)
        # Valid for systemd, run as an instance; only the binary's path is the installed root's.
        d = tempfile.mkdtemp(prefix="sv-deb-unit-")
        self.addCleanup(shutil.rmtree, d, True)
        with open(os.path.join(d, "stackvisor@shop.service"), "w") as f:
            f.write(text.replace("/usr/bin/stackvisor", self.installed("/usr/bin/stackvisor")))
        proc = subprocess.run(["/usr/bin/systemd-analyze", "verify", "--man=no",
                               os.path.join(d, "stackvisor@shop.service")],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual((proc.returncode, proc.stderr.strip()), (0, ""))


if __name__ == "__main__":
    exportlib.main()
