// The tcp and http probes: resolve, connect to each address in turn, and for http send a GET and
// read the status line. One class, because http is tcp plus a request.
#include <uv.h>

#include <cstring>
#include <optional>
#include <vector>

#include "base/timer.h"
#include "base/uv_handle.h"
#include "healthcheck/http_message.h"
#include "healthcheck/probe.h"

namespace stackvisor::healthcheck {
namespace {

constexpr size_t kMaxStatusLine = 4096;

class SocketProbe;

// Each request is owned by libuv from submission until its callback, which frees it. owner
// points back at the probe only while the probe still wants the answer: the probe clears it when
// it gives up, so a late callback (UV_ECANCELED after the handle closed, a name resolution that
// finishes on the thread pool) touches only the request and the buffer it owns.
struct ResolveReq {
  uv_getaddrinfo_t req{};
  SocketProbe* owner = nullptr;
};
struct ConnectReq {
  uv_connect_t req{};
  SocketProbe* owner = nullptr;
};
struct WriteReq {
  uv_write_t req{};
  SocketProbe* owner = nullptr;
  std::string data;
};

std::string BracketIfV6(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

/// SocketProbe is the tcp probe (request_ empty: healthy once connected) and the http probe
/// (request_ sent after connecting; healthy on a 2xx/3xx status line). Per attempt it owns a
/// timeout timer, at most one uv_tcp_t, and observes the one request in flight.
class SocketProbe final : public ActiveProbe {
 public:
  SocketProbe(uv_loop_t* loop, std::string host, uint16_t port, std::string request,
              std::string setup_error)
      : loop_(loop),
        host_(std::move(host)),
        port_(port),
        request_(std::move(request)),
        setup_error_(std::move(setup_error)),
        timer_(loop) {
    if (host_.size() >= 2 && host_.front() == '[' && host_.back() == ']') {
      host_ = host_.substr(1, host_.size() - 2);
    }
    target_ = BracketIfV6(host_) + ":" + std::to_string(port_);
  }
  ~SocketProbe() override { Abandon(); }
  SocketProbe(const SocketProbe&) = delete;
  SocketProbe& operator=(const SocketProbe&) = delete;

  void Run(std::chrono::milliseconds timeout, std::function<void(ProbeResult)> done) override {
    Abandon();
    done_ = std::move(done);
    timeout_ = timeout;
    addrs_.clear();
    next_addr_ = 0;
    last_error_.clear();
    response_.clear();
    in_run_ = true;
    if (!setup_error_.empty()) {
      Finish(false, setup_error_);
    } else {
      timer_.Start(timeout, [this] { Finish(false, "timed out after " + DescribeDuration(timeout_)); });
      Resolve();
    }
    in_run_ = false;
  }

  void Cancel() override {
    Abandon();
    done_ = nullptr;
  }

 private:
  void Resolve() {
    sockaddr_storage addr{};
    if (uv_ip4_addr(host_.c_str(), port_, reinterpret_cast<sockaddr_in*>(&addr)) == 0 ||
        uv_ip6_addr(host_.c_str(), port_, reinterpret_cast<sockaddr_in6*>(&addr)) == 0) {
      addrs_.push_back(addr);
      ConnectNext();
      return;
    }
    auto req = std::make_unique<ResolveReq>();
    req->owner = this;
    req->req.data = req.get();
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = uv_getaddrinfo(loop_, &req->req, &SocketProbe::OnResolved, host_.c_str(),
                            std::to_string(port_).c_str(), &hints);
    if (rc != 0) {
      Finish(false, "resolve " + host_ + ": " + uv_strerror(rc));
      return;
    }
    resolve_ = req.release();
  }

  static void OnResolved(uv_getaddrinfo_t* raw, int status, addrinfo* res) noexcept {
    std::unique_ptr<ResolveReq> req(static_cast<ResolveReq*>(raw->data));
    SocketProbe* self = req->owner;
    if (self == nullptr) {
      uv_freeaddrinfo(res);
      return;
    }
    self->resolve_ = nullptr;
    if (status == 0) {
      for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
        if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
            ai->ai_addrlen > sizeof(sockaddr_storage)) {
          continue;
        }
        sockaddr_storage addr{};
        std::memcpy(&addr, ai->ai_addr, ai->ai_addrlen);
        self->addrs_.push_back(addr);
      }
    }
    uv_freeaddrinfo(res);
    if (status != 0) return self->Finish(false, "resolve " + self->host_ + ": " + uv_strerror(status));
    if (self->addrs_.empty()) return self->Finish(false, "resolve " + self->host_ + ": no address");
    self->ConnectNext();
  }

  void ConnectNext() {
    while (next_addr_ < addrs_.size()) {
      const sockaddr_storage& addr = addrs_[next_addr_++];
      tcp_.reset();
      tcp_.emplace();
      int rc = uv_tcp_init(loop_, tcp_->get());
      if (rc != 0) return Finish(false, std::string("socket: ") + uv_strerror(rc));
      tcp_->MarkInitialized();
      (*tcp_)->data = this;
      auto req = std::make_unique<ConnectReq>();
      req->owner = this;
      req->req.data = req.get();
      rc = uv_tcp_connect(&req->req, tcp_->get(), reinterpret_cast<const sockaddr*>(&addr),
                          &SocketProbe::OnConnected);
      if (rc != 0) {
        last_error_ = uv_strerror(rc);
        continue;
      }
      connect_ = req.release();
      return;
    }
    Finish(false, "connect " + target_ + ": " + last_error_);
  }

  static void OnConnected(uv_connect_t* raw, int status) noexcept {
    std::unique_ptr<ConnectReq> req(static_cast<ConnectReq*>(raw->data));
    SocketProbe* self = req->owner;
    if (self == nullptr) return;
    self->connect_ = nullptr;
    if (status != 0) {
      self->last_error_ = uv_strerror(status);
      return self->ConnectNext();
    }
    if (self->request_.empty()) return self->Finish(true, "connected to " + self->target_);
    self->SendRequest();
  }

  void SendRequest() {
    auto* stream = reinterpret_cast<uv_stream_t*>(tcp_->get());
    int rc = uv_read_start(stream, &SocketProbe::OnAlloc, &SocketProbe::OnRead);
    if (rc != 0) return Finish(false, "read from " + target_ + ": " + uv_strerror(rc));
    auto req = std::make_unique<WriteReq>();
    req->owner = this;
    req->req.data = req.get();
    req->data = request_;
    uv_buf_t buf = uv_buf_init(req->data.data(), static_cast<unsigned>(req->data.size()));
    rc = uv_write(&req->req, stream, &buf, 1, &SocketProbe::OnWritten);
    if (rc != 0) return Finish(false, "send request to " + target_ + ": " + uv_strerror(rc));
    write_ = req.release();
  }

  static void OnWritten(uv_write_t* raw, int status) noexcept {
    std::unique_ptr<WriteReq> req(static_cast<WriteReq*>(raw->data));
    SocketProbe* self = req->owner;
    if (self == nullptr) return;
    self->write_ = nullptr;
    if (status != 0) self->Finish(false, "send request to " + self->target_ + ": " + uv_strerror(status));
  }

  // Reads happen only while the handle is open (uv_close stops them), so the buffer can be ours.
  static void OnAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) noexcept {
    auto* self = static_cast<SocketProbe*>(handle->data);
    *buf = self == nullptr ? uv_buf_init(nullptr, 0)
                           : uv_buf_init(self->read_buffer_, sizeof(self->read_buffer_));
  }

  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept {
    auto* self = static_cast<SocketProbe*>(stream->data);
    if (self == nullptr || nread == 0) return;
    if (nread > 0) return self->OnResponseData(std::string_view(buf->base, static_cast<size_t>(nread)));
    if (nread != UV_EOF) {
      return self->Finish(false, "read from " + self->target_ + ": " + uv_strerror(static_cast<int>(nread)));
    }
    if (self->response_.empty()) return self->Finish(false, "connection closed without a response");
    self->Judge(self->response_);
  }

  void OnResponseData(std::string_view data) {
    response_.append(data.substr(0, kMaxStatusLine - response_.size()));
    size_t eol = response_.find('\n');
    if (eol != std::string::npos) return Judge(std::string_view(response_).substr(0, eol));
    if (response_.size() >= kMaxStatusLine) Finish(false, "no status line in the first 4096 bytes");
  }

  void Judge(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::optional<int> code = ParseStatusCode(line);
    if (!code) {
      std::string shown(line.substr(0, 80));
      return Finish(false, "not an HTTP/1.x status line: \"" + shown + "\"");
    }
    Finish(*code >= 200 && *code < 400, "HTTP " + std::to_string(*code));
  }

  // Delivers the result: later, from the timer, when still inside Run (done is never called
  // from Run), else at once. done is moved out first since it may destroy this probe.
  void Finish(bool healthy, std::string detail) {
    Abandon();
    if (in_run_) {
      timer_.Start(std::chrono::milliseconds(0), [this, healthy, detail] { Finish(healthy, detail); });
      return;
    }
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) done(ProbeResult{healthy, std::move(detail)});
  }

  // Lets go of everything the current attempt has in flight; done_ is left alone.
  void Abandon() {
    timer_.Stop();
    if (resolve_ != nullptr) {
      resolve_->owner = nullptr;
      uv_cancel(reinterpret_cast<uv_req_t*>(&resolve_->req));  // its callback still runs once
      resolve_ = nullptr;
    }
    if (connect_ != nullptr) std::exchange(connect_, nullptr)->owner = nullptr;
    if (write_ != nullptr) std::exchange(write_, nullptr)->owner = nullptr;
    tcp_.reset();  // pending connect/write callbacks now come with UV_ECANCELED
  }

  uv_loop_t* loop_;
  std::string host_;
  uint16_t port_;
  std::string request_;      // empty for the tcp probe
  std::string setup_error_;  // a bad URL: every attempt fails with it
  std::string target_;       // "host:port" for messages
  base::Timer timer_;
  std::function<void(ProbeResult)> done_;
  std::chrono::milliseconds timeout_{0};
  bool in_run_ = false;
  ResolveReq* resolve_ = nullptr;  // observed, not owned: libuv owns requests until their callback
  ConnectReq* connect_ = nullptr;
  WriteReq* write_ = nullptr;
  std::optional<base::UvHandle<uv_tcp_t>> tcp_;
  std::vector<sockaddr_storage> addrs_;
  size_t next_addr_ = 0;
  std::string last_error_;
  std::string response_;
  char read_buffer_[1024];
};

}  // namespace

std::unique_ptr<ActiveProbe> MakeTcpProbe(uv_loop_t* loop, std::string host, uint16_t port) {
  return std::make_unique<SocketProbe>(loop, std::move(host), port, std::string(), std::string());
}

std::unique_ptr<ActiveProbe> MakeHttpProbe(uv_loop_t* loop, std::string url) {
  base::Result<HttpUrl> parsed = ParseHttpUrl(url);
  if (!parsed.ok()) {
    return std::make_unique<SocketProbe>(loop, "", 0, std::string(), parsed.error().message);
  }
  const HttpUrl& u = parsed.value();
  return std::make_unique<SocketProbe>(loop, u.host, u.port, BuildHttpRequest(u), std::string());
}

}  // namespace stackvisor::healthcheck
