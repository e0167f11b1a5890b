#pragma once
// `ps --json` prints the API's Service objects as they came: parsing 1,000 of them into a JSON
// tree and dumping them again was most of the verb's CPU (docs/benchmarks.md, Control plane).
#include <optional>
#include <string_view>
#include <vector>

namespace stackvisor::control {

/// One element of a `GET /v1/services` answer, as views into the body.
struct RawService {
  std::string_view json;   // the whole object, byte for byte as the server wrote it
  std::string_view state;  // the "state" string's content (states never need escapes); empty
                           // when the object has none
};

/// ScanServiceList splits `{"services": [{...}, ...]}` into its objects without building a
/// tree: a one-pass scanner that knows strings, escapes and nesting, and checks the structure
/// it walks (brackets, colons, commas). Returns nullopt for anything else (not JSON, no
/// "services" array, an element that is not an object); the caller then parses the body with
/// a real JSON parser, which says what is wrong. Pure: no I/O, no allocation but the vector.
std::optional<std::vector<RawService>> ScanServiceList(std::string_view body);

}  // namespace stackvisor::control
