// SPDX-License-Identifier: MIT
#include "config/Logging.h"

Q_LOGGING_CATEGORY(lcConfig, "console.config")
Q_LOGGING_CATEGORY(lcStats, "console.stats")
