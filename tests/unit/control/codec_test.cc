// The pure parts of the transport: targets, Beast-backed request decoding, serialising, routing.
#include <doctest/doctest.h>

#include "control/http_codec.h"
#include "control/router.h"

namespace stackvisor::control {
namespace {

DecodeOutcome DecodeAll(RequestDecoder& decoder, std::string_view bytes, Request& out) {
  decoder.Feed(bytes);
  return decoder.Next(out);
}

TEST_CASE("control: a target splits into a decoded path and query") {
  Request request;
  request.target = "/v1/services/web%20app/logs?tail=10&follow&since=2026-12-01T10%3A00&q=a+b";
  REQUIRE(SplitTarget(request));
  CHECK(request.path == "/v1/services/web app/logs");
  CHECK(request.query.at("tail") == "10");
  CHECK(request.query.at("follow") == "");
  CHECK(request.query.at("since") == "2026-12-01T10:00");
  CHECK(request.query.at("q") == "a b");

  Request bad;
  bad.target = "/v1/x?tail=%4";
  CHECK_FALSE(SplitTarget(bad));
  bad.target = "http://localhost/v1";  // absolute-form is for proxies
  CHECK_FALSE(SplitTarget(bad));
}

TEST_CASE("control: the decoder returns pipelined requests one by one, across split reads") {
  Limits limits;
  RequestDecoder decoder(limits);
  Request request;
  std::string two =
      "POST /v1/a?x=1 HTTP/1.1\r\nHost: l\r\nContent-Length: 5\r\n\r\nhello"
      "GET /v1/b HTTP/1.1\r\nHost: l\r\nConnection: close\r\n\r\n";
  // Byte by byte: the parser must wait for more, never fail, on a partial request.
  DecodeOutcome outcome;
  std::size_t i = 0;
  for (; i < two.size(); ++i) {
    outcome = DecodeAll(decoder, two.substr(i, 1), request);
    if (outcome.kind != DecodeOutcome::Kind::kNeedMore) break;
  }
  REQUIRE(outcome.kind == DecodeOutcome::Kind::kRequest);
  CHECK(request.method == "POST");
  CHECK(request.path == "/v1/a");
  CHECK(request.query.at("x") == "1");
  CHECK(request.body == "hello");
  CHECK(outcome.keep_alive);
  decoder.Feed(std::string_view(two).substr(i + 1));
  outcome = decoder.Next(request);
  REQUIRE(outcome.kind == DecodeOutcome::Kind::kRequest);
  CHECK(request.method == "GET");
  CHECK(request.path == "/v1/b");
  CHECK_FALSE(outcome.keep_alive);
  CHECK(decoder.buffered() == 0);
}

TEST_CASE("control: the decoder enforces the header, field and body limits") {
  Limits limits;
  limits.header_limit_bytes = 256;
  limits.max_header_fields = 4;
  limits.body_limit_bytes = 16;
  Request request;
  {
    RequestDecoder decoder(limits);
    auto outcome = DecodeAll(decoder, "GET /" + std::string(300, 'a') + " HTTP/1.1\r\n", request);
    CHECK(outcome.kind == DecodeOutcome::Kind::kError);
    CHECK(outcome.status == 431);
  }
  {
    RequestDecoder decoder(limits);
    std::string many = "GET / HTTP/1.1\r\n";
    for (int f = 0; f < 5; ++f) many += "X-" + std::to_string(f) + ": y\r\n";
    auto outcome = DecodeAll(decoder, many + "\r\n", request);
    CHECK(outcome.status == 431);
    CHECK(outcome.message == "more than 4 header fields");
  }
  {
    RequestDecoder decoder(limits);
    auto outcome = DecodeAll(decoder, "POST / HTTP/1.1\r\nContent-Length: 17\r\n\r\n", request);
    CHECK(outcome.kind == DecodeOutcome::Kind::kError);
    CHECK(outcome.status == 413);
  }
  {
    RequestDecoder decoder(limits);
    auto outcome = DecodeAll(decoder, "\x16\x03\x01 hello TLS\r\n\r\n", request);
    CHECK(outcome.kind == DecodeOutcome::Kind::kError);
    CHECK(outcome.status == 400);
  }
}

TEST_CASE("control: responses are serialised with length, keep-alive and chunking") {
  std::string plain = SerializeResponse(404, "application/json", "{}\n", false, {{"Allow", "GET"}});
  CHECK(plain.rfind("HTTP/1.1 404 Not Found\r\n", 0) == 0);
  CHECK(plain.find("Content-Length: 3\r\n") != std::string::npos);
  CHECK(plain.find("Connection: close\r\n") != std::string::npos);
  CHECK(plain.find("Allow: GET\r\n") != std::string::npos);
  CHECK(plain.substr(plain.size() - 7) == "\r\n\r\n{}\n");

  std::string head = SerializeStreamHead(200, "application/x-ndjson", true);
  CHECK(head.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
  CHECK(head.substr(head.size() - 4) == "\r\n\r\n");
  CHECK(SerializeChunk("hello\n") == "6\r\nhello\n\r\n");
  CHECK(SerializeLastChunk() == "0\r\n\r\n");
}

TEST_CASE("control: the router matches params, answers 404 and 405 with Allow") {
  Router router;
  std::string hit;
  router.Add("GET", "/v1/services", [&](const Request&, std::unique_ptr<Reply>) { hit = "list"; });
  router.Add("POST", "/v1/services/{name}/restart",
             [&](const Request& r, std::unique_ptr<Reply>) { hit = "restart " + r.params.at("name"); });
  router.Add("DELETE", "/v1/services/{name}/restart", [&](const Request&, std::unique_ptr<Reply>) { hit = "delete"; });

  Request request;
  std::string allow;
  request.method = "POST";
  request.path = "/v1/services/web/restart";
  const Router::Route* route = router.Find(request, allow);
  REQUIRE(route != nullptr);
  (*route)(request, nullptr);
  CHECK(hit == "restart web");

  request.method = "GET";
  CHECK(router.Find(request, allow) == nullptr);
  CHECK(allow == "POST, DELETE");

  request.path = "/v1/nothing";
  CHECK(router.Find(request, allow) == nullptr);
  CHECK(allow.empty());
}

}  // namespace
}  // namespace stackvisor::control
