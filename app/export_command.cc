#include "app/export_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "app/commands.h"
#include "app/completion.h"
#include "app/process_setup.h"
#include "base/unique_fd.h"
#include "export/bundle.h"

namespace stackvisor::app {
namespace {

// Written beside and renamed over, so a reader never sees half a unit; created with its final
// mode, so a secret is never readable by others, not even for a moment.
bool WriteFile(const std::string& path, const std::string& content, mode_t mode) {
  const std::string tmp = path + ".tmp";
  base::UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  auto fail = [&](const char* step) {
    std::cerr << "stackvisor: export: " << step << " " << tmp << ": " << std::strerror(errno)
              << "\n";
    ::unlink(tmp.c_str());
    return false;
  };
  if (!fd.valid()) return fail("open");
  if (::fchmod(fd.get(), mode) != 0) return fail("chmod");  // the umask may have widened it
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("write");
    done += static_cast<size_t>(n);
  }
  if (::close(fd.Release()) != 0) return fail("close");
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("rename");
  return true;
}

}  // namespace

int RunExport(const Invocation& inv, const std::string& format, const std::string& output_dir) {
  UnblockStopSignals();
  Invocation for_root = inv;
  for_root.load.euid = 0;  // see LoadOptions::euid
  for_root.load.expand_images = false;  // see LoadOptions::expand_images
  auto manifest = LoadManifest(for_root);
  if (!manifest) return 2;
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path dir = fs::absolute(output_dir.empty() ? format : output_dir, ec);
  fs::create_directories(dir, ec);
  if (ec) {
    std::cerr << "stackvisor: export: create " << dir.string() << ": " << ec.message() << "\n";
    return 1;
  }
  exporter::Options options;
  options.output_dir = dir.lexically_normal().string();
  if (options.output_dir.size() > 1 && options.output_dir.back() == '/')
    options.output_dir.pop_back();
  exporter::Bundle bundle;
  if (format == "systemd") bundle = exporter::ToSystemd(*manifest, options);
  else if (format == "kubernetes") bundle = exporter::ToKubernetes(*manifest, options);
  else bundle = exporter::ToNomad(*manifest, options);

  for (const auto& u : bundle.unmapped)
    std::cerr << "stackvisor: export " << format << ": not mapped: " << u.key << ": " << u.why
              << "\n";
  for (const auto& f : bundle.files) {
    const std::string path = options.output_dir + "/" + f.name;
    if (!WriteFile(path, f.content, f.secret ? 0600 : 0644)) return 1;
    std::cout << path << "\n";
  }
  return 0;
}

void ExportCommands::Add(CLI::App& cli, Invocation& inv,
                         const std::function<void(CLI::App*, Invocation&)>& add_load_options) {
  root_ = &cli;
  export_ = cli.add_subcommand(
      "export", "Write the stack as systemd units, Kubernetes objects or a Nomad job");
  add_load_options(export_, inv);
  export_->add_option("format", format_, "systemd, kubernetes or nomad")
      ->required()
      ->check(CLI::IsMember({"systemd", "kubernetes", "nomad"}));
  export_->add_option("-o,--output", output_dir_,
                      "Directory to write into, created if missing (default: ./FORMAT)");
  completion_ = cli.add_subcommand("completion", "Print a shell completion script");
  completion_->add_option("shell", shell_, "bash, zsh or fish")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));
}

std::optional<int> ExportCommands::Run(const Invocation& inv) {
  if (export_ != nullptr && *export_) return RunExport(inv, format_, output_dir_);
  if (completion_ != nullptr && *completion_) {
    std::cout << CompletionScript(*root_, shell_);
    return 0;
  }
  return std::nullopt;
}

}  // namespace stackvisor::app
