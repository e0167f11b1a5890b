"""Shared helpers for the export tests (python3 standard library only).

`export(fmt, manifest, env)` runs the real `stackvisor export` into a fresh directory and returns
its files; `check_golden` compares them with tests/export/golden/<fmt>/<case>/ after replacing
what depends on the machine (checkout path, output path, user). STACKVISOR_UPDATE_GOLDEN=1
rewrites the golden files instead (review the diff before committing it).
"""
import os
import pwd
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("STACKVISOR_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
BIN = os.environ.get("STACKVISOR_BIN", os.path.join(SOURCE, "build/app/stackvisor"))
GOLDEN = os.path.join(HERE, "golden")
DATA = os.path.join(HERE, "data")
EXAMPLE = os.path.join(SOURCE, "examples/django-channels/compose.yaml")
FEATURES = os.path.join(DATA, "features.yaml")
USER = pwd.getpwuid(os.getuid()).pw_name

# The example's required values, fixed so the output is the same on every machine (STATE_DIR:
# export already defaults it as for root).
EXAMPLE_ENV = {
    "DJANGO_SECRET_KEY": "golden-django-secret",
    "POSTGRES_PASSWORD": "golden-db-password",
    # daemon exists on every Debian system; export resolves users as root would, so it need not
    # be the user running the tests.
    "DB_OS_USER": "daemon",
    "STATE_DIR": "/var/lib/stackvisor/django-channels",
}


class Export:
    def __init__(self, fmt, manifest, env=None, extra_args=()):
        self.dir = tempfile.mkdtemp(prefix="sv-export-")
        self.out = os.path.join(self.dir, fmt)
        full_env = {k: v for k, v in os.environ.items() if not k.startswith(("POSTGRES_", "DJANGO_"))}
        full_env.pop("UNWANTED", None)
        full_env.update(env or {})
        self.proc = subprocess.run(
            [BIN, "export", fmt, "-f", manifest, "-o", self.out, *extra_args],
            cwd=self.dir, env=full_env, capture_output=True, text=True, timeout=60)
        self.files = {}
        if os.path.isdir(self.out):
            for name in sorted(os.listdir(self.out)):
                with open(os.path.join(self.out, name), encoding="utf-8") as f:
                    self.files[name] = f.read()

    def path(self, name):
        return os.path.join(self.out, name)

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def normalised(self, text):
        return text.replace(self.out, "@OUT@").replace(SOURCE, "@SRC@")


def export(test, fmt, manifest, env=None, extra_args=()):
    """Runs the export, asserts it succeeded, and removes its directory after the test."""
    e = Export(fmt, manifest, env, extra_args)
    test.addCleanup(e.cleanup)
    test.assertEqual(e.proc.returncode, 0, "export failed:\n" + e.proc.stderr)
    test.assertTrue(e.files, "export wrote no files")
    return e


def check_golden(test, e, fmt, case):
    golden_dir = os.path.join(GOLDEN, fmt, case)
    if os.environ.get("STACKVISOR_UPDATE_GOLDEN") == "1":
        shutil.rmtree(golden_dir, ignore_errors=True)
        os.makedirs(golden_dir)
        for name, text in e.files.items():
            with open(os.path.join(golden_dir, name), "w", encoding="utf-8") as f:
                f.write(e.normalised(text))
        return
    test.assertEqual(sorted(os.listdir(golden_dir)), sorted(e.files),
                     "the set of files differs from " + golden_dir)
    for name, text in e.files.items():
        with open(os.path.join(golden_dir, name), encoding="utf-8") as f:
            test.assertEqual(e.normalised(text), f.read(), "golden " + fmt + "/" + case + "/" + name)


def unmapped_lines(stderr, fmt):
    prefix = "stackvisor: export " + fmt + ": not mapped: "
    return [line[len(prefix):] for line in stderr.splitlines() if line.startswith(prefix)]


def main():
    unittest.main(verbosity=2)


TOOLS = os.environ.get("STACKVISOR_TEST_TOOLS") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "stackvisor/test-tools")
NODE = "/usr/bin/node"


def install_test_tools():
    """The npm validators; installed once into TOOLS (quick and offline afterwards)."""
    proc = subprocess.run([os.path.join(SOURCE, "scripts/install-test-tools.sh"), TOOLS],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError("scripts/install-test-tools.sh failed (npm must reach its registry):\n"
                           + proc.stdout + proc.stderr)


def node(script, *args):
    """Runs one of tests/export/*.mjs with the test tools; returns the CompletedProcess."""
    env = dict(os.environ, STACKVISOR_TEST_TOOLS=TOOLS)
    return subprocess.run([NODE, os.path.join(HERE, script), *args], capture_output=True,
                          text=True, env=env, timeout=120)
