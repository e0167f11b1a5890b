#include "logmux/status_line.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "base/timer.h"
#include "logmux/output.h"

namespace stackvisor::logmux {
namespace {

constexpr std::string_view kEllipsis = "...";
constexpr std::string_view kSeparator = "; ";

bool Continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

size_t Columns(std::string_view text) {
  return static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return !Continuation(c); }));
}

// Byte length of the first `columns` code points of text.
size_t PrefixBytes(std::string_view text, size_t columns) {
  size_t bytes = 0;
  for (size_t seen = 0; bytes < text.size(); ++bytes) {
    if (!Continuation(static_cast<unsigned char>(text[bytes])) && seen++ == columns) break;
  }
  return bytes;
}

// Control bytes in a service's text (a name cannot hold one, waiting_for might) would move the
// cursor and break the erase: each becomes a space.
std::string Printable(std::string text) {
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return text;
}

}  // namespace

std::string TruncateToWidth(std::string_view text, size_t width) {
  if (Columns(text) <= width) return std::string(text);
  if (width <= kEllipsis.size()) return std::string(text.substr(0, PrefixBytes(text, width)));
  std::string out(text.substr(0, PrefixBytes(text, width - kEllipsis.size())));
  out += kEllipsis;
  return out;
}

std::vector<std::string> RenderStatus(const std::vector<StatusEntry>& entries, size_t width,
                                      size_t max_lines) {
  std::vector<std::string> lines;
  if (entries.empty() || max_lines == 0 || width == 0) return lines;
  const size_t usable = width > 1 ? width - 1 : 1;
  std::string line = "waiting (" + std::to_string(entries.size()) + "): ";
  bool has_piece = false;
  for (const StatusEntry& entry : entries) {
    std::string piece = Printable(entry.name + ": " + entry.what);
    std::string_view sep = has_piece ? kSeparator : std::string_view();
    if (Columns(line) + sep.size() + Columns(piece) <= usable) {
      line += sep;
      line += piece;
      has_piece = true;
      continue;
    }
    if (lines.size() + 1 < max_lines) {
      if (has_piece) {
        // Wrap at the separator: the next line starts with this piece.
        lines.push_back(TruncateToWidth(line + ';', usable));
        line = piece;
      } else {
        lines.push_back(TruncateToWidth(line + piece, usable));
        line.clear();
      }
      has_piece = !line.empty();
      continue;
    }
    // The last line is full: what does not fit is cut, and "..." says there was more.
    line += sep;
    line += piece;
    lines.push_back(TruncateToWidth(line, usable));
    return lines;
  }
  if (!line.empty()) lines.push_back(TruncateToWidth(line, usable));
  return lines;
}

std::string StatusDraw(const std::vector<std::string>& lines) {
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += '\n';
    out += lines[i];
  }
  return out;
}

std::string StatusErase(size_t lines) {
  if (lines == 0) return {};
  std::string out = "\r";
  if (lines > 1) out += "\x1b[" + std::to_string(lines - 1) + "A";
  out += "\x1b[J";
  return out;
}

bool StatusLineWanted(int fd) {
  if (::isatty(fd) != 1) return false;
  const char* term = std::getenv("TERM");
  return term == nullptr || std::strcmp(term, "dumb") != 0;
}

size_t TerminalWidth(int fd) {
  winsize size{};
  if (::ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

StatusLine::StatusLine(uv_loop_t* loop, Output& output, int fd, Source source, size_t max_lines)
    : output_(output),
      fd_(fd),
      source_(std::move(source)),
      max_lines_(max_lines),
      timer_(std::make_unique<base::Timer>(loop)) {}

StatusLine::~StatusLine() { Stop(); }

void StatusLine::Poke() {
  if (!active_ || timer_->active()) return;
  auto due = last_refresh_ + kInterval;
  auto now = base::Now();
  timer_->Start(due > now ? base::Since(now, due) : base::Duration(0), [this] { Refresh(); });
}

void StatusLine::Stop() {
  timer_->Stop();
  active_ = false;
  if (shown_.empty()) return;
  shown_.clear();
  output_.SetStatus({});
}

void StatusLine::Refresh() {
  last_refresh_ = base::Now();
  std::vector<StatusEntry> entries = source_();
  if (entries.empty()) {
    Stop();
    return;
  }
  std::vector<std::string> lines = RenderStatus(entries, TerminalWidth(fd_), max_lines_);
  if (lines == shown_) return;
  shown_ = lines;
  output_.SetStatus(std::move(lines));
}

}  // namespace stackvisor::logmux
