// SPDX-License-Identifier: MIT
#pragma once

#include <QLoggingCategory>

namespace dmr::console {

// The REST API's, web page's and live push's category
// ("console.http.debug=true" in QT_LOGGING_RULES).
Q_DECLARE_LOGGING_CATEGORY(lcHttp)

} // namespace dmr::console
