// The one place that includes yaml-cpp: it turns a YAML document into the loader's own Node
// tree so that everything else is independent of yaml-cpp's API. The tree is built straight
// from the parser's events rather than from YAML::Load's node graph, so that aliases can be
// counted before they are expanded and nothing is walked twice.
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <unordered_map>

#include "config/tree.h"

namespace stackvisor::config {
namespace {

// Real nodes are bounded by the file size cap (read_file.h); this limit only stops a file of
// nothing but `[]` from costing gigabytes, far above any manifest (5,000 services with 40
// variables each are 450,000 nodes). Aliases are what need a tight bound: each reference copies
// its anchor's whole subtree, so a few lines can stand for billions of nodes ("billion
// laughs"). Nesting is bounded because every later walk over the tree recurses.
constexpr size_t kMaxNodes = 4000000;
constexpr size_t kMaxAliasNodes = 1000000;
constexpr size_t kMaxDepth = 100;

/// Builder receives the parser's events for one document and builds its Node tree, expanding
/// aliases by copying their anchor's subtree. What YAML allows but a manifest cannot hold
/// (non-string keys, duplicate keys, bad merge keys) is collected in problems(). A tree past
/// the limits above stops the parse: Fail records where, then throws Stop.
class Builder : public YAML::EventHandler {
 public:
  struct Stop {};

  explicit Builder(const std::string& file) : file_(file), start_{file, 1, 1} {}

  Node TakeRoot() { return std::move(root_); }
  std::vector<Diagnostic>& problems() { return problems_; }
  const Diagnostic& failure() const { return failure_; }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Leaf(mark, "", anchor, Node{});
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    Node node;
    node.kind = Node::Kind::kScalar;
    node.value = value;
    Leaf(mark, tag, anchor, std::move(node));
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    for (const Frame& f : open_)
      if (f.anchor == anchor) Fail(mark, "alias refers to a node that contains it");
    const auto it = anchors_.find(anchor);
    if (it == anchors_.end()) return;  // the parser rejects unknown aliases itself
    const Anchored& target = it->second;
    alias_nodes_ += target.size.nodes;
    if (alias_nodes_ > kMaxAliasNodes)
      Fail(mark, "aliases expand to more than " + std::to_string(kMaxAliasNodes) +
                     " nodes (an alias bomb?); a manifest needs far fewer");
    if (open_.size() + target.size.height > kMaxDepth) FailDepth(mark);
    Deliver(Node(target.node), target.size, target.plain);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(mark, tag, anchor, Node::Kind::kSequence);
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Open(mark, tag, anchor, Node::Kind::kMap);
  }
  void OnMapEnd() override { Close(); }

 private:
  struct Size {
    size_t nodes = 1;   // this node and everything below it, aliases expanded
    size_t height = 0;  // containers on the longest path down, this one included
  };
  struct Anchored {
    Node node;
    Size size;
    bool plain;
  };
  /// A sequence or mapping being filled; a mapping holds its pending key between events.
  struct Frame {
    Node node;
    YAML::anchor_t anchor = YAML::NullAnchor;
    Size size;
    bool has_key = false;
    Node key;
    bool key_plain = false;  // an untagged plain scalar: only then is "<<" a merge key
    std::set<std::string> seen;
    std::vector<Node> merges;  // values of "<<" keys, applied after the explicit keys
  };

  // Where a node without a usable mark points: its key, else its container, else line 1.
  SourcePos Pos(const YAML::Mark& mark) const {
    if (mark.line >= 0) return SourcePos{file_, mark.line + 1, mark.column + 1};
    if (open_.empty()) return start_;
    const Frame& f = open_.back();
    return f.has_key ? f.key.pos : f.node.pos;
  }

  void Prepare(Node& node, const YAML::Mark& mark, const std::string& tag) {
    if (++real_nodes_ > kMaxNodes)
      Fail(mark,
           "more than " + std::to_string(kMaxNodes) + " YAML nodes; a manifest has far fewer");
    node.pos = Pos(mark);
    if (tag == "!reset" || tag == "!override") node.tag = tag;
  }

  void Leaf(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor, Node node) {
    Prepare(node, mark, tag);
    const bool plain = tag == "?";
    if (anchor != YAML::NullAnchor) anchors_[anchor] = Anchored{node, Size{}, plain};
    Deliver(std::move(node), Size{}, plain);
  }

  void Open(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
            Node::Kind kind) {
    if (open_.size() + 1 > kMaxDepth) FailDepth(mark);
    Frame frame;
    Prepare(frame.node, mark, tag);
    frame.node.kind = kind;
    frame.anchor = anchor;
    frame.size.height = 1;
    open_.push_back(std::move(frame));
  }

  void Close() {
    Frame f = std::move(open_.back());
    open_.pop_back();
    if (f.node.IsMap()) ApplyMerges(f);
    if (f.anchor != YAML::NullAnchor) anchors_[f.anchor] = Anchored{f.node, f.size, false};
    Deliver(std::move(f.node), f.size, false);
  }

  // Hands a finished node to its container (or makes it the root).
  void Deliver(Node node, const Size& size, bool plain) {
    if (open_.empty()) {
      root_ = std::move(node);
      return;
    }
    Frame& f = open_.back();
    f.size.nodes += size.nodes;  // cannot overflow: every alias's share was checked
    f.size.height = std::max(f.size.height, size.height + 1);
    if (f.node.IsSequence()) {
      f.node.items.push_back(std::move(node));
    } else if (!f.has_key) {
      f.key = std::move(node);
      f.key_plain = plain;
      f.has_key = true;
    } else {
      f.has_key = false;
      Pair(f, std::move(node));
    }
  }

  void Pair(Frame& f, Node value) {
    const Node& key = f.key;
    if (!key.IsScalar()) {
      return Problem(key.pos, "expected a string key, got " +
                                  std::string(key.IsMap()        ? "a mapping"
                                              : key.IsSequence() ? "a list"
                                                                 : "null"));
    }
    if (key.value == "<<" && f.key_plain) return f.merges.push_back(std::move(value));
    if (!f.seen.insert(key.value).second)
      return Problem(key.pos, "duplicate key " + Quote(key.value));
    f.node.entries.push_back({key.value, key.pos, std::move(value)});
  }

  // YAML merge keys: the explicit keys win, then earlier merged mappings win over later ones.
  void ApplyMerges(Frame& f) {
    auto merge_into = [&f](const Node& from) {
      for (const auto& e : from.entries)
        if (f.seen.insert(e.key).second) f.node.entries.push_back(e);
    };
    for (const Node& merge : f.merges) {
      if (merge.IsMap()) {
        merge_into(merge);
      } else if (merge.IsSequence()) {
        for (const Node& item : merge.items) {
          if (item.IsMap()) merge_into(item);
          else Problem(item.pos, "'<<' expects mappings, got " + Describe(item));
        }
      } else {
        Problem(merge.pos, "'<<' expects a mapping or a list of mappings, got " + Describe(merge));
      }
    }
  }

  void Problem(const SourcePos& pos, std::string message) {
    problems_.push_back(
        {Diagnostic::Severity::kError, pos.file, pos.line, pos.column, "", std::move(message)});
  }

  void FailDepth(const YAML::Mark& mark) {
    Fail(mark, "nesting deeper than " + std::to_string(kMaxDepth) + " levels");
  }

  [[noreturn]] void Fail(const YAML::Mark& mark, std::string message) {
    const SourcePos pos = Pos(mark);
    failure_ = {Diagnostic::Severity::kError, pos.file, pos.line, pos.column, "",
                std::move(message)};
    throw Stop{};
  }

  const std::string& file_;
  const SourcePos start_;
  Node root_;
  std::vector<Frame> open_;
  std::unordered_map<YAML::anchor_t, Anchored> anchors_;
  size_t real_nodes_ = 0;
  size_t alias_nodes_ = 0;
  std::vector<Diagnostic> problems_;
  Diagnostic failure_;
};

Diagnostic ErrorAt(const std::string& file, const YAML::Mark& mark, std::string message) {
  return {Diagnostic::Severity::kError, file, std::max(mark.line, 0) + 1,
          std::max(mark.column, 0) + 1, "", std::move(message)};
}

}  // namespace

Node ReadYaml(const std::string& text, const std::string& file,
              std::vector<Diagnostic>& diagnostics) {
  Builder builder(file);
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    parser.HandleNextDocument(builder);  // the first document only, as YAML::Load reads
  } catch (const Builder::Stop&) {
    diagnostics.push_back(builder.failure());
    return Node{};
  } catch (const YAML::Exception& e) {
    // Only the syntax error: what was built so far is not the file the user wrote.
    diagnostics.push_back(ErrorAt(file, e.mark, "invalid YAML: " + e.msg));
    return Node{};
  }
  auto& problems = builder.problems();
  diagnostics.insert(diagnostics.end(), std::make_move_iterator(problems.begin()),
                     std::make_move_iterator(problems.end()));
  Node tree = builder.TakeRoot();
  if (tree.IsNull()) {
    diagnostics.push_back({Diagnostic::Severity::kError, file, 1, 1, "",
                           "the file is empty: expected a mapping with 'services'"});
  } else if (!tree.IsMap()) {
    diagnostics.push_back({Diagnostic::Severity::kError, file, tree.pos.line, tree.pos.column, "",
                           "expected a mapping with 'services' at the top level, got " +
                               Describe(tree)});
    return Node{};
  }
  return tree;
}

}  // namespace stackvisor::config
