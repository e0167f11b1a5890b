// The exec probe: a command whose exit status is the verdict (compose's `test`).
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>

#include "base/pipe_reader.h"
#include "base/timer.h"
#include "base/unique_fd.h"
#include "healthcheck/probe.h"
#include "procs/children.h"
#include "procs/reaper.h"
#include "procs/spawner.h"
#include "procs/wait_status.h"

namespace stackvisor::healthcheck {
namespace {

constexpr size_t kMaxDetailLine = 200;

std::string Trim(std::string_view s) {
  const char* ws = " \t\r\n";
  size_t begin = s.find_first_not_of(ws);
  if (begin == std::string_view::npos) return {};
  size_t end = s.find_last_not_of(ws);
  return std::string(s.substr(begin, end - begin + 1));
}

// A second descriptor for a pipe's read end, for the final synchronous drain: the PipeReader
// owns the first one inside libuv. Both share one open file, so one O_NONBLOCK serves both.
base::UniqueFd DupForDrain(const base::UniqueFd& fd) {
  if (!fd.valid()) return {};
  base::UniqueFd dup(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3));
  if (dup.valid()) ::fcntl(dup.get(), F_SETFL, ::fcntl(dup.get(), F_GETFL) | O_NONBLOCK);
  return dup;
}

/// ExecProbe spawns spec once per attempt, in its own process group, reading its stdout and
/// stderr only to keep the last non-blank line for the detail. The verdict is the main
/// process's exit status, taken the moment the reaper reports it: then the rest of its group
/// (background children of a shell) is SIGKILLed and what the main process wrote, all in the
/// pipes by then, is read synchronously. The pipes' EOF is never awaited, since any child
/// holding them would hold the verdict back until the timeout. A timeout, Cancel() or
/// destruction SIGKILLs the group too. Once the probe gives up on a running child, the reaper
/// keeps a no-op watch on it, so the child is reaped quietly and no callback can reach a
/// destroyed probe. Children that left the group (setsid) survive; as stackvisor is a child
/// subreaper they are re-parented to it and reaped as orphans when they end.
class ExecProbe final : public ActiveProbe {
 public:
  ExecProbe(uv_loop_t* loop, procs::Reaper& reaper, procs::SpawnSpec spec)
      : loop_(loop), reaper_(reaper), spec_(std::move(spec)), timer_(loop), settle_(loop) {
    spec_.capture_output = true;
  }
  ~ExecProbe() override { Abandon(); }
  ExecProbe(const ExecProbe&) = delete;
  ExecProbe& operator=(const ExecProbe&) = delete;

  void Run(std::chrono::milliseconds timeout, std::function<void(ProbeResult)> done) override {
    Abandon();
    done_ = std::move(done);
    timeout_ = timeout;
    last_line_.clear();
    partial_[0].clear();
    partial_[1].clear();
    base::Result<procs::SpawnedChild> child = procs::Spawn(spec_);
    if (!child.ok()) {
      // done is never called from inside Run.
      std::string detail = child.error().message;
      settle_.Start(std::chrono::milliseconds(0), [this, detail] { Finish(false, detail); });
      return;
    }
    pid_ = child.value().pid;
    reaper_.Watch(pid_, [this](procs::WaitStatus status) { OnExit(status); });
    drain_[0] = DupForDrain(child.value().stdout_read);
    drain_[1] = DupForDrain(child.value().stderr_read);
    // The end callbacks have nothing to do: the exit, not EOF, ends the attempt.
    out_.emplace(
        loop_, std::move(child.value().stdout_read),
        [this](std::string_view data) { OnOutput(0, data); }, nullptr);
    err_.emplace(
        loop_, std::move(child.value().stderr_read),
        [this](std::string_view data) { OnOutput(1, data); }, nullptr);
    timer_.Start(timeout, [this] { OnTimeout(); });
  }

  void Cancel() override {
    Abandon();
    done_ = nullptr;
  }

 private:
  void OnOutput(int stream, std::string_view data) {
    std::string& partial = partial_[stream];
    for (char c : data) {
      if (c == '\n') {
        if (std::string line = Trim(partial); !line.empty()) last_line_ = std::move(line);
        partial.clear();
      } else if (partial.size() < kMaxDetailLine) {
        partial.push_back(c);
      }
    }
  }

  void OnExit(procs::WaitStatus status) {
    // The main process led its own session and group (Spawn calls setsid), so its pid names the
    // group, which outlives it: while members remain the kernel keeps the id allocated, so it
    // names only them; once none remain, this kill, right after waitpid, finds nothing unless a
    // new group took the freed id in between. Never the reaped pid itself (procs::SignalGroup's
    // fallback): it may already be someone else's.
    ::kill(-pid_, SIGKILL);
    pid_ = -1;  // reaped: never signal this pid again, it may be reused
    Drain();
    FinishWithStatus(status);
  }

  // Everything the main process wrote is in the pipes once it has exited, but libuv may not
  // have read it yet (its SIGCHLD can be handled before the pipes' readiness in a later poll).
  // What the group's other members write from now on does not count: a pipe's capacity bounds
  // the read, so a writer that never stops cannot hold the loop.
  void Drain() {
    char buf[4096];
    for (int stream = 0; stream < 2; ++stream) {
      if (!drain_[stream].valid()) continue;
      size_t left = base::PipeReader::kMaxPipe;
      while (left > 0) {
        ssize_t n = ::read(drain_[stream].get(), buf, std::min(sizeof(buf), left));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // EAGAIN (nothing more yet), EOF, or an error: done either way
        OnOutput(stream, std::string_view(buf, static_cast<size_t>(n)));
        left -= static_cast<size_t>(n);
      }
    }
  }

  void OnTimeout() { Finish(false, "timed out after " + DescribeDuration(timeout_)); }

  void FinishWithStatus(procs::WaitStatus status) {
    for (const std::string& partial : partial_) {
      if (std::string line = Trim(partial); !line.empty()) last_line_ = std::move(line);
    }
    std::string detail =
        status.exited() ? "exit code " + std::to_string(status.exit_code()) : status.Describe();
    if (!last_line_.empty()) detail += ": " + last_line_;
    Finish(status.success(), std::move(detail));
  }

  // done is moved out first: it may destroy this probe.
  void Finish(bool healthy, std::string detail) {
    Abandon();
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) done(ProbeResult{healthy, std::move(detail)});
  }

  void Abandon() {
    timer_.Stop();
    settle_.Stop();
    if (pid_ > 0) {
      procs::SignalGroup(pid_, SIGKILL);  // not reaped yet: the pid is still ours
      reaper_.Forget(pid_);
      reaper_.Watch(pid_, [](procs::WaitStatus) {});
      pid_ = -1;
    }
    // Closing the read ends: a member that escaped the group and still writes gets EPIPE.
    out_.reset();
    err_.reset();
    drain_[0].Reset();
    drain_[1].Reset();
  }

  uv_loop_t* loop_;
  procs::Reaper& reaper_;
  procs::SpawnSpec spec_;
  base::Timer timer_;   // the attempt's timeout
  base::Timer settle_;  // zero-delay: a spawn failure is reported outside of Run
  std::function<void(ProbeResult)> done_;
  std::chrono::milliseconds timeout_{0};
  pid_t pid_ = -1;  // the running child, until reaped or given up
  std::optional<base::PipeReader> out_;
  std::optional<base::PipeReader> err_;
  base::UniqueFd drain_[2];  // the same pipes as out_ and err_, read once at the exit
  std::string partial_[2];
  std::string last_line_;
};

}  // namespace

std::unique_ptr<ActiveProbe> MakeExecProbe(uv_loop_t* loop, procs::Reaper& reaper,
                                           procs::SpawnSpec spec) {
  return std::make_unique<ExecProbe>(loop, reaper, std::move(spec));
}

}  // namespace stackvisor::healthcheck
