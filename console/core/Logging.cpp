// SPDX-License-Identifier: MIT
#include "Logging.h"

Q_LOGGING_CATEGORY(lcConfig, "console.config")
Q_LOGGING_CATEGORY(lcUdp, "console.udp")
Q_LOGGING_CATEGORY(lcIngest, "console.ingest")
Q_LOGGING_CATEGORY(lcStore, "console.store")
Q_LOGGING_CATEGORY(lcStats, "console.stats")
Q_LOGGING_CATEGORY(lcHttp, "console.http")
