#pragma once
// HTTP/1.1 on the wire, through Boost.Beast: the only place the server side parses or writes
// HTTP. Beast stays in http_codec.cc, so this header carries plain types only.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "control/limits.h"
#include "control/request.h"

namespace stackvisor::control {

/// DecodeOutcome says what RequestDecoder::Next found. For kError, `status` is the answer
/// (400 garbage, 431 header too large or too many fields, 413 body too large) and the
/// connection must close after it.
struct DecodeOutcome {
  enum class Kind { kNeedMore, kRequest, kError };
  Kind kind = Kind::kNeedMore;
  int status = 0;
  std::string message;
  bool keep_alive = false;
};

/// RequestDecoder turns one connection's bytes into Requests with Beast's request_parser,
/// enforcing the header, field-count and body limits. Bytes after a complete request stay
/// buffered for the next one (pipelining). After a kError it must not be used again.
class RequestDecoder {
 public:
  explicit RequestDecoder(const Limits& limits);
  ~RequestDecoder();
  RequestDecoder(const RequestDecoder&) = delete;
  RequestDecoder& operator=(const RequestDecoder&) = delete;

  void Feed(std::string_view bytes);
  DecodeOutcome Next(Request& out);
  /// Bytes received and not yet part of a returned request.
  std::size_t buffered() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// A complete response with Content-Length; `Connection: close` unless keep_alive.
std::string SerializeResponse(int status, std::string_view content_type, std::string_view body,
                              bool keep_alive, const Headers& headers = {});
/// The head of a chunked response; the body follows as SerializeChunk()s and one last chunk.
std::string SerializeStreamHead(int status, std::string_view content_type, bool keep_alive);
std::string SerializeChunk(std::string_view data);
std::string SerializeLastChunk();

/// A request as the client sends it (Host: localhost, Content-Length when there is a body).
std::string SerializeRequest(std::string_view method, std::string_view target,
                             std::string_view body, std::string_view content_type);

}  // namespace stackvisor::control
