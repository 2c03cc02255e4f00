// SPDX-License-Identifier: MIT
#include "store/HardwareTable.h"

namespace dmr::console {

QStringList HardwareTable::createStatements()
{
    return {QStringLiteral("CREATE TABLE %1 ("
                           " device BIGINT NOT NULL REFERENCES devices(id),"
                           " ts BIGINT NOT NULL,"
                           " body {{BLOB}} NOT NULL)")
                .arg(table()),
        QStringLiteral("CREATE INDEX %1_device_ts ON %1 (device, ts)").arg(table())};
}

} // namespace dmr::console
