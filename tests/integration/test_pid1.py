"""stackvisor as PID 1 of a new PID namespace (`unshare --pid --fork --mount-proc`): reaps 1,000
orphans leaving zero zombies, and still reports every managed service's exact exit status."""
import os
import signal
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

UNSHARE = ["unshare", "--pid", "--fork", "--mount-proc"]


def unshare_works():
    try:
        r = subprocess.run(UNSHARE + ["true"], capture_output=True, timeout=10)
        return r.returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@unittest.skipUnless(unshare_works(),
                     "SKIP: `unshare --pid --fork --mount-proc` is not permitted here (needs root "
                     "or user namespaces)")
class Pid1(unittest.TestCase):

    def sv_host_pid(self, st):
        """The host pid of stackvisor: the child of unshare that runs our binary."""
        def find():
            for c in h.children_of(st.pid):
                if os.path.basename(h.BIN) in h.cmdline(c).split(" ")[0]:
                    return c
            return None
        return h.wait_until(find, 10, "stackvisor running under unshare")

    def test_reaps_1000_orphans_and_keeps_exit_statuses(self):
        g1, g2 = "@DIR@/gate_count", "@DIR@/gate_exit"
        with h.Stack({
            "orphans": {"command": h.py("double_forker.py", 1000, 0.2)},
            "early": {"command": ["sh", "-c", "exit 0"]},
            "count": {"command": h.py("wait_then.py", g1, h.PY, h.prog("zombie_count.py"))},
            "seven": {"command": h.py("wait_then.py", g2, "sh", "-c", "exit 7")},
            "killed": {"command": h.py("wait_then.py", g2, "sh", "-c", "kill -KILL $$$$")},
            "three": {"command": h.py("wait_then.py", g2, "sh", "-c", "sleep 0.1; exit 3")},
        }, wrapper=UNSHARE) as st:
            sv = self.sv_host_pid(st)
            st.started_pid("orphans")
            st.event("early", r"(completed successfully|exited with code 0)")

            def saw_reparented_orphan():
                # an orphan (double_forker grandchild) whose parent is stackvisor
                kids = [c for c in h.children_of(sv) if "double_forker" in h.cmdline(c)]
                return len(kids) >= 2
            h.wait_until(saw_reparented_orphan, 15, "orphans re-parented to stackvisor (PID 1)")
            st.wait_for_line(r"^orphans\s+\| forked 1000 orphans$", timeout=30)
            # the service's main process leads its own group; its orphans stay in that group
            mains = [c for c in h.children_of(sv) if "double_forker" in h.cmdline(c)
                     and (h.proc_stat(c) or (0, 0, 0))[2] == c]
            self.assertEqual(len(mains), 1, mains)

            def settled():
                kids = h.children_of(sv)
                zombies = [c for c in kids if (h.proc_stat(c) or ("?",))[0] == "Z"]
                orphans = [c for c in kids if c != mains[0]
                           and (h.proc_stat(c) or (0, 0, 0))[2] == mains[0]]
                return not zombies and not orphans
            try:
                h.wait_until(settled, 20, "all orphans reaped, zero zombies under stackvisor")
            except AssertionError:
                kids = [(c, h.proc_stat(c), h.cmdline(c)) for c in h.children_of(sv)]
                self.fail(f"not settled: {len(kids)} children of stackvisor: {kids[:10]}")
            # and from inside the namespace
            st.touch("gate_count")
            _, _, m = st.wait_for_line(r"^count\s+\| zombies=(\d+) live=(\d+)$", timeout=10)
            self.assertEqual(int(m.group(1)), 0, st.dump())
            # exact statuses of managed services despite the waitpid(-1) reaper
            st.touch("gate_exit")
            st.event("seven", r"exited with code 7", timeout=10)
            st.event("killed", r"killed by SIGKILL", timeout=10)
            st.event("three", r"exited with code 3", timeout=10)
            self.assertFalse(st.has_event("seven", r"exited with code (?!7\b)"), st.dump())
            self.assertTrue(h.is_alive(mains[0]), "the orphan-making service must still run")
            os.kill(sv, signal.SIGTERM)  # as PID 1 it must have a handler to react
            rc = st.wait_exit(15)
            self.assertIn(rc, (0, 1), st.dump())
            st.wait_for_line(r"^stackvisor\s+\| stopped$", timeout=1)


if __name__ == "__main__":
    h.main()
