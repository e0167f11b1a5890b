"""A `build:` service runs its Dockerfile's CMD natively (issue 12): on the host's python3 (the
python image's recipe), in the Dockerfile's WORKDIR, with its ENV, and with the build context's
files seen where COPY put them. Its relative command (`./wait-for.sh`, as seed 003 writes it) is
looked up from the WORKDIR inside the service's view. Asserted from what the process prints, and
that the host gets no such WORKDIR.
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

WAIT_FOR = """#!/bin/sh
echo "cwd=$(pwd)"
echo "greeting=$GREETING"
python -c 'import sys; print("python=%d" % sys.version_info[0])'
cat /sv-build-app/data/hello.txt
echo "args=$*"
"""


class BuildService(unittest.TestCase):

    def test_dockerfile_cmd_runs_from_workdir_with_copied_files(self):
        workdir = "/sv-build-app"
        self.assertFalse(os.path.exists(workdir))
        dockerfile = (f"FROM python:3.11\nENV GREETING=from-dockerfile\nWORKDIR {workdir}\n"
                      "COPY . .\nRUN pip install -r requirements.txt\n"
                      'CMD ["./wait-for.sh", "db:5432", "--", "echo"]\n')
        st = h.Stack({"app": {"build": "./app"}},
                     files={"app/Dockerfile": dockerfile, "app/wait-for.sh": WAIT_FOR,
                            "app/requirements.txt": "", "app/data/hello.txt": "hello-copied\n"})
        os.chmod(os.path.join(st.dir, "app", "wait-for.sh"), 0o755)
        try:
            st.start()
            st.wait_for_line(r"^app\s+\| args=db:5432 -- echo$", timeout=30)
            lines = st.service_lines("app")
            self.assertIn(f"cwd={workdir}", lines, st.dump())
            self.assertIn("greeting=from-dockerfile", lines, st.dump())
            self.assertIn("python=3", lines, st.dump())
            self.assertIn("hello-copied", lines, st.dump())
            # The skipped RUN step is named once, before anything starts.
            self.assertRegex(st.err_text(), r"RUN pip install -r requirements\.txt")
            self.assertFalse(os.path.exists(workdir), f"{workdir} was created on the host")
        finally:
            st.cleanup()


    @unittest.skipUnless(os.path.exists("/usr/lib/uwsgi/plugins/python3_plugin.so"),
                         "uwsgi-plugin-python3 is not installed (scripts/install-deps.sh)")
    def test_pip_style_uwsgi_command_serves_the_wsgi_module(self):
        # pip's uwsgi has Python built in; Debian's loads it as a plugin, which the python
        # recipe names in UWSGI_PLUGIN, so a command written for the image runs unchanged.
        port = h.free_port()
        st = h.Stack({"app": {"build": "./app",
                              "command": f"uwsgi --http-socket 127.0.0.1:{port} --master "
                                         "--workers 2 --enable-threads --module hello"}},
                     files={"app/Dockerfile": "FROM python:3.9-alpine\nWORKDIR /srv\n"
                                              "COPY ./hello.py /srv/hello.py\n",
                            "app/hello.py": HELLO_WSGI})
        try:
            st.start()
            def answer():
                # Fail fast: a uwsgi that cannot load Python exits at once.
                if st.has_event("app", "exited") or st.proc.poll() is not None:
                    raise AssertionError("app exited before answering\n" + st.dump())
                return _http_body(port)
            got = h.wait_until(answer, timeout=30, what=f"uwsgi answering on {port}")
            self.assertEqual(got, b"hello from uwsgi in /srv", st.dump())
        finally:
            st.cleanup()


HELLO_WSGI = """import os


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("hello from uwsgi in " + os.getcwd()).encode()]
"""


def _http_body(port):
    import urllib.request
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
            return r.read()
    except OSError:
        return None

if __name__ == "__main__":
    unittest.main()
