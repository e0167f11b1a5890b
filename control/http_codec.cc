#include "control/http_codec.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <sstream>

namespace stackvisor::control {
namespace http = boost::beast::http;
namespace asio = boost::asio;

namespace {

// Beast 1.74 speaks boost::string_view.
boost::beast::string_view Sv(std::string_view text) { return {text.data(), text.size()}; }

}  // namespace

struct RequestDecoder::Impl {
  explicit Impl(const Limits& l) : limits(l) { Reset(); }
  void Reset() {
    parser.emplace();
    parser->header_limit(static_cast<std::uint32_t>(limits.header_limit_bytes));
    parser->body_limit(limits.body_limit_bytes);
    parser->eager(true);
  }
  const Limits& limits;
  std::string input;
  std::optional<http::request_parser<http::string_body>> parser;
};

RequestDecoder::RequestDecoder(const Limits& limits) : impl_(std::make_unique<Impl>(limits)) {}
RequestDecoder::~RequestDecoder() = default;

void RequestDecoder::Feed(std::string_view bytes) { impl_->input.append(bytes); }

std::size_t RequestDecoder::buffered() const { return impl_->input.size(); }

namespace {

DecodeOutcome Failure(int status, std::string message) {
  return DecodeOutcome{DecodeOutcome::Kind::kError, status, std::move(message), false};
}

DecodeOutcome FailureFor(const boost::system::error_code& ec, const Limits& limits) {
  if (ec == http::error::header_limit) {
    return Failure(431, "request header larger than " +
                            std::to_string(limits.header_limit_bytes) + " bytes");
  }
  if (ec == http::error::body_limit) {
    return Failure(413, "request body larger than " + std::to_string(limits.body_limit_bytes) +
                            " bytes");
  }
  return Failure(400, "bad request: " + ec.message());
}

}  // namespace

DecodeOutcome RequestDecoder::Next(Request& out) {
  auto& parser = *impl_->parser;
  auto& input = impl_->input;
  std::size_t offset = 0;
  bool counted_fields = false;
  while (!parser.is_done() && offset < input.size()) {
    boost::system::error_code ec;
    std::size_t used = parser.put(asio::buffer(input.data() + offset, input.size() - offset), ec);
    offset += used;
    if (ec == http::error::need_more) break;
    if (ec) return FailureFor(ec, impl_->limits);
    if (parser.is_header_done() && !counted_fields) {
      counted_fields = true;
      const auto& fields = parser.get().base();
      if (static_cast<std::size_t>(std::distance(fields.begin(), fields.end())) >
          impl_->limits.max_header_fields) {
        return Failure(431, "more than " + std::to_string(impl_->limits.max_header_fields) +
                                " header fields");
      }
    }
  }
  input.erase(0, offset);
  if (!parser.is_done()) return DecodeOutcome{};

  auto message = parser.release();
  out = Request{};
  out.method = std::string(message.method_string());
  out.target = std::string(message.target());
  out.body = std::move(message.body());
  bool keep_alive = message.keep_alive();
  impl_->Reset();
  if (!SplitTarget(out)) return Failure(400, "bad request target: " + out.target);
  return DecodeOutcome{DecodeOutcome::Kind::kRequest, 0, {}, keep_alive};
}

namespace {

template <class Message>
std::string ToString(const Message& message) {
  std::ostringstream out;
  out << message;
  return std::move(out).str();
}

template <class Message>
void SetCommon(Message& message, int status, std::string_view content_type, bool keep_alive,
               const Headers& headers) {
  message.result(static_cast<unsigned>(status));
  message.version(11);
  message.set(http::field::server, "stackvisor");
  message.set(http::field::content_type, Sv(content_type));
  for (const auto& [name, value] : headers) message.set(Sv(name), Sv(value));
  message.keep_alive(keep_alive);
}

}  // namespace

std::string SerializeResponse(int status, std::string_view content_type, std::string_view body,
                              bool keep_alive, const Headers& headers) {
  http::response<http::string_body> response;
  SetCommon(response, status, content_type, keep_alive, headers);
  response.body() = std::string(body);
  response.prepare_payload();
  return ToString(response);
}

std::string SerializeStreamHead(int status, std::string_view content_type, bool keep_alive) {
  http::response<http::empty_body> response;
  SetCommon(response, status, content_type, keep_alive, {});
  response.chunked(true);
  return ToString(response.base());
}

std::string SerializeChunk(std::string_view data) {
  return boost::beast::buffers_to_string(http::make_chunk(asio::buffer(data.data(), data.size())));
}

std::string SerializeLastChunk() { return boost::beast::buffers_to_string(http::make_chunk_last()); }

std::string SerializeRequest(std::string_view method, std::string_view target,
                             std::string_view body, std::string_view content_type) {
  http::request<http::string_body> request;
  request.method_string(Sv(method));
  request.target(Sv(target));
  request.version(11);
  request.set(http::field::host, "localhost");
  request.set(http::field::user_agent, "stackvisor");
  if (!body.empty()) request.set(http::field::content_type, Sv(content_type));
  request.body() = std::string(body);
  request.prepare_payload();
  return ToString(request);
}

}  // namespace stackvisor::control
