// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QStringList>
#include <QUrlQuery>
#include <functional>

class QObject;

namespace dmr::console {

class ConsoleService;

// The window's way into alerting: the REST API's requests, with the same
// JSON the web page and scripts send (ConsoleService::alertRequest), so the
// window cannot drift from what the API allows. Answers come later on the
// GUI thread; no dialog waits on the alerting thread's SQL.
class AlertClient
{
public:
    struct Answer
    {
        int status = 0;
        QJsonValue json; // the object or array answered; undefined for 204
        QString error; // the service's {"error": ...}, or why the answer is unusable
        bool ok() const { return error.isEmpty(); }
    };
    using Done = std::function<void(const Answer &)>;

    explicit AlertClient(ConsoleService *service);

    // `done` runs on `context`'s thread, and not at all once `context` is gone
    // (a dialog closed before its answer came).
    void get(const QStringList &path, QObject *context, Done done,
        const QUrlQuery &query = QUrlQuery()) const;
    void send(const QByteArray &method, const QStringList &path, const QJsonObject &body,
        QObject *context, Done done) const;

    // Who asks from this window, "desktop:" and the login name: what an
    // acknowledgement records, beside the REST API's "api" (or the "by" its
    // caller names), so the history tells a person at the desk from a script.
    static QString user();

private:
    ConsoleService *m_service;
};

} // namespace dmr::console
