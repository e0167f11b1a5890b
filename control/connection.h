#pragma once
// One accepted API connection: read, parse, dispatch, answer, stream; every step bounded.
#include <sys/types.h>
#include <uv.h>

#include <functional>
#include <string>
#include <string_view>

#include "base/timer.h"
#include "base/uv_handle.h"
#include "control/http_codec.h"
#include "control/limits.h"
#include "control/reply.h"
#include "control/write_queue.h"

namespace stackvisor::control {

/// Connection owns one accepted Unix-socket stream and serves HTTP/1.1 on it: it checks the
/// peer's uid, feeds what it reads to a RequestDecoder, hands each complete request to the
/// Handler with a Reply bound to it, and writes the answer through a WriteQueue. One deadline
/// timer bounds the time to receive a whole request (slowloris) and the time to flush last
/// words before closing. Requests are answered in order; keep-alive is honoured. Close() (or
/// the peer going away) detaches any Reply or ResponseStream and runs `on_closed`, after which
/// the owner (HttpServer) destroys it outside any of its callbacks. Loop thread only.
class Connection final : public ReplySink {
 public:
  Connection(uv_loop_t* loop, const Limits& limits, Handler& handler, ServerStats& stats,
             std::function<void(Connection*)> on_closed);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(pipe_.get()); }
  /// After uv_accept: refuses another uid (403), else starts reading.
  void Start();
  /// Answers `status` with an error body as far as the kernel takes it, and closes at once.
  void Refuse(int status, std::string_view message);
  void Close();

  void SendResponse(int status, std::string_view content_type, std::string body,
                    const Headers& headers) override;
  void BeginStream(int status, std::string_view content_type, ResponseStream* stream) override;
  bool PushChunk(std::string_view data) override;
  void EndStream() override;
  void Abandon() override;

 private:
  enum class State { kReading, kHandling, kStreaming, kClosing, kClosed };

  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf) noexcept;
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept;
  void OnBytes(std::string_view bytes) noexcept;
  void OnDeadline() noexcept;
  void OnWritesDone(int status) noexcept;

  void ProcessInput();
  void FinishResponse();
  void SendErrorAndClose(int status, std::string_view message);
  void BeginClosing();
  void CutOff();
  void StartReading();

  const Limits& limits_;
  Handler& handler_;
  ServerStats& stats_;
  std::function<void(Connection*)> on_closed_;
  base::UvHandle<uv_pipe_t> pipe_;
  base::Timer deadline_;
  WriteQueue writes_;
  RequestDecoder decoder_;
  State state_ = State::kReading;
  Reply* reply_ = nullptr;
  ResponseStream* stream_ = nullptr;
  bool stream_is_ndjson_ = false;
  bool keep_alive_ = false;
  bool close_when_flushed_ = false;
  bool dispatching_ = false;
  bool reading_ = false;
  uid_t peer_uid_ = 0;
  pid_t peer_pid_ = 0;
};

}  // namespace stackvisor::control
