// Endpoints: logs.
#include "control/routes.h"

namespace stackvisor::control {

void AddLogRoutes(Router& router, supervisor::Supervisor& supervisor) {
  (void)router;
  (void)supervisor;
}

}  // namespace stackvisor::control
