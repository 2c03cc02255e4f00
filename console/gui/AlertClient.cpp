// SPDX-License-Identifier: MIT
#include "gui/AlertClient.h"

#include "service/ConsoleService.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QObject>
#include <utility>

namespace dmr::console {

namespace {

AlertClient::Answer answerOf(const AlertReply &reply)
{
    AlertClient::Answer answer;
    answer.status = reply.status;
    if (reply.json.isEmpty()) {
        if (reply.status >= 300)
            answer.error = QObject::tr("the alerting service answered %1").arg(reply.status);
        return answer;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(reply.json, &parseError);
    if (document.isObject())
        answer.json = document.object();
    else if (document.isArray())
        answer.json = document.array();
    if (reply.status >= 300) {
        const QString message = answer.json[QLatin1String("error")].toString();
        answer.error = message.isEmpty()
            ? QObject::tr("the alerting service answered %1").arg(reply.status)
            : message;
    } else if (answer.json.isUndefined()) {
        answer.error = QObject::tr("unreadable answer from the alerting service: %1")
                           .arg(parseError.errorString());
    }
    return answer;
}

} // namespace

AlertClient::AlertClient(ConsoleService *service)
    : m_service(service)
{ }

void AlertClient::get(
    const QStringList &path, QObject *context, Done done, const QUrlQuery &query) const
{
    AlertRequest request;
    request.method = QByteArrayLiteral("GET");
    request.path = path;
    request.query = query;
    request.user = user();
    m_service->alertRequest(request, context,
        [done = std::move(done)](const AlertReply &reply) { done(answerOf(reply)); });
}

void AlertClient::send(const QByteArray &method, const QStringList &path, const QJsonObject &body,
    QObject *context, Done done) const
{
    AlertRequest request;
    request.method = method;
    request.path = path;
    request.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    request.user = user();
    m_service->alertRequest(request, context,
        [done = std::move(done)](const AlertReply &reply) { done(answerOf(reply)); });
}

QString AlertClient::user()
{
    return ConsoleService::localUser();
}

} // namespace dmr::console
