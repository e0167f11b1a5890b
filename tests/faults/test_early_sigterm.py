"""SIGTERM in the first milliseconds of `up` (issue 10 item 12): every run stops cleanly with
exit 0 and leaves nothing behind. Before the fix a signal that arrived before the handlers were
installed killed stackvisor by its default action (exit -15), 1 run in 16. A signal that comes
while the manifest is still being read waits, blocked, and is handled as a stop request once the
supervisor is up: still the clean path.

"Start" is when stackvisor runs its own code, seen from outside as the first heap in
/proc/PID/maps (malloc's first brk, in the first constructor) or, whichever comes first, a
blocked SIGTERM in /proc/PID/status (ASan's allocator uses no brk). Before that the kernel and the
dynamic loader are still making the process, and a signal then ends it before any instruction
of stackvisor has run: no program can catch that (only a parent blocking it across exec can). On
this 2-core machine under load that window after Popen returns was several ms: 93 of 100 signals
sent at once killed even the fixed binary there, so timing from Popen would test the kernel."""
import os
import random
import signal
import subprocess
import tempfile
import time
import unittest

import faultlib as fl
from faultlib import h

RUNS = int(fl.env_number("SV_EARLY_SIGTERM_RUNS", 40, int))
MAX_DELAY_S = 0.050


def running_own_code(proc):
    if proc.poll() is not None:
        raise AssertionError(f"stackvisor exited with {proc.returncode} before any signal")
    try:
        with open(f"/proc/{proc.pid}/maps") as f:
            if "[heap]" in f.read():
                return True
        with open(f"/proc/{proc.pid}/status") as f:
            for line in f:
                if line.startswith("SigBlk:"):
                    return int(line.split()[1], 16) & (1 << (signal.SIGTERM - 1)) != 0
    except OSError:
        pass
    return False


class EarlySigterm(unittest.TestCase):

    def test_sigterm_in_the_first_50ms_stops_cleanly(self):
        tag = "sv-early-" + os.urandom(6).hex()
        marker = f"SV_TEST_TAG={tag}"
        with tempfile.TemporaryDirectory(prefix="svearly-") as tmp:
            manifest = os.path.join(tmp, "m.yaml")
            with open(manifest, "w") as f:
                f.write(h.to_yaml({"services": {
                    "a": {"command": ["sleep", "1000"], "environment": {"SV_TEST_TAG": tag}},
                    "b": {"command": ["sh", "-c", "sleep 1000"], "depends_on": ["a"],
                          "environment": {"SV_TEST_TAG": tag}}}}))
            env = dict(os.environ)
            env.pop("NOTIFY_SOCKET", None)
            rng = random.Random(int(os.environ.get("SV_EARLY_SIGTERM_SEED", "0")) or None)
            bad = []
            t_start = time.monotonic()
            for run in range(RUNS):
                # Cubed: a third of the runs land in the first 2 ms, where the window was.
                delay = MAX_DELAY_S * rng.random() ** 3
                proc = subprocess.Popen([h.BIN, "up", "--no-color", "-f", manifest], cwd=tmp,
                                        env=env, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        start_new_session=True)
                try:
                    h.wait_until(lambda: running_own_code(proc), 10, "stackvisor running its own code",
                                 interval=0.0002)
                    time.sleep(delay)  # the delay is the input here, not a wait for a state
                    proc.send_signal(signal.SIGTERM)
                    out, _ = proc.communicate(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    out, _ = proc.communicate()
                    bad.append((run, delay, "timeout", out[-400:]))
                    continue
                if proc.returncode != 0:
                    bad.append((run, round(delay * 1000, 1), proc.returncode, out[-400:]))
                # Only leftovers of a run that was killed are found here: fail at once on those.
                left = h.pids_with_env(marker)
                for p in left:
                    os.kill(p, signal.SIGKILL)
                self.assertEqual(left, [], f"run {run}: processes left behind")
            elapsed = time.monotonic() - t_start
        fl.figure("early_sigterm_runs", RUNS)
        fl.figure("early_sigterm_rc0", RUNS - len(bad))
        fl.figure("early_sigterm_total_s", elapsed)
        for b in bad:
            print("run %d after %s ms: rc %s\n%s" % b, flush=True)
        self.assertEqual(len(bad), 0, f"{len(bad)}/{RUNS} runs did not exit 0 (listed above)")


if __name__ == "__main__":
    h.main()
