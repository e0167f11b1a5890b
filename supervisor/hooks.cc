#include "supervisor/hooks.h"

#include <signal.h>

#include "base/pipe_reader.h"
#include "logmux/log_stream.h"
#include "procs/children.h"
#include "procs/spawner.h"

namespace stackvisor::supervisor {
namespace {

std::string Words(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

}  // namespace

/// The running hook: its pid and its two pipes into the service's log.
struct HookRunner::Process {
  pid_t pid = -1;
  bool exited = false;
  std::unique_ptr<logmux::LogStream> out_stream, err_stream;
  std::unique_ptr<base::PipeReader> out, err;

  bool Drained() const { return (!out || out->ended()) && (!err || err->ended()); }
};

HookRunner::HookRunner(uv_loop_t* loop, procs::Reaper& reaper, logmux::Mux& mux,
                       int log_source)
    : loop_(loop), reaper_(reaper), mux_(mux), log_source_(log_source), settle_(loop) {}

HookRunner::~HookRunner() { Cancel(); }

void HookRunner::Run(std::string kind, std::vector<config::Hook> hooks, SpecFor spec_for,
                     Done done) {
  Cancel();
  kind_ = std::move(kind);
  hooks_ = std::move(hooks);
  next_ = 0;
  spec_for_ = std::move(spec_for);
  done_ = std::move(done);
  Next();
}

void HookRunner::Cancel() {
  if (current_ && !current_->exited) {
    // Forgotten first: the reaper then reaps it as an orphan and calls nothing of ours.
    reaper_.Forget(current_->pid);
    ::kill(-current_->pid, SIGKILL);
  }
  settle_.Stop();
  current_.reset();
  failure_.clear();
  done_ = nullptr;
  spec_for_ = nullptr;
}

void HookRunner::Next() {
  if (next_ >= hooks_.size()) return Finish("");
  const config::Hook& hook = hooks_[next_++];
  const std::string what = kind_ + " hook '" + Words(hook.command) + "'";
  procs::SpawnSpec spec = spec_for_(hook);
  spec.capture_output = true;
  auto spawned = procs::Spawn(spec);
  if (!spawned.ok()) return Finish(what + " could not start: " + spawned.error().message);
  current_ = std::make_unique<Process>();
  Process* p = current_.get();
  p->pid = spawned.value().pid;
  p->out_stream = std::make_unique<logmux::LogStream>(mux_, log_source_);
  p->err_stream = std::make_unique<logmux::LogStream>(mux_, log_source_, logmux::Stream::kStderr);
  auto reader = [this](base::UniqueFd fd, logmux::LogStream* stream) {
    return std::make_unique<base::PipeReader>(
        loop_, std::move(fd), [stream](std::string_view chunk) { stream->Feed(chunk); },
        [this, stream](int) {
          stream->Finish();
          MaybeFinished();
        });
  };
  p->out = reader(std::move(spawned.value().stdout_read), p->out_stream.get());
  p->err = reader(std::move(spawned.value().stderr_read), p->err_stream.get());
  reaper_.Watch(p->pid, [this, what](procs::WaitStatus status) {
    current_->exited = true;
    // Whatever it left in its group goes with it, so its pipes reach EOF.
    ::kill(-current_->pid, SIGKILL);
    failure_ = status.success() ? "" : what + " " + status.Describe();
    MaybeFinished();
  });
}

void HookRunner::MaybeFinished() {
  if (!current_ || !current_->exited || !current_->Drained()) return;
  // Not here: this runs inside a pipe's callback, and the pipe is about to be destroyed.
  settle_.Start(base::Duration(0), [this] { OnSettled(); });
}

void HookRunner::OnSettled() {
  current_.reset();
  if (!failure_.empty()) return Finish(std::exchange(failure_, ""));
  Next();
}

void HookRunner::Finish(const std::string& failure) {
  Done done = std::move(done_);
  done_ = nullptr;
  spec_for_ = nullptr;
  if (done) done(failure);  // last: it may start another list
}

}  // namespace stackvisor::supervisor
