// SPDX-License-Identifier: MIT
#pragma once

#include "dmr/Report.h"

#include <QStringList>
#include <optional>

namespace dmr::console {

// The single numbers alert rules and the CSV export take from a board's
// hardware, one definition for both. Each is nullopt where the report does
// not have it (no battery, no systemd, an agent before 0.2.0, sensor names
// unknown after a restart): absent data neither raises nor clears an alert.
class HardwareMetrics
{
public:
    // "temperature_max", "battery_percent", "file_system_max_percent",
    // "failed_units", in this order (index()).
    static const QStringList &names();
    static int index(const QString &name); // -1: not one of them
    static std::optional<double> value(int index, const dmr::HardwareSample &hardware);

    // The hottest sensor, in °C.
    static std::optional<double> temperatureMax(const dmr::HardwareSample &hardware);
    static std::optional<double> batteryPercent(const dmr::HardwareSample &hardware);
    // df's Use% of the fullest file system that holds data: read-only images
    // (squashfs, iso9660, always 100 %) and memory-backed ones are left out.
    static std::optional<double> fileSystemMaxPercent(const dmr::HardwareSample &hardware);
    // How many systemd units failed; nullopt where systemd does not run.
    static std::optional<double> failedUnits(const dmr::HardwareSample &hardware);
};

} // namespace dmr::console
