// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QJsonValue>
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <QUrlQuery>

namespace dmr::console {

// A REST request for alerting (/api/rules/, /api/alerts/, a device's
// presence, labels and maintenance), handed from the HTTP thread to the
// alerting thread. The HTTP layer checked the token of writes.
struct AlertRequest
{
    QByteArray method; // GET, POST, PUT, DELETE
    QStringList path; // after /api/, without the empty last: {"rules", "3"}
    QUrlQuery query;
    QByteArray body;
    QString user; // who, for acknowledgements ("api" for the token)
};

struct AlertReply
{
    int status = 200;
    QByteArray json; // empty for 204
};

// The alerting API's JSON, one way for every resource.
namespace AlertJson {

// ISO 8601 UTC with milliseconds; null for 0 (never).
QJsonValue time(qint64 ms);
// An object or array, compact.
AlertReply reply(int status, const QJsonValue &value);
// {"error": message}
AlertReply error(int status, const QString &message);

} // namespace AlertJson

} // namespace dmr::console

Q_DECLARE_METATYPE(dmr::console::AlertRequest)
Q_DECLARE_METATYPE(dmr::console::AlertReply)
