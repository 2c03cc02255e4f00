// SPDX-License-Identifier: MIT
#pragma once

#include "service/ConsoleService.h"
#include "support/TestReports.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <QUdpSocket>
#include <optional>

// A real console for the window's tests: its own database, UDP on
// 127.0.0.1 at a port the system picks, and alerting's REST requests made
// and answered as the HTTP API would make them.
namespace TestConsole {

inline dmr::console::ConsoleConfig config(const QString &databasePath)
{
    dmr::console::ConsoleConfig config;
    config.database = databasePath;
    config.udpBind = QHostAddress::LocalHost;
    config.udpPort = 0;
    config.httpPort = 0;
    config.statsIntervalSeconds = 0;
    config.flushIntervalMs = 50;
    return config;
}

// Reports 1..count of device number `device`, the last sampled now, as
// datagrams; `labels` go in the first, as an agent started with --label
// sends them, and the hash of them in every one.
inline void sendReports(quint16 port, int device, int count, const dmr::Labels &labels = {})
{
    QUdpSocket socket;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (int seq = 1; seq <= count; ++seq) {
        dmr::Report report
            = TestReports::makeReport(TestReports::deviceId(device), 1, quint64(seq));
        report.sampleTimeMs = now - qint64(count - seq) * 1000;
        report.labelsHash = dmr::labelsHash(labels);
        if (seq == 1)
            report.labels = labels;
        socket.writeDatagram(TestReports::encoded(report), QHostAddress::LocalHost, port);
    }
}

// `path` as after /api/, with its query: "alerts?state=all". Nullopt when no
// answer came within 10 s.
inline std::optional<dmr::console::AlertReply> call(dmr::console::ConsoleService &service,
    const QByteArray &method, const QString &path, const QByteArray &body = {})
{
    dmr::console::AlertRequest request;
    request.method = method;
    request.path = path.section(QLatin1Char('?'), 0, 0).split(QLatin1Char('/'), Qt::SkipEmptyParts);
    request.query = QUrlQuery(path.section(QLatin1Char('?'), 1));
    request.body = body;
    request.user = QStringLiteral("api");
    QObject context;
    std::optional<dmr::console::AlertReply> reply;
    service.alertRequest(
        request, &context, [&reply](const dmr::console::AlertReply &answer) { reply = answer; });
    if (!QTest::qWaitFor([&reply] { return reply.has_value(); }, 10000))
        qWarning("no answer to %s %s", method.constData(), qPrintable(path));
    return reply;
}

// The JSON of a GET's answer; undefined when it failed.
inline QJsonValue get(dmr::console::ConsoleService &service, const QString &path)
{
    const std::optional<dmr::console::AlertReply> reply = call(service, "GET", path);
    if (!reply || reply->status != 200)
        return QJsonValue(QJsonValue::Undefined);
    const QJsonDocument document = QJsonDocument::fromJson(reply->json);
    return document.isArray() ? QJsonValue(document.array()) : QJsonValue(document.object());
}

} // namespace TestConsole
