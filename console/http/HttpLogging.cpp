// SPDX-License-Identifier: MIT
#include "http/HttpLogging.h"

namespace dmr::console {

Q_LOGGING_CATEGORY(lcHttp, "console.http")

} // namespace dmr::console
