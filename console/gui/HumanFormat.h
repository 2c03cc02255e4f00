// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QtGlobal>

namespace dmr::console {

// Numbers the way people read them in a table: "3 d 4 h", "12 s ago", "1.5 MB/s".
namespace HumanFormat {

QString duration(quint64 seconds);
QString ago(qint64 lastMs, qint64 nowMs);
QString bytes(double bytes);
QString rate(double bytesPerSecond);
QString isoUtc(qint64 ms); // 2026-11-28T12:39:14.950Z

} // namespace HumanFormat

} // namespace dmr::console
