#include "export/bundle.h"

namespace stackvisor::exporter {

Bundle ToKubernetes(const config::Manifest&, const Options&) { return {}; }

}  // namespace stackvisor::exporter
