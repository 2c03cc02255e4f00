// SPDX-License-Identifier: MIT
#pragma once

#include "alerts/Rule.h"
#include "alerts/RuleEngine.h"

#include <QHash>
#include <QList>
#include <QSqlDatabase>
#include <QVariantList>
#include <optional>

class QSqlQuery;

namespace dmr::console {

// Alerting's tables (schema migration 8): rules, alert history, outages,
// labels and maintenance of devices. SQL that SQLite and PostgreSQL both take.
class AlertStore
{
public:
    struct Device
    {
        qint64 id = 0;
        QString uuid;
        QString name; // display name, else hostname
        qint64 lastSeen = 0;
        qint64 intervalMs = 10000;
        qint64 createdAt = 0;
        qint64 maintenanceUntil = 0;
        Labels labels; // the agent's with a person's on top
        Labels userLabels; // of those, the ones a person set
        qint64 openOutageStart = 0; // 0: none open
    };
    struct Alert
    {
        qint64 id = 0;
        qint64 ruleId = 0;
        QString ruleName; // empty when the rule is gone
        QString uuid;
        QString deviceName;
        QString interface;
        QString metric;
        QString severity;
        QString summary;
        qint64 raisedAt = 0;
        double raisedValue = 0;
        std::optional<qint64> clearedAt;
        std::optional<double> clearedValue;
        std::optional<qint64> acknowledgedAt;
        QString acknowledgedBy;
        qint64 silencedUntil = 0;
    };
    struct Outage
    {
        qint64 start = 0;
        std::optional<qint64> end;
    };
    struct AlertFilter
    {
        bool firingOnly = false;
        qint64 deviceId = 0; // 0: all
        int limit = 200;
    };

    explicit AlertStore(QSqlDatabase db);

    std::optional<QList<Rule>> rules(QString *error) const;
    std::optional<qint64> insertRule(const Rule &rule, qint64 nowMs, QString *error);
    // nullopt on error; false when there is no such rule.
    std::optional<bool> updateRule(const Rule &rule, qint64 nowMs, QString *error);
    std::optional<bool> deleteRule(qint64 id, QString *error);

    std::optional<QList<Device>> devices(QString *error) const;

    bool openOutage(qint64 deviceId, qint64 startMs, QString *error);
    bool closeOutage(qint64 deviceId, qint64 endMs, QString *error);
    std::optional<QList<Outage>> outages(
        qint64 deviceId, qint64 fromMs, int limit, QString *error) const;
    // Of [fromMs, toMs), the time the device spent in outages.
    std::optional<qint64> offlineMs(
        qint64 deviceId, qint64 fromMs, qint64 toMs, QString *error) const;

    // What devices.last_seen says, which every collector writing to the
    // database keeps: presence for the whole fleet. lastSeen 0: no report yet.
    struct Seen
    {
        QString uuid;
        qint64 lastSeen = 0;
        qint64 intervalMs = 10000;
        qint64 maintenanceUntil = 0;
    };
    // Of one device, or of all (deviceId 0).
    std::optional<QList<Seen>> seen(qint64 deviceId, QString *error) const;

    struct Raised
    {
        qint64 id = 0;
        // false: another collector had raised it already (PostgreSQL, one
        // alert open per rule, device and interface for the fleet); id is
        // that alert's, and it is that collector's to announce.
        bool here = true;
    };
    std::optional<Raised> raise(
        qint64 deviceId, const AlertEvent &event, const QString &summary, QString *error);
    // nullopt on error; false when it was cleared already (by another collector).
    std::optional<bool> clear(qint64 alertId, qint64 atMs, double value, QString *error);
    std::optional<QList<Alert>> alerts(const AlertFilter &filter, QString *error) const;
    std::optional<Alert> alert(qint64 id, QString *error) const;
    std::optional<bool> acknowledge(qint64 id, const QString &by, qint64 atMs, QString *error);
    std::optional<bool> silence(qint64 id, qint64 untilMs, QString *error);

    bool setMaintenance(qint64 deviceId, qint64 untilMs, QString *error);
    // Replaces the labels of one source ("agent" or "user"); a user's label
    // of a name wins over the agent's.
    // ownTransaction false: within the caller's transaction.
    bool setLabels(qint64 deviceId, const Labels &labels, const QString &source, QString *error,
        bool ownTransaction = true);
    // Before the connection is opened again: its prepared statements are
    // of no use on the new one.
    void forgetPrepared();

private:
    bool run(
        QSqlQuery &query, const QString &sql, const QVariantList &values, QString *error) const;
    // The statements of every alert raised and cleared, prepared once: a
    // storm of them is parsed once, not once per alert. Null on error.
    QSqlQuery *runPrepared(const QString &sql, const QVariantList &values, QString *error) const;
    static Alert alertFrom(const QSqlQuery &query);

    QSqlDatabase m_db;
    mutable QHash<QString, QSqlQuery> m_prepared;
};

} // namespace dmr::console
