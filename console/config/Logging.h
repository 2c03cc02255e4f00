// SPDX-License-Identifier: MIT
#pragma once

#include <QLoggingCategory>

namespace dmr::console {

// One category per subsystem, so that QT_LOGGING_RULES can tune each one
// ("console.store.debug=true"). Each library declares its own (IngestLogging.h,
// StoreLogging.h, HttpLogging.h); these two are the process's: what it was
// told and its periodic statistics.
Q_DECLARE_LOGGING_CATEGORY(lcConfig)
Q_DECLARE_LOGGING_CATEGORY(lcStats)

} // namespace dmr::console
