#include "logmux/mux_sink.h"

#include <spdlog/details/null_mutex.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>

namespace stackvisor::logmux {
namespace {

/// The sink behind MakeMuxSink: formats with its spdlog formatter, strips the end of line and
/// hands the text to Mux::Line.
class MuxSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  MuxSink(Mux& mux, int source)
      : base_sink(std::make_unique<spdlog::pattern_formatter>("%v", spdlog::pattern_time_type::utc, "")),
        mux_(mux),
        source_(source) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    std::string_view text(formatted.data(), formatted.size());
    // A user pattern may end with an end of line; the mux adds its own.
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
    mux_.Line(source_, text);
  }
  void flush_() override {}

 private:
  Mux& mux_;
  const int source_;
};

}  // namespace

std::shared_ptr<spdlog::sinks::sink> MakeMuxSink(Mux& mux, int source) {
  return std::make_shared<MuxSink>(mux, source);
}

}  // namespace stackvisor::logmux
