#include "export/bundle.h"

namespace stackvisor::exporter {

Bundle ToNomad(const config::Manifest&, const Options&) { return {}; }

}  // namespace stackvisor::exporter
