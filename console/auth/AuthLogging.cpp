// SPDX-License-Identifier: MIT
#include "auth/AuthLogging.h"

namespace dmr::console {

Q_LOGGING_CATEGORY(lcAuth, "console.auth")

} // namespace dmr::console
