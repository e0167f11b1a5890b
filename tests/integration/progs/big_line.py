"""Write one SIZE-byte line (deterministic pattern, no newline) to stdout and exit 0."""
import sys

size = int(sys.argv[1])
pattern = b"0123456789abcdefghijklmnopqrstuvwxyz"
data = (pattern * (size // len(pattern) + 1))[:size]
sys.stdout.buffer.write(data)
sys.stdout.buffer.flush()
