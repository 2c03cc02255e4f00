// SPDX-License-Identifier: MIT
#include "http/HardwareCsv.h"

#include "http/ApiJson.h"
#include "http/ExportCsv.h"
#include "store/HardwareMetrics.h"

#include <QString>
#include <QVariant>

namespace dmr::console {

namespace {

void appendNumber(QByteArray *out, std::optional<double> value)
{
    *out += ',';
    if (value)
        *out += QByteArray::number(*value, 'g', 15);
}

} // namespace

HardwareCsv::HardwareCsv(int cores)
    : m_cores(std::max(0, cores))
{ }

QByteArray HardwareCsv::header() const
{
    QByteArray header = "uuid,device_id,hostname,sample_time";
    for (int i = 0; i < m_cores; ++i)
        header += ",core_" + QByteArray::number(i);
    header += ",temperature_max,battery_percent,swap_used_kb,swap_total_kb,"
              "disk_read_kb_per_second,disk_write_kb_per_second,disk_busy_percent,"
              "file_system_max_percent,failed_units\n";
    return header;
}

void HardwareCsv::appendRow(
    QByteArray *out, const QByteArray &identity, qint64 ts, const dmr::HardwareSample &h) const
{
    *out += identity;
    *out += ApiJson::timeLatin1(ts);
    for (int i = 0; i < m_cores; ++i)
        appendNumber(out,
            std::size_t(i) < h.corePercents.size() ? std::optional(h.corePercents[std::size_t(i)])
                                                   : std::nullopt);
    appendNumber(out, HardwareMetrics::temperatureMax(h));
    appendNumber(out, HardwareMetrics::batteryPercent(h));
    appendNumber(out, double(h.swapUsedKb));
    appendNumber(out, double(h.swapTotalKb));
    appendNumber(out, h.diskIo ? std::optional(double(h.diskIo->readKbPerSecond)) : std::nullopt);
    appendNumber(out, h.diskIo ? std::optional(double(h.diskIo->writeKbPerSecond)) : std::nullopt);
    appendNumber(out, h.diskIo ? std::optional(h.diskIo->busyPercent) : std::nullopt);
    appendNumber(out, HardwareMetrics::fileSystemMaxPercent(h));
    *out += ',';
    if (h.failedUnits) {
        QStringList units;
        for (const std::string &unit : *h.failedUnits)
            units << QString::fromStdString(unit);
        ExportCsv::appendField(out, units.join(QLatin1Char(' ')));
    }
    *out += '\n';
}

} // namespace dmr::console
