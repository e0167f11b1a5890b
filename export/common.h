#pragma once
// Helpers the three exports share: secret detection, quoting, the header comment, and the
// manifest keys no engine takes.
#include <string>
#include <vector>

#include "config/manifest.h"
#include "export/bundle.h"

namespace stackvisor::exporter {

/// IsSecretKey: an environment name that looks like a credential (PASSWORD, SECRET, TOKEN,
/// KEY, CREDENTIAL, PASSPHRASE as a word of the name, any case): Kubernetes and Nomad put
/// these in a Secret / a Nomad variable instead of plain configuration.
bool IsSecretKey(const std::string& name);

/// JsonQuote: a double-quoted string with JSON escapes; valid YAML double-quoted scalar too.
std::string JsonQuote(const std::string& text);

/// Header builds the leading comment of a generated file: what made it, from where, and each
/// unmapped key with its reason. Every line starts with "# ".
std::string Header(const std::string& format, const config::Manifest& manifest,
                   const std::vector<Unmapped>& unmapped);

/// UnmappedFor keeps the entries about one service ("services.NAME" and below).
std::vector<Unmapped> UnmappedFor(const std::vector<Unmapped>& all, const std::string& service);

/// NoteEngineKeys records docker-only keys the loader kept but this export does not use
/// (`uses_image`: the engine runs images, so image/ports/volumes are mapped elsewhere).
void NoteEngineKeys(const config::Service& s, bool uses_image, std::vector<Unmapped>& out);

/// NoteBackoff records a restart backoff that differs from a fixed delay (factor != 1).
void NoteBackoff(const config::Service& s, const std::string& engine, std::vector<Unmapped>& out);

/// NoteSockets records that an engine cannot hand the service its x-stackvisor.sockets: the
/// process expects them as fds 3.. (LISTEN_FDS) and must be changed to bind them itself.
void NoteSockets(const config::Service& s, const std::string& engine, std::vector<Unmapped>& out);

/// SocketAddress is a socket as a listen address: "host:port", "[v6]:port" or the unix path.
std::string SocketAddress(const config::Socket& socket);

/// Path is "services.NAME.KEY".
std::string Path(const config::Service& s, const std::string& key);

/// UrlParts splits "http://host:port/path" (the loader validated it); port defaults to 80.
struct Url {
  std::string host;
  int port = 80;
  std::string path = "/";
};
Url ParseUrl(const std::string& url);

}  // namespace stackvisor::exporter
