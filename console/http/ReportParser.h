// SPDX-License-Identifier: MIT
#pragma once

#include "ingest/AcceptedReport.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <optional>

namespace dmr::console {

// Parses the JSON bodies of the REST API's POSTs into reports, at the edge:
// wrong types, missing fields and out-of-range values come back as nullopt and
// a message naming the field; what comes out has passed dmr::validate(), so it
// is stored exactly like a datagram's report. The body format is what
// `metrics-agent --once --print` prints: system fields flat, interfaces under
// "network".
class ReportParser
{
public:
    // A body that must be a JSON object; nullopt with the reason (empty,
    // malformed, not an object) otherwise. For the API's other bodies too.
    static std::optional<QJsonObject> object(const QByteArray &body, QString *error);

    explicit ReportParser(qint64 nowMs)
        : m_nowMs(nowMs)
    { }

    // POST /api/devices/: "device_id" and optionally hostname, interval_seconds,
    // agent_version, sample_time, the system fields and "network".
    // hasSystem and the interfaces tell whether metrics came with it.
    std::optional<AcceptedReport> parseDevice(const QByteArray &body, QString *error) const;
    // POST /api/devices/{uuid}/system-metrics/: every system field, optionally
    // sample_time and "network".
    std::optional<AcceptedReport> parseSystem(
        const QByteArray &body, const QString &deviceId, QString *error) const;
    // POST /api/devices/{uuid}/network-metrics/: one interface object, an array
    // of them, or {"network": [...], "sample_time": ...}.
    std::optional<AcceptedReport> parseNetwork(
        const QByteArray &body, const QString &deviceId, QString *error) const;

private:
    bool readSystem(const QJsonObject &object, dmr::SystemSample *system, QString *error) const;
    bool readNetwork(const QJsonValue &value, dmr::Report *report, QString *error) const;
    bool readSampleTime(const QJsonObject &object, dmr::Report *report, QString *error) const;
    bool finish(AcceptedReport *report, QString *error) const;

    qint64 m_nowMs;
};

} // namespace dmr::console
