#include "control/service_list_scan.h"

#include <cstddef>

namespace stackvisor::control {
namespace {

/// Scanner walks one JSON text; each method consumes what it names and returns false at the
/// first byte that does not fit, leaving the caller to give up.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  size_t pos() const { return pos_; }
  bool AtEnd() {
    SkipSpace();
    return pos_ == text_.size();
  }
  bool Take(char c) {
    SkipSpace();
    if (pos_ >= text_.size() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  bool Peek(char c) {
    SkipSpace();
    return pos_ < text_.size() && text_[pos_] == c;
  }
  // A string; `content` is what is between the quotes, escapes left as written.
  bool String(std::string_view* content) {
    if (!Take('"')) return false;
    const size_t start = pos_;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '"') {
        if (content != nullptr) *content = text_.substr(start, pos_ - start);
        ++pos_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) return false;
      pos_ += c == '\\' ? 2 : 1;
    }
    return false;
  }
  // Any value, nested ones included, with the structure checked on the way.
  bool Value(int depth = 0) {
    if (depth > 64) return false;
    SkipSpace();
    if (pos_ >= text_.size()) return false;
    const char c = text_[pos_];
    if (c == '"') return String(nullptr);
    if (c == '{') return Members(depth, nullptr);
    if (c == '[') {
      ++pos_;
      if (Take(']')) return true;
      do {
        if (!Value(depth + 1)) return false;
      } while (Take(','));
      return Take(']');
    }
    // A number, true, false or null: a run of the characters they are made of.
    const size_t start = pos_;
    while (pos_ < text_.size() && Scalar(text_[pos_])) ++pos_;
    return pos_ > start;
  }
  // An object; `state`, when given, receives the content of its top-level "state" string.
  bool Members(int depth, std::string_view* state) {
    if (!Take('{')) return false;
    if (Take('}')) return true;
    do {
      std::string_view key;
      if (!String(&key) || !Take(':')) return false;
      if (state != nullptr && key == "state" && Peek('"')) {
        if (!String(state)) return false;
      } else if (!Value(depth + 1)) {
        return false;
      }
    } while (Take(','));
    return Take('}');
  }

 private:
  static bool Scalar(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' || c == '+' || c == '.' ||
           c == 'E';
  }
  void SkipSpace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\r' || text_[pos_] == '\t'))
      ++pos_;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

std::optional<std::vector<RawService>> ScanServiceList(std::string_view body) {
  Scanner scan(body);
  std::vector<RawService> services;
  bool found = false;
  if (!scan.Take('{')) return std::nullopt;
  if (!scan.Take('}')) {
    do {
      std::string_view key;
      if (!scan.String(&key) || !scan.Take(':')) return std::nullopt;
      if (key != "services" || found) {
        if (!scan.Value()) return std::nullopt;
        continue;
      }
      found = true;
      if (!scan.Take('[')) return std::nullopt;
      if (scan.Take(']')) continue;
      do {
        if (!scan.Peek('{')) return std::nullopt;
        const size_t start = scan.pos();
        RawService service;
        if (!scan.Members(0, &service.state)) return std::nullopt;
        service.json = body.substr(start, scan.pos() - start);
        services.push_back(service);
      } while (scan.Take(','));
      if (!scan.Take(']')) return std::nullopt;
    } while (scan.Take(','));
    if (!scan.Take('}')) return std::nullopt;
  }
  if (!found || !scan.AtEnd()) return std::nullopt;
  return services;
}

}  // namespace stackvisor::control
