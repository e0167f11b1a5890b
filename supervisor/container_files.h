#pragma once
// What the parent makes on the host for a service's container view before its child binds it:
// missing bind sources and volume directories, and the generated /etc/hosts, passwd and group.
#include <string>

#include "base/result.h"
#include "config/manifest.h"
#include "procs/spawn_spec.h"

namespace stackvisor::supervisor {

/// The directory the generated files go to: `configured` (the stack's runtime directory's
/// `container`), or when empty a per-process one under $TMPDIR (exec, run, tests).
std::string ContainerFilesDir(const std::string& configured);

/// The generated files' texts: the host's file (given) with the view's own lines after it.
/// Pure. Holds nothing of the service's environment.
std::string GeneratedFile(const std::string& host_text, const std::vector<std::string>& lines);

/// Adds a "127.0.0.1\tNAME" line to the view's hosts for each name it does not list yet. For a
/// `run` of a service from other files of the same project (docker-compose.migrate.yml): in
/// compose it joins the project's network, where the running stack's services resolve. Pure.
void AddHostNames(config::ContainerView& view, const std::vector<std::string>& names);

/// Adds binds of the generated hosts (always) and passwd/group (when the view has lines for
/// them) over /etc/hosts, /etc/passwd, /etc/group, from files_dir/<service>/, and a read-write
/// bind of each `touched` file (files_dir/<service>/touched-N) at its container path. Pure.
void AddGeneratedFiles(const config::Service& service, const std::string& files_dir,
                       procs::ContainerSpec& spec);

/// PrepareContainerFiles creates what AddGeneratedFiles and the view's mounts point at: a
/// missing bind source becomes a directory (as Docker does), each volume's directory exists
/// (owned by the service's user when we are root, as a fresh Docker volume is chowned to the
/// image's), and the generated files are written 0644 (rewritten at every start, atomically);
/// each touched file is emptied (created 0644, owned by the service's user when we are root).
/// The error names the service and the path.
base::Result<bool> PrepareContainerFiles(const config::Service& service,
                                         const std::string& files_dir, bool root);

/// RewriteHostsInPlace rewrites a running service's generated /etc/hosts with its (new)
/// definition's lines, on the same inode, so the process sees a service added to or removed from
/// the stack by a reload without being restarted.
base::Result<bool> RewriteHostsInPlace(const config::Service& service,
                                       const std::string& files_dir);

}  // namespace stackvisor::supervisor
