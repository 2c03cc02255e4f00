// SPDX-License-Identifier: MIT
#pragma once

#include <QLoggingCategory>

namespace dmr::console {

// The store's category ("console.store.debug=true" in QT_LOGGING_RULES).
Q_DECLARE_LOGGING_CATEGORY(lcStore)

} // namespace dmr::console
