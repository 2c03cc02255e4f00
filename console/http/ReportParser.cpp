// SPDX-License-Identifier: MIT
#include "http/ReportParser.h"

#include "dmr/Codec.h"
#include "http/ApiJson.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <cmath>

namespace dmr::console {

namespace {

// Integers above 2^53 do not survive a JSON double.
constexpr double kMaxInteger = 9007199254740992.0;

const QStringList &systemFields()
{
    static const QStringList fields = {QStringLiteral("cpu_percent"),
        QStringLiteral("memory_used_kb"), QStringLiteral("memory_total_kb"),
        QStringLiteral("disk_used_kb"), QStringLiteral("disk_total_kb"),
        QStringLiteral("disk_available_kb"), QStringLiteral("load_1"), QStringLiteral("load_5"),
        QStringLiteral("load_15"), QStringLiteral("uptime_seconds")};
    return fields;
}

std::optional<QJsonDocument> parseJson(const QByteArray &body, QString *error)
{
    if (body.trimmed().isEmpty()) {
        *error = QStringLiteral("the request body is empty; a JSON object is expected");
        return std::nullopt;
    }
    QJsonParseError parseError;
    QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        *error = QStringLiteral("malformed JSON at offset %1: %2")
                     .arg(parseError.offset)
                     .arg(parseError.errorString());
        return std::nullopt;
    }
    return document;
}

std::optional<QJsonObject> parseObject(const QByteArray &body, QString *error)
{
    const std::optional<QJsonDocument> document = parseJson(body, error);
    if (!document)
        return std::nullopt;
    if (!document->isObject()) {
        *error = QStringLiteral("the request body must be a JSON object");
        return std::nullopt;
    }
    return document->object();
}

QString typeName(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return QStringLiteral("a boolean");
    case QJsonValue::Double:
        return QStringLiteral("a number");
    case QJsonValue::String:
        return QStringLiteral("a string");
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("missing");
}

bool readNumber(const QJsonObject &object, const QString &key, double minimum, double maximum,
    double *out, QString *error)
{
    const QJsonValue value = object.value(key);
    if (value.isUndefined()) {
        *error = QStringLiteral("%1 is required").arg(key);
        return false;
    }
    if (!value.isDouble()) {
        *error = QStringLiteral("%1 must be a number, not %2").arg(key, typeName(value));
        return false;
    }
    const double number = value.toDouble();
    if (!(number >= minimum && number <= maximum)) {
        *error = QStringLiteral("%1 must be %2 to %3, not %4")
                     .arg(key)
                     .arg(minimum, 0, 'g', 17)
                     .arg(maximum, 0, 'g', 17)
                     .arg(number, 0, 'g', 17);
        return false;
    }
    *out = number;
    return true;
}

bool readCount(const QJsonObject &object, const QString &key, std::uint64_t *out, QString *error)
{
    double number = 0;
    if (!readNumber(object, key, 0, kMaxInteger, &number, error))
        return false;
    if (std::floor(number) != number) {
        *error = QStringLiteral("%1 must be a whole number, not %2").arg(key).arg(number);
        return false;
    }
    *out = std::uint64_t(number);
    return true;
}

// Optional string: absent leaves *out alone.
bool readString(
    const QJsonObject &object, const QString &key, int maximumLength, QString *out, QString *error)
{
    const QJsonValue value = object.value(key);
    if (value.isUndefined())
        return true;
    if (!value.isString()) {
        *error = QStringLiteral("%1 must be a string, not %2").arg(key, typeName(value));
        return false;
    }
    if (value.toString().size() > maximumLength) {
        *error = QStringLiteral("%1 must be at most %2 characters").arg(key).arg(maximumLength);
        return false;
    }
    *out = value.toString();
    return true;
}

} // namespace

bool ReportParser::readSystem(
    const QJsonObject &object, dmr::SystemSample *system, QString *error) const
{
    dmr::SystemSample s;
    if (!readNumber(object, QStringLiteral("cpu_percent"), 0, 100, &s.cpuPercent, error)
        || !readCount(object, QStringLiteral("memory_used_kb"), &s.memoryUsedKb, error)
        || !readCount(object, QStringLiteral("memory_total_kb"), &s.memoryTotalKb, error)
        || !readCount(object, QStringLiteral("disk_used_kb"), &s.diskUsedKb, error)
        || !readCount(object, QStringLiteral("disk_total_kb"), &s.diskTotalKb, error)
        || !readNumber(object, QStringLiteral("load_1"), 0, 999999, &s.load1, error)
        || !readNumber(object, QStringLiteral("load_5"), 0, 999999, &s.load5, error)
        || !readNumber(object, QStringLiteral("load_15"), 0, 999999, &s.load15, error)
        || !readCount(object, QStringLiteral("uptime_seconds"), &s.uptimeSeconds, error))
        return false;
    if (s.memoryTotalKb == 0) {
        *error = QStringLiteral("memory_total_kb must be above 0");
        return false;
    }
    if (s.memoryUsedKb > s.memoryTotalKb) {
        *error = QStringLiteral("memory_used_kb must not exceed memory_total_kb");
        return false;
    }
    if (s.diskUsedKb > s.diskTotalKb) {
        *error = QStringLiteral("disk_used_kb must not exceed disk_total_kb");
        return false;
    }
    // Optional, as for older agents: without it, nothing of the disk is
    // reserved for root, and available is what used leaves of total.
    s.diskAvailableKb = s.diskTotalKb - s.diskUsedKb;
    if (object.contains(QStringLiteral("disk_available_kb"))) {
        if (!readCount(object, QStringLiteral("disk_available_kb"), &s.diskAvailableKb, error))
            return false;
        if (s.diskAvailableKb > s.diskTotalKb - s.diskUsedKb) {
            *error
                = QStringLiteral("disk_used_kb + disk_available_kb must not exceed disk_total_kb");
            return false;
        }
    }
    // memory_percent and disk_percent, if sent, are derived values: the stored
    // ones are computed from used and total, as for datagrams.
    for (const QString &key : {QStringLiteral("memory_percent"), QStringLiteral("disk_percent")}) {
        double ignored = 0;
        if (object.contains(key) && !readNumber(object, key, 0, 100, &ignored, error))
            return false;
    }
    *system = s;
    return true;
}

bool ReportParser::readNetwork(const QJsonValue &value, dmr::Report *report, QString *error) const
{
    QJsonArray array;
    if (value.isArray()) {
        array = value.toArray();
    } else if (value.isObject()) {
        array.append(value);
    } else {
        *error
            = QStringLiteral("network must be an array of interfaces, not %1").arg(typeName(value));
        return false;
    }
    if (array.size() > int(dmr::kMaxInterfaces)) {
        *error = QStringLiteral("at most %1 interfaces").arg(dmr::kMaxInterfaces);
        return false;
    }
    for (int i = 0; i < array.size(); ++i) {
        if (!array.at(i).isObject()) {
            *error = QStringLiteral("network[%1] must be an object, not %2")
                         .arg(i)
                         .arg(typeName(array.at(i)));
            return false;
        }
        const QJsonObject object = array.at(i).toObject();
        QString name, ip, mac;
        dmr::InterfaceSample sample;
        if (!object.contains(QStringLiteral("interface"))) {
            *error = QStringLiteral("network[%1]: interface is required").arg(i);
            return false;
        }
        if (!readString(object, QStringLiteral("interface"), int(dmr::kMaxInterfaceNameLength),
                &name, error)
            || !readString(object, QStringLiteral("ip_address"), 45, &ip, error)
            || !readString(object, QStringLiteral("mac_address"), 59, &mac, error)
            || !readCount(object, QStringLiteral("rx_bytes"), &sample.rxBytes, error)
            || !readCount(object, QStringLiteral("tx_bytes"), &sample.txBytes, error)
            || !readCount(object, QStringLiteral("rx_packets"), &sample.rxPackets, error)
            || !readCount(object, QStringLiteral("tx_packets"), &sample.txPackets, error)) {
            *error = QStringLiteral("network[%1]: %2").arg(i).arg(*error);
            return false;
        }
        if (name.isEmpty()) {
            *error = QStringLiteral("network[%1]: interface must not be empty").arg(i);
            return false;
        }
        sample.name = name.toStdString();
        sample.ipAddress = ip.toStdString();
        sample.macAddress = mac.toLower().toStdString();
        for (const dmr::InterfaceSample &other : report->interfaces) {
            if (other.name == sample.name) {
                *error
                    = QStringLiteral("network[%1]: interface %2 is listed twice").arg(i).arg(name);
                return false;
            }
        }
        report->interfaces.push_back(std::move(sample));
    }
    return true;
}

bool ReportParser::readSampleTime(
    const QJsonObject &object, dmr::Report *report, QString *error) const
{
    report->sampleTimeMs = m_nowMs;
    const QJsonValue value = object.value(QStringLiteral("sample_time"));
    if (value.isUndefined() || value.isNull())
        return true;
    std::optional<qint64> ms;
    if (value.isString())
        ms = ApiJson::parseTime(value.toString());
    else if (value.isDouble() && std::floor(value.toDouble()) == value.toDouble())
        ms = qint64(value.toDouble());
    if (!ms) {
        *error = QStringLiteral(
            "sample_time must be an ISO 8601 time or milliseconds since the epoch");
        return false;
    }
    // An hour of clock skew is tolerated; anything later is a wrong clock.
    if (*ms > m_nowMs + 3600 * 1000) {
        *error = QStringLiteral("sample_time %1 is in the future").arg(ApiJson::timeText(*ms));
        return false;
    }
    report->sampleTimeMs = *ms;
    return true;
}

bool ReportParser::finish(AcceptedReport *accepted, QString *error) const
{
    // The codec's checks are the last word, exactly as for a datagram. The
    // sequence is only there to satisfy them: HTTP reports are stored with
    // run 0 and sequence 0, and are not counted in the agent's sequence.
    dmr::Report checked = accepted->report;
    checked.sequence = 1;
    if (checked.intervalSeconds == 0)
        checked.intervalSeconds = 1;
    if (!accepted->hasSystem) {
        checked.system.memoryTotalKb = 1;
    }
    const std::string problem = dmr::validate(checked);
    if (!problem.empty()) {
        *error = QString::fromStdString(problem);
        return false;
    }
    accepted->report.runId = 0;
    accepted->report.sequence = 0;
    return true;
}

std::optional<QJsonObject> ReportParser::object(const QByteArray &body, QString *error)
{
    return parseObject(body, error);
}

std::optional<AcceptedReport> ReportParser::parseDevice(
    const QByteArray &body, QString *error) const
{
    const std::optional<QJsonObject> object = parseObject(body, error);
    if (!object)
        return std::nullopt;
    AcceptedReport accepted;
    dmr::Report &report = accepted.report;
    QString deviceId, hostname, version;
    if (!object->contains(QStringLiteral("device_id"))) {
        *error = QStringLiteral("device_id is required");
        return std::nullopt;
    }
    if (!readString(
            *object, QStringLiteral("device_id"), int(dmr::kMaxDeviceIdLength), &deviceId, error)
        || !readString(
            *object, QStringLiteral("hostname"), int(dmr::kMaxHostnameLength), &hostname, error)
        || !readString(*object, QStringLiteral("agent_version"), 20, &version, error))
        return std::nullopt;
    if (deviceId.isEmpty()) {
        *error = QStringLiteral("device_id must not be empty");
        return std::nullopt;
    }
    report.deviceId = deviceId.toStdString();
    report.hostname = hostname.toStdString();
    if (!version.isEmpty()) {
        static const QRegularExpression pattern(
            QStringLiteral("^(\\d{1,5})\\.(\\d{1,3})\\.(\\d{1,3})$"));
        const QRegularExpressionMatch match = pattern.match(version);
        if (!match.hasMatch() || match.captured(1).toUInt() > 0xffff
            || match.captured(2).toUInt() > 255 || match.captured(3).toUInt() > 255) {
            *error = QStringLiteral("agent_version must look like 1.2.3");
            return std::nullopt;
        }
        report.agentVersion = dmr::packVersion(
            match.captured(1).toUInt(), match.captured(2).toUInt(), match.captured(3).toUInt());
    }
    if (object->contains(QStringLiteral("interval_seconds"))) {
        std::uint64_t interval = 0;
        if (!readCount(*object, QStringLiteral("interval_seconds"), &interval, error))
            return std::nullopt;
        if (interval < 1 || interval > dmr::kMaxIntervalSeconds) {
            *error
                = QStringLiteral("interval_seconds must be 1 to %1").arg(dmr::kMaxIntervalSeconds);
            return std::nullopt;
        }
        report.intervalSeconds = quint32(interval);
    }
    if (!readSampleTime(*object, &report, error))
        return std::nullopt;
    bool anySystem = false;
    for (const QString &field : systemFields())
        anySystem = anySystem || object->contains(field);
    accepted.hasSystem = anySystem;
    if (anySystem && !readSystem(*object, &report.system, error))
        return std::nullopt;
    if (object->contains(QStringLiteral("network"))
        && !readNetwork(object->value(QStringLiteral("network")), &report, error))
        return std::nullopt;
    if (!finish(&accepted, error))
        return std::nullopt;
    return accepted;
}

std::optional<AcceptedReport> ReportParser::parseSystem(
    const QByteArray &body, const QString &deviceId, QString *error) const
{
    const std::optional<QJsonObject> object = parseObject(body, error);
    if (!object)
        return std::nullopt;
    AcceptedReport accepted;
    accepted.report.deviceId = deviceId.toStdString();
    if (!readSampleTime(*object, &accepted.report, error)
        || !readSystem(*object, &accepted.report.system, error))
        return std::nullopt;
    if (object->contains(QStringLiteral("network"))
        && !readNetwork(object->value(QStringLiteral("network")), &accepted.report, error))
        return std::nullopt;
    if (!finish(&accepted, error))
        return std::nullopt;
    return accepted;
}

std::optional<AcceptedReport> ReportParser::parseNetwork(
    const QByteArray &body, const QString &deviceId, QString *error) const
{
    const std::optional<QJsonDocument> document = parseJson(body, error);
    if (!document)
        return std::nullopt;
    AcceptedReport accepted;
    accepted.hasSystem = false;
    accepted.report.deviceId = deviceId.toStdString();
    QJsonValue interfaces;
    QJsonObject outer;
    if (document->isArray()) {
        interfaces = document->array();
    } else if (document->isObject() && document->object().contains(QStringLiteral("network"))) {
        outer = document->object();
        interfaces = outer.value(QStringLiteral("network"));
    } else if (document->isObject()) {
        outer = document->object();
        interfaces = outer;
    } else {
        *error = QStringLiteral("the request body must be a JSON object or array");
        return std::nullopt;
    }
    if (!readSampleTime(outer, &accepted.report, error)
        || !readNetwork(interfaces, &accepted.report, error))
        return std::nullopt;
    if (accepted.report.interfaces.empty()) {
        *error = QStringLiteral("no interfaces given");
        return std::nullopt;
    }
    if (!finish(&accepted, error))
        return std::nullopt;
    return accepted;
}

} // namespace dmr::console
