#include "app/completion.h"

#include <CLI/CLI.hpp>

namespace stackvisor::app {
namespace {

struct Command {
  std::string name;
  std::string description;
  std::vector<const CLI::Option*> options;  // named options
  bool services = false;                    // a positional takes service names
  std::string words;                        // fixed positional choices
};

// Positional choices CLI11 keeps inside validators, where they cannot be read back.
std::string PositionalWords(const std::string& command, const std::string& all_commands) {
  if (command == "export") return "systemd kubernetes nomad";
  if (command == "completion") return "bash zsh fish";
  if (command == "help") return all_commands;
  return "";
}

std::vector<Command> Commands(const CLI::App& cli) {
  std::vector<Command> out;
  std::string names;
  for (const CLI::App* sub : cli.get_subcommands([](const CLI::App*) { return true; }))
    names += (names.empty() ? "" : " ") + sub->get_name();
  for (const CLI::App* sub : cli.get_subcommands([](const CLI::App*) { return true; })) {
    Command c{sub->get_name(), sub->get_description(), {}, false,
              PositionalWords(sub->get_name(), names)};
    for (const CLI::Option* opt : sub->get_options()) {
      if (opt->nonpositional()) c.options.push_back(opt);
      else if (opt->get_name().find("service") != std::string::npos) c.services = true;
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::string Names(const CLI::Option& opt) {
  std::string out;
  for (const auto& s : opt.get_snames()) out += " -" + s;
  for (const auto& l : opt.get_lnames()) out += " --" + l;
  return out;
}

const char kBashHead[] = R"sh(# bash completion for stackvisor (`stackvisor completion bash`)
_stackvisor_services() {
  local args=() i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      -f | --file | --profile | --env-file | --project-directory)
        args+=("${COMP_WORDS[i]}" "${COMP_WORDS[i + 1]}") ;;
    esac
  done
  "${COMP_WORDS[0]}" config "${args[@]}" --services 2>/dev/null
}

_stackvisor() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} cmd="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in -*) ;; *) cmd=${COMP_WORDS[i]}; break ;; esac
  done
  case $prev in
    -f | --file | --env-file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --project-directory | -o | --output) COMPREPLY=($(compgen -d -- "$cur")); return ;;
  esac
  local opts="" words="" services=0
  case $cmd in
)sh";

std::string Bash(const CLI::App& cli) {
  std::string out = kBashHead;
  std::string names;
  for (const auto& c : Commands(cli)) {
    names += " " + c.name;
    std::string opts = "--help";
    for (const auto* o : c.options) opts += Names(*o);
    out += "    " + c.name + ") opts=\"" + opts + "\" words=\"" + c.words + "\" services=" +
           (c.services ? "1" : "0") + " ;;\n";
  }
  out += "    *) opts=\"--help --version\" words=\"" + names.substr(1) + "\" ;;\n  esac\n";
  out += R"sh(  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif ((services)); then
    COMPREPLY=($(compgen -W "$(_stackvisor_services)" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
  fi
}
complete -F _stackvisor stackvisor
)sh";
  return out;
}

std::string FishQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string Fish(const CLI::App& cli) {
  std::string out =
      "# fish completion for stackvisor (`stackvisor completion fish`)\n"
      "complete -c stackvisor -f\n"
      "complete -c stackvisor -n __fish_use_subcommand -l help -d 'Show help'\n"
      "complete -c stackvisor -n __fish_use_subcommand -l version -d 'Show the version'\n";
  for (const auto& c : Commands(cli)) {
    const std::string in = "-n '__fish_seen_subcommand_from " + c.name + "'";
    out += "complete -c stackvisor -n __fish_use_subcommand -a " + c.name + " -d " +
           FishQuote(c.description) + "\n";
    for (const auto* o : c.options) {
      out += "complete -c stackvisor " + in;
      for (const auto& s : o->get_snames()) out += " -s " + s;
      for (const auto& l : o->get_lnames()) out += " -l " + l;
      if (o->get_type_size() != 0) out += " -r";
      out += " -d " + FishQuote(o->get_description()) + "\n";
    }
    if (!c.words.empty()) out += "complete -c stackvisor " + in + " -a " + FishQuote(c.words) + "\n";
    if (c.services)
      out += "complete -c stackvisor " + in +
             " -a '(stackvisor config --services 2>/dev/null)' -d service\n";
  }
  return out;
}

}  // namespace

std::string CompletionScript(const CLI::App& cli, const std::string& shell) {
  if (shell == "fish") return Fish(cli);
  const std::string bash = Bash(cli);
  if (shell == "bash") return bash;
  // zsh runs the bash function through its bashcompinit layer: one definition to keep right.
  return "#compdef stackvisor\n# zsh completion for stackvisor (`stackvisor completion zsh`)\n"
         "autoload -U +X bashcompinit && bashcompinit\n" +
         bash;
}

}  // namespace stackvisor::app
