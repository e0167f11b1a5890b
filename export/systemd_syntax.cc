// The readiness waits are bash scripts passed as one word with their inputs as positional
// parameters, so no value from the manifest is ever parsed as shell code.
#include "export/systemd_syntax.h"

#include <cctype>

#include "export/common.h"

namespace stackvisor::exporter {
namespace {

bool Safe(unsigned char c) {
  return std::isalnum(c) || c == '/' || c == '.' || c == '_' || c == '-' || c == '+' ||
         c == ':' || c == ',' || c == '=' || c == '@';
}

// sleep(1) takes fractions: "0.1" for 100ms.
std::string SleepArg(config::Duration d) {
  const auto ms = d.count() < 10 ? 10 : d.count();
  std::string s = std::to_string(ms / 1000) + "." + std::to_string(1000 + ms % 1000).substr(1);
  return s;
}

// Each attempt: $1 = per-attempt timeout, $2 = pause, then the probe's own arguments.
const char kLoop[] =
    "t=$1 s=$2; shift 2; until /usr/bin/timeout \"$t\" /bin/bash -c \"$probe\" probe \"$@\"; "
    "do sleep \"$s\"; done";

const char kTcpProbe[] = "probe='exec 3<>\"/dev/tcp/$1/$2\"'; ";

// HTTP/1.0 GET; healthy on 2xx or 3xx, as stackvisor's own probe.
const char kHttpProbe[] =
    "probe='exec 3<>\"/dev/tcp/$1/$2\" || exit 1; "
    "printf \"GET %s HTTP/1.0\\r\\nHost: %s\\r\\nConnection: close\\r\\n\\r\\n\" \"$3\" \"$1\" >&3; "
    "read -r _ code _ <&3; case $code in [23][0-9][0-9]) exit 0;; esac; exit 1'; ";

const char kExecProbe[] = "probe='exec \"$@\"'; ";

// This invocation's own lines only, so an earlier run's match does not count.
const char kLogProbe[] =
    "probe='/usr/bin/journalctl -q -o cat _SYSTEMD_INVOCATION_ID=\"$INVOCATION_ID\" "
    "--grep \"$1\" | /usr/bin/grep -q .'; ";

}  // namespace

std::string SdWord(const std::string& word) {
  bool plain = !word.empty();
  for (unsigned char c : word)
    if (!Safe(c)) plain = false;
  if (plain) return word;
  std::string out = "\"";
  for (char c : word) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '$': out += "$$"; break;
      case '%': out += "%%"; break;
      default: out += c;
    }
  }
  return out + "\"";
}

std::string SdCommand(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& word : argv) out += (out.empty() ? "" : " ") + SdWord(word);
  return out;
}

std::string SdSeconds(config::Duration d) {
  const auto ms = d.count();
  if (ms % 1000 != 0) return std::to_string(ms) + "ms";
  return std::to_string(ms / 1000) + "s";
}

std::string EnvFileLine(const std::string& key, const std::string& value) {
  std::string out = key + "=\"";
  for (char c : value) {
    if (c == '\\' || c == '"' || c == '$' || c == '`') out += '\\';
    out += c;
  }
  return out + "\"\n";
}

config::Duration WaitTimeout(const config::Healthcheck& h) {
  return h.start_period + h.retries * (h.interval + h.timeout);
}

std::optional<std::string> WaitCommand(const config::Service& s) {
  const config::Healthcheck& h = s.healthcheck;
  std::string probe;
  std::vector<std::string> args;
  std::string prefix;
  switch (h.kind) {
    case config::ProbeKind::kNone:
    case config::ProbeKind::kNotify:
      return std::nullopt;
    case config::ProbeKind::kExec:
      probe = kExecProbe;
      args = h.exec_argv;
      break;
    case config::ProbeKind::kTcp:
      probe = kTcpProbe;
      args = {h.tcp_host, std::to_string(h.tcp_port)};
      break;
    case config::ProbeKind::kHttp: {
      probe = kHttpProbe;
      Url url = ParseUrl(h.http_url);
      args = {url.host, std::to_string(url.port), url.path};
      break;
    }
    case config::ProbeKind::kLog:
      probe = kLogProbe;
      args = {h.log_regex};
      prefix = "+";  // the journal of a system unit is readable by root
      break;
  }
  std::vector<std::string> argv = {"/bin/bash", "-c", probe + kLoop, "wait",
                                   SleepArg(h.timeout), SleepArg(h.start_interval)};
  argv.insert(argv.end(), args.begin(), args.end());
  return prefix + SdCommand(argv);
}

}  // namespace stackvisor::exporter
