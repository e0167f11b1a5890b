// `ps` and `logs`: read the running stack's state and history.
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "app/ctl_internal.h"
#include "app/project_client.h"
#include "control/ps_table.h"
#include "control/service_list_scan.h"

namespace stackvisor::app::ctl {
namespace {

// A stream outlives any head deadline: it lasts as long as the stack.
constexpr std::chrono::milliseconds kStreamHeadTimeout{10'000};

std::vector<nlohmann::json> Visible(const std::vector<nlohmann::json>& services,
                                    const ControlInvocation& ctl) {
  // Named services are always shown, as asked.
  if (ctl.all || !ctl.services.empty()) return services;
  std::vector<nlohmann::json> shown;
  for (const auto& s : services)
    if (control::ShownByDefault(s)) shown.push_back(s);
  return shown;
}

void Print(const std::vector<nlohmann::json>& services, const ControlInvocation& ctl) {
  if (ctl.json) {
    // Each shown object dumped in place: copying 1,000 of them into a new array first was a
    // third of `ps --json`'s time.
    const bool every = ctl.all || !ctl.services.empty();
    std::string out = "[";
    for (const auto& s : services) {
      if (!every && !control::ShownByDefault(s)) continue;
      if (out.size() > 1) out += ',';
      out += s.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    out += "]\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
    return;
  }
  std::cout << control::PsTable(Visible(services, ctl));
  std::cout.flush();
}

/// Coalescer draws at most once per kInterval: a burst of changes (a restart touches several
/// services, 1,000 services start at once) is one redraw, and the newest state is on screen at
/// most kInterval after it arrived, even if nothing follows it. The caller changes the state
/// under mutex() and then calls Changed(); draw runs on the coalescer's thread, also under
/// mutex(). Destroying it draws what is still pending.
class Coalescer {
 public:
  static constexpr std::chrono::milliseconds kInterval{100};

  explicit Coalescer(std::function<void()> draw)
      : draw_(std::move(draw)), thread_([this] { Loop(); }) {}
  ~Coalescer() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
    if (pending_) draw_();
  }
  Coalescer(const Coalescer&) = delete;
  Coalescer& operator=(const Coalescer&) = delete;

  std::mutex& mutex() { return mutex_; }
  /// With mutex() held.
  void Changed() {
    pending_ = true;
    wake_.notify_all();
  }

 private:
  void Loop() {
    std::unique_lock lock(mutex_);
    while (true) {
      wake_.wait(lock, [this] { return pending_ || stopping_; });
      if (stopping_) return;
      // Not before kInterval since the last draw; changes meanwhile join this one.
      if (wake_.wait_until(lock, last_draw_ + kInterval, [this] { return stopping_; })) return;
      pending_ = false;
      draw_();
      last_draw_ = std::chrono::steady_clock::now();
    }
  }

  std::function<void()> draw_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool pending_ = false;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
  std::thread thread_;  // last: started once the rest is ready
};

// ps --watch: the event stream's first lines are every service's state, then one per change.
// `shown`: the names of the services asked for (a group's replicas), empty for all.
int Watch(control::Client& client, const ControlInvocation& ctl, size_t expected,
          const std::vector<std::string>& shown) {
  const bool tty = isatty(STDOUT_FILENO) == 1;
  std::vector<std::string> order;
  std::map<std::string, nlohmann::json> by_name;
  Coalescer redraw([&] {
    std::vector<nlohmann::json> now;
    for (const auto& n : order) now.push_back(by_name[n]);
    if (tty) std::cout << "\x1b[H\x1b[2J";  // redraw in place
    Print(now, ctl);
    if (!tty && !ctl.json) std::cout << "\n";
    std::cout.flush();
  });
  auto on_line = [&](std::string_view line) {
    auto event = nlohmann::json::parse(line, nullptr, false);
    if (!event.is_object() || !event.contains("service")) return true;  // e.g. a cut-off note
    const auto& service = event["service"];
    const std::string name = service.value("name", "");
    if (!shown.empty() && std::find(shown.begin(), shown.end(), name) == shown.end())
      return true;
    std::lock_guard lock(redraw.mutex());
    if (by_name.emplace(name, service).second) order.push_back(name);
    else by_name[name] = service;
    if (by_name.size() < expected) return true;  // still the initial burst
    redraw.Changed();
    return true;
  };
  bool streamed = false;
  auto result = client.StreamLines(
      "GET", "/v1/events",
      [&](std::string_view line) {
        streamed = true;
        return on_line(line);
      },
      kStreamHeadTimeout);
  if (!result.ok()) {
    if (streamed && result.error().message.find("closed the connection") != std::string::npos)
      return 0;  // the stack is down, so is its event stream

    PrintClientError(result.error());
    return 1;
  }
  if (result.value().status >= 300) {
    PrintServerError(result.value());
    return 1;
  }
  return 0;  // the stack went down
}

// `ps --json` of the whole stack prints the server's objects as they came (they are already
// what dumping them would give); a body the scanner refuses goes the parsing way, which reports
// what is wrong with it.
std::optional<int> PrintRawList(control::Client& client, const ControlInvocation& ctl) {
  auto result = client.Call("GET", "/v1/services");
  if (!result.ok()) {
    PrintClientError(result.error());
    return 1;
  }
  const auto& response = result.value();
  if (response.status < 200 || response.status >= 300) {
    PrintServerError(response);
    return 1;
  }
  auto services = control::ScanServiceList(response.body);
  if (!services) return std::nullopt;
  std::string out = "[";
  for (const auto& s : *services) {
    if (!ctl.all && !control::StateShownByDefault(s.state)) continue;
    if (out.size() > 1) out += ',';
    out += s.json;
  }
  out += "]\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return 0;
}

}  // namespace

int RunPs(control::Client& client, const ControlInvocation& ctl) {
  if (ctl.json && !ctl.watch && ctl.services.empty()) {
    if (auto code = PrintRawList(client, ctl)) return *code;
  }
  auto services = FetchServices(client, ctl.services);
  if (!services) return 1;
  if (!ctl.watch) {
    Print(*services, ctl);
    return 0;
  }
  std::vector<std::string> shown;
  if (!ctl.services.empty())
    for (const auto& s : *services) shown.push_back(s.value("name", ""));
  return Watch(client, ctl, services->size(), shown);
}

int RunLogs(control::Client& client, const ControlInvocation& ctl) {
  std::string target = "/v1/logs?";
  if (!ctl.services.empty()) {
    std::string list;
    for (const auto& name : ctl.services) list += (list.empty() ? "" : ",") + name;
    target += "service=" + QueryEscape(list) + "&";
  }
  if (!ctl.tail.empty()) target += "tail=" + QueryEscape(ctl.tail) + "&";
  if (!ctl.since.empty()) target += "since=" + QueryEscape(ctl.since) + "&";
  const char* no_color_env = std::getenv("NO_COLOR");
  const bool color = !ctl.no_color && (no_color_env == nullptr || *no_color_env == '\0') &&
                     isatty(STDOUT_FILENO) == 1;
  target += std::string("color=") + (color ? "1" : "0");
  target += std::string("&timestamps=") + (ctl.timestamps ? "1" : "0");
  if (ctl.follow) target += "&follow=1";
  auto on_chunk = [](std::string_view chunk) {
    std::fwrite(chunk.data(), 1, chunk.size(), stdout);
    std::fflush(stdout);
    return !std::ferror(stdout);  // a closed pipe (`| head`) ends the follow
  };
  bool streamed = false;
  auto result = client.Stream(
      "GET", target,
      [&](std::string_view chunk) {
        streamed = true;
        return on_chunk(chunk);
      },
      kStreamHeadTimeout);
  if (!result.ok()) {
    // The server closes every connection once the stack is down: for a follower that is the
    // end of the logs, as when compose's containers stop.
    if (streamed && result.error().message.find("closed the connection") != std::string::npos)
      return 0;
    PrintClientError(result.error());
    return 1;
  }
  if (result.value().status >= 300) {
    PrintServerError(result.value());
    return 1;
  }
  on_chunk(result.value().body);  // a whole (not streamed) answer arrives as the body
  return 0;
}

}  // namespace stackvisor::app::ctl
