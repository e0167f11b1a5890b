"""Bad input: the libFuzzer target for the manifest loader (tests/fuzz/manifest_fuzz.cc, which
also enforces the position rule) is built with clang (-fsanitize=fuzzer,address,undefined,
every config/*.cc and base/result.cc compiled directly, so it works from a clean checkout
without a CMake option) and run for FAULT_FUZZ_SECONDS (default 60) with -timeout=5 on a seed
corpus made of every YAML file under tests/ and examples/. Asserts 0 crashes, 0 hangs, 0 sanitizer reports (UBSan aborts,
LeakSanitizer on) and 0 violations of the position rule (see the target's header comment).

The build is cached in $TMPDIR/stackvisor-fuzz-<hash of the sources and flags>."""
import glob
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import faultlib as fl

SRC = fl.SOURCE_DIR
TARGET = os.path.join(SRC, "tests", "fuzz", "manifest_fuzz.cc")
SECONDS = int(fl.env_number("FAULT_FUZZ_SECONDS", 60, int))
CXXFLAGS = ["-std=c++20", "-O1", "-g", "-fno-omit-frame-pointer",
            "-fsanitize=fuzzer-no-link,address,undefined", "-fno-sanitize-recover=undefined"]
LDFLAGS = ["-fsanitize=fuzzer,address,undefined"]
REPORT_RX = re.compile(r"(ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|"
                       r"ERROR: libFuzzer|POSITION RULE VIOLATED|SUMMARY: )")


def find_clang():
    for name in ("clang++", "clang++-14", "clang++-15", "clang++-16"):
        path = shutil.which(name)
        if path:
            return path
    return None


def fuzzer_runtime_ok(clangxx, tmp):
    src = os.path.join(tmp, "probe.cc")
    with open(src, "w") as f:
        f.write('#include <cstdint>\n#include <cstddef>\nextern "C" int '
                'LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }\n')
    r = subprocess.run([clangxx, "-fsanitize=fuzzer", src, "-o", os.path.join(tmp, "probe")],
                       capture_output=True, text=True)
    return r.returncode == 0, r.stderr


def sources():
    srcs = sorted(glob.glob(os.path.join(SRC, "config", "*.cc")))
    srcs = [s for s in srcs if os.path.basename(s) != "placeholder.cc"]
    return srcs + [os.path.join(SRC, "base", "result.cc"), TARGET]


def build(clangxx):
    """Compile (two jobs at a time) and link the fuzzer; returns its path."""
    h = hashlib.sha256()
    inputs = sources() + sorted(glob.glob(os.path.join(SRC, "config", "*.h"))) + \
        sorted(glob.glob(os.path.join(SRC, "base", "*.h")))
    for p in inputs:
        h.update(p.encode())
        with open(p, "rb") as f:
            h.update(f.read())
    h.update(" ".join([clangxx] + CXXFLAGS + LDFLAGS).encode())
    out_dir = os.path.join(tempfile.gettempdir(), "stackvisor-fuzz-" + h.hexdigest()[:16])
    binary = os.path.join(out_dir, "manifest_fuzz")
    if os.path.exists(binary):
        print(f"reusing {binary}", flush=True)
        return binary
    os.makedirs(out_dir, exist_ok=True)
    objs, pending = [], []
    for src in sources():
        obj = os.path.join(out_dir, os.path.basename(os.path.dirname(src)) + "_" +
                           os.path.basename(src) + ".o")
        objs.append(obj)
        pending.append(([clangxx] + CXXFLAGS + ["-I", SRC, "-c", src, "-o", obj], src))
    running = []
    while pending or running:
        while pending and len(running) < 2:
            cmd, src = pending.pop(0)
            running.append((subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                             stderr=subprocess.STDOUT), src))
        proc, src = running.pop(0)
        out = proc.communicate()[0].decode("utf-8", "replace")
        if proc.returncode != 0:
            for p, _ in running:
                p.wait()
            raise AssertionError(f"compiling {src} failed:\n{out}")
    tmp_bin = binary + ".tmp"
    r = subprocess.run([clangxx] + LDFLAGS + objs + ["-lyaml-cpp", "-o", tmp_bin],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"linking the fuzzer failed:\n{r.stderr}")
    os.rename(tmp_bin, binary)
    return binary


def seed_corpus(dest):
    n = 0
    for root in (os.path.join(SRC, "tests"), os.path.join(SRC, "examples")):
        for pattern in ("**/*.yaml", "**/*.yml"):
            for path in glob.glob(os.path.join(root, pattern), recursive=True):
                if "/build" in path[len(SRC):]:
                    continue
                shutil.copy(path, os.path.join(dest, f"seed{n:04d}_" + os.path.basename(path)))
                n += 1
    return n


class FuzzManifest(unittest.TestCase):

    def test_fuzz_manifest_loader(self):
        clangxx = find_clang()
        with tempfile.TemporaryDirectory(prefix="svfuzz-") as tmp:
            if not clangxx:
                self.skipTest("SKIP: clang++ not installed (apt-get install clang libclang-rt-14-dev)")
            ok, err = fuzzer_runtime_ok(clangxx, tmp)
            if not ok:
                self.skipTest("SKIP: clang cannot link -fsanitize=fuzzer (install "
                              f"libclang-rt-14-dev): {err[-300:]}")
            binary = build(clangxx)
            corpus = os.path.join(tmp, "corpus")
            artifacts = os.path.join(tmp, "artifacts")
            os.makedirs(corpus)
            os.makedirs(artifacts)
            seeds = seed_corpus(corpus)
            self.assertGreater(seeds, 0, "no seed YAML files found under tests/ and examples/")
            env = dict(os.environ)
            env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0:allocator_may_return_null=1"
            env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
            cmd = [binary, f"-max_total_time={SECONDS}", "-timeout=5", "-rss_limit_mb=2048",
                   "-max_len=8192", "-print_final_stats=1", f"-artifact_prefix={artifacts}/",
                   corpus]
            print("running: " + " ".join(cmd), flush=True)
            r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp,
                               timeout=SECONDS + 300)
            log = r.stdout + r.stderr
            reports = [line for line in log.splitlines() if REPORT_RX.search(line)]
            found = sorted(os.listdir(artifacts))
            crashes = [a for a in found if a.startswith(("crash-", "leak-", "oom-"))]
            hangs = [a for a in found if a.startswith(("timeout-", "slow-unit-"))]
            execs = re.search(r"stat::number_of_executed_units:\s*(\d+)", log)
            cov = re.findall(r"\bcov: (\d+)", log)
            fl.figure("fuzz_seconds", SECONDS)
            fl.figure("fuzz_seed_files", seeds)
            fl.figure("fuzz_executions", execs.group(1) if execs else 0)
            fl.figure("fuzz_coverage_edges", cov[-1] if cov else 0)
            fl.figure("fuzz_corpus_files", len(os.listdir(corpus)))
            fl.figure("fuzz_crashes", len(crashes))
            fl.figure("fuzz_hangs", len(hangs))
            fl.figure("fuzz_sanitizer_reports", len(reports))
            detail = ""
            for a in found[:3]:
                with open(os.path.join(artifacts, a), "rb") as f:
                    detail += f"\n--- {a}: {f.read()[:400]!r}"
            msg = "\n".join(log.splitlines()[-60:]) + detail
            self.assertEqual(crashes, [], msg)
            self.assertEqual(hangs, [], msg)
            self.assertEqual(reports, [], msg)
            self.assertEqual(r.returncode, 0, msg)
            self.assertIsNotNone(execs, msg)


if __name__ == "__main__":
    unittest.main(verbosity=2)
