"""A socket-activated server: socket_server.py REPORT [START_DELAY_S].

Writes REPORT (JSON, atomically) with what it inherited: its pid, the LISTEN_* variables, its
open fds and, for each fd from 3, the socket's family, address and whether it listens. Then,
after START_DELAY_S (a slow application start), accepts on fd 3 forever, answering each
connection with its pid. SIGTERM ends it gracefully: a connection accepted is answered first."""
import json
import os
import select
import signal
import socket
import sys
import time

report, delay = sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
fds = sorted(int(fd) for fd in os.listdir("/proc/self/fd"))
fds = [fd for fd in fds if os.path.exists(f"/proc/self/fd/{fd}")]  # listdir's own fd is gone
sockets = {}
for fd in fds:
    if fd < 3:
        continue
    s = socket.socket(fileno=fd)
    try:
        name = s.getsockname()
        listening = s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 1
        sockets[fd] = {"family": s.family.name, "address": name if isinstance(name, str)
                       else f"{name[0]}:{name[1]}", "listening": listening}
    except OSError as e:
        sockets[fd] = {"error": str(e)}
    finally:
        s.detach()
data = {"pid": os.getpid(), "fds": fds, "sockets": sockets,
        "env": {k: v for k, v in os.environ.items() if k.startswith("LISTEN_")}}
with open(report + ".tmp", "w") as f:
    json.dump(data, f)
os.rename(report + ".tmp", report)
if 3 not in sockets:
    time.sleep(3600)
time.sleep(delay)
listener = socket.socket(fileno=3)
answer = f"{os.getpid()}\n".encode()


# SIGTERM stays blocked and is polled between connections: a handler could run just after
# accept() returned, dropping the connection it took.
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
while signal.SIGTERM not in signal.sigpending():
    if not select.select([listener], [], [], 0.05)[0]:
        continue
    conn, _ = listener.accept()
    try:
        conn.sendall(answer)
    except OSError:
        pass
    conn.close()
