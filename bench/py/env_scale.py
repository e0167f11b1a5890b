"""How the manifest loader's time grows with its inputs: `stackvisor config -q` with an
--env-file of 1,000 / 2,000 / 4,000 / 100,000 lines (each line refers to the one before), env
files of 60 MB and 100 MB (under and over the 64 MiB cap), and a manifest of 5,000 services
with 40 variables each. Prints the median wall time of --runs runs per case; a run over
--timeout is shown as "> T s".

Not part of run-all.sh: it measures the loader, not supervision. Standard library only.
    /usr/bin/python3 bench/py/env_scale.py --bin build/app/stackvisor
"""
import argparse
import os
import statistics
import subprocess
import tempfile
import time


def env_file(path, lines):
    with open(path, "w") as f:
        f.write("K0=v\n")
        for i in range(1, lines):
            f.write(f"K{i}=${{K{i - 1}}}\n")


def env_file_of_size(path, size):
    line = "VARIABLE_%09d=" + "x" * 80 + "\n"
    with open(path, "w") as f:
        written, i = 0, 0
        while written < size:
            text = line % i
            f.write(text)
            written += len(text)
            i += 1


def manifest(path, services, variables):
    with open(path, "w") as f:
        f.write("services:\n")
        for i in range(services):
            f.write(f'  svc{i}:\n    command: ["/bin/sleep", "1000"]\n    environment:\n')
            for j in range(variables):
                f.write(f"      VAR_{j}: value{i}\n")


def timed(binary, args, cwd, timeout):
    t0 = time.monotonic()
    try:
        r = subprocess.run([binary, "config", "-q", *args], cwd=cwd, capture_output=True,
                           text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None, "timeout"
    first = r.stderr.splitlines()[0] if r.stderr else ""
    return time.monotonic() - t0, f"exit {r.returncode} {first[:90]}"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bin", default="build/app/stackvisor")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--timeout", type=float, default=120)
    a = p.parse_args()
    binary = os.path.abspath(a.bin)
    with tempfile.TemporaryDirectory(prefix="sv-envscale-") as d:
        ok = os.path.join(d, "ok.yaml")
        with open(ok, "w") as f:
            f.write('services:\n  web:\n    command: ["true"]\n')
        cases = []
        for n in (1000, 2000, 4000, 100000):
            path = os.path.join(d, f"lines{n}.env")
            env_file(path, n)
            cases.append((f".env {n} lines", ["-f", ok, "--env-file", path]))
        for mb in (60, 100):  # just under the 64 MiB cap, and over it
            path = os.path.join(d, f"{mb}mb.env")
            env_file_of_size(path, mb * 1000 * 1000)
            cases.append((f".env {mb} MB", ["-f", ok, "--env-file", path]))
        big = os.path.join(d, "big.yaml")
        manifest(big, 5000, 40)
        size = os.path.getsize(big) / 1e6
        cases.append((f"manifest 5000x40 ({size:.1f} MB)", ["-f", big]))
        print(f"{'case':32} {'median s':>10}  result")
        for name, args in cases:
            times, note = [], ""
            for _ in range(a.runs):
                seconds, note = timed(binary, args, d, a.timeout)
                if seconds is None:
                    break
                times.append(seconds)
            shown = (f"> {a.timeout:.0f}" if len(times) < a.runs
                     else f"{statistics.median(times):.3f}")
            print(f"{name:32} {shown:>10}  {note}", flush=True)


if __name__ == "__main__":
    main()
