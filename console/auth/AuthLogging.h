// SPDX-License-Identifier: MIT
#pragma once

#include <QLoggingCategory>

namespace dmr::console {

Q_DECLARE_LOGGING_CATEGORY(lcAuth)

} // namespace dmr::console
