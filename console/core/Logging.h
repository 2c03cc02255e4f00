// SPDX-License-Identifier: MIT
#pragma once

#include <QLoggingCategory>

// One category per subsystem, so that QT_LOGGING_RULES can tune each one
// ("console.store.debug=true").
Q_DECLARE_LOGGING_CATEGORY(lcConfig)
Q_DECLARE_LOGGING_CATEGORY(lcUdp)
Q_DECLARE_LOGGING_CATEGORY(lcIngest)
Q_DECLARE_LOGGING_CATEGORY(lcStore)
Q_DECLARE_LOGGING_CATEGORY(lcStats)
Q_DECLARE_LOGGING_CATEGORY(lcHttp)
