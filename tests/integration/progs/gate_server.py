"""Wait until FILE exists, then listen on 127.0.0.1:PORT (tcp) and serve forever.

usage: gate_server.py FILE PORT
"""
import os
import socket
import sys
import time

path, port = sys.argv[1], int(sys.argv[2])
print("waiting for gate", flush=True)
while not os.path.exists(path):
    time.sleep(0.02)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(64)
print("listening", flush=True)
while True:
    c, _ = s.accept()
    c.close()
