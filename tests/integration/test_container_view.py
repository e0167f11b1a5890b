"""Container paths and service names (issue 12, section 2): a service with volumes, tmpfs or
names runs in a private mount namespace built on a tmpfs scaffold. Each test runs the real
binary as the current user and, when that is root, again as an ordinary user (svtest, through
setpriv: a user namespace mapping the user to itself). Checked: a bind of ./src is seen at its
container path and the host gets no such directory; a read-only bind refuses writes; a named
volume is a directory of the state home kept across runs; a tmpfs is empty at each start;
/etc/hosts resolves the stack's service names; the generated files hold no environment value;
a failing mount names the service and the path; a plain service keeps the host's view."""
import os
import pwd
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

ORDINARY = os.environ.get("SV_TEST_USER", "svtest")


def ensure_user(name):
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", name], check=True)
        return pwd.getpwnam(name)


def users():
    """(label, passwd entry or None for the current user) to run each test as."""
    out = [("self", None)]
    if os.getuid() == 0 and shutil.which("setpriv"):
        out.append(("user", ensure_user(ORDINARY)))
    return out


def stack(yaml_text, user, files=None):
    """A Stack of yaml_text run as user (None: as we are), with its own state home and
    runtime directory inside the project, owned by that user."""
    wrapper = ()
    env = {}
    st = h.Stack(yaml_text=yaml_text, files=files, manifest_name="compose.yaml")
    env["STACKVISOR_STATE_HOME"] = st.path("state")
    env["STACKVISOR_RUNTIME_DIR"] = st.path("rt")
    if user is not None:
        for root, dirs, names in os.walk(st.dir):
            for n in dirs + names + ["."]:
                os.lchown(os.path.join(root, n), user.pw_uid, user.pw_gid)
        wrapper = ("setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}",
                   "--init-groups")
        env["HOME"] = user.pw_dir
        env["USER"] = user.pw_name
    st.env.update(env)
    st.wrapper = list(wrapper)
    return st


def run_to_end(st, timeout=30):
    """Waits for the run `with st:` started (Stack.__enter__ starts it) to end."""
    st.wait_exit(timeout=timeout)
    return st


class ContainerViewTest(unittest.TestCase):
    def each_user(self, body):
        for label, user in users():
            with self.subTest(user=label):
                body(user)

    def test_bind_readonly_hosts_and_no_host_directory(self):
        target = "/sv-" + os.urandom(4).hex()
        self.assertFalse(os.path.exists(target))
        yaml = f"""
services:
  web:
    command: ["sh", "-c", "cat {target}/a.txt; echo x > /ro/new && echo ro-written || echo ro-refused; getent hosts db; getent hosts cache-alias; hostname; cat /etc/hosts"]
    environment: {{SECRET_TOKEN: sv-secret-value-4711}}
    volumes: ["./src:{target}", "./src:/ro:ro"]
  db:
    command: ["sh", "-c", "exit 0"]
    networks: {{back: {{aliases: [cache-alias]}}}}
"""

        def body(user):
            st = stack(yaml, user, files={"src/a.txt": "hello-from-src\n"})
            with st:
                run_to_end(st)
                lines = st.service_lines("web")
                self.assertIn("hello-from-src", lines, st.dump())
                self.assertIn("ro-refused", lines, st.dump())
                self.assertFalse(os.path.exists(st.path("src/new")), "a read-only bind was written")
                self.assertTrue(any(l.split() == ["127.0.0.1", "db"] for l in lines), st.dump())
                self.assertTrue(any(l.split() == ["127.0.0.1", "cache-alias"] for l in lines))
                self.assertIn("web", lines)  # its host name, in its own UTS namespace
                self.assertFalse(any("sv-secret-value-4711" in l for l in lines), st.dump())
                generated = st.path("rt/container/web/hosts")
                with open(generated) as f:
                    text = f.read()
                self.assertNotIn("sv-secret-value-4711", text)
                self.assertEqual(os.stat(generated).st_mode & 0o777, 0o644)
                self.assertFalse(os.path.exists(target), f"{target} was created on the host")
        self.each_user(body)

    def test_made_directories_are_writable_scratch_not_the_hosts(self):
        # A container path under a host directory (/tmp here, as seed 000's Dockerfile COPYs into
        # /tmp) makes that directory part of the view: a program may write next to the mount, as
        # in a container's own layer, and the host never sees it.
        name = "sv-" + os.urandom(4).hex()
        yaml = f"""
services:
  web:
    command: ["sh", "-c", "cat /tmp/{name}/a.txt && d=$(mktemp -d /tmp/{name}-made.XXXX) && echo made-in-tmp; echo x > /tmp/{name}-file && echo wrote-next-to-mount; stat -c mode=%a /tmp"]
    volumes: ["./src:/tmp/{name}"]
"""

        def body(user):
            st = stack(yaml, user, files={"src/a.txt": "hello-from-src\n"})
            with st:
                run_to_end(st)
                lines = st.service_lines("web")
                self.assertIn("hello-from-src", lines, st.dump())
                self.assertIn("made-in-tmp", lines, st.dump())
                self.assertIn("wrote-next-to-mount", lines, st.dump())
                # The scaffold keeps the host directory's mode: any user may still write to /tmp.
                self.assertIn("mode=1777", lines, st.dump())
                left = [e for e in os.listdir("/tmp") if e.startswith(name)]
                self.assertEqual(left, [], "the view wrote into the host's /tmp")
        self.each_user(body)

    def test_named_volume_persists_and_tmpfs_starts_empty(self):
        yaml = """
services:
  app:
    command: ["sh", "-c", "ls -A /scratch | grep -q . && echo scratch-dirty || echo scratch-empty; touch /scratch/left; cat /data/count 2>/dev/null || echo none; echo run >> /data/count"]
    volumes: ["data:/data"]
    tmpfs: ["/scratch:size=1m"]
volumes:
  data:
"""

        def body(user):
            st = stack(yaml, user)
            with st:
                run_to_end(st)
                self.assertEqual(st.service_lines("app"), ["scratch-empty", "none"], st.dump())
                # The second run, to its end, in the same project and state home.
                again = subprocess.run(st.wrapper + [h.BIN, "up", "-f", st.manifest], cwd=st.dir,
                                       env=st.env, stdin=subprocess.DEVNULL, capture_output=True,
                                       text=True, timeout=60)
                lines = [l.split("| ", 1)[1] for l in again.stdout.splitlines()
                         if l.startswith("app ")]
                self.assertEqual(lines, ["scratch-empty", "run"], again.stdout + again.stderr)
                project = os.path.basename(st.dir).lower()
                volume = os.path.join(st.path("state"), project, "volumes", "data", "count")
                with open(volume) as f:
                    self.assertEqual(f.read(), "run\nrun\n")
        self.each_user(body)

    def test_failing_mount_names_service_and_path(self):
        yaml = """
services:
  bad:
    command: ["true"]
    tmpfs: ["/scratch:size=not-a-size"]
"""

        def body(user):
            st = stack(yaml, user)
            with st:
                run_to_end(st)
                st.find_line(r"bad: spawn: mount tmpfs at /scratch: Invalid argument")
                self.assertTrue(st.has_event("bad", "spawn: mount tmpfs at /scratch: Invalid argument"),
                                st.dump())
        self.each_user(body)

    @unittest.skipUnless(os.getuid() == 0 and shutil.which("unshare"), "needs root and unshare")
    def test_preflight_refuses_where_namespaces_cannot_be_made(self):
        # In a user namespace that maps nobody, our uid is unmapped: the kernel refuses every
        # new user namespace (EPERM), as a locked-down container would.
        yaml = """
services:
  web:
    command: ["sh", "-c", "exit 0"]
    volumes: ["./src:/code"]
  marker:
    command: ["touch", "@DIR@/started"]
"""
        st = h.Stack(yaml_text=yaml, manifest_name="compose.yaml", wrapper=("unshare", "--user"))
        st.env["STACKVISOR_RUNTIME_DIR"] = st.path("rt")
        with st:
            self.assertEqual(st.wait_exit(), 2, st.dump())
            err = st.err_text()
            self.assertIn("private mount namespaces are not available here (unshare user and "
                          "mount namespaces: Operation not permitted)", err)
            self.assertIn("\n  web: /code, /etc/hosts\n", err)
            self.assertNotIn("marker:", err)  # it needs no namespace
            self.assertIn("nothing was started", err)
            self.assertFalse(os.path.exists(st.path("started")))

    def test_exec_and_run_see_the_service_view(self):
        yaml = """
services:
  web:
    command: ["sh", "-c", "echo in-tmpfs > /scratch/mark; exec sleep 60"]
    volumes: ["./src:/code"]
    tmpfs: ["/scratch"]
    working_dir: /code
  db:
    command: ["sleep", "60"]
"""

        def body(user):
            st = stack(yaml, user, files={"src/f": "file-of-src\n"})
            st.args = ["-d"]
            with st:
                self.assertEqual(st.wait_exit(), 0, st.dump())

                def cli(*args):
                    return subprocess.run(st.wrapper + [h.BIN, *args, "-f", st.manifest]
                                          if args[0] == "down" else
                                          st.wrapper + [h.BIN, args[0], "-f", st.manifest,
                                                        *args[1:]],
                                          cwd=st.dir, env=st.env, stdin=subprocess.DEVNULL,
                                          capture_output=True, text=True, timeout=60)
                try:
                    script = "pwd; cat f; getent hosts db; cat /scratch/mark 2>/dev/null || echo no-mark"
                    ex = cli("exec", "web", "sh", "-c", script)
                    self.assertEqual(ex.returncode, 0, ex.stdout + ex.stderr)
                    out = ex.stdout.split("\n")
                    self.assertEqual(out[0:2], ["/code", "file-of-src"], ex.stdout + ex.stderr)
                    self.assertEqual(out[2].split(), ["127.0.0.1", "db"])
                    # As root, exec joins the running process's namespaces: its tmpfs too.
                    self.assertEqual(out[3], "in-tmpfs" if user is None and os.getuid() == 0
                                     else "no-mark")
                    rn = cli("run", "--no-deps", "web", "sh", "-c", "pwd; cat f; hostname")
                    self.assertEqual(rn.returncode, 0, rn.stdout + rn.stderr)
                    self.assertEqual(rn.stdout.split("\n")[0:3], ["/code", "file-of-src", "web"])
                finally:
                    cli("down")
        self.each_user(body)

    def test_run_of_other_files_of_the_project_resolves_the_running_stack(self):
        # Seed 003: `run -f docker-compose.migrate.yml migrate` waits for db:5432, a service of
        # the stack `up` runs from docker-compose.yml (compose: the project's network).
        yaml = """
services:
  db:
    command: ["sleep", "60"]
  web:
    command: ["sleep", "60"]
    deploy: {replicas: 2}
"""
        other = """
services:
  migrate:
    command: ["sh", "-c", "getent hosts db web web-2 migrate"]
    volumes: ["./src:/code"]
"""

        def body(user):
            st = stack(yaml, user, files={"src/f": "x\n", "migrate.yaml": other})
            st.args = ["-d"]
            with st:
                self.assertEqual(st.wait_exit(), 0, st.dump())
                try:
                    rn = subprocess.run(st.wrapper + [h.BIN, "run", "-f", st.path("migrate.yaml"),
                                                      "--rm", "migrate"],
                                        cwd=st.dir, env=st.env, stdin=subprocess.DEVNULL,
                                        capture_output=True, text=True, timeout=60)
                    self.assertEqual(rn.returncode, 0, rn.stdout + rn.stderr)
                    self.assertEqual([line.split() for line in rn.stdout.splitlines()],
                                     [["127.0.0.1", n] for n in ("db", "web", "web-2", "migrate")],
                                     rn.stdout + rn.stderr)
                finally:
                    subprocess.run(st.wrapper + [h.BIN, "down", "-f", st.manifest], cwd=st.dir,
                                   env=st.env, stdin=subprocess.DEVNULL, capture_output=True,
                                   timeout=60)
        self.each_user(body)

    def test_run_of_other_files_resolves_the_running_stacks_aliases(self):
        # A network alias (and hostname:) of a running service resolves in `run`'s view of a
        # service the stack does not have, as it does in the views `up` made.
        yaml = """
services:
  db:
    command: ["sleep", "60"]
    hostname: dbhost
    networks:
      default:
        aliases: [database]
"""
        other = """
services:
  migrate:
    command: ["sh", "-c", "getent hosts db dbhost database migrate"]
    volumes: ["./src:/code"]
"""
        st = stack(yaml, None, files={"src/f": "x\n", "migrate.yaml": other})
        st.args = ["-d"]
        with st:
            self.assertEqual(st.wait_exit(), 0, st.dump())
            try:
                rn = subprocess.run([h.BIN, "run", "-f", st.path("migrate.yaml"), "--rm",
                                     "migrate"], cwd=st.dir, env=st.env,
                                    stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                    timeout=60)
                self.assertEqual(rn.returncode, 0, rn.stdout + rn.stderr)
                self.assertEqual([line.split() for line in rn.stdout.splitlines()],
                                 [["127.0.0.1", n] for n in ("db", "dbhost", "database", "migrate")],
                                 rn.stdout + rn.stderr)
            finally:
                subprocess.run([h.BIN, "down", "-f", st.manifest], cwd=st.dir, env=st.env,
                               stdin=subprocess.DEVNULL, capture_output=True, timeout=60)

    def test_plain_service_keeps_the_host_view(self):
        yaml = """
services:
  plain:
    command: ["readlink", "/proc/self/ns/mnt"]
"""

        def body(user):
            st = stack(yaml, user)
            with st:
                run_to_end(st)
                self.assertEqual(st.service_lines("plain"), [os.readlink("/proc/self/ns/mnt")],
                                 st.dump())
        # Only as ourselves: another user cannot read our /proc/self/ns link to compare with.
        body(None)


if __name__ == "__main__":
    h.main()
