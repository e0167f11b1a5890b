"""Send READY=1 to $NOTIFY_SOCKET (path or abstract "@name") once a gate is passed, then idle.

usage: notify_sender.py [--wait-file PATH] [--delay SEC] [--from-child]
--from-child sends from a forked child instead of this (the service's main) process.
"""
import os
import socket
import sys
import time

args = sys.argv[1:]
wait_file = None
delay = 0.0
from_child = False
while args:
    a = args.pop(0)
    if a == "--wait-file":
        wait_file = args.pop(0)
    elif a == "--delay":
        delay = float(args.pop(0))
    elif a == "--from-child":
        from_child = True

addr = os.environ.get("NOTIFY_SOCKET")
print(f"NOTIFY_SOCKET={addr}", flush=True)
if not addr:
    sys.exit(3)
if wait_file:
    while not os.path.exists(wait_file):
        time.sleep(0.02)
time.sleep(delay)


def send():
    target = "\0" + addr[1:] if addr.startswith("@") else addr
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.sendto(b"READY=1\nSTATUS=up", target)
    s.close()


if from_child:
    pid = os.fork()
    if pid == 0:
        send()
        os._exit(0)
    os.waitpid(pid, 0)
else:
    send()
print("sent READY=1", flush=True)
while True:
    time.sleep(3600)
