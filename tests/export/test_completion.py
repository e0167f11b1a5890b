"""`stackvisor completion bash|zsh|fish`: the scripts are valid for their shells, complete every
subcommand and option the CLI defines, and complete service names from the manifest on the
command line (through `stackvisor config --services`)."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exportlib  # noqa: E402


def subcommands():
    """What `stackvisor --help` lists: the completion must follow whatever the CLI defines."""
    text = subprocess.run([exportlib.BIN, "--help"], capture_output=True, text=True).stdout
    return sorted(re.findall(r"^  ([a-z]+) ", text.split("Subcommands:")[1], re.M))


def script(shell):
    proc = subprocess.run([exportlib.BIN, "completion", shell], capture_output=True, text=True,
                          timeout=10)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


class BashCompletion(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sv-completion-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.script = os.path.join(self.dir, "stackvisor.bash")
        with open(self.script, "w") as f:
            f.write(script("bash"))

    def complete(self, *words, cwd=None):
        """COMPREPLY for a command line whose last word is being completed."""
        quoted = " ".join("'" + w.replace("'", "'\\''") + "'" for w in (exportlib.BIN,) + words)
        program = (". '%s'; COMP_WORDS=(%s); COMP_CWORD=%d; _stackvisor; "
                   "printf '%%s\\n' \"${COMPREPLY[@]}\"" % (self.script, quoted, len(words)))
        proc = subprocess.run(["/bin/bash", "-c", program], capture_output=True, text=True,
                              cwd=cwd or self.dir, timeout=30)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return [w for w in proc.stdout.splitlines() if w]

    def test_syntax(self):
        proc = subprocess.run(["/bin/bash", "-n", self.script], capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)

    def test_subcommands_from_the_cli(self):
        self.assertEqual(sorted(self.complete("")), subcommands())
        self.assertTrue({"up", "config", "export", "completion"} <= set(subcommands()))
        self.assertEqual(sorted(self.complete("ex")), ["exec", "export"])
        self.assertEqual(self.complete("exp"), ["export"])

    def test_options_and_positional_choices(self):
        self.assertIn("--output", self.complete("export", "--"))
        self.assertIn("--profile", self.complete("up", "--"))
        self.assertEqual(sorted(self.complete("export", "")), ["kubernetes", "nomad", "systemd"])
        self.assertEqual(sorted(self.complete("completion", "")), ["bash", "fish", "zsh"])

    def test_service_names_from_the_manifest(self):
        # In the manifest's directory (discovery), and through -f from anywhere else.
        shutil.copy(exportlib.FEATURES, os.path.join(self.dir, "compose.yaml"))
        names = ["api", "cache", "db", "notifier", "setup", "worker"]
        self.assertEqual(sorted(self.complete("up", "")), names)
        self.assertEqual(self.complete("up", "wo"), ["worker"])
        elsewhere = tempfile.mkdtemp(prefix="sv-completion-cwd-")
        self.addCleanup(shutil.rmtree, elsewhere, True)
        self.assertEqual(sorted(self.complete("up", "-f", exportlib.FEATURES, "", cwd=elsewhere)),
                         names)
        self.assertEqual(self.complete("up", "", cwd=elsewhere), [])  # no manifest: nothing


class OtherShells(unittest.TestCase):
    def test_zsh(self):
        text = script("zsh")
        self.assertTrue(text.startswith("#compdef stackvisor\n"))
        if shutil.which("zsh"):
            proc = subprocess.run(["zsh", "-n"], input=text, capture_output=True, text=True)
            self.assertEqual(proc.returncode, 0, proc.stderr)

    def test_fish(self):
        text = script("fish")
        for cmd in subcommands():
            self.assertIn("-n __fish_use_subcommand -a " + cmd + " ", text)
        self.assertIn("-n '__fish_seen_subcommand_from export' -s o -l output -r", text)
        self.assertIn("(stackvisor config --services 2>/dev/null)", text)
        if shutil.which("fish"):
            proc = subprocess.run(["fish", "-n"], input=text, capture_output=True, text=True)
            self.assertEqual(proc.returncode, 0, proc.stderr)


if __name__ == "__main__":
    exportlib.main()
