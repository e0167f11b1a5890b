"""The first init of recipes/postgres/docker-entrypoint.sh is atomic although PGDATA may be a
mount point: killed at any point, the next start either redoes the init from nothing or finishes
it, and never serves a half-initialised cluster that looks done (the official image's entrypoint
skips the init as soon as PG_VERSION exists, so an init killed in an initdb.d script is never
finished there). Kill points: SIGKILL to the service's process group during initdb, and during
an initdb.d script (also with POSTGRES_INITDB_WALDIR, which the redo must empty); SIGKILL to the entrypoint alone during an initdb.d script (its temporary
server must die with it: PDEATHSIG); and the two states a kill during the final renames leaves
(some entries moved, PG_VERSION not yet; PG_VERSION moved, the empty staging directory left),
built by hand from a finished init since that window is too short to hit."""
import os
import shutil
import signal
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import pg_entrypoint_lib as pl  # noqa: E402

SCHEMA = ("CREATE TABLE steps(n serial, name text);\n"
          "INSERT INTO steps(name) VALUES ('first');\n")


class AtomicInit(pl.PgCase):

    def setUp(self):
        super().setUp()
        self.gate = os.path.join(self.base, "gate")
        self.reached = os.path.join(self.base, "reached")
        os.chmod(self.base, 0o777)  # the init script (as postgres) writes `reached` here
        self.init_file("10-schema.sql", SCHEMA)
        self.init_file("20-block.sh", f"""#!/bin/sh
touch {self.reached}
while [ ! -e {self.gate} ]; do sleep 0.05; done
""", 0o755)
        self.init_file("30-last.sql", "INSERT INTO steps(name) VALUES ('last');\n")

    def killed_init(self, when, kill):
        """Start, wait for `when()`, run `kill(service_pid)`, and end the stack."""
        with self.stack(pl.AS[0]) as st:
            pid = st.started_pid("db", timeout=30)
            h.wait_until(when, 120, "the kill point")
            kill(pid)
            h.wait_until(lambda: not h.is_alive(pid), 15, "the entrypoint to be gone")
            self.stop(st)
        self.assertFalse(os.path.exists(os.path.join(self.pgdata, "PG_VERSION")),
                         "an interrupted init left a cluster that looks initialised")

    def assert_redone(self, first_line):
        """The next start produces the whole cluster, once, and says what it did first."""
        open(self.gate, "w").close()
        with self.stack(pl.AS[0]) as st:
            self.wait_healthy(st, 120)
            self.assertEqual(self.query("SELECT name FROM steps ORDER BY n"), ["first", "last"])
            self.assertTrue(any(first_line in l for l in st.service_lines("db")), st.dump())
            self.stop(st)
        self.assertFalse(os.path.exists(self.stage_path()))

    def killpg(self, pid):
        os.killpg(pid, signal.SIGKILL)

    def test_killed_during_initdb(self):
        global_dir = os.path.join(self.stage_path(), "data", "global")
        self.killed_init(lambda: os.path.isdir(global_dir), self.killpg)
        self.assert_redone("left by an interrupted first init, and starting over")

    def test_killed_during_init_script(self):
        self.killed_init(lambda: os.path.exists(self.reached), self.killpg)
        self.assert_redone("left by an interrupted first init, and starting over")

    def test_killed_with_a_waldir_is_redone(self):
        # initdb refuses a non-empty --waldir: the redo must empty what the killed init wrote.
        waldir = os.path.join(self.base, "wal")
        env = {"POSTGRES_INITDB_WALDIR": waldir}
        with self.stack(pl.AS[0], env) as st:
            pid = st.started_pid("db", timeout=30)
            h.wait_until(lambda: os.path.exists(self.reached), 120, "the kill point")
            self.assertTrue(os.listdir(waldir), "initdb wrote nothing in POSTGRES_INITDB_WALDIR")
            os.killpg(pid, signal.SIGKILL)
            h.wait_until(lambda: not h.is_alive(pid), 15, "the entrypoint to be gone")
            self.stop(st)
        open(self.gate, "w").close()
        with self.stack(pl.AS[0], env) as st:
            self.wait_healthy(st, 120)
            self.assertEqual(self.query("SELECT name FROM steps ORDER BY n"), ["first", "last"])
            self.stop(st)
        self.assertEqual(os.readlink(os.path.join(self.pgdata, "pg_wal")), waldir)

    def test_entrypoint_killed_alone_takes_its_temporary_server(self):
        # Run directly, not by stackvisor: stackvisor kills what is left of a service's process
        # group when its main process dies, which would hide a temporary server that survives.
        svc = self.service(pl.AS[0])
        env = dict(os.environ, **svc["environment"])
        env.pop("NOTIFY_SOCKET", None)
        proc = subprocess.Popen(svc["command"], cwd=self.base, env=env, start_new_session=True,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        pidfile = os.path.join(self.stage_path(), "data", "postmaster.pid")
        try:
            h.wait_until(lambda: os.path.exists(self.reached), 120, "the blocking init script")
            with open(pidfile) as f:
                server = int(f.readline())
            self.assertTrue(h.is_alive(server))
            proc.kill()
            proc.wait(timeout=10)
            h.wait_until(lambda: not h.is_alive(server), 15,
                         "the temporary server to die with the entrypoint")
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)
        self.assertFalse(os.path.exists(os.path.join(self.pgdata, "PG_VERSION")))
        self.assert_redone("left by an interrupted first init, and starting over")

    def finished_cluster(self):
        """A cluster made by a whole first init, then stopped cleanly."""
        open(self.gate, "w").close()
        with self.stack(pl.AS[0]) as st:
            self.wait_healthy(st, 120)
            self.stop(st)
        os.remove(self.gate)
        self.assertTrue(os.path.exists(os.path.join(self.pgdata, "PG_VERSION")))

    def stage_entries(self, names):
        """Move `names` of PGDATA back into the staging directory, as the renames had not
        reached them yet, and mark the staged init complete."""
        data = os.path.join(self.stage_path(), "data")
        os.makedirs(data)
        for name in names:
            os.rename(os.path.join(self.pgdata, name), os.path.join(data, name))
        open(os.path.join(self.stage_path(), "complete"), "w").close()
        if pl.IS_ROOT:
            shutil.chown(self.stage_path(), "postgres")
            shutil.chown(data, "postgres")
            shutil.chown(os.path.join(self.stage_path(), "complete"), "postgres")

    def test_killed_during_renames_is_finished(self):
        self.finished_cluster()
        names = sorted(os.listdir(self.pgdata))
        later = [n for n in names if n >= "pg_s"] + ["PG_VERSION"]
        self.stage_entries(sorted(set(later)))
        self.assertFalse(os.path.exists(os.path.join(self.pgdata, "PG_VERSION")))
        self.assert_redone("finishing an interrupted first init")

    def test_killed_before_staging_removed(self):
        self.finished_cluster()
        self.stage_entries([])
        with self.stack(pl.AS[0]) as st:
            self.wait_healthy(st, 60)
            self.assertEqual(self.query("SELECT name FROM steps ORDER BY n"), ["first", "last"])
            self.stop(st)
        self.assertFalse(os.path.exists(self.stage_path()))


if __name__ == "__main__":
    unittest.main(verbosity=2)
