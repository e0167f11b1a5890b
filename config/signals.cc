#include "config/signals.h"

#include <algorithm>
#include <cctype>
#include <csignal>

namespace stackvisor::config {
namespace {

struct NamedSignal {
  std::string_view name;  // without the SIG prefix
  int number;
};

constexpr NamedSignal kSignals[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},       {"QUIT", SIGQUIT},   {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT},     {"BUS", SIGBUS},     {"FPE", SIGFPE},
    {"KILL", SIGKILL},     {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},   {"USR2", SIGUSR2},
    {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},     {"TERM", SIGTERM},   {"STKFLT", SIGSTKFLT},
    {"CHLD", SIGCHLD},     {"CONT", SIGCONT},     {"STOP", SIGSTOP},   {"TSTP", SIGTSTP},
    {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},     {"URG", SIGURG},     {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ},     {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},   {"WINCH", SIGWINCH},
    {"IO", SIGIO},         {"PWR", SIGPWR},       {"SYS", SIGSYS},     {"IOT", SIGIOT},
    {"POLL", SIGPOLL},
};

constexpr int kMaxSignal = 64;

std::optional<int> ParseNumber(std::string_view text) {
  if (text.empty() || text.size() > 3) return std::nullopt;
  int n = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace

std::optional<int> ParseSignal(std::string_view text) {
  if (auto n = ParseNumber(text)) {
    if (*n >= 1 && *n <= kMaxSignal) return n;
    return std::nullopt;
  }
  std::string upper(text);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  std::string_view name = upper;
  if (name.substr(0, 3) == "SIG") name.remove_prefix(3);
  for (const auto& s : kSignals)
    if (s.name == name) return s.number;
  // Real-time signals: RTMIN, RTMIN+N, RTMAX, RTMAX-N.
  for (std::string_view base : {std::string_view("RTMIN"), std::string_view("RTMAX")}) {
    if (name.substr(0, base.size()) != base) continue;
    const int origin = base == "RTMIN" ? SIGRTMIN : SIGRTMAX;
    std::string_view rest = name.substr(base.size());
    if (rest.empty()) return origin;
    const char sign = base == "RTMIN" ? '+' : '-';
    if (rest[0] != sign) return std::nullopt;
    auto offset = ParseNumber(rest.substr(1));
    if (!offset) return std::nullopt;
    const int signo = sign == '+' ? origin + *offset : origin - *offset;
    if (signo < SIGRTMIN || signo > SIGRTMAX) return std::nullopt;
    return signo;
  }
  return std::nullopt;
}

std::string SignalName(int signo) {
  // The first name wins for aliases (SIGABRT before SIGIOT, SIGIO before SIGPOLL).
  for (const auto& s : kSignals)
    if (s.number == signo) return "SIG" + std::string(s.name);
  if (signo >= SIGRTMIN && signo <= SIGRTMAX)
    return signo == SIGRTMIN ? "SIGRTMIN" : "SIGRTMIN+" + std::to_string(signo - SIGRTMIN);
  return std::to_string(signo);
}

}  // namespace stackvisor::config
