// SPDX-License-Identifier: MIT
#include "store/StoreLogging.h"

namespace dmr::console {

Q_LOGGING_CATEGORY(lcStore, "console.store")

} // namespace dmr::console
