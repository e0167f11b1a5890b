// The cheap read of one top-level scalar (the project's `name`) from the parser's events, for
// the control verbs that only need to find a running project. With yaml_reader.cc, the only
// places that include yaml-cpp.
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <sstream>

#include "config/tree.h"

namespace stackvisor::config {
namespace {

/// KeyFinder follows the parser's events at the top level of the document: keys and values of
/// the top mapping alternate, anything deeper is skipped by depth. Once the wanted key's value
/// is seen it throws Found, so a `name:` near the top costs only the lines above it.
class KeyFinder : public YAML::EventHandler {
 public:
  struct Found {};
  struct Unusable {};  // not a plain top-level scalar: the caller must do the full load

  explicit KeyFinder(std::string_view key) : key_(key) {}
  const std::optional<std::string>& value() const { return value_; }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override { Leaf(nullptr, ""); }
  void OnScalar(const YAML::Mark&, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    if (depth_ == 1 && !at_value_ && value == "<<") throw Unusable{};  // a merge key
    // "?" is a plain scalar's tag, "!" a quoted one's; any other (!reset) is for the full load,
    // as is an anchored name.
    if (depth_ == 1 && at_value_ && wanted_ && (anchor != 0 || (tag != "?" && tag != "!")))
      throw Unusable{};
    Leaf(&value, tag);
  }
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {
    if (depth_ == 1 && at_value_ && wanted_) throw Unusable{};
    Leaf(nullptr, "");
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    Open();
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    if (depth_ == 0) {
      depth_ = 1;
      return;
    }
    Open();
  }
  void OnMapEnd() override { Close(); }
  void OnAnchor(const YAML::Mark&, const std::string&) override {}

 private:
  void Open() {
    if (depth_ == 1 && at_value_ && wanted_) throw Unusable{};  // `name:` is not a scalar
    ++depth_;
  }
  void Close() {
    if (--depth_ == 1) NextEntry();
  }
  void Leaf(const std::string* value, const std::string&) {
    if (depth_ != 1) return;
    if (!at_value_) {
      wanted_ = value != nullptr && *value == key_;
      at_value_ = true;
      return;
    }
    if (wanted_) {
      if (value == nullptr) throw Unusable{};
      value_ = *value;
      throw Found{};
    }
    NextEntry();
  }
  void NextEntry() {
    at_value_ = false;
    wanted_ = false;
  }

  std::string_view key_;
  int depth_ = 0;          // 1: inside the top mapping
  bool at_value_ = false;  // the next top-level event is a value, not a key
  bool wanted_ = false;    // the current top-level key is key_
  std::optional<std::string> value_;
};

}  // namespace

TopLevelScalar ReadTopLevelScalar(const std::string& text, std::string_view key) {
  // A key spelt nowhere in the text is not there (by an alias or a merge either: what they
  // copy is spelt somewhere too), and a full parse of a 1,000-service file is most of what
  // `ps` costs. Only a double-quoted key written with escapes escapes this test.
  if (!key.empty() && text.find(key) == std::string::npos &&
      text.find('\\') == std::string::npos)
    return {true, std::nullopt};
  std::istringstream in(text);
  KeyFinder finder(key);
  try {
    YAML::Parser parser(in);
    parser.HandleNextDocument(finder);
  } catch (const KeyFinder::Found&) {
    return {true, finder.value()};
  } catch (const KeyFinder::Unusable&) {
    return {false, std::nullopt};
  } catch (const YAML::Exception&) {
    return {false, std::nullopt};  // the full load reports it properly
  }
  return {true, std::nullopt};
}

}  // namespace stackvisor::config
