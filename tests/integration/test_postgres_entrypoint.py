"""recipes/postgres/docker-entrypoint.sh keeps the official postgres image's contract, driven by
stackvisor on the host's PostgreSQL (see pg_entrypoint_lib): the first start creates
POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB (a password login over TCP works, a wrong one is
refused), runs initdb.d once in name order (*.sql, *.sql.gz/.xz/.zst, executable *.sh run,
others sourced, anything else ignored), the second start runs nothing; *_FILE secrets and their
errors; READY=1 comes from the final server only, and the temporary server has no TCP port and
no NOTIFY_SOCKET; a SIGINT stop is a clean shutdown (the next start logs no recovery); a cluster
of another major version is refused with the golden text and left untouched. As root, each runs
with the entrypoint started as root and as the ordinary user svtest."""
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import pg_entrypoint_lib as pl  # noqa: E402

SCRIPT_CHECKS_SOURCED = """
if type docker_process_sql >/dev/null 2>&1; then how=sourced; else how=executed; fi
psql -v ON_ERROR_STOP=1 -X -q --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \\
  -c "INSERT INTO steps(name) VALUES ('$tag$how')"
"""


class Contract(pl.PgCase):

    def test_first_init_then_run_once(self):
        self.first_init_then_run_once(pl.AS[0])

    @unittest.skipUnless(len(pl.AS) > 1, "as an ordinary user the test above runs as that user")
    def test_first_init_then_run_once_as_ordinary_user(self):
        self.first_init_then_run_once(pl.AS[1])

    def first_init_then_run_once(self, who):
        self.prepare_for(who)
        self.init_file("10-schema.sql", "CREATE TABLE steps(n serial, name text);\n"
                                        "INSERT INTO steps(name) VALUES ('sql');\n")
        self.init_file("20-gz.sql.gz", "INSERT INTO steps(name) VALUES ('gz');\n")
        self.init_file("30-exec.sh", "#!/bin/bash\ntag=exec-\n" + SCRIPT_CHECKS_SOURCED, 0o755)
        self.init_file("40-src.sh", "tag=src-\n" + SCRIPT_CHECKS_SOURCED, 0o644)
        self.init_file("50-xz.sql.xz", "INSERT INTO steps(name) VALUES ('xz');\n")
        self.init_file("60-zst.sql.zst", "INSERT INTO steps(name) VALUES ('zst');\n")
        self.init_file("70-notes.txt", "DROP TABLE steps;\n")
        with self.stack(who) as st:
            self.wait_healthy(st, 120)
            self.assertEqual(self.query("SELECT name FROM steps ORDER BY n"),
                             ["sql", "gz", "exec-executed", "src-sourced", "xz", "zst"])
            self.assertEqual(self.query("SELECT current_user, current_database()"), ["app|appdb"])
            bad = self.psql("SELECT 1", password="wrong")
            self.assertNotEqual(bad.returncode, 0, "a wrong password was accepted over TCP")
            self.assertIn("password authentication failed", bad.stderr)
            lines = st.service_lines("db")
            self.assertTrue(any(l.endswith("ignoring " + os.path.join(self.initdb, "70-notes.txt"))
                                for l in lines), st.dump())
            self.assertTrue(any("PostgreSQL init process complete" in l for l in lines))
            self.stop(st)
        self.assertFalse(os.path.exists(self.stage_path()))
        with self.stack(who) as st:
            self.wait_healthy(st, 60)
            self.assertEqual(self.query("SELECT count(*) FROM steps"), ["6"])
            lines = st.service_lines("db")
            self.assertTrue(any("Skipping initialization" in l for l in lines), st.dump())
            self.assertFalse(any(": running " in l or ": sourcing " in l for l in lines), st.dump())
            # The SIGINT stop above was a fast, clean shutdown: no crash recovery now.
            self.assertTrue(any("database system was shut down at" in l for l in lines), st.dump())
            self.assertFalse(any("not properly shut down" in l or "automatic recovery" in l
                                 for l in lines), st.dump())
            self.stop(st)
            self.assertEqual(st.returncode, 0, st.dump())

    def test_file_secrets(self):
        who = pl.AS[-1]
        self.prepare_for(who)
        secrets = os.path.join(self.base, "secrets")
        os.makedirs(secrets)
        os.chmod(secrets, 0o755)
        for name, value in (("user", "fileuser"), ("password", "filepass"), ("db", "filedb")):
            with open(os.path.join(secrets, name), "w") as f:
                f.write(value + "\n")
            os.chmod(os.path.join(secrets, name), 0o644)
        env = {"POSTGRES_USER": None, "POSTGRES_PASSWORD": None, "POSTGRES_DB": None,
               "POSTGRES_USER_FILE": f"{secrets}/user",
               "POSTGRES_PASSWORD_FILE": f"{secrets}/password",
               "POSTGRES_DB_FILE": f"{secrets}/db"}
        with self.stack(who, env) as st:
            self.wait_healthy(st, 120)
            self.assertEqual(self.query("SELECT current_user, current_database()",
                                        user="fileuser", password="filepass", db="filedb"),
                             ["fileuser|filedb"])
            self.stop(st)

    def test_secret_and_password_errors(self):
        both = {"POSTGRES_PASSWORD_FILE": "/nonexistent/password"}
        with self.stack(pl.AS[0], both) as st:
            st.event("db", "exited with code 1", timeout=30)
            self.assertIn("error: both POSTGRES_PASSWORD and POSTGRES_PASSWORD_FILE are set "
                          "(but are exclusive)", st.service_lines("db"), st.dump())
        with self.stack(pl.AS[0], {"POSTGRES_PASSWORD": None}) as st:
            st.event("db", "exited with code 1", timeout=30)
            self.assertIn("Error: Database is uninitialized and superuser password is not "
                          "specified.", st.service_lines("db"), st.dump())
        self.assertFalse(os.path.exists(os.path.join(self.pgdata, "PG_VERSION")))

    def test_host_auth_method_trust(self):
        env = {"POSTGRES_PASSWORD": None, "POSTGRES_HOST_AUTH_METHOD": "trust"}
        with self.stack(pl.AS[0], env) as st:
            self.wait_healthy(st, 120)
            self.assertEqual(self.query("SELECT current_user", password="anything"), ["app"])
            self.assertIn('WARNING: POSTGRES_HOST_AUTH_METHOD has been set to "trust". This will allow',
                          st.service_lines("db"), st.dump())
            self.stop(st)
        with open(os.path.join(self.pgdata, "pg_hba.conf")) as f:
            self.assertEqual(f.read().splitlines()[-1], "host all all all trust")

    def test_listens_where_stackvisor_says_unless_the_command_does(self):
        # What the recipe passes for a db the compose file does not publish (docs/ports.md):
        # loopback only; the service's own listen_addresses wins.
        env = {"STACKVISOR_LISTEN_ADDRESSES": "localhost"}
        with self.stack(pl.AS[0], env) as st:
            self.wait_healthy(st, 120)
            self.assertEqual(self.query("SHOW listen_addresses"), ["localhost"])
            bound = self.listening_on()
            self.assertIn("127.0.0.1", bound)
            self.assertLessEqual(bound, {"127.0.0.1", "::1"}, "bound beyond loopback")
            self.stop(st)
        with self.stack(pl.AS[0], env, args=["-c", "listen_addresses=*"]) as st:
            self.wait_healthy(st, 120)
            self.assertEqual(self.query("SHOW listen_addresses"), ["*"])
            self.assertIn("0.0.0.0", self.listening_on())
            self.stop(st)

    def listening_on(self):
        """The local addresses with a TCP socket listening on self.port."""
        out = set()
        for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
            try:
                with open(table) as f:
                    rows = f.read().splitlines()[1:]
            except FileNotFoundError:
                continue
            for row in rows:
                local, state = row.split()[1], row.split()[3]
                addr, port = local.split(":")
                if state != "0A" or int(port, 16) != self.port:
                    continue
                raw = bytes.fromhex(addr)
                if width == 8:
                    out.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                else:
                    words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                    out.add(socket.inet_ntop(socket.AF_INET6, words))
        return out

    def test_ready_only_from_final_server(self):
        gate = os.path.join(self.base, "gate")
        report = os.path.join(self.base, "report")
        who = pl.AS[-1]
        self.prepare_for(who)
        # While it blocks: is NOTIFY_SOCKET in the temporary postmaster's environment?
        self.init_file("10-block.sh", f"""#!/bin/sh
pid=$(head -n 1 "$PGDATA/postmaster.pid")
n=$(tr '\\0' '\\n' < /proc/$pid/environ | grep -c '^NOTIFY_SOCKET=' || true)
echo "$pid $n" > {report}.tmp && mv {report}.tmp {report}
while [ ! -e {gate} ]; do sleep 0.05; done
""", 0o755)
        os.chmod(self.base, 0o777)  # the script (as postgres or svtest) writes its report here
        with self.stack(who) as st:
            h.wait_until(lambda: os.path.exists(report), 120, "the blocking init script")
            with open(report) as f:
                pid, count = f.read().split()
            self.assertEqual(count, "0", "the temporary server has NOTIFY_SOCKET")
            self.assertTrue(h.is_alive(int(pid)))
            with socket.socket() as s:
                refused = s.connect_ex(("127.0.0.1", self.port)) != 0
            self.assertTrue(refused, "the temporary server listens on TCP")
            st.ensure_absent("db", "healthy", 1.5)
            open(gate, "w").close()
            t_healthy = self.wait_healthy(st, 60)
            h.wait_until(lambda: not h.is_alive(int(pid)), 10, "the temporary server to be gone")
            done = st.find_line(r"^db\s*\| PostgreSQL init process complete")
            self.assertIsNotNone(done, st.dump())
            self.assertLess(done[1], t_healthy, "healthy before the init was complete")
            self.stop(st)

    def test_other_major_version_refused_untouched(self):
        os.makedirs(self.pgdata)
        os.chmod(self.pgdata, 0o755)
        old = str(int(pl.PG_MAJOR) - 1)
        with open(os.path.join(self.pgdata, "PG_VERSION"), "w") as f:
            f.write(old + "\n")
        os.makedirs(os.path.join(self.pgdata, "base"))
        before = self.snapshot()
        with self.stack(pl.AS[0]) as st:
            st.event("db", "exited with code 1", timeout=30)
            golden = [
                f"error: PGDATA {self.pgdata} holds a PostgreSQL {old} cluster (its PG_VERSION says {old}),",
                f"       but this host runs PostgreSQL {pl.PG_MAJOR} ({pl.PG_BIN}/postgres), which cannot open it.",
                f"       The directory was not touched. Either install PostgreSQL {old}",
                f"       (apt-get install postgresql-{old}) and use an image tag of {old}, or upgrade the",
                f"       cluster with PostgreSQL {pl.PG_MAJOR}'s pg_upgrade (or pg_dumpall with PostgreSQL {old} and",
                "       restore into an empty PGDATA), or point PGDATA (the volume) at an empty directory.",
            ]
            lines = st.service_lines("db")
            self.assertEqual(lines[-len(golden):], golden, st.dump())
        self.assertEqual(self.snapshot(), before, "the data directory was touched")

    @unittest.skipUnless(os.path.exists(f"/usr/share/postgresql/{pl.PG_MAJOR}/extension/postgis.control"),
                         "PostGIS is not installed (apt-get install postgresql-15-postgis-3)")
    def test_postgis_initdb_script(self):
        who = pl.AS[-1]
        self.prepare_for(who)
        with open(os.path.join(pl.SOURCE, "recipes", "postgis", "initdb-postgis.sh")) as f:
            self.init_file("10_postgis.sh", f.read(), 0o755)  # where the postgis image has it
        with self.stack(who) as st:
            self.wait_healthy(st, 180)
            want = ["fuzzystrmatch", "plpgsql", "postgis", "postgis_tiger_geocoder",
                    "postgis_topology"]
            for db in ("appdb", "template_postgis"):
                self.assertEqual(self.query("SELECT extname FROM pg_extension ORDER BY 1", db=db),
                                 want, db)
            self.assertEqual(self.query("SELECT datistemplate FROM pg_database "
                                        "WHERE datname = 'template_postgis'"), ["t"])
            self.assertTrue(self.query("SELECT postgis_version()")[0].startswith("3."))
            self.stop(st)

    @unittest.skipUnless(os.path.exists(f"/usr/share/postgresql/{pl.PG_MAJOR}/extension/postgis.control"),
                         "PostGIS is not installed (apt-get install postgresql-15-postgis-3)")
    def test_postgis_failure_in_one_database_fails_the_init(self):
        # The script loads template_postgis (in the background) and POSTGRES_DB at once: a
        # failure in template_postgis alone (a table in the way of postgis's own, which it
        # inherits from template1; appdb was made before) must still fail the init and leave
        # no initialised cluster behind.
        who = pl.AS[-1]
        self.prepare_for(who)
        self.init_file("05-in-the-way.sql",
                       "\\connect template1\nCREATE TABLE spatial_ref_sys(x int);\n")
        with open(os.path.join(pl.SOURCE, "recipes", "postgis", "initdb-postgis.sh")) as f:
            self.init_file("10_postgis.sh", f.read(), 0o755)
        with self.stack(who) as st:
            # Healthy is the failure, seen at once rather than after the timeout.
            _, _, m = st.wait_for_line(r"^stackvisor\s+\| db: (healthy|exited with code \d+)", 120)
            self.assertEqual(m.group(1), "exited with code 1", st.dump())
            lines = "\n".join(st.service_lines("db"))
            self.assertIn('relation "spatial_ref_sys" already exists', lines, st.dump())
            self.assertNotIn("PostgreSQL init process complete", lines, st.dump())
        self.assertFalse(os.path.exists(os.path.join(self.pgdata, "PG_VERSION")),
                         "a failed init left an initialised cluster in PGDATA")

    @unittest.skipUnless(pl.IS_ROOT, "only root drops to the postgres user")
    def test_pgdata_postgres_cannot_reach_is_refused(self):
        private = os.path.join(self.base, "private")
        os.makedirs(private, mode=0o700)
        self.pgdata = os.path.join(private, "data")
        with self.stack("root") as st:
            st.event("db", "exited with code 1", timeout=30)
            self.assertIn(f"{self.entrypoint}: error: the postgres user cannot read "
                          f"{self.entrypoint} or write {self.pgdata}: every directory above them "
                          "must be searchable by others (a 0700 home such as /root is not)",
                          st.service_lines("db"), st.dump())

    def snapshot(self):
        out = []
        for root, dirs, files in os.walk(self.pgdata):
            for name in sorted(dirs + files):
                st = os.lstat(os.path.join(root, name))
                out.append((os.path.join(root, name), st.st_mode, st.st_uid, st.st_mtime_ns))
        st = os.lstat(self.pgdata)
        return sorted(out) + [(self.pgdata, st.st_mode, st.st_uid, st.st_mtime_ns)]


if __name__ == "__main__":
    unittest.main(verbosity=2)
