"""`image: redis` and `image: memcached` run as the host's redis-server and memcached.

The compose file names only the images and a command with free ports: the recipes give the
programs (/usr/bin/redis-server, /usr/bin/memcached), the user (as root: redis, memcache) and a
tcp readiness probe on the port the arguments choose. Asserted: both become healthy through
that probe, answer their own protocol on those ports, and stop cleanly with nothing left.
Until private mount namespaces run (helper N), a container path is not there for the process,
so the redis service sets working_dir instead of the image's /data.
"""
import os
import pwd
import shutil
import signal
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def ask(port, request, expect, timeout=5):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        got = b""
        while expect not in got:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
        return got


@unittest.skipUnless(shutil.which("redis-server", path="/usr/bin") and
                     os.path.exists("/usr/bin/memcached"),
                     "redis-server and memcached are not installed (scripts/install-deps.sh)")
class ImageRecipes(unittest.TestCase):

    def test_redis_and_memcached_images_become_ready(self):
        redis_port, memcached_port = h.free_port(), h.free_port()
        while memcached_port == redis_port:
            memcached_port = h.free_port()
        services = {
            "cache": {"image": "redis:7",
                      "command": f"redis-server --port {redis_port} --bind 127.0.0.1 "
                                 "--save '' --appendonly no",
                      "working_dir": "@DIR@"},
            "sessions": {"image": "memcached:1.6-alpine",
                         "command": ["-p", str(memcached_port), "-l", "127.0.0.1", "-U", "0"]},
            "app": {"command": ["sh", "-c", "echo app-up; exec sleep 1000"],
                    "depends_on": {"cache": {"condition": "service_healthy"},
                                   "sessions": {"condition": "service_healthy"}}},
        }
        st = h.Stack(services)
        os.chmod(st.dir, 0o755)  # the services may run as redis and memcache
        try:
            st.start()
            st.event("cache", "healthy", timeout=30)
            st.event("sessions", "healthy", timeout=30)
            st.wait_for_line(r"^app\s+\| app-up$", timeout=30)
            self.assertIn(b"+PONG", ask(redis_port, b"PING\r\n", b"+PONG"), st.dump())
            self.assertIn(b"VERSION", ask(memcached_port, b"version\r\n", b"\r\n"), st.dump())
            if os.geteuid() == 0:
                # As root the recipes' image users are the host's: redis and memcache.
                for svc, user in (("cache", "redis"), ("sessions", "memcache")):
                    pid = st.started_pid(svc)
                    with open(f"/proc/{pid}/status") as f:
                        uid = next(line.split()[1] for line in f if line.startswith("Uid:"))
                    self.assertEqual(int(uid), pwd.getpwnam(user).pw_uid, st.dump())
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(20), 0, st.dump())
            st.assert_no_leftovers()
        finally:
            st.cleanup()

    def test_config_shows_the_expanded_program(self):
        port = h.free_port()
        with h.Stack(yaml_text=f"services:\n  cache:\n    image: redis\n"
                               f"    command: [--port, '{port}']\n",
                     tag_services=False) as st:
            out = h.run(["config", "-f", st.manifest], cwd=st.dir)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn('- "/usr/bin/redis-server"\n      - "--port"', out.stdout)
            self.assertIn(f'tcp: "127.0.0.1:{port}"', out.stdout)
            self.assertIn('image: "redis"', out.stdout)

    def test_no_recipe_is_refused_before_anything_starts_unless_ignored(self):
        yaml = ("services:\n  admin:\n    image: dpage/pgadmin4\n"
                "  app:\n    command: [sh, -c, 'echo app-up; exec sleep 1000']\n")
        with h.Stack(yaml_text=yaml, tag_services=False) as st:
            out = h.run(["up", "-f", st.manifest], cwd=st.dir)
            self.assertEqual(out.returncode, 2, out.stdout + out.stderr)
            self.assertIn("no recipe for image 'dpage/pgadmin4'", out.stderr)
            self.assertNotIn("app-up", out.stdout)
            out = h.run(["config", "--ignore-unavailable", "-f", st.manifest], cwd=st.dir)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertNotIn("admin:", out.stdout)
            self.assertIn("left out (--ignore-unavailable)", out.stderr)

    def test_down_stops_a_stack_started_with_ignore_unavailable(self):
        # Seed 003: pgadmin has no recipe; `up --ignore-unavailable` runs the rest, and `down`
        # (which loads the same files, without the flag, as compose's does) must stop it.
        yaml = ("services:\n  admin:\n    image: dpage/pgadmin4\n"
                "  app:\n    command: [sh, -c, 'echo app-up; exec sleep 1000']\n")
        with h.Stack(yaml_text=yaml, args=["--ignore-unavailable"], tag_services=False) as st:
            st.wait_for_line(r"^app\s+\| app-up$", timeout=30)
            out = h.run(["down", "-f", st.manifest], cwd=st.dir, timeout=30)
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr + st.dump())
            self.assertEqual(st.wait_exit(20), 0, st.dump())
            st.assert_no_leftovers()


if __name__ == "__main__":
    h.require_binary()
    unittest.main()
