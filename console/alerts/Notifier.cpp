// SPDX-License-Identifier: MIT
#include "alerts/Notifier.h"

#include "alerts/AlertsLogging.h"
#include "alerts/EmailSender.h"
#include "alerts/WebhookSender.h"

#include <QDateTime>
#include <QHostInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMetaMethod>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSqlError>
#include <QSqlQuery>
#include <algorithm>
#include <utility>

namespace dmr::console {

namespace {

constexpr qint64 kMaxRetryMs = 10 * 60 * 1000;
constexpr int kMaxLines = 100;

// Settings as the API shows them: secrets are said to be set, not shown.
QJsonObject shown(QJsonObject settings)
{
    for (const char *secret : {"password", "token"}) {
        if (settings.contains(QLatin1String(secret)))
            settings.insert(QLatin1String(secret), QStringLiteral("(set)"));
    }
    return settings;
}

QJsonObject channelJson(const Notifier::Channel &channel)
{
    return {{QStringLiteral("id"), double(channel.id)}, {QStringLiteral("name"), channel.name},
        {QStringLiteral("kind"), channel.kind},
        {QStringLiteral("settings"), shown(channel.settings)},
        {QStringLiteral("min_severity"), channel.minSeverity},
        {QStringLiteral("enabled"), channel.enabled}};
}

} // namespace

Notifier::Notifier(QSqlDatabase db, Clock clock, QObject *parent)
    : QObject(parent)
    , m_db(std::move(db))
    , m_clock(std::move(clock))
    , m_network(new QNetworkAccessManager(this))
{ }

Notifier::~Notifier() = default;

qint64 Notifier::now() const
{
    return m_clock ? m_clock() : QDateTime::currentMSecsSinceEpoch();
}

bool Notifier::load(QString *error)
{
    QSqlQuery query(m_db);
    if (!query.exec(QStringLiteral(
            "SELECT id, name, kind, settings, enabled FROM alert_channels ORDER BY id"))) {
        *error = query.lastError().text();
        return false;
    }
    m_channels.clear();
    while (query.next()) {
        Channel channel;
        channel.id = query.value(0).toLongLong();
        channel.name = query.value(1).toString();
        channel.kind = query.value(2).toString();
        channel.settings = QJsonDocument::fromJson(query.value(3).toByteArray()).object();
        channel.enabled = query.value(4).toInt() != 0;
        channel.minSeverity = channel.settings.value(QLatin1String("min_severity"))
                                  .toString(QStringLiteral("warning"));
        m_channels.append(channel);
    }
    return true;
}

bool Notifier::checkChannel(const Channel &channel, QString *error)
{
    if (channel.name.trimmed().isEmpty() || channel.name.size() > 128) {
        *error = QStringLiteral("a channel needs a name of at most 128 characters");
        return false;
    }
    if (channel.minSeverity != QLatin1String("warning")
        && channel.minSeverity != QLatin1String("critical")) {
        *error = QStringLiteral("\"min_severity\" is warning or critical");
        return false;
    }
    if (channel.kind == QLatin1String("webhook"))
        return WebhookSender::settingsFromJson(channel.settings, error).has_value();
    if (channel.kind == QLatin1String("command"))
        return CommandSender::settingsFromJson(channel.settings, error).has_value();
    if (channel.kind == QLatin1String("email"))
        return EmailSender::settingsFromJson(channel.settings, error).has_value();
    if (channel.kind == QLatin1String("desktop"))
        return true;
    *error = QStringLiteral("\"kind\" is webhook, email, command or desktop");
    return false;
}

void Notifier::add(
    const AlertEvent &event, const QString &summary, const QString &deviceName, qint64 alertId)
{
    const bool raised = event.kind == AlertEvent::Kind::Raised;
    if (raised && event.flapping) {
        m_heldBack.insert(alertId, true);
        qCInfo(lcAlerts, "held back (flapping): %s", qPrintable(summary));
        return;
    }
    if (!raised && m_heldBack.remove(alertId) > 0)
        return;
    const Pending pending {event, summary, deviceName, alertId, now()};
    if (raised)
        m_firing.insert(alertId, {pending, pending.queuedAt, 0});
    else
        m_firing.remove(alertId);
    m_pending.append(pending);
}

void Notifier::acknowledged(qint64 alertId)
{
    m_firing.remove(alertId);
}

void Notifier::forget(qint64 alertId)
{
    m_firing.remove(alertId);
    m_heldBack.remove(alertId);
}

void Notifier::silenced(qint64 alertId, qint64 untilMs)
{
    const auto it = m_firing.find(alertId);
    if (it != m_firing.end())
        it->silencedUntil = untilMs;
}

Notification Notifier::compose(const QList<Pending> &items, bool reminder) const
{
    int raised = 0;
    bool critical = false;
    QHash<qint64, int> perRule;
    for (const Pending &item : items) {
        if (item.event.kind == AlertEvent::Kind::Raised) {
            ++raised;
            critical = critical || item.event.rule.severity == Severity::Critical;
            ++perRule[item.event.rule.id];
        }
    }
    const int cleared = int(items.size()) - raised;
    Notification notification;
    const QString tag = raised == 0 ? QStringLiteral("[resolved] ")
        : critical                  ? QStringLiteral("[critical] ")
                                    : QStringLiteral("[warning] ");
    if (items.size() == 1) {
        notification.subject = tag + items.first().summary;
    } else if (cleared == 0 && perRule.size() == 1) {
        // A storm of one rule: "200 devices: Device offline".
        notification.subject
            = tag + QStringLiteral("%1 devices: %2").arg(raised).arg(items.first().event.rule.name);
    } else {
        notification.subject
            = tag + QStringLiteral("%1 alerts firing, %2 resolved").arg(raised).arg(cleared);
    }
    if (reminder)
        notification.subject = QStringLiteral("Still firing: ") + notification.subject;
    QStringList lines;
    QJsonArray alerts;
    for (const Pending &item : items) {
        const bool up = item.event.kind == AlertEvent::Kind::Raised;
        if (lines.size() < kMaxLines)
            lines << (up ? QStringLiteral("FIRING  ") : QStringLiteral("RESOLVED ")) + item.summary;
        alerts.append(QJsonObject {{QStringLiteral("alert_id"), double(item.alertId)},
            {QStringLiteral("state"), up ? QStringLiteral("firing") : QStringLiteral("resolved")},
            {QStringLiteral("device"), item.deviceName}, {QStringLiteral("uuid"), item.event.uuid},
            {QStringLiteral("interface"), item.event.interface},
            {QStringLiteral("rule"), item.event.rule.name},
            {QStringLiteral("metric"), item.event.rule.metric},
            {QStringLiteral("severity"), Rule::severityName(item.event.rule.severity)},
            {QStringLiteral("value"), item.event.value}, {QStringLiteral("summary"), item.summary},
            {QStringLiteral("at"), AlertJson::time(item.event.at)}});
    }
    if (items.size() > kMaxLines)
        lines << QStringLiteral("… and %1 more").arg(items.size() - kMaxLines);
    notification.text = lines.join(QLatin1Char('\n'));
    notification.json = {{QStringLiteral("status"),
                             raised > 0 ? QStringLiteral("firing") : QStringLiteral("resolved")},
        {QStringLiteral("subject"), notification.subject}, {QStringLiteral("reminder"), reminder},
        {QStringLiteral("alerts"), alerts}};
    return notification;
}

void Notifier::tick()
{
    const qint64 at = now();
    if (!m_pending.isEmpty() && at - m_pending.first().queuedAt >= m_options.groupWaitMs) {
        for (const Channel &channel : std::as_const(m_channels)) {
            if (!channel.enabled)
                continue;
            const bool criticalOnly = channel.minSeverity == QLatin1String("critical");
            QList<Pending> items;
            for (const Pending &pending : std::as_const(m_pending)) {
                if (!criticalOnly || pending.event.rule.severity == Severity::Critical)
                    items.append(pending);
            }
            if (!items.isEmpty())
                m_queue.append({channel.id, compose(items, false), 0, at});
        }
        m_pending.clear();
    }
    if (m_options.repeatMs > 0) {
        QList<Pending> due;
        for (Reminder &reminder : m_firing) {
            if (at - reminder.lastSentAt >= m_options.repeatMs && reminder.silencedUntil <= at) {
                due.append(reminder.pending);
                reminder.lastSentAt = at;
            }
        }
        if (!due.isEmpty()) {
            for (const Channel &channel : std::as_const(m_channels)) {
                if (channel.enabled)
                    m_queue.append({channel.id, compose(due, true), 0, at});
            }
        }
    }
    startDue();
    heartbeat();
}

void Notifier::startDue()
{
    const qint64 at = now();
    for (qsizetype i = 0; i < m_queue.size();) {
        const Delivery &delivery = m_queue.at(i);
        if (delivery.dueAt > at || m_busy.value(delivery.channelId)) {
            ++i;
            continue;
        }
        deliver(m_queue.takeAt(i));
    }
}

ChannelSender *Notifier::makeSender(const Channel &channel, QObject *parent, QString *error)
{
    if (channel.kind == QLatin1String("webhook")) {
        if (auto settings = WebhookSender::settingsFromJson(channel.settings, error))
            return new WebhookSender(*settings, m_network, parent);
    } else if (channel.kind == QLatin1String("command")) {
        if (auto settings = CommandSender::settingsFromJson(channel.settings, error))
            return new CommandSender(*settings, parent);
    } else if (channel.kind == QLatin1String("email")) {
        if (auto settings = EmailSender::settingsFromJson(channel.settings, error))
            return new EmailSender(*settings, parent);
    }
    return nullptr;
}

void Notifier::deliver(Delivery delivery)
{
    const auto channel = std::find_if(m_channels.cbegin(), m_channels.cend(),
        [&](const Channel &c) { return c.id == delivery.channelId; });
    if (channel == m_channels.cend())
        return; // deleted meanwhile
    ++delivery.attempt;
    if (channel->kind == QLatin1String("desktop")) {
        // Headless, nobody listens: not an error, and not worth a retry.
        if (!isSignalConnected(QMetaMethod::fromSignal(&Notifier::desktopNotification)))
            return;
        emit desktopNotification(delivery.notification.subject, delivery.notification.text);
        record(delivery, true, QStringLiteral("shown"));
        return;
    }
    QString error;
    ChannelSender *sender = makeSender(*channel, this, &error);
    if (!sender) {
        record(delivery, false, error);
        return;
    }
    m_busy.insert(delivery.channelId, true);
    connect(sender, &ChannelSender::finished, this,
        [this, sender, delivery](bool ok, const QString &detail) {
            sender->deleteLater();
            m_busy.remove(delivery.channelId);
            record(delivery, ok, detail);
            if (!ok && delivery.attempt < m_options.maxAttempts) {
                Delivery retry = delivery;
                retry.dueAt = now()
                    + std::min(kMaxRetryMs, m_options.firstRetryMs << (delivery.attempt - 1));
                m_queue.append(retry);
            }
            startDue();
        });
    sender->send(delivery.notification);
}

void Notifier::record(const Delivery &delivery, bool ok, const QString &detail)
{
    const auto channel = std::find_if(m_channels.cbegin(), m_channels.cend(),
        [&](const Channel &c) { return c.id == delivery.channelId; });
    const QString name = channel != m_channels.cend() ? channel->name : QString();
    if (ok)
        qCInfo(lcAlerts, "sent to %s (attempt %d): %s: %s", qPrintable(name), delivery.attempt,
            qPrintable(delivery.notification.subject), qPrintable(detail));
    else
        qCWarning(lcAlerts, "sending to %s failed (attempt %d of %d): %s: %s", qPrintable(name),
            delivery.attempt, m_options.maxAttempts, qPrintable(delivery.notification.subject),
            qPrintable(detail));
    m_attempts.append({delivery.channelId, now(), ok, delivery.attempt,
        delivery.notification.subject.left(512), detail.left(1024)});
    emit attempted(delivery.channelId, ok, delivery.attempt, detail);
}

void Notifier::storeAttempts()
{
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("INSERT INTO notification_attempts (channel_id, at, ok, attempt,"
                                 " subject, detail) VALUES (?, ?, ?, ?, ?, ?)"));
    for (const Attempt &attempt : std::exchange(m_attempts, {})) {
        query.addBindValue(attempt.channelId);
        query.addBindValue(attempt.at);
        query.addBindValue(attempt.ok ? 1 : 0);
        query.addBindValue(attempt.attempt);
        // QtSql binds a null QString as NULL.
        query.addBindValue(QString(attempt.subject + QStringLiteral("")));
        query.addBindValue(QString(attempt.detail + QStringLiteral("")));
        if (!query.exec())
            qCWarning(lcAlerts, "cannot store a delivery attempt: %s",
                qPrintable(query.lastError().text()));
    }
}

void Notifier::heartbeat()
{
    if (m_options.heartbeatUrl.isEmpty())
        return;
    const qint64 at = now();
    if (m_lastHeartbeat > 0 && at - m_lastHeartbeat < m_options.heartbeatMs)
        return;
    m_lastHeartbeat = at;
    QNetworkRequest request(m_options.heartbeatUrl);
    request.setHeader(QNetworkRequest::ContentTypeHeader, "application/json");
    request.setTransferTimeout(10000);
    const QByteArray body
        = QJsonDocument(QJsonObject {{QStringLiteral("console"), QHostInfo::localHostName()},
                            {QStringLiteral("at"), AlertJson::time(at)},
                            {QStringLiteral("firing"), double(m_firing.size())}})
              .toJson(QJsonDocument::Compact);
    QNetworkReply *reply = m_network->post(request, body);
    connect(reply, &QNetworkReply::finished, this, [reply] {
        reply->deleteLater();
        if (reply->error() != QNetworkReply::NoError)
            qCWarning(lcAlerts, "heartbeat to %s failed: %s",
                qPrintable(reply->url().toDisplayString()), qPrintable(reply->errorString()));
    });
}

AlertReply Notifier::handle(const AlertRequest &request)
{
    if (request.path.value(0) == QLatin1String("notifications")) {
        if (request.method != "GET" || request.path.size() != 1)
            return AlertJson::error(405, QStringLiteral("GET /api/notifications/"));
        QSqlQuery query(m_db);
        if (!query.exec(QStringLiteral("SELECT n.id, n.channel_id, COALESCE(c.name, ''), n.at,"
                                       " n.ok, n.attempt, n.subject, n.detail FROM"
                                       " notification_attempts n LEFT JOIN alert_channels c"
                                       " ON c.id = n.channel_id ORDER BY n.id DESC LIMIT 200")))
            return AlertJson::error(500, query.lastError().text());
        QJsonArray list;
        while (query.next()) {
            list.append(QJsonObject {{QStringLiteral("id"), query.value(0).toDouble()},
                {QStringLiteral("channel_id"), query.value(1).toDouble()},
                {QStringLiteral("channel"), query.value(2).toString()},
                {QStringLiteral("at"), AlertJson::time(query.value(3).toLongLong())},
                {QStringLiteral("ok"), query.value(4).toInt() != 0},
                {QStringLiteral("attempt"), query.value(5).toInt()},
                {QStringLiteral("subject"), query.value(6).toString()},
                {QStringLiteral("detail"), query.value(7).toString()}});
        }
        return AlertJson::reply(200, list);
    }
    const bool one = request.path.size() >= 2;
    bool numeric = false;
    const qint64 id = one ? request.path.at(1).toLongLong(&numeric) : 0;
    const auto found = std::find_if(
        m_channels.begin(), m_channels.end(), [id](const Channel &c) { return c.id == id; });
    if (one && (!numeric || found == m_channels.end()))
        return AlertJson::error(404, QStringLiteral("no channel %1").arg(request.path.at(1)));
    const QString action = request.path.value(2);
    if (request.method == "GET" && action.isEmpty()) {
        if (one)
            return AlertJson::reply(200, channelJson(*found));
        QJsonArray list;
        for (const Channel &channel : std::as_const(m_channels))
            list.append(channelJson(channel));
        return AlertJson::reply(200, list);
    }
    if (one && action == QLatin1String("test") && request.method == "POST") {
        AlertEvent event;
        event.rule.name = QStringLiteral("Test");
        event.rule.metric = QStringLiteral("test");
        event.at = now();
        const Pending pending {event,
            QStringLiteral("A test notification from the metrics console (channel \"%1\")")
                .arg(found->name),
            QString(), 0, event.at};
        Notification notification = compose({pending}, false);
        notification.subject = QStringLiteral("[test] ") + pending.summary;
        notification.json.insert(QStringLiteral("subject"), notification.subject);
        m_queue.prepend({found->id, notification, 0, 0});
        startDue();
        return AlertJson::reply(202,
            QJsonObject {{QStringLiteral("queued"), true},
                {QStringLiteral("see"), QStringLiteral("/api/notifications/")}});
    }
    if (!action.isEmpty() || request.path.size() > 3)
        return AlertJson::error(404, QStringLiteral("no such resource"));
    if (request.method == "DELETE" && one) {
        QSqlQuery query(m_db);
        query.prepare(QStringLiteral("DELETE FROM alert_channels WHERE id = ?"));
        query.addBindValue(id);
        if (!query.exec())
            return AlertJson::error(500, query.lastError().text());
        m_channels.erase(found);
        return {204, {}};
    }
    if (!((request.method == "POST" && !one) || (request.method == "PUT" && one)))
        return AlertJson::error(405, QStringLiteral("GET, POST, PUT or DELETE"));
    QJsonParseError parseError;
    const QJsonObject body = QJsonDocument::fromJson(request.body, &parseError).object();
    if (parseError.error != QJsonParseError::NoError)
        return AlertJson::error(400,
            QStringLiteral("the body must be a JSON object: %1").arg(parseError.errorString()));
    Channel channel = one ? *found : Channel();
    channel.name = body.value(QLatin1String("name")).toString(channel.name);
    channel.kind = body.value(QLatin1String("kind")).toString(channel.kind);
    channel.enabled = body.value(QLatin1String("enabled")).toBool(channel.enabled);
    if (body.contains(QLatin1String("settings"))) {
        QJsonObject settings = body.value(QLatin1String("settings")).toObject();
        // A secret shown as "(set)" and sent back unchanged keeps its value.
        for (const char *secret : {"password", "token"}) {
            if (settings.value(QLatin1String(secret)).toString() == QLatin1String("(set)"))
                settings.insert(
                    QLatin1String(secret), channel.settings.value(QLatin1String(secret)));
        }
        channel.settings = settings;
    }
    channel.minSeverity = body.value(QLatin1String("min_severity")).toString(channel.minSeverity);
    channel.settings.insert(QStringLiteral("min_severity"), channel.minSeverity);
    QString error;
    if (!checkChannel(channel, &error))
        return AlertJson::error(400, error);
    QSqlQuery query(m_db);
    const QByteArray settings = QJsonDocument(channel.settings).toJson(QJsonDocument::Compact);
    if (one) {
        query.prepare(QStringLiteral("UPDATE alert_channels SET name = ?, kind = ?, settings = ?,"
                                     " enabled = ?, updated_at = ? WHERE id = ?"));
        for (const QVariant &value : QVariantList {channel.name, channel.kind,
                 QString::fromUtf8(settings), channel.enabled ? 1 : 0, now(), channel.id})
            query.addBindValue(value);
        if (!query.exec())
            return AlertJson::error(500, query.lastError().text());
        *found = channel;
    } else {
        query.prepare(QStringLiteral("INSERT INTO alert_channels (name, kind, settings, enabled,"
                                     " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
                                     " RETURNING id"));
        for (const QVariant &value : QVariantList {channel.name, channel.kind,
                 QString::fromUtf8(settings), channel.enabled ? 1 : 0, now(), now()})
            query.addBindValue(value);
        if (!query.exec() || !query.next())
            return AlertJson::error(500, query.lastError().text());
        channel.id = query.value(0).toLongLong();
        m_channels.append(channel);
    }
    qCInfo(lcAlerts, "channel %lld (%s, %s) %s", static_cast<long long>(channel.id),
        qPrintable(channel.name), qPrintable(channel.kind), one ? "changed" : "created");
    return AlertJson::reply(one ? 200 : 201, channelJson(channel));
}

} // namespace dmr::console
