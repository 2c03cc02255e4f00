// SPDX-License-Identifier: MIT
#pragma once

#include <QLoggingCategory>

namespace dmr::console {

// Alerting's category ("console.alerts.debug=true" in QT_LOGGING_RULES).
Q_DECLARE_LOGGING_CATEGORY(lcAlerts)

} // namespace dmr::console
