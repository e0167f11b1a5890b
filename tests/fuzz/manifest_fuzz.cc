// libFuzzer entry for the manifest loader: any bytes give diagnostics or a manifest, never a
// crash, a hang or a sanitizer report, and the position rule holds:
//
//   When LoadFromString returns no manifest, there is at least one error, and every error
//   carries a position: line >= 1 and column >= 1; an error in the input itself points inside
//   it (line <= number of lines + 1).
//
// The only position-less errors the loader has are about things that are not manifest text:
// a manifest file that cannot be read or found, an --env-file/.env that cannot be read, a
// service named on the command line that does not exist. None can arise here (in-memory input,
// no --env-file, no service names, a cwd that does not exist), so the rule has no exemptions.
// Violations abort() with the offending diagnostic, which libFuzzer reports as a crash.
// Built by tests/faults/test_fuzz_manifest.py (part of the test command) and by
// -DSTACKVISOR_FUZZ=ON with clang (tests/fuzz/CMakeLists.txt).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "config/loader.h"

namespace {

constexpr const char* kFileName = "fuzz.yaml";

[[noreturn]] void Violation(const char* rule, const stackvisor::config::Diagnostic& d) {
  std::fprintf(stderr, "POSITION RULE VIOLATED (%s): %s\n", rule, d.Format().c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace stackvisor::config;
  const std::string text(reinterpret_cast<const char*>(data), size);
  LoadOptions options;
  options.cwd = "/nonexistent-stackvisor-fuzz";
  options.environment = {{"HOME", "/root"}, {"EMPTY", ""}, {"PORT", "8080"}};
  const LoadResult result = LoadFromString(text, kFileName, options);
  size_t lines = 1;
  for (char c : text) lines += c == '\n';
  size_t errors = 0;
  for (const auto& d : result.diagnostics) {
    (void)d.Format();
    if (d.severity != Diagnostic::Severity::kError) continue;
    ++errors;
    if (d.line < 1 || d.column < 1) Violation("error without a position", d);
    if (d.file == kFileName && static_cast<size_t>(d.line) > lines + 1)
      Violation("error position past the end of the input", d);
  }
  if (result.manifest) {
    if (errors != 0) std::abort();  // a manifest is set only when there are no errors
    (void)EmitYaml(*result.manifest);
    (void)StartOrder(*result.manifest);
  } else if (errors == 0) {
    std::fprintf(stderr, "POSITION RULE VIOLATED: input rejected without any error\n");
    std::abort();
  }
  return 0;
}
