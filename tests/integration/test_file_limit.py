"""Open files: stackvisor holds two pipes per service, so it raises its own soft RLIMIT_NOFILE to
the hard limit (a session's usual 1024 would stop it near 500 services) and gives every service
back the soft limit it was started with. Here the soft limit is 64, too few for 40 services'
80 pipes unless it is raised."""
import os
import re
import resource
import signal
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

SERVICES = 40
SOFT = 64


class FileLimit(unittest.TestCase):

    def test_many_services_under_a_low_soft_limit(self):
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        hard_text = "unlimited" if hard == resource.RLIM_INFINITY else str(hard)
        services = {f"s{i:02d}": {"command": ["sh", "-c", "echo soft=$(ulimit -Sn); exec sleep 1000"]}
                    for i in range(SERVICES)}
        with h.Stack(services, wrapper=["prlimit", f"--nofile={SOFT}:{hard_text}", "--"]) as st:
            for i in range(SERVICES):
                st.wait_for_line(rf"^s{i:02d}\s+\| soft=\d+$", timeout=20)
            with st.cond:
                seen = {m.group(1): int(m.group(2)) for _, x in st.lines
                        if (m := re.match(r"^(s\d\d)\s+\| soft=(\d+)$", x))}
            self.assertEqual(len(seen), SERVICES, st.dump())
            self.assertEqual(set(seen.values()), {SOFT}, "services must get the original soft limit back")
            with open(f"/proc/{st.pid}/limits") as f:
                row = next(line for line in f if line.startswith("Max open files"))
            self.assertEqual(row.split()[3], hard_text, f"stackvisor's own soft limit: {row}")
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            st.assert_no_leftovers()


if __name__ == "__main__":
    unittest.main()
