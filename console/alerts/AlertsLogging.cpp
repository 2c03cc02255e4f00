// SPDX-License-Identifier: MIT
#include "alerts/AlertsLogging.h"

namespace dmr::console {

Q_LOGGING_CATEGORY(lcAlerts, "console.alerts")

} // namespace dmr::console
