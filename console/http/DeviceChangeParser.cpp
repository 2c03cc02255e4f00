// SPDX-License-Identifier: MIT
#include "http/DeviceChangeParser.h"

#include "http/ReportParser.h"

#include <QJsonObject>

namespace dmr::console {

namespace {

// The first key of `object` that is not `known`, as a message; empty when none.
QString unknownField(const QJsonObject &object, const QString &known, const char *what)
{
    for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
        if (it.key() != known)
            return QStringLiteral("unknown field '%1': %2").arg(it.key(), QLatin1String(what));
    }
    return QString();
}

} // namespace

std::optional<DeviceChange> DeviceChangeParser::rename(
    const QString &uuid, const QByteArray &body, QString *error)
{
    const std::optional<QJsonObject> object = ReportParser::object(body, error);
    if (!object)
        return std::nullopt;
    const QString key = QStringLiteral("display_name");
    *error = unknownField(*object, key, "only display_name can be changed");
    if (!error->isEmpty())
        return std::nullopt;
    if (!object->contains(key)) {
        *error = QStringLiteral("display_name is required");
        return std::nullopt;
    }
    const QJsonValue value = object->value(key);
    if (!value.isString() && !value.isNull()) {
        *error = QStringLiteral("display_name must be a string (or null to clear it)");
        return std::nullopt;
    }
    const std::optional<QString> name = DeviceChange::checkDisplayName(value.toString(), error);
    if (!name)
        return std::nullopt;
    DeviceChange change;
    change.kind = DeviceChange::Kind::Rename;
    change.uuid = uuid;
    change.displayName = *name;
    return change;
}

std::optional<DeviceChange> DeviceChangeParser::merge(
    const QString &uuid, const QByteArray &body, QString *error)
{
    const std::optional<QJsonObject> object = ReportParser::object(body, error);
    if (!object)
        return std::nullopt;
    const QString key = QStringLiteral("from");
    *error = unknownField(*object, key,
        "a merge takes only \"from\", the uuid of the device "
        "whose history moves here");
    if (!error->isEmpty())
        return std::nullopt;
    const QJsonValue value = object->value(key);
    if (!value.isString() || value.toString().trimmed().isEmpty()) {
        *error = QStringLiteral("from must be the uuid of the device to merge into this one");
        return std::nullopt;
    }
    DeviceChange change;
    change.kind = DeviceChange::Kind::Merge;
    change.uuid = uuid;
    change.from = value.toString().trimmed();
    return change;
}

} // namespace dmr::console
