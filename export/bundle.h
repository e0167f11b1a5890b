#pragma once
// What every export produces: files to write and what it could not carry over.
#include <string>
#include <vector>

#include "config/manifest.h"

namespace stackvisor::exporter {

/// One file of an export, named relative to the output directory.
struct File {
  std::string name;
  std::string content;
  bool secret = false;  // holds environment values: written with mode 0600

  bool operator==(const File&) const = default;
};

/// A manifest key an export could not map, and why ("services.web.healthcheck", "...").
struct Unmapped {
  std::string key;
  std::string why;

  bool operator==(const Unmapped&) const = default;
};

/// Bundle is an export's whole result. Building one has no side effects: the caller writes the
/// files and prints `unmapped` (each file's header comment already lists what concerns it).
struct Bundle {
  std::vector<File> files;
  std::vector<Unmapped> unmapped;
};

struct Options {
  // Absolute directory the files will live in; systemd units name their env files by it.
  std::string output_dir;
};

/// ToSystemd: one unit per service, `<project>.target`, one 0600 env file per service.
Bundle ToSystemd(const config::Manifest& manifest, const Options& options);

/// ToKubernetes: `<project>.yaml` (Deployments, Jobs, Services, ConfigMaps, PVCs) and
/// `<project>-secrets.yaml` (Secrets, 0600).
Bundle ToKubernetes(const config::Manifest& manifest, const Options& options);

/// ToNomad: `<project>.nomad.hcl` (one job) and one 0600 variables file per service with
/// secret values, for `nomad var put`.
Bundle ToNomad(const config::Manifest& manifest, const Options& options);

}  // namespace stackvisor::exporter
