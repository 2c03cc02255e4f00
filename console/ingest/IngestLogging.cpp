// SPDX-License-Identifier: MIT
#include "ingest/IngestLogging.h"

namespace dmr::console {

Q_LOGGING_CATEGORY(lcUdp, "console.udp")
Q_LOGGING_CATEGORY(lcIngest, "console.ingest")

} // namespace dmr::console
