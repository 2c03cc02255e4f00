// SPDX-License-Identifier: MIT
#include "config/Logging.h"

namespace dmr::console {

Q_LOGGING_CATEGORY(lcConfig, "console.config")
Q_LOGGING_CATEGORY(lcStats, "console.stats")

} // namespace dmr::console
