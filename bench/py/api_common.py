"""What the control-plane benchmarks share: HTTP over the API's AF_UNIX socket (python
http.client, standard library only), where `up` puts that socket, and waiting for it.

Every bench starts `up` with STACKVISOR_RUNTIME_DIR set to a directory of its own, so the socket
is <that dir>/api.sock whatever $XDG_RUNTIME_DIR says, and two stacks of one run never collide.
"""
import http.client
import json
import os
import socket
import time


class UnixHTTPConnection(http.client.HTTPConnection):
    """http.client over an AF_UNIX stream socket (the Host header says "localhost")."""

    def __init__(self, path, timeout=10):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


def request(sock_path, method, path, timeout=10, conn=None):
    """One request; a fresh connection unless `conn` is given (then it is reused and must stay
    keep-alive). Returns (status, body bytes, seconds from connect to the last body byte)."""
    t0 = time.perf_counter()
    own = conn is None
    c = UnixHTTPConnection(sock_path, timeout) if own else conn
    try:
        c.request(method, path)
        r = c.getresponse()
        body = r.read()
        return r.status, body, time.perf_counter() - t0
    finally:
        if own:
            c.close()


def get_json(sock_path, path, timeout=10):
    status, body, _ = request(sock_path, "GET", path, timeout)
    try:
        return status, json.loads(body) if body else None
    except ValueError:
        return status, None


def runtime_env(directory):
    """Environment for an `up` whose API socket is directory/api.sock."""
    env = dict(os.environ)
    env["STACKVISOR_RUNTIME_DIR"] = directory
    env.pop("NOTIFY_SOCKET", None)
    return env


def socket_path(directory):
    return os.path.join(directory, "api.sock")


def wait_socket(path, timeout, popen=None):
    """Waits until the API answers a connect at path; raises if `popen` exits meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        if popen is not None and popen.poll() is not None:
            raise RuntimeError(f"up exited ({popen.returncode}) before its API socket {path} "
                               "answered")
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                return
            finally:
                s.close()
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"no API socket at {path} after {timeout}s")
        time.sleep(0.01)


def percentile(values, p):
    """Nearest-rank percentile of a non-empty list."""
    v = sorted(values)
    k = max(0, min(len(v) - 1, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return v[k]
