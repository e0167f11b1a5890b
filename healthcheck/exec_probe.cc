// The exec probe: a command whose exit status is the verdict (compose's `test`).
#include <signal.h>

#include <optional>

#include "base/pipe_reader.h"
#include "base/timer.h"
#include "healthcheck/probe.h"
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

/// ExecProbe spawns spec once per attempt, in its own process group, reading its stdout and
/// stderr only to keep the last non-blank line for the detail. The verdict waits for the exit
/// status (from the reaper) and both pipes' EOF, so the last line is complete; a timeout kills
/// the group. Once the probe gives up on a child, the reaper keeps a no-op watch on it, so the
/// child is reaped quietly and no callback can reach a destroyed probe.
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
    out_.emplace(
        loop_, std::move(child.value().stdout_read),
        [this](std::string_view data) { OnOutput(0, data); }, [this](int) { OnPipeEnd(); });
    err_.emplace(
        loop_, std::move(child.value().stderr_read),
        [this](std::string_view data) { OnOutput(1, data); }, [this](int) { OnPipeEnd(); });
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

  // PipeReader is inside its own end callback here: settle on the next loop turn, since
  // finishing destroys the readers.
  void OnPipeEnd() {
    settle_.Start(std::chrono::milliseconds(0), [this] { MaybeFinish(); });
  }

  void OnExit(procs::WaitStatus status) {
    pid_ = -1;  // reaped: never signal this pid again, it may be reused
    status_ = status;
    MaybeFinish();
  }

  void MaybeFinish() {
    if (!status_) return;
    if ((out_ && !out_->ended()) || (err_ && !err_->ended())) return;
    FinishWithStatus();
  }

  void OnTimeout() {
    // A child that exited but left a background process holding its pipes still has a verdict.
    if (status_) return FinishWithStatus();
    Finish(false, "timed out after " + DescribeDuration(timeout_));
  }

  void FinishWithStatus() {
    for (const std::string& partial : partial_) {
      if (std::string line = Trim(partial); !line.empty()) last_line_ = std::move(line);
    }
    std::string detail =
        status_->exited() ? "exit code " + std::to_string(status_->exit_code()) : status_->Describe();
    if (!last_line_.empty()) detail += ": " + last_line_;
    Finish(status_->success(), std::move(detail));
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
      // Before setsid() in the child the group does not exist yet: then kill the pid itself.
      if (::kill(-pid_, SIGKILL) != 0) ::kill(pid_, SIGKILL);
      reaper_.Forget(pid_);
      reaper_.Watch(pid_, [](procs::WaitStatus) {});
      pid_ = -1;
    }
    out_.reset();
    err_.reset();
    status_.reset();
  }

  uv_loop_t* loop_;
  procs::Reaper& reaper_;
  procs::SpawnSpec spec_;
  base::Timer timer_;   // the attempt's timeout
  base::Timer settle_;  // zero-delay: deliver outside of callbacks that must not destroy things
  std::function<void(ProbeResult)> done_;
  std::chrono::milliseconds timeout_{0};
  pid_t pid_ = -1;  // the running child, until reaped or given up
  std::optional<procs::WaitStatus> status_;
  std::optional<base::PipeReader> out_;
  std::optional<base::PipeReader> err_;
  std::string partial_[2];
  std::string last_line_;
};

}  // namespace

std::unique_ptr<ActiveProbe> MakeExecProbe(uv_loop_t* loop, procs::Reaper& reaper,
                                           procs::SpawnSpec spec) {
  return std::make_unique<ExecProbe>(loop, reaper, std::move(spec));
}

}  // namespace stackvisor::healthcheck
