#pragma once
// How a handler answers: once, completely (Reply), or as a stream of chunks (ResponseStream).
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "control/request.h"

namespace stackvisor::control {

class ResponseStream;

/// {"error": message} dumped, with a newline: the body of every error response.
std::string ErrorJson(std::string_view message);

/// ReplySink is the connection side of a Reply or ResponseStream; only Connection implements
/// it. Each call comes from the loop thread.
class ReplySink {
 public:
  virtual void SendResponse(int status, std::string_view content_type, std::string body,
                            const Headers& headers) = 0;
  virtual void BeginStream(int status, std::string_view content_type, ResponseStream* stream) = 0;
  virtual bool PushChunk(std::string_view data) = 0;
  virtual void EndStream() = 0;
  virtual void Abandon() = 0;  // the Reply was dropped unanswered

 protected:
  ~ReplySink() = default;
};

/// Reply answers one request exactly once: Json/Error/Send complete it, Stream() turns it into
/// a chunked streaming response. The handler owns it and may answer later (from a timer, after
/// a service stopped); the connection detaches itself if the client goes away first, after
/// which every call is a no-op and connected() is false. Dropping an unanswered Reply answers
/// 500. Loop thread only; not copyable or movable (the connection holds its address).
class Reply {
 public:
  explicit Reply(ReplySink* sink) : sink_(sink) {}
  Reply(const Reply&) = delete;
  Reply& operator=(const Reply&) = delete;
  ~Reply();

  /// The body is dumped with invalid UTF-8 replaced (log lines are arbitrary bytes).
  void Json(int status, const nlohmann::json& body);
  /// {"error": message}, the API's one error shape.
  void Error(int status, std::string_view message);
  void Send(int status, std::string_view content_type, std::string body, const Headers& headers = {});
  /// Starts a chunked response; nullptr if the client has already gone or it was answered.
  std::unique_ptr<ResponseStream> Stream(int status, std::string_view content_type);

  bool connected() const { return sink_ != nullptr; }
  bool answered() const { return answered_; }
  void Detach() { sink_ = nullptr; }  // called by the connection when it closes

 private:
  ReplySink* sink_;
  bool answered_ = false;
};

/// ResponseStream is one open chunked response (`logs -f`, the event stream). Push() queues a
/// chunk without blocking; when the client does not keep up and its queue would pass the
/// server's stream buffer cap, the queue is dropped, a note ends the stream and the client is
/// cut off. OnClosed's callback runs once when the client goes away or is cut off (never for
/// End()), and may destroy the stream. Destroying the stream ends the response.
class ResponseStream {
 public:
  explicit ResponseStream(ReplySink* sink) : sink_(sink) {}
  ResponseStream(const ResponseStream&) = delete;
  ResponseStream& operator=(const ResponseStream&) = delete;
  ~ResponseStream() { End(); }

  /// False when the client is gone or was cut off. Empty data is ignored.
  bool Push(std::string_view data);
  /// One NDJSON line: the value dumped (invalid UTF-8 replaced) and '\n'.
  bool PushJson(const nlohmann::json& line);
  void End();
  bool open() const { return sink_ != nullptr; }
  void OnClosed(std::function<void()> callback) { on_closed_ = std::move(callback); }

  /// Called by the connection; runs the OnClosed callback last, as it may delete this.
  void Detach();

 private:
  ReplySink* sink_;
  std::function<void()> on_closed_;
};

/// Handler receives each complete request on the loop thread and must answer it through the
/// Reply, now or later. Router is the usual one.
class Handler {
 public:
  virtual ~Handler() = default;
  virtual void Handle(Request request, std::unique_ptr<Reply> reply) = 0;
};

}  // namespace stackvisor::control
