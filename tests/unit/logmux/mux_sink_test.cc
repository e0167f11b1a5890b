#include "logmux/mux_sink.h"

#include <doctest/doctest.h>
#include <spdlog/logger.h>

#include "tests/unit/logmux/logmux_test_util.h"

namespace stackvisor::logmux {

using namespace std::chrono_literals;

TEST_CASE("MakeMuxSink writes stackvisor's messages through the mux in the shared format") {
  testing::TestLoop loop;
  {
    testing::PipeDrain drain;
    Output output(loop.get(), drain.write_fd());
    Mux mux(output, FormatOptions{});
    const int self = mux.AddSource("stackvisor");
    mux.AddSource("web");
    spdlog::logger logger("test", MakeMuxSink(mux, self));
    logger.info("web started (pid {})", 42);
    logger.warn("two\nlines");
    logger.debug("below the default level: not printed");
    logger.flush();
    output.Flush();
    const std::string expected =
        "stackvisor | web started (pid 42)\n"
        "stackvisor | two\n"
        "stackvisor | lines\n";
    CHECK(drain.WaitFor([&](const std::string& d) { return d == expected; }, 10s));
  }
  CHECK(loop.Close());
}

TEST_CASE("MakeMuxSink honours set_pattern and drops the pattern's end of line") {
  testing::TestLoop loop;
  {
    testing::PipeDrain drain;
    Output output(loop.get(), drain.write_fd());
    Mux mux(output, FormatOptions{});
    auto sink = MakeMuxSink(mux, mux.AddSource("sv"));
    sink->set_pattern("%l: %v");
    spdlog::logger logger("test", sink);
    logger.error("boom");
    output.Flush();
    CHECK(drain.WaitFor([&](const std::string& d) { return d == "sv | error: boom\n"; }, 10s));
  }
  CHECK(loop.Close());
}

}  // namespace stackvisor::logmux
