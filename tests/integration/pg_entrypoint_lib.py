"""Shared by the tests of recipes/postgres/docker-entrypoint.sh: a PostgreSQL service run by
stackvisor from a plain manifest whose command is the entrypoint, on the host's PostgreSQL.

Each `PgCase` test gets a base directory under /tmp (mode 0755, so the postgres OS user reaches
it) holding a staged copy of the entrypoint (a checkout in /root is not readable by postgres),
PGDATA and an initdb.d directory, passed through the entrypoint's internal knob
STACKVISOR_POSTGRES_INITDB_DIR (/docker-entrypoint-initdb.d cannot be bound over without
creating it on the host). `AS` is the list of identities to run under: as root, the entrypoint
started as root (it drops to postgres itself) and started as the ordinary user svtest through
setpriv; as an ordinary user, that user only."""
import glob
import gzip
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import unittest

import harness as h

SOURCE = os.environ.get("STACKVISOR_SOURCE_DIR",
                        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ENTRYPOINT = os.path.join(SOURCE, "recipes", "postgres", "docker-entrypoint.sh")
PG_BINS = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
PG_BIN = PG_BINS[-1] if PG_BINS else None
PG_MAJOR = os.path.basename(os.path.dirname(PG_BIN)) if PG_BIN else None
IS_ROOT = os.geteuid() == 0
ORDINARY = "svtest"


def identities():
    if not IS_ROOT:
        return ["self"]
    out = ["root"]
    try:
        pwd.getpwnam(ORDINARY)
        out.append(ORDINARY)
    except KeyError:
        pass
    return out


AS = identities()


def missing_tools():
    need = [os.path.join(PG_BIN or "/nonexistent", "postgres"), shutil.which("psql"),
            shutil.which("setpriv"), shutil.which("gzip")]
    return [n for n in need if not n or not os.access(n, os.X_OK)]


class PgCase(unittest.TestCase):
    """One base directory per test; `service()` builds the db service, `psql()` queries it."""

    @classmethod
    def setUpClass(cls):
        h.require_binary()
        missing = missing_tools()
        if missing:
            raise unittest.SkipTest(f"SKIP: missing {missing} (apt-get install postgresql)")
        if IS_ROOT:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise unittest.SkipTest("SKIP: running as root but there is no postgres user")

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="svpgep-", dir="/tmp")
        self.base = self.tmp.name
        os.chmod(self.base, 0o755)
        self.entrypoint = os.path.join(self.base, "docker-entrypoint.sh")
        shutil.copyfile(ENTRYPOINT, self.entrypoint)
        os.chmod(self.entrypoint, 0o755)
        self.initdb = os.path.join(self.base, "initdb.d")
        os.makedirs(self.initdb)
        os.chmod(self.initdb, 0o755)
        self.pgdata = os.path.join(self.base, "data")
        self.port = h.free_port()

    def tearDown(self):
        self.tmp.cleanup()

    def prepare_for(self, who):
        """As the ordinary user, PGDATA's parent must be theirs (the entrypoint creates PGDATA)."""
        if who == ORDINARY:
            pw = pwd.getpwnam(ORDINARY)
            parent = os.path.join(self.base, "home")
            os.makedirs(parent, exist_ok=True)
            os.chown(parent, pw.pw_uid, pw.pw_gid)
            self.pgdata = os.path.join(parent, "data")

    def init_file(self, name, text, mode=0o644):
        path = os.path.join(self.initdb, name)
        data = text.encode()
        if name.endswith(".gz"):
            data = gzip.compress(data)
        elif name.endswith(".xz"):
            data = subprocess.run(["xz", "-c"], input=data, capture_output=True, check=True).stdout
        elif name.endswith(".zst"):
            data = subprocess.run(["zstd", "-q", "-c"], input=data, capture_output=True,
                                  check=True).stdout
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, mode)
        return path

    def service(self, who, env=None, args=()):
        command = [self.entrypoint, "postgres", *args]
        if who == ORDINARY:
            command = ["setpriv", f"--reuid={ORDINARY}", f"--regid={ORDINARY}", "--clear-groups",
                       *command]
        environment = {"PATH": f"{PG_BIN}:/usr/bin:/bin", "PGDATA": self.pgdata,
                       "PGPORT": str(self.port), "STACKVISOR_POSTGRES_INITDB_DIR": self.initdb,
                       "POSTGRES_USER": "app", "POSTGRES_PASSWORD": "s3cret", "POSTGRES_DB": "appdb"}
        environment.update(env or {})
        environment = {k: v for k, v in environment.items() if v is not None}
        return {"command": command, "working_dir": self.base, "environment": environment,
                "stop_signal": "SIGINT", "stop_grace_period": "30s",
                "healthcheck": {"notify": True, "start_period": "180s"}}

    def stack(self, who, env=None, args=()):
        return h.Stack({"db": self.service(who, env, args)})

    def wait_healthy(self, st, timeout=120):
        """db's `healthy` event; fails at once when db exits first (a failed init)."""
        _, t, m = st.wait_for_line(r"^stackvisor\s+\| db: (healthy|exited.*|killed.*)", timeout)
        self.assertEqual(m.group(1), "healthy", st.dump())
        return t

    def psql(self, sql, password="s3cret", user="app", db="appdb"):
        env = dict(os.environ, PGPASSWORD=password, PGCONNECT_TIMEOUT="5")
        return subprocess.run(["psql", "-X", "-At", "-h", "127.0.0.1", "-p", str(self.port),
                               "-U", user, "-d", db, "-c", sql],
                              env=env, capture_output=True, text=True, timeout=30)

    def query(self, sql, **kw):
        r = self.psql(sql, **kw)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.split("\n")[:-1] if r.stdout else []

    def stop(self, st):
        """SIGINT to stackvisor: db gets its stop signal (SIGINT, fast shutdown)."""
        st.signal(signal.SIGINT)
        st.wait_exit(timeout=60)

    def stage_path(self):
        return os.path.join(self.pgdata, ".stackvisor-init")
