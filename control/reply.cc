#include "control/reply.h"

#include <nlohmann/json.hpp>

namespace stackvisor::control {
namespace {

std::string Dump(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string ErrorJson(std::string_view message) {
  return Dump(nlohmann::json{{"error", message}}) + "\n";
}

Reply::~Reply() {
  if (sink_ != nullptr && !answered_) sink_->Abandon();
}

void Reply::Json(int status, const nlohmann::json& body) {
  Send(status, "application/json", Dump(body) + "\n");
}

void Reply::Error(int status, std::string_view message) {
  Send(status, "application/json", ErrorJson(message));
}

void Reply::Send(int status, std::string_view content_type, std::string body,
                 const Headers& headers) {
  if (answered_) return;
  answered_ = true;
  if (sink_ == nullptr) return;
  ReplySink* sink = std::exchange(sink_, nullptr);
  sink->SendResponse(status, content_type, std::move(body), headers);
}

std::unique_ptr<ResponseStream> Reply::Stream(int status, std::string_view content_type) {
  if (answered_ || sink_ == nullptr) return nullptr;
  answered_ = true;
  ReplySink* sink = std::exchange(sink_, nullptr);
  auto stream = std::make_unique<ResponseStream>(sink);
  sink->BeginStream(status, content_type, stream.get());
  return stream;
}

bool ResponseStream::Push(std::string_view data) {
  if (sink_ == nullptr) return false;
  if (data.empty()) return true;  // an empty chunk would end the chunked body
  return sink_->PushChunk(data);
}

bool ResponseStream::PushJson(const nlohmann::json& line) { return Push(Dump(line) + "\n"); }

void ResponseStream::End() {
  if (sink_ == nullptr) return;
  std::exchange(sink_, nullptr)->EndStream();
}

void ResponseStream::Detach() {
  sink_ = nullptr;
  auto callback = std::move(on_closed_);
  on_closed_ = nullptr;
  if (callback) callback();
}

}  // namespace stackvisor::control
