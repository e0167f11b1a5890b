// libFuzzer entry for the manifest loader: any bytes must give diagnostics or a manifest,
// never a crash, a hang or a sanitizer report. The input is loaded as a manifest in a
// directory without files, and with a fixed environment, so runs are reproducible.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace stackvisor::config;
  const std::string text(reinterpret_cast<const char*>(data), size);
  LoadOptions options;
  options.cwd = "/nonexistent-stackvisor-fuzz";
  options.environment = {{"HOME", "/root"}, {"EMPTY", ""}, {"PORT", "8080"}};
  const LoadResult result = LoadFromString(text, "fuzz.yaml", options);
  for (const auto& d : result.diagnostics) (void)d.Format();
  if (result.manifest) {
    (void)EmitYaml(*result.manifest);
    (void)StartOrder(*result.manifest);
  }
  return 0;
}
