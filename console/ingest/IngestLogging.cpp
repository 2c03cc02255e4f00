// SPDX-License-Identifier: MIT
#include "ingest/IngestLogging.h"

Q_LOGGING_CATEGORY(lcUdp, "console.udp")
Q_LOGGING_CATEGORY(lcIngest, "console.ingest")
