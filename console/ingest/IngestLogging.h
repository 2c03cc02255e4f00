// SPDX-License-Identifier: MIT
#pragma once

#include <QLoggingCategory>

namespace dmr::console {

// Ingest's categories, so that QT_LOGGING_RULES can tune each one
// ("console.ingest.debug=true"): the socket and what ingest makes of it.
Q_DECLARE_LOGGING_CATEGORY(lcUdp)
Q_DECLARE_LOGGING_CATEGORY(lcIngest)

} // namespace dmr::console
