#pragma once
// The text forms of compose's `ports:` and `expose:` items, parsed without any I/O, and how a
// service's ports are merged and shown. There is no network namespace: a service binds its
// container port on the host, and a published port is only reported (config::Port).
#include <optional>
#include <string>
#include <vector>

#include "config/manifest.h"

namespace stackvisor::config {

/// ParsePortSpec reads one short-syntax `ports:` item, "[[HOST_IP:][PUBLISHED]:]TARGET[/PROTO]",
/// where PUBLISHED and TARGET may be ranges ("8000-8002:8000-8002"), HOST_IP may be an IPv6
/// literal with or without brackets, and PROTO is tcp (the default), udp or sctp. Appends one
/// Port per container port to `out`. Returns what is wrong, phrased to follow "expected ...",
/// or nullopt.
std::optional<std::string> ParsePortSpec(const std::string& text, std::vector<Port>& out);

/// ParseExposeSpec reads one `expose:` item: "TARGET[/PROTO]", TARGET a port or a range.
std::optional<std::string> ParseExposeSpec(const std::string& text, std::vector<Port>& out);

/// ParsePortRange reads "8000" or "8000-8002" (low <= high, each 1..65535, or 0..65535 when
/// `allow_zero`, compose's "any free port") into [low, high].
bool ParsePortRange(const std::string& text, bool allow_zero, uint16_t& low, uint16_t& high);

/// Whether `protocol` is one compose accepts (tcp, udp, sctp).
bool IsPortProtocol(const std::string& protocol);

/// MergePort adds `port` to `ports` unless an entry for the same container port and protocol
/// can take it: one without a published port (the image's default, an `expose:`) gets the
/// published port and host IP, one the same in every respect stays one. A container port
/// published twice (8000:80 and 8001:80) stays two entries; they bind one port.
void MergePort(std::vector<Port>& ports, const Port& port);

/// FormatPort shows a port as compose's short syntax does: "80/tcp", "1337:80/tcp",
/// "127.0.0.1:1337:80/udp", "[::1]:1337:80/tcp" (an IPv6 host IP is bracketed).
std::string FormatPort(const Port& port);

/// FormatPortMapping shows one as `docker compose ps` does: "80/tcp",
/// "0.0.0.0:1337->80/tcp", "127.0.0.1:1337->80/tcp".
std::string FormatPortMapping(const Port& port);

/// DescribeServicePorts is the line `up` logs for a service with ports: what it binds on the
/// host, and what `ports:` would have published and does not ("nginx listens on 80; ports:
/// 1337:80 publishes nothing: there is no network namespace, the service binds 80 on the
/// host"). Empty for a service without ports.
std::string DescribeServicePorts(const Service& service);

/// ListenAddresses is where a service that lets its recipe choose listens on the host, in
/// PostgreSQL's listen_addresses syntax: "localhost" when `ports:` publishes none of its ports
/// (in a container an unpublished port is reachable only from the stack's network; on the host
/// that is loopback, where the other services reach it by name), "*" when one is published on
/// every address (no host IP, 0.0.0.0 or ::), else the host IPs given and "localhost".
std::string ListenAddresses(const std::vector<Port>& ports);

}  // namespace stackvisor::config
