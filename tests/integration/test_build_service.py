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


if __name__ == "__main__":
    unittest.main()
