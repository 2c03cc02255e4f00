// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonObject>
#include <QObject>
#include <QString>

namespace dmr::console {

// What one notification says: a grouped batch of alerts raised or cleared.
struct Notification
{
    QString subject; // one line: "[critical] 3 devices offline"
    QString text; // plain text, a line per alert
    // {"status": "firing"|"resolved", "subject": ..., "alerts": [{"device", "uuid",
    //  "rule", "metric", "severity", "value", "summary", "state", "at"}, ...]}
    QJsonObject json;
};

// Delivers a notification over one kind of channel (webhook, e-mail,
// command). send() never blocks: it starts the delivery on the calling
// thread's event loop and emits finished() exactly once, with a line on
// what happened ("HTTP 200", "250 queued as ...", the error). A sender is
// used for one delivery at a time; retries are the Notifier's.
class ChannelSender : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    virtual void send(const Notification &notification) = 0;

signals:
    void finished(bool ok, const QString &detail);
};

} // namespace dmr::console
