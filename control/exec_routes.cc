// Endpoints: what exec and run need.
#include "control/routes.h"

namespace stackvisor::control {

void AddExecRoutes(Router& router, supervisor::Supervisor& supervisor) {
  (void)router;
  (void)supervisor;
}

}  // namespace stackvisor::control
