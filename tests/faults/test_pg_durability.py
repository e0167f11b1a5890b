"""PostgreSQL durability under stackvisor: FAULT_PG_CYCLES (default 20) cycles of
`stackvisor up` / pgbench write load / SIGTERM to stackvisor, then a last `up` to count. The
manifest is this test's own: only PostgreSQL (initdb done by hand into a temp dir), run as the
`postgres` OS user when we are root, stop_signal SIGINT (fast shutdown), readiness by sd_notify.

Committed = transactions pgbench logged as completed (-l: one log line per finished transaction,
i.e. after COMMIT returned). Present = rows in the table at the next start. Asserts 0 committed
transactions lost (present >= committed), 0 "database system was not properly shut down" and 0
"automatic recovery in progress" lines, and a clean "database system was shut down at" on every
restart."""
import glob
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import unittest

import faultlib as fl
from faultlib import h

CYCLES = int(fl.env_number("FAULT_PG_CYCLES", 20, int))
CLIENTS = 4
MIN_ROWS_PER_CYCLE = 200
PG_BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
PG_BIN = PG_BIN[-1] if PG_BIN else None
IS_ROOT = os.geteuid() == 0


def missing_tools():
    need = {"postgres": PG_BIN and os.path.join(PG_BIN, "postgres"),
            "initdb": PG_BIN and os.path.join(PG_BIN, "initdb"),
            "pgbench": shutil.which("pgbench"), "psql": shutil.which("psql")}
    return [k for k, v in need.items() if not v or not os.access(v, os.X_OK)]


class PgDurability(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        missing = missing_tools()
        if missing:
            msg = (f"SKIP: {', '.join(missing)} not installed (apt-get install postgresql "
                   "postgresql-contrib)")
            print(msg, flush=True)
            raise unittest.SkipTest(msg)
        if IS_ROOT:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise unittest.SkipTest("SKIP: running as root but there is no postgres user")

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="svpg-")
        self.base = self.tmp.name
        os.chmod(self.base, 0o755)
        self.data = os.path.join(self.base, "data")
        self.sock = os.path.join(self.base, "sock")
        os.makedirs(self.sock)
        self.port = h.free_port()
        as_user = []
        if IS_ROOT:
            pw = pwd.getpwnam("postgres")
            os.chown(self.sock, pw.pw_uid, pw.pw_gid)
            os.chown(self.base, pw.pw_uid, pw.pw_gid)
            as_user = ["runuser", "-u", "postgres", "--"]
        r = subprocess.run(as_user + [os.path.join(PG_BIN, "initdb"), "-D", self.data,
                                      "-U", "postgres", "--auth=trust", "-E", "UTF8",
                                      "--locale=C.UTF-8"],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        pg = {"command": [os.path.join(PG_BIN, "postgres"), "-D", self.data, "-k", self.sock,
                          "-p", str(self.port), "-c", "listen_addresses=127.0.0.1"],
              # the project dir (the harness's 0700 temp dir) is not reachable by postgres
              "working_dir": self.base,
              "stop_signal": "SIGINT", "stop_grace_period": "30s",
              "healthcheck": {"notify": True}}
        if IS_ROOT:
            pg["user"] = "postgres"
        self.services = {"pg": pg}
        self.script = os.path.join(self.base, "insert.sql")
        with open(self.script, "w") as f:
            f.write("INSERT INTO t (client) VALUES (:client_id);\n")

    def tearDown(self):
        self.tmp.cleanup()

    def psql(self, sql):
        r = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                            "-d", "postgres", "-XAtq", "-c", sql],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip()

    def rows(self):
        return int(self.psql("SELECT count(*) FROM t"))

    def up(self):
        st = h.Stack(self.services)
        st.start()
        st.event("pg", r"healthy after", timeout=30)
        return st

    def stop(self, st):
        st.signal(signal.SIGTERM)
        rc = st.wait_exit(40)
        self.assertEqual(rc, 0, st.dump())
        st.assert_no_leftovers(timeout=2)
        return st.service_lines("pg")

    def test_up_sigterm_up_under_write_load(self):
        committed = 0
        pg_logs = []
        shutdowns_clean = 0
        st = self.up()
        try:
            self.psql("CREATE TABLE t (id bigserial PRIMARY KEY, client int NOT NULL, "
                      "at timestamptz NOT NULL DEFAULT now())")
            for cycle in range(CYCLES + 1):
                present = self.rows()
                self.assertGreaterEqual(present, committed,
                                        f"cycle {cycle}: {committed - present} committed rows lost")
                if cycle == CYCLES:
                    break
                prefix = os.path.join(self.base, f"pgbench{cycle}")
                bench = subprocess.Popen(
                    ["pgbench", "-n", "-c", str(CLIENTS), "-j", "2", "-T", "600",
                     "-f", self.script, "-l", f"--log-prefix={prefix}",
                     "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "postgres"],
                    cwd=self.base, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                try:
                    h.wait_until(lambda: self.rows() >= present + MIN_ROWS_PER_CYCLE, 30,
                                 f"cycle {cycle}: pgbench to commit {MIN_ROWS_PER_CYCLE} rows",
                                 interval=0.05)
                    lines = self.stop(st)  # SIGTERM to stackvisor in the middle of the load
                    st.cleanup()
                    st = None
                    out = bench.communicate(timeout=60)[0].decode("utf-8", "replace")
                finally:
                    if bench.poll() is None:
                        bench.kill()
                        bench.wait()
                done = 0
                for log in glob.glob(prefix + ".*"):
                    with open(log) as f:
                        done += sum(1 for _ in f)
                self.assertGreater(done, 0, out)
                committed += done
                pg_logs += lines
                if any("database system is shut down" in x for x in lines):
                    shutdowns_clean += 1
                st = self.up()
            final_rows = self.rows()
        finally:
            if st:
                pg_logs += self.stop(st)
                st.cleanup()
        not_properly = sum(1 for x in pg_logs if "not properly shut down" in x)
        recoveries = sum(1 for x in pg_logs if "automatic recovery in progress" in x)
        clean_starts = sum(1 for x in pg_logs if re.search(r"database system was shut down at", x))
        fl.figure("pg_cycles", CYCLES)
        fl.figure("pg_committed_transactions", committed)
        fl.figure("pg_rows_present", final_rows)
        fl.figure("pg_committed_lost", max(0, committed - final_rows))
        fl.figure("pg_in_doubt_rows", final_rows - committed)  # committed, answer not received
        fl.figure("pg_not_properly_shut_down", not_properly)
        fl.figure("pg_automatic_recoveries", recoveries)
        fl.figure("pg_clean_shutdowns", shutdowns_clean)
        fl.figure("pg_clean_startups", clean_starts)
        self.assertGreaterEqual(final_rows, committed)
        self.assertLessEqual(final_rows - committed, CYCLES * CLIENTS,
                             "more rows than transactions pgbench ever sent")
        self.assertEqual(not_properly, 0)
        self.assertEqual(recoveries, 0)
        self.assertEqual(shutdowns_clean, CYCLES)
        self.assertEqual(clean_starts, CYCLES + 1)


if __name__ == "__main__":
    fl.main()
