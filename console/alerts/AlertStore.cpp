// SPDX-License-Identifier: MIT
#include "alerts/AlertStore.h"

#include "store/SqlConnection.h"

#include <QSqlError>
#include <QSqlQuery>
#include <algorithm>

namespace dmr::console {

namespace {

const char kRuleColumns[] = "id, name, metric, comparison, raise_value, clear_value, for_ms,"
                            " severity, device_uuid, labels, enabled";

const char kAlertColumns[]
    = "a.id, a.rule_id, COALESCE(r.name, ''), d.uuid, CASE WHEN d.display_name <> ''"
      " THEN d.display_name ELSE d.hostname END, a.interface, a.metric, a.severity, a.summary,"
      " a.raised_at, a.raised_value, a.cleared_at, a.cleared_value, a.acknowledged_at,"
      " a.acknowledged_by, a.silenced_until";

const char kAlertJoin[] = " FROM alerts a JOIN devices d ON d.id = a.device"
                          " LEFT JOIN alert_rules r ON r.id = a.rule_id";

// QtSql binds a null QString as NULL: text columns get "" instead.
QString text(const QString &value)
{
    return value.isNull() ? QStringLiteral("") : value;
}

Rule ruleFrom(const QSqlQuery &query)
{
    Rule rule;
    rule.id = query.value(0).toLongLong();
    rule.name = query.value(1).toString();
    rule.metric = query.value(2).toString();
    rule.comparison = query.value(3).toString() == QLatin1String("<") ? Rule::Comparison::Below
                                                                      : Rule::Comparison::Above;
    rule.raise = query.value(4).toDouble();
    rule.clear = query.value(5).toDouble();
    rule.forMs = query.value(6).toLongLong();
    rule.severity = Rule::severityFrom(query.value(7).toString()).value_or(Severity::Warning);
    rule.deviceUuid = query.value(8).toString();
    QString ignored;
    rule.labels = Rule::parseLabels(query.value(9).toString(), &ignored);
    rule.enabled = query.value(10).toInt() != 0;
    return rule;
}

QVariantList ruleValues(const Rule &rule)
{
    return {text(rule.name), text(rule.metric),
        rule.comparison == Rule::Comparison::Above ? QStringLiteral(">") : QStringLiteral("<"),
        rule.raise, rule.clear, rule.forMs, Rule::severityName(rule.severity),
        text(rule.deviceUuid), text(Rule::labelsText(rule.labels)), rule.enabled ? 1 : 0};
}

std::optional<qint64> optionalLong(const QVariant &value)
{
    return value.isNull() ? std::nullopt : std::optional<qint64>(value.toLongLong());
}

} // namespace

AlertStore::AlertStore(QSqlDatabase db)
    : m_db(std::move(db))
{ }

bool AlertStore::run(
    QSqlQuery &query, const QString &sql, const QVariantList &values, QString *error) const
{
    query.setForwardOnly(true);
    if (!query.prepare(sql)) {
        *error = query.lastError().text();
        return false;
    }
    for (const QVariant &value : values)
        query.addBindValue(value);
    if (!query.exec()) {
        *error = query.lastError().text();
        return false;
    }
    return true;
}

void AlertStore::forgetPrepared()
{
    m_prepared.clear();
}

QSqlQuery *AlertStore::runPrepared(
    const QString &sql, const QVariantList &values, QString *error) const
{
    auto it = m_prepared.find(sql);
    if (it == m_prepared.end()) {
        QSqlQuery query(m_db);
        query.setForwardOnly(true);
        if (!query.prepare(sql)) {
            *error = query.lastError().text();
            return nullptr;
        }
        it = m_prepared.insert(sql, query);
    }
    QSqlQuery &query = *it;
    for (int i = 0; i < values.size(); ++i)
        query.bindValue(i, values.at(i));
    if (!query.exec()) {
        *error = query.lastError().text();
        query.finish();
        return nullptr;
    }
    return &query;
}

std::optional<QList<Rule>> AlertStore::rules(QString *error) const
{
    QSqlQuery query(m_db);
    if (!run(query,
            QStringLiteral("SELECT %1 FROM alert_rules ORDER BY id")
                .arg(QLatin1String(kRuleColumns)),
            {}, error))
        return std::nullopt;
    QList<Rule> rules;
    while (query.next())
        rules.append(ruleFrom(query));
    return rules;
}

std::optional<qint64> AlertStore::insertRule(const Rule &rule, qint64 nowMs, QString *error)
{
    QSqlQuery query(m_db);
    if (!run(query,
            QStringLiteral("INSERT INTO alert_rules (name, metric, comparison, raise_value,"
                           " clear_value, for_ms, severity, device_uuid, labels, enabled,"
                           " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                           " RETURNING id"),
            ruleValues(rule) + QVariantList {nowMs, nowMs}, error)
        || !query.next())
        return std::nullopt;
    return query.value(0).toLongLong();
}

std::optional<bool> AlertStore::updateRule(const Rule &rule, qint64 nowMs, QString *error)
{
    QSqlQuery query(m_db);
    if (!run(query,
            QStringLiteral("UPDATE alert_rules SET name = ?, metric = ?, comparison = ?,"
                           " raise_value = ?, clear_value = ?, for_ms = ?, severity = ?,"
                           " device_uuid = ?, labels = ?, enabled = ?, updated_at = ?"
                           " WHERE id = ?"),
            ruleValues(rule) + QVariantList {nowMs, rule.id}, error))
        return std::nullopt;
    return query.numRowsAffected() > 0;
}

std::optional<bool> AlertStore::deleteRule(qint64 id, QString *error)
{
    QSqlQuery query(m_db);
    if (!run(query, QStringLiteral("DELETE FROM alert_rules WHERE id = ?"), {id}, error))
        return std::nullopt;
    return query.numRowsAffected() > 0;
}

std::optional<QList<AlertStore::Device>> AlertStore::devices(QString *error) const
{
    QSqlQuery query(m_db);
    if (!run(query,
            QStringLiteral("SELECT d.id, d.uuid, CASE WHEN d.display_name <> '' THEN"
                           " d.display_name ELSE d.hostname END, d.last_seen, d.interval_seconds,"
                           " d.created_at, d.maintenance_until, d.reports_received,"
                           " (SELECT MAX(o.start_ts) FROM outages o WHERE o.device = d.id"
                           " AND o.end_ts IS NULL) FROM devices d ORDER BY d.id"),
            {}, error))
        return std::nullopt;
    QList<Device> devices;
    QHash<qint64, int> index;
    while (query.next()) {
        Device device;
        device.id = query.value(0).toLongLong();
        device.uuid = query.value(1).toString();
        device.name = query.value(2).toString();
        // A device registered without reports has no last report.
        device.lastSeen = query.value(7).toLongLong() > 0 ? query.value(3).toLongLong() : 0;
        device.intervalMs = std::max<qint64>(1, query.value(4).toLongLong()) * 1000;
        device.createdAt = query.value(5).toLongLong();
        device.maintenanceUntil = query.value(6).toLongLong();
        device.openOutageStart = query.value(8).toLongLong();
        index.insert(device.id, int(devices.size()));
        devices.append(device);
    }
    if (!run(query, QStringLiteral("SELECT device, name, value, source FROM device_labels"), {},
            error))
        return std::nullopt;
    while (query.next()) {
        const auto at = index.constFind(query.value(0).toLongLong());
        if (at == index.cend())
            continue;
        Device &device = devices[*at];
        device.labels.insert(query.value(1).toString(), query.value(2).toString());
        if (query.value(3).toString() == QLatin1String("user"))
            device.userLabels.insert(query.value(1).toString(), query.value(2).toString());
    }
    return devices;
}

bool AlertStore::openOutage(qint64 deviceId, qint64 startMs, QString *error)
{
    QSqlQuery query(m_db);
    return run(query, QStringLiteral("INSERT INTO outages (device, start_ts) VALUES (?, ?)"),
        {deviceId, startMs}, error);
}

bool AlertStore::closeOutage(qint64 deviceId, qint64 endMs, QString *error)
{
    QSqlQuery query(m_db);
    return run(query,
        QStringLiteral("UPDATE outages SET end_ts = ? WHERE device = ? AND end_ts IS NULL"),
        {endMs, deviceId}, error);
}

std::optional<QList<AlertStore::Outage>> AlertStore::outages(
    qint64 deviceId, qint64 fromMs, int limit, QString *error) const
{
    QSqlQuery query(m_db);
    if (!run(query,
            QStringLiteral("SELECT start_ts, end_ts FROM outages WHERE device = ?"
                           " AND (end_ts IS NULL OR end_ts > ?) ORDER BY start_ts DESC LIMIT ?"),
            {deviceId, fromMs, limit}, error))
        return std::nullopt;
    QList<Outage> list;
    while (query.next())
        list.append({query.value(0).toLongLong(), optionalLong(query.value(1))});
    return list;
}

std::optional<qint64> AlertStore::offlineMs(
    qint64 deviceId, qint64 fromMs, qint64 toMs, QString *error) const
{
    QSqlQuery query(m_db);
    if (!run(query,
            QStringLiteral("SELECT start_ts, end_ts FROM outages WHERE device = ?"
                           " AND start_ts < ? AND (end_ts IS NULL OR end_ts > ?)"),
            {deviceId, toMs, fromMs}, error))
        return std::nullopt;
    qint64 total = 0;
    while (query.next()) {
        const qint64 start = std::max(fromMs, query.value(0).toLongLong());
        const qint64 end
            = query.value(1).isNull() ? toMs : std::min(toMs, query.value(1).toLongLong());
        total += std::max<qint64>(0, end - start);
    }
    return total;
}

std::optional<QList<AlertStore::Seen>> AlertStore::seen(qint64 deviceId, QString *error) const
{
    QSqlQuery *query = runPrepared(
        QStringLiteral("SELECT uuid, last_seen, interval_seconds, reports_received,"
                       " maintenance_until FROM devices WHERE CAST(? AS BIGINT) = 0 OR id = ?"),
        {deviceId, deviceId}, error);
    if (!query)
        return std::nullopt;
    QList<Seen> list;
    while (query->next()) {
        Seen seen;
        seen.uuid = query->value(0).toString();
        // A device registered without reports has no last report.
        seen.lastSeen = query->value(3).toLongLong() > 0 ? query->value(1).toLongLong() : 0;
        seen.intervalMs = std::max<qint64>(1, query->value(2).toLongLong()) * 1000;
        seen.maintenanceUntil = query->value(4).toLongLong();
        list.append(seen);
    }
    query->finish();
    return list;
}

std::optional<AlertStore::Raised> AlertStore::raise(
    qint64 deviceId, const AlertEvent &event, const QString &summary, QString *error)
{
    const QVariantList values {event.rule.id, deviceId, text(event.interface),
        text(event.rule.metric), Rule::severityName(event.rule.severity), text(summary.left(512)),
        event.at, event.value};
    const QString insert
        = QStringLiteral("INSERT INTO alerts (rule_id, device, interface, metric, severity,"
                         " summary, raised_at, raised_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!SqlConnection::isPostgres(m_db)) {
        // One console on the file: what it raises is new.
        QSqlQuery *query = runPrepared(insert + QStringLiteral(" RETURNING id"), values, error);
        if (!query)
            return std::nullopt;
        std::optional<Raised> raised;
        if (query->next())
            raised = Raised {query->value(0).toLongLong(), true};
        query->finish();
        return raised;
    }
    // Several collectors may raise the same alert at once: the index
    // alerts_open lets one row in, and the others take that row's id. Its
    // raiser may clear it between the two statements; then it is raised anew.
    for (int attempt = 0; attempt < 3; ++attempt) {
        QSqlQuery *query = runPrepared(insert
                + QStringLiteral(" ON CONFLICT (rule_id, device, interface)"
                                 " WHERE cleared_at IS NULL DO NOTHING RETURNING id"),
            values, error);
        if (!query)
            return std::nullopt;
        std::optional<Raised> raised;
        if (query->next())
            raised = Raised {query->value(0).toLongLong(), true};
        query->finish();
        if (raised)
            return raised;
        query = runPrepared(QStringLiteral("SELECT id FROM alerts WHERE rule_id = ? AND device = ?"
                                           " AND interface = ? AND cleared_at IS NULL"),
            {event.rule.id, deviceId, text(event.interface)}, error);
        if (!query)
            return std::nullopt;
        if (query->next())
            raised = Raised {query->value(0).toLongLong(), false};
        query->finish();
        if (raised)
            return raised;
    }
    // Worded as busy, so that the caller tries it again shortly.
    *error = QStringLiteral("the open alert kept changing (another collector raises and clears "
                            "it): busy, tried again");
    return std::nullopt;
}

std::optional<bool> AlertStore::clear(qint64 alertId, qint64 atMs, double value, QString *error)
{
    QSqlQuery *query = runPrepared(
        QStringLiteral("UPDATE alerts SET cleared_at = ?, cleared_value = ? WHERE id = ?"
                       " AND cleared_at IS NULL"),
        {atMs, value, alertId}, error);
    if (!query)
        return std::nullopt;
    const bool changed = query->numRowsAffected() > 0;
    query->finish();
    return changed;
}

AlertStore::Alert AlertStore::alertFrom(const QSqlQuery &query)
{
    Alert alert;
    alert.id = query.value(0).toLongLong();
    alert.ruleId = query.value(1).toLongLong();
    alert.ruleName = query.value(2).toString();
    alert.uuid = query.value(3).toString();
    alert.deviceName = query.value(4).toString();
    alert.interface = query.value(5).toString();
    alert.metric = query.value(6).toString();
    alert.severity = query.value(7).toString();
    alert.summary = query.value(8).toString();
    alert.raisedAt = query.value(9).toLongLong();
    alert.raisedValue = query.value(10).toDouble();
    alert.clearedAt = optionalLong(query.value(11));
    if (!query.value(12).isNull())
        alert.clearedValue = query.value(12).toDouble();
    alert.acknowledgedAt = optionalLong(query.value(13));
    alert.acknowledgedBy = query.value(14).toString();
    alert.silencedUntil = query.value(15).toLongLong();
    return alert;
}

std::optional<QList<AlertStore::Alert>> AlertStore::alerts(
    const AlertFilter &filter, QString *error) const
{
    QString sql = QStringLiteral("SELECT %1%2 WHERE 1 = 1")
                      .arg(QLatin1String(kAlertColumns), QLatin1String(kAlertJoin));
    QVariantList values;
    if (filter.firingOnly)
        sql += QStringLiteral(" AND a.cleared_at IS NULL");
    if (filter.deviceId > 0) {
        sql += QStringLiteral(" AND a.device = ?");
        values << filter.deviceId;
    }
    sql += QStringLiteral(" ORDER BY a.raised_at DESC, a.id DESC LIMIT ?");
    values << filter.limit;
    QSqlQuery query(m_db);
    if (!run(query, sql, values, error))
        return std::nullopt;
    QList<Alert> list;
    while (query.next())
        list.append(alertFrom(query));
    return list;
}

std::optional<AlertStore::Alert> AlertStore::alert(qint64 id, QString *error) const
{
    QSqlQuery *query
        = runPrepared(QStringLiteral("SELECT %1%2 WHERE a.id = ?")
                          .arg(QLatin1String(kAlertColumns), QLatin1String(kAlertJoin)),
            {id}, error);
    if (!query)
        return std::nullopt;
    std::optional<Alert> alert;
    if (query->next())
        alert = alertFrom(*query);
    else
        error->clear();
    query->finish();
    return alert;
}

std::optional<bool> AlertStore::acknowledge(
    qint64 id, const QString &by, qint64 atMs, QString *error)
{
    QSqlQuery query(m_db);
    if (!run(query,
            QStringLiteral("UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ?"
                           " WHERE id = ?"),
            {atMs, text(by.left(64)), id}, error))
        return std::nullopt;
    return query.numRowsAffected() > 0;
}

std::optional<bool> AlertStore::silence(qint64 id, qint64 untilMs, QString *error)
{
    QSqlQuery query(m_db);
    if (!run(query, QStringLiteral("UPDATE alerts SET silenced_until = ? WHERE id = ?"),
            {untilMs, id}, error))
        return std::nullopt;
    return query.numRowsAffected() > 0;
}

bool AlertStore::setMaintenance(qint64 deviceId, qint64 untilMs, QString *error)
{
    QSqlQuery query(m_db);
    return run(query, QStringLiteral("UPDATE devices SET maintenance_until = ? WHERE id = ?"),
        {untilMs, deviceId}, error);
}

bool AlertStore::setLabels(qint64 deviceId, const Labels &labels, const QString &source,
    QString *error, bool ownTransaction)
{
    if (ownTransaction && !m_db.transaction()) {
        *error = m_db.lastError().text();
        return false;
    }
    QSqlQuery query(m_db);
    bool ok
        = run(query, QStringLiteral("DELETE FROM device_labels WHERE device = ? AND source = ?"),
            {deviceId, source}, error);
    const bool user = source == QLatin1String("user");
    for (auto it = labels.cbegin(); ok && it != labels.cend(); ++it) {
        ok = run(query,
            QStringLiteral("INSERT INTO device_labels (device, name, value, source)"
                           " VALUES (?, ?, ?, ?) ON CONFLICT (device, name) DO ")
                + (user ? QStringLiteral("UPDATE SET value = excluded.value, source = 'user'")
                        : QStringLiteral("NOTHING")),
            {deviceId, it.key(), text(it.value()), source}, error);
    }
    if (!ownTransaction)
        return ok;
    if (ok && m_db.commit())
        return true;
    if (ok)
        *error = m_db.lastError().text();
    m_db.rollback();
    return false;
}

} // namespace dmr::console
