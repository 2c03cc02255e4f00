// SPDX-License-Identifier: MIT
#pragma once

#include "alerts/AlertRequest.h"
#include "alerts/Channel.h"
#include "alerts/RuleEngine.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QSqlDatabase>
#include <QUrl>
#include <functional>
#include <memory>

class QNetworkAccessManager;

namespace dmr::console {

// Sends alerts to people over the configured channels (alert_channels),
// without storms: what is raised or cleared within a short wait goes out as
// one notification per channel (200 devices offline at once: one message),
// a flapping alert is held back, and what keeps firing unacknowledged is
// repeated at a set interval. Each channel delivers on its own, one
// notification at a time, retried with backoff; every attempt is stored
// (notification_attempts) and logged. Also the dead man's switch: a POST to
// a URL on a timer while the console runs. On the alerting thread.
class Notifier : public QObject
{
    Q_OBJECT
public:
    using Clock = std::function<qint64()>;

    struct Options
    {
        qint64 groupWaitMs = 10000; // what arrives within it goes out together
        qint64 repeatMs = 4 * 3600 * 1000; // reminder of what fires unacknowledged; 0: never
        int maxAttempts = 8;
        qint64 firstRetryMs = 5000; // doubles each attempt, up to 10 min
        QUrl heartbeatUrl; // the dead man's switch; empty: none
        qint64 heartbeatMs = 60000;
    };

    struct Channel
    {
        qint64 id = 0;
        QString name;
        QString kind; // webhook, email, command, desktop
        QJsonObject settings;
        bool enabled = true;
        QString minSeverity = QStringLiteral("warning"); // settings' "min_severity"
    };

    Notifier(QSqlDatabase db, Clock clock, QObject *parent = nullptr);
    ~Notifier() override;

    void setOptions(const Options &options) { m_options = options; }
    bool load(QString *error);

    void add(
        const AlertEvent &event, const QString &summary, const QString &deviceName, qint64 alertId);
    void acknowledged(qint64 alertId);
    // Another collector resolved it (and said so): no reminders of it here.
    void forget(qint64 alertId);
    void silenced(qint64 alertId, qint64 untilMs);
    // Groups what waited long enough, starts due deliveries and reminders.
    void tick();
    AlertReply handle(const AlertRequest &request);
    // Delivery attempts are stored in the alerting service's transaction
    // (AlertService::flush()), never one by one: a busy database must not
    // hold the alerting thread up.
    bool hasUnstoredAttempts() const { return !m_attempts.isEmpty(); }
    void storeAttempts();

    // Validates a channel's settings for its kind; a sentence when wrong.
    static bool checkChannel(const Channel &channel, QString *error);

signals:
    // The desktop channel: the window shows it (tray or notification).
    void desktopNotification(const QString &subject, const QString &text);
    // A delivery attempt ended (for the window's list and tests).
    void attempted(qint64 channelId, bool ok, int attempt, const QString &detail);

private:
    struct Pending
    {
        AlertEvent event;
        QString summary;
        QString deviceName;
        qint64 alertId = 0;
        qint64 queuedAt = 0;
    };
    struct Delivery
    {
        qint64 channelId = 0;
        Notification notification;
        int attempt = 0;
        qint64 dueAt = 0;
    };
    struct Reminder
    {
        Pending pending;
        qint64 lastSentAt = 0;
        qint64 silencedUntil = 0;
    };

    Notification compose(const QList<Pending> &items, bool reminder) const;
    void deliver(Delivery delivery);
    void startDue();
    ChannelSender *makeSender(const Channel &channel, QObject *parent, QString *error);
    void record(const Delivery &delivery, bool ok, const QString &detail);
    void heartbeat();
    qint64 now() const;

    QSqlDatabase m_db;
    Clock m_clock;
    Options m_options;
    QList<Channel> m_channels;
    QList<Pending> m_pending;
    QList<Delivery> m_queue; // waiting for their time or their channel
    QHash<qint64, bool> m_busy; // channel id: a delivery in flight
    QHash<qint64, Reminder> m_firing; // alert id
    QHash<qint64, bool> m_heldBack; // alert ids of flapping raises not sent
    struct Attempt
    {
        qint64 channelId = 0;
        qint64 at = 0;
        bool ok = false;
        int attempt = 0;
        QString subject;
        QString detail;
    };
    QList<Attempt> m_attempts; // to store (storeAttempts())
    QNetworkAccessManager *m_network;
    qint64 m_lastHeartbeat = 0;
};

} // namespace dmr::console
