"""Wait (without child processes) until FILE exists, then exec the rest of the command line.

usage: wait_then.py FILE CMD [ARG]...
"""
import os
import sys
import time

path, argv = sys.argv[1], sys.argv[2:]
while not os.path.exists(path):
    time.sleep(0.02)
os.execvp(argv[0], argv)
