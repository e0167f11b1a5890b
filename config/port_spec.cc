#include "config/port_spec.h"

#include <arpa/inet.h>

#include <algorithm>

namespace stackvisor::config {
namespace {

constexpr char kPortsExpected[] =
    "a port mapping such as 8000, 8000:80, 127.0.0.1:8000:80, 8000-8002:8000-8002 or 53:53/udp";
constexpr char kExposeExpected[] = "a container port such as 8000, 8000-8002 or 53/udp";

bool ParseNumber(const std::string& text, bool allow_zero, uint16_t& out) {
  if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  const int n = std::stoi(text);
  if (n > 65535 || (n == 0 && !allow_zero)) return false;
  out = static_cast<uint16_t>(n);
  return true;
}

bool IsIpLiteral(const std::string& text) {
  unsigned char buf[16];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

// Splits "SPEC/PROTO" into SPEC and the protocol (tcp when none is given).
std::optional<std::string> SplitProtocol(std::string& spec, std::string& protocol) {
  protocol = "tcp";
  const size_t slash = spec.rfind('/');
  if (slash == std::string::npos) return std::nullopt;
  protocol = spec.substr(slash + 1);
  spec.resize(slash);
  if (!IsPortProtocol(protocol))
    return "a protocol of tcp, udp or sctp after '/', got '" + protocol + "'";
  return std::nullopt;
}

bool IsV6(const std::string& ip) { return ip.find(':') != std::string::npos; }

}  // namespace

bool IsPortProtocol(const std::string& protocol) {
  return protocol == "tcp" || protocol == "udp" || protocol == "sctp";
}

bool ParsePortRange(const std::string& text, bool allow_zero, uint16_t& low, uint16_t& high) {
  const size_t dash = text.find('-');
  if (dash == std::string::npos) {
    if (!ParseNumber(text, allow_zero, low)) return false;
    high = low;
    return true;
  }
  return ParseNumber(text.substr(0, dash), false, low) &&
         ParseNumber(text.substr(dash + 1), false, high) && low <= high;
}

std::optional<std::string> ParsePortSpec(const std::string& text, std::vector<Port>& out) {
  std::string spec = text;
  std::string protocol;
  if (auto why = SplitProtocol(spec, protocol)) return std::string(kPortsExpected) + " (" + *why + ")";
  // The container side is after the last ':', the published side before it, and whatever is
  // before that is the host IP (which may hold colons itself: "::1:6000:6000").
  std::string target = spec, published, host_ip;
  if (const size_t last = spec.rfind(':'); last != std::string::npos) {
    target = spec.substr(last + 1);
    published = spec.substr(0, last);
    if (const size_t ip = published.rfind(':'); ip != std::string::npos) {
      host_ip = published.substr(0, ip);
      published = published.substr(ip + 1);
      if (host_ip.size() >= 2 && host_ip.front() == '[' && host_ip.back() == ']')
        host_ip = host_ip.substr(1, host_ip.size() - 2);
      if (!IsIpLiteral(host_ip))
        return std::string(kPortsExpected) + " ('" + host_ip + "' is not an IP address)";
    }
  }
  uint16_t low = 0, high = 0;
  if (!ParsePortRange(target, false, low, high))
    return std::string(kPortsExpected) + " ('" + target +
           "' is not a container port from 1 to 65535 or a range of them)";
  uint16_t pub_low = 0, pub_high = 0;
  if (!published.empty() && !ParsePortRange(published, true, pub_low, pub_high))
    return std::string(kPortsExpected) + " ('" + published +
           "' is not a host port from 0 to 65535 or a range of them)";
  const int count = high - low + 1;
  const int pub_count = published.empty() ? 0 : pub_high - pub_low + 1;
  // Docker: a range publishes a range of the same size, or one container port on any free
  // port of a host range.
  if (pub_count > 1 && count != pub_count && count != 1)
    return std::string(kPortsExpected) + " (" + std::to_string(pub_count) +
           " published ports for " + std::to_string(count) + " container ports)";
  for (int i = 0; i < count; ++i) {
    Port port;
    port.port = static_cast<uint16_t>(low + i);
    port.protocol = protocol;
    port.host_ip = host_ip;
    if (pub_count > 0 && pub_low != 0)  // 0: any free port, nothing to report
      port.published = static_cast<uint16_t>(pub_count == count ? pub_low + i : pub_low);
    out.push_back(std::move(port));
  }
  return std::nullopt;
}

std::optional<std::string> ParseExposeSpec(const std::string& text, std::vector<Port>& out) {
  std::string spec = text;
  std::string protocol;
  if (auto why = SplitProtocol(spec, protocol)) return std::string(kExposeExpected) + " (" + *why + ")";
  uint16_t low = 0, high = 0;
  if (spec.find(':') != std::string::npos || !ParsePortRange(spec, false, low, high))
    return std::string(kExposeExpected) + " ('" + spec +
           "' is not a port from 1 to 65535 or a range of them)";
  for (int p = low; p <= high; ++p) {
    Port port;
    port.port = static_cast<uint16_t>(p);
    port.protocol = protocol;
    out.push_back(std::move(port));
  }
  return std::nullopt;
}

void MergePort(std::vector<Port>& ports, const Port& port) {
  for (Port& have : ports) {
    if (have.port != port.port || have.protocol != port.protocol) continue;
    have.exposed_only = have.exposed_only && port.exposed_only;  // `ports:` says it listens
    if (have.published == port.published && have.host_ip == port.host_ip) return;
    if (!have.published && have.host_ip.empty()) {
      have.published = port.published;
      have.host_ip = port.host_ip;
      have.pos = port.pos;
      return;
    }
    if (!port.published && port.host_ip.empty()) return;  // already published: nothing to add
  }
  ports.push_back(port);
}

std::string FormatPort(const Port& port) {
  std::string out;
  if (!port.host_ip.empty())
    out += (IsV6(port.host_ip) ? "[" + port.host_ip + "]" : port.host_ip) + ":";
  if (port.published) out += std::to_string(*port.published) + ":";
  else if (!port.host_ip.empty()) out += ":";
  return out + std::to_string(port.port) + "/" + port.protocol;
}

std::string FormatPortMapping(const Port& port) {
  const std::string target = std::to_string(port.port) + "/" + port.protocol;
  if (!port.published) return target;
  std::string ip = port.host_ip.empty() ? "0.0.0.0" : port.host_ip;
  if (IsV6(ip)) ip = "[" + ip + "]";
  return ip + ":" + std::to_string(*port.published) + "->" + target;
}

std::string DescribeServicePorts(const Service& service) {
  if (service.ports.empty()) return "";
  auto bound = [](const Port& p) {
    return std::to_string(p.port) + (p.protocol == "tcp" ? "" : "/" + p.protocol);
  };
  std::vector<std::string> listens, moved, moved_targets;
  for (const Port& p : service.ports) {
    if (p.exposed_only) continue;  // EXPOSE says nothing about where it listens
    if (std::find(listens.begin(), listens.end(), bound(p)) == listens.end())
      listens.push_back(bound(p));
    if (p.published && *p.published != p.port) {
      std::string shown = FormatPort(p);
      if (p.protocol == "tcp") shown.resize(shown.size() - 4);  // "/tcp" is the default
      moved.push_back(shown);
      if (std::find(moved_targets.begin(), moved_targets.end(), bound(p)) == moved_targets.end())
        moved_targets.push_back(bound(p));
    }
  }
  auto join = [](const std::vector<std::string>& items, const char* last) {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i)
      out += (i == 0 ? "" : i + 1 == items.size() ? last : ", ") + items[i];
    return out;
  };
  if (listens.empty()) return "";
  std::string out = service.name + " listens on " + join(listens, ", ");
  if (!moved.empty())
    out += "; ports: " + join(moved, ", ") + (moved.size() == 1 ? " publishes" : " publish") +
           " nothing: there is no network namespace, the service binds " +
           join(moved_targets, " and ") + " on the host";
  return out;
}

std::string ListenAddresses(const std::vector<Port>& ports) {
  std::vector<std::string> ips;
  for (const auto& port : ports) {
    if (!port.published) continue;
    const std::string& ip = port.host_ip;
    if (ip.empty() || ip == "0.0.0.0" || ip == "::") return "*";
    if (std::find(ips.begin(), ips.end(), ip) == ips.end()) ips.push_back(ip);
  }
  std::string out;
  for (const auto& ip : ips) out += ip + ",";
  return out + "localhost";
}

}  // namespace stackvisor::config
