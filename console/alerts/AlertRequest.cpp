// SPDX-License-Identifier: MIT
#include "alerts/AlertRequest.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace dmr::console::AlertJson {

QJsonValue time(qint64 ms)
{
    if (ms <= 0)
        return QJsonValue();
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

AlertReply reply(int status, const QJsonValue &value)
{
    return {status,
        value.isArray() ? QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact)
                        : QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact)};
}

AlertReply error(int status, const QString &message)
{
    return reply(status, QJsonObject {{QStringLiteral("error"), message}});
}

} // namespace dmr::console::AlertJson
