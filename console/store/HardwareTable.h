// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QStringList>

namespace dmr::console {

// hardware_metrics (device, ts, body): a board's HardwareSample per report
// that has one, body the dmr::encodeHardwareRecord() bytes. One BLOB rather
// than columns: its lists (cores, sensors, file systems, processes) vary in
// length, it is read a report at a time and never aggregated, and the
// record is the wire's compact form, a few hundred bytes.
class HardwareTable
{
public:
    static QString table() { return QStringLiteral("hardware_metrics"); }
    // SQLite's (with {{BLOB}}); PostgreSQL's is partitioned (PostgresSchema).
    static QStringList createStatements();
};

} // namespace dmr::console
