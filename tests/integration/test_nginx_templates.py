"""`image: nginx` keeps the image's entrypoint contract: /docker-entrypoint.d runs before nginx,
and its templates step writes /etc/nginx/templates/*.template to /etc/nginx/conf.d through
envsubst with only the variables the environment defines.

Asserted, as a compose file written for the image would use it: a template with ${NGINX_PORT}
and ${NGINX_HOST} (defined) and nginx's own $host (not an environment variable) serves on that
port with the first two substituted and $host left to nginx; the entrypoint says what it ran;
the output file exists only in the service's view (the host's /etc/nginx/conf.d is unchanged);
a user's executable *.sh in a bind-mounted /docker-entrypoint.d replaces the image's steps, as
in Docker; the stop is clean.
Root only: the recipe's default port 80 (the image's EXPOSE) is checked free before start, which
an ordinary user cannot bind.
"""
import os
import shutil
import signal
import sys
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

TEMPLATE = """server {
  listen 127.0.0.1:${NGINX_PORT};
  location / { return 200 "hello ${NGINX_HOST} $host\\n"; }
}
"""
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def get(port):
    try:
        with _opener.open(f"http://127.0.0.1:{port}/", timeout=2) as r:
            return r.read().decode()
    except OSError:
        return None


@unittest.skipUnless(os.path.exists("/usr/sbin/nginx") and shutil.which("envsubst"),
                     "nginx and gettext-base are not installed (scripts/install-deps.sh)")
@unittest.skipUnless(os.geteuid() == 0, "the nginx image's port 80 needs root")
class NginxTemplates(unittest.TestCase):

    def stack(self, extra_volumes=()):
        port = h.free_port()
        volumes = ["./templates:/etc/nginx/templates", "./empty.conf:/etc/nginx/conf.d/default.conf",
                   *extra_volumes]
        yaml = ("services:\n  proxy:\n    image: nginx:1.25\n    volumes:\n"
                + "".join(f"      - {v}\n" for v in volumes)
                + f"    environment:\n      NGINX_PORT: '{port}'\n      NGINX_HOST: example.test\n")
        st = h.Stack(yaml_text=yaml, tag_services=False)
        os.chmod(st.dir, 0o755)  # nginx's workers run as www-data
        os.makedirs(st.path("templates"))
        with open(st.path("templates/site.conf.template"), "w") as f:
            f.write(TEMPLATE)
        open(st.path("empty.conf"), "w").close()
        return st, port

    def serve(self, st, port):
        def answer():
            if st.has_event("proxy", "exited"):
                raise AssertionError("nginx exited\n" + st.dump())
            return get(port)
        return h.wait_until(answer, 30, f"an answer on {port}")

    def test_templates_are_substituted_into_the_view_only(self):
        before = sorted(os.listdir("/etc/nginx/conf.d"))
        st, port = self.stack()
        try:
            st.start()
            self.assertEqual(self.serve(st, port), "hello example.test 127.0.0.1\n", st.dump())
            lines = st.service_lines("proxy")
            self.assertIn("/docker-entrypoint.d/20-envsubst-on-templates.sh: Running envsubst on "
                          "/etc/nginx/templates/site.conf.template to /etc/nginx/conf.d/site.conf",
                          lines, st.dump())
            self.assertIn("/docker-entrypoint.sh: Configuration complete; ready for start up",
                          lines, st.dump())
            self.assertEqual(sorted(os.listdir("/etc/nginx/conf.d")), before)
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(20), 0, st.dump())
            st.assert_no_leftovers()
        finally:
            st.cleanup()

    def test_a_mounted_entrypoint_d_replaces_the_image_steps(self):
        st, port = self.stack(["./entrypoint.d:/docker-entrypoint.d"])
        os.makedirs(st.path("entrypoint.d"))
        mine = st.path("entrypoint.d/50-mine.sh")
        with open(mine, "w") as f:
            # No templates step any more: write the site by hand, as such a script would.
            f.write("#!/bin/sh\necho mine ran\nsed -e \"s/\\${NGINX_PORT}/$NGINX_PORT/\" "
                    "-e 's/\\${NGINX_HOST}/by-hand/' /etc/nginx/templates/site.conf.template "
                    "> /etc/nginx/conf.d/site.conf\n")
        os.chmod(mine, 0o755)
        try:
            st.start()
            self.assertEqual(self.serve(st, port), "hello by-hand 127.0.0.1\n", st.dump())
            lines = st.service_lines("proxy")
            self.assertIn("mine ran", lines, st.dump())
            self.assertFalse(any("envsubst" in line for line in lines), st.dump())
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(20), 0, st.dump())
        finally:
            st.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
