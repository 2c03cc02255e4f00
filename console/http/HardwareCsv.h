// SPDX-License-Identifier: MIT
#pragma once

#include "dmr/Report.h"

#include <QByteArray>

namespace dmr::console {

// The hardware export's CSV: one row per report, the device's identity
// first like the other exports (ExportCsv), then
//   sample_time,core_0..core_<n-1>,temperature_max,battery_percent,
//   swap_used_kb,swap_total_kb,disk_read_kb_per_second,
//   disk_write_kb_per_second,disk_busy_percent,file_system_max_percent,
//   failed_units
// Lists flattened to what a spreadsheet charts: the hottest sensor, the
// fullest file system (HardwareMetrics), failed units joined by spaces.
// Absent values are empty fields. A CSV has one header, so the core columns
// are fixed up front (the newest report's count): a report with more cores
// has the rest left out, one with fewer leaves them empty.
class HardwareCsv
{
public:
    explicit HardwareCsv(int cores);

    QByteArray header() const;
    void appendRow(QByteArray *out, const QByteArray &identity, qint64 ts,
        const dmr::HardwareSample &hardware) const;

private:
    int m_cores;
};

} // namespace dmr::console
