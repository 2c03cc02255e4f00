// SPDX-License-Identifier: MIT
#include "alerts/AlertService.h"

#include "alerts/AlertsLogging.h"
#include "alerts/Notifier.h"
#include "store/Database.h"
#include "store/SqlConnection.h"
#include "store/StoreReader.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QScopeGuard>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QTimer>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <utility>

namespace dmr::console {

namespace {

std::atomic<int> g_instances {0};

QString openKey(qint64 ruleId, const QString &uuid, const QString &interface)
{
    return QString::number(ruleId) + QLatin1Char('/') + uuid + QLatin1Char('/') + interface;
}

QString number(double value)
{
    return QString::number(value, 'f', std::abs(value) >= 100 ? 0 : 1);
}

QString duration(qint64 ms)
{
    const qint64 s = ms / 1000;
    if (s < 120)
        return QStringLiteral("%1 s").arg(s);
    if (s < 7200)
        return QStringLiteral("%1 min").arg(s / 60);
    return QStringLiteral("%1 h").arg(s / 3600);
}

// The uptime windows of presence: 24 h, 7 days, 30 days.
constexpr std::array<std::pair<const char *, qint64>, 3> kUptimeWindows
    = {{{"24h", 86400000LL}, {"7d", 7 * 86400000LL}, {"30d", 30 * 86400000LL}}};
constexpr int kHeartbeatMarks = 60;

} // namespace

AlertService::AlertService(Options options, Clock clock, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_clock(std::move(clock))
    , m_presence(m_options.offlineAfterSeconds)
{
    qRegisterMetaType<AlertService::Firing>();
    qRegisterMetaType<QList<AlertService::Firing>>();
}

AlertService::~AlertService()
{
    stop();
}

qint64 AlertService::now() const
{
    return m_clock ? m_clock() : QDateTime::currentMSecsSinceEpoch();
}

bool AlertService::start(QString *error)
{
    const int instance = g_instances.fetch_add(1);
    m_database = std::make_unique<Database>(QStringLiteral("alerts-%1").arg(instance));
    if (!m_database->open(m_options.databasePath, error))
        return false;
    m_store = std::make_unique<AlertStore>(m_database->sql());
    m_reader = std::make_unique<StoreReader>(
        m_options.databasePath, QStringLiteral("alerts-reader-%1").arg(instance));
    if (!m_reader->open(error))
        return false;
    const std::optional<QList<Rule>> rules = m_store->rules(error);
    if (!rules)
        return false;
    m_engine.setRules(*rules, now());
    reloadDevices();
    // What fired when the console stopped keeps firing until it clears.
    const std::optional<QList<AlertStore::Alert>> open = firingAlerts(error);
    if (!open)
        return false;
    for (const AlertStore::Alert &alert : *open) {
        m_engine.restoreFiring(
            alert.ruleId, alert.uuid, alert.interface, alert.raisedAt, alert.raisedValue);
        m_open.insert(openKey(alert.ruleId, alert.uuid, alert.interface), alert.id);
    }
    loadFiring(*open);
    m_notifier = std::make_unique<Notifier>(m_database->sql(), m_clock);
    if (!m_notifier->load(error))
        return false;
    m_shared = m_database->isPostgres();
    m_presenceLeader = !m_shared;
    if (m_shared)
        updatePresenceLeader();
    m_timer = new QTimer(this);
    m_timer->setInterval(m_options.tickMs);
    connect(m_timer, &QTimer::timeout, this, &AlertService::tick);
    m_timer->start();
    m_firingDirty = true;
    publishFiring();
    qCInfo(lcAlerts, "alerting: %lld rules, %lld alerts firing",
        static_cast<long long>(rules->size()), static_cast<long long>(open->size()));
    return true;
}

void AlertService::stop()
{
    if (m_timer) {
        m_timer->stop();
        delete m_timer;
        m_timer = nullptr;
    }
    // What was evaluated and not yet written: alerts, outages, attempts.
    if (m_store)
        flush(kRequestWaitMs);
    m_notifier.reset();
    m_reader.reset();
    m_store.reset();
    m_database.reset();
}

void AlertService::reloadDevices(bool presenceToo)
{
    QString error;
    const std::optional<QList<AlertStore::Device>> devices = m_store->devices(&error);
    if (!devices) {
        qCWarning(lcAlerts, "cannot read the devices: %s", qPrintable(error));
        return;
    }
    for (const AlertStore::Device &device : *devices) {
        const bool known = m_devices.contains(device.uuid);
        m_devices.insert(device.uuid, device);
        m_pending += m_engine.setLabels(device.uuid, device.labels, now());
        m_engine.setMaintenance(device.uuid, device.maintenanceUntil);
        if (known && !presenceToo)
            continue;
        Presence::Device presence;
        presence.lastSeen = device.lastSeen;
        presence.intervalMs = device.intervalMs;
        presence.maintenanceUntil = device.maintenanceUntil;
        presence.offline = device.openOutageStart > 0;
        presence.outageStart = device.openOutageStart;
        m_presence.restore(device.uuid, presence);
    }
}

// What one batch of reports or one tick changes is written in one
// transaction: a storm of alerts costs one commit (one fsync), not one each.
class AlertService::Batch
{
public:
    // SQLite: BEGIN IMMEDIATE takes the write lock at once, waiting for the
    // store writer's transaction (busy timeout). A deferred transaction that
    // reads first and then writes fails with "database is locked" when the
    // writer committed in between, and the alert is lost.
    // It waits at most waitMs for the lock: the alerting thread must go on
    // evaluating while the writer is busy, and tries again shortly.
    Batch(QSqlDatabase db, int waitMs)
        : m_db(std::move(db))
    {
        m_open = SqlConnection::beginWrite(m_db, waitMs, &m_error);
    }
    bool isOpen() const { return m_open; }
    const QString &error() const { return m_error; }
    ~Batch()
    {
        if (m_open && !m_db.commit()) {
            qCWarning(lcAlerts, "cannot commit alerting's changes: %s",
                qPrintable(m_db.lastError().text()));
            m_db.rollback();
        }
    }

private:
    QSqlDatabase m_db;
    bool m_open = false;
    QString m_error;
};

void AlertService::reportsAccepted(const QList<AcceptedReport> &reports)
{
    if (!m_store)
        return;
    // Evaluated at once, in memory; written at the next tick, with
    // everything else of that half second in one transaction: the store
    // writer holds the database's write lock for long stretches under load,
    // and alerting must not queue up behind it once per batch of reports.
    const qint64 at = now();
    for (const AcceptedReport &report : reports) {
        const QString &uuid = report.device.uuid;
        // The leader hears its own agents at once, the others' through the
        // database (refreshPresence()).
        if (m_presenceLeader) {
            if (const std::optional<Presence::Change> back
                = m_presence.seen(uuid, qint64(report.device.intervalSeconds) * 1000, at))
                deviceBack(*back, at);
        }
        m_pending += m_engine.observe(report, at);
        // Labels come whole in some reports (the first of a run, every 60th).
        if (!report.report.labels.empty()) {
            Labels labels;
            for (const auto &[name, value] : report.report.labels)
                labels.insert(QString::fromStdString(name), QString::fromStdString(value));
            const auto known = m_agentLabels.constFind(uuid);
            if (known == m_agentLabels.cend() || *known != labels) {
                m_agentLabels.insert(uuid, labels);
                m_labelUpdates.insert(uuid, labels);
            }
        }
    }
    if (!m_pending.isEmpty() || !m_labelUpdates.isEmpty())
        flushSoon(); // raised alerts go out within 100 ms, not at the next tick
}

void AlertService::flushSoon()
{
    if (m_flushSoon)
        return;
    m_flushSoon = true;
    QTimer::singleShot(kFlushSoonMs, this, [this] {
        m_flushSoon = false;
        flush();
    });
}

void AlertService::storeLabels()
{
    bool reloaded = false;
    QHash<QString, Labels> before;
    for (auto it = m_labelUpdates.begin(); it != m_labelUpdates.end();) {
        auto device = m_devices.constFind(it.key());
        if (device == m_devices.cend() && !reloaded) {
            reloadDevices();
            reloaded = true;
            device = m_devices.constFind(it.key());
        }
        if (device == m_devices.cend()) {
            ++it; // the writer has not stored the device yet
            continue;
        }
        QString error;
        if (!m_store->setLabels(device->id, *it, QStringLiteral("agent"), &error, false)) {
            // Kept, and tried again at the next flush.
            qCWarning(lcAlerts, "cannot store the labels of %s: %s", qPrintable(it.key()),
                qPrintable(error));
            ++it;
            continue;
        }
        before.insert(it.key(), device->labels);
        it = m_labelUpdates.erase(it);
    }
    if (before.isEmpty())
        return;
    reloadDevices();
    for (auto it = before.cbegin(); it != before.cend(); ++it) {
        const Labels now = m_devices.value(it.key()).labels;
        if (now != *it)
            emit labelsChanged(it.key(), now);
    }
}

void AlertService::flush(int waitMs)
{
    if (!m_store
        || (m_pending.isEmpty() && m_outages.isEmpty() && m_labelUpdates.isEmpty()
            && m_unstored.isEmpty() && !(m_notifier && m_notifier->hasUnstoredAttempts())))
        return;
    if (!reconnected()) {
        flushSoon();
        return;
    }
    const Batch batch(m_database->sql(), waitMs);
    if (!batch.isOpen()) {
        // Everything stays in memory, evaluated; written at the next try.
        if (m_deferredFlushes++ == 0)
            qCWarning(
                lcAlerts, "alerting's writes wait for the database: %s", qPrintable(batch.error()));
        flushSoon();
        return;
    }
    if (m_deferredFlushes > 0) {
        qCInfo(lcAlerts, "alerting's writes went through after %lld tries",
            static_cast<long long>(m_deferredFlushes));
        m_deferredFlushes = 0;
    }
    // Raised before the writer stored their device: try again.
    if (!m_unstored.isEmpty()) {
        reloadDevices();
        m_pending = std::exchange(m_unstored, {}) + m_pending;
    }
    if (m_notifier)
        m_notifier->storeAttempts();
    if (!m_labelUpdates.isEmpty())
        storeLabels();
    // Outages in the order they began and ended.
    for (const OutageChange &change : std::as_const(m_outages)) {
        auto device = m_devices.constFind(change.uuid);
        if (device == m_devices.cend() && change.started) {
            reloadDevices();
            device = m_devices.constFind(change.uuid);
        }
        if (device == m_devices.cend())
            continue;
        QString error;
        const bool ok = change.started ? m_store->openOutage(device->id, change.at, &error)
                                       : m_store->closeOutage(device->id, change.at, &error);
        if (!ok)
            qCWarning(lcAlerts, "cannot record the outage of %s: %s", qPrintable(change.uuid),
                qPrintable(error));
    }
    m_outages.clear();
    apply(std::exchange(m_pending, {}));
}

bool AlertService::reconnected()
{
    if (!m_database->isPostgres() || m_database->sql().isOpen())
        return true;
    if (m_lastReopen.isValid() && m_lastReopen.elapsed() < 1000)
        return false;
    m_lastReopen.start();
    // Dropped before the new connection exists: QPSQL deallocates a
    // statement as its query goes, which would fail a transaction there.
    m_store->forgetPrepared();
    QString error;
    if (!m_database->reopen(&error)) {
        if (m_deferredFlushes++ == 0)
            qCWarning(lcAlerts, "alerting's writes wait for the database: %s", qPrintable(error));
        return false;
    }
    qCInfo(lcAlerts, "alerting reconnected to the database");
    return true;
}

void AlertService::tick()
{
    if (!m_store)
        return;
    // Evaluated in memory; one transaction, only when there is something to write.
    const qint64 at = now();
    if (m_shared)
        updatePresenceLeader();
    if (m_presenceLeader) {
        if (m_shared)
            refreshPresence(at);
        for (const Presence::Change &change : m_presence.tick(at)) {
            m_outages.append({change.uuid, true, change.at});
            m_pending += m_engine.presence(change.uuid, change.at, at);
        }
    }
    m_pending += m_engine.tick(at);
    flush();
    m_notifier->tick();
    publishFiring();
}

void AlertService::deviceBack(const Presence::Change &change, qint64 at)
{
    m_outages.append({change.uuid, false, change.at});
    m_pending += m_engine.presence(change.uuid, 0, at);
}

void AlertService::updatePresenceLeader()
{
    QString error;
    const std::optional<bool> held
        = SqlConnection::holdAdvisoryLock(m_database->sql(), kPresenceLockKey, &error);
    if (!held && !m_presenceLockFailing)
        qCWarning(lcAlerts, "cannot ask for the presence lock: %s", qPrintable(error));
    m_presenceLockFailing = !held;
    const bool leader = held.value_or(false);
    if (leader == m_presenceLeader)
        return;
    m_presenceLeader = leader;
    if (!leader) {
        // The connection went, and the lock with it: another collector
        // judges presence now.
        qCWarning(lcAlerts, "no longer judging presence for the fleet: %s",
            error.isEmpty() ? "the presence lock is gone" : qPrintable(error));
        return;
    }
    qCInfo(lcAlerts, "judging presence for the fleet (this collector holds the presence lock)");
    becomePresenceLeader();
}

void AlertService::becomePresenceLeader()
{
    // Presence as the previous leader left it (open outages, last reports),
    // not as this collector last judged it.
    reloadDevices(true);
    QString error;
    const std::optional<QList<AlertStore::Alert>> open = firingAlerts(&error);
    if (!open) {
        qCWarning(lcAlerts, "cannot read the alerts firing: %s", qPrintable(error));
        return;
    }
    // The offline alerts the previous leader raised clear here, when their
    // devices come back; those this collector still counts as firing and
    // another leader cleared meanwhile end quietly.
    QSet<QString> openOffline;
    for (const AlertStore::Alert &alert : *open) {
        if (alert.metric != QLatin1String("offline"))
            continue;
        const QString key = openKey(alert.ruleId, alert.uuid, alert.interface);
        openOffline.insert(key);
        if (m_open.value(key) == alert.id)
            continue;
        m_engine.restoreFiring(
            alert.ruleId, alert.uuid, alert.interface, alert.raisedAt, alert.raisedValue);
        m_open.insert(key, alert.id);
        m_firing.insert(alert.id,
            {alert.id, alert.uuid, alert.summary,
                Rule::severityFrom(alert.severity).value_or(Severity::Warning), alert.raisedAt,
                alert.metric});
    }
    for (auto it = m_open.begin(); it != m_open.end();) {
        const qint64 ruleId = it.key().section(QLatin1Char('/'), 0, 0).toLongLong();
        const auto rule = std::find_if(m_engine.rules().cbegin(), m_engine.rules().cend(),
            [ruleId](const Rule &r) { return r.id == ruleId; });
        if (openOffline.contains(it.key()) || rule == m_engine.rules().cend()
            || !rule->isOffline()) {
            ++it;
            continue;
        }
        m_engine.endFiring(ruleId, it.key().section(QLatin1Char('/'), 1, 1),
            it.key().section(QLatin1Char('/'), 2));
        m_firing.remove(*it);
        m_notifier->forget(*it);
        it = m_open.erase(it);
    }
    m_firingDirty = true;
}

void AlertService::refreshPresence(qint64 at)
{
    // One read of every device's last report, whichever collector heard it.
    QString error;
    const std::optional<QList<AlertStore::Seen>> seen = m_store->seen(0, &error);
    if (!seen) {
        qCWarning(lcAlerts, "cannot read when the devices were last seen: %s", qPrintable(error));
        return;
    }
    bool reloaded = false;
    for (const AlertStore::Seen &device : *seen) {
        if (!reloaded && !m_devices.contains(device.uuid)) {
            // Registered by another collector: its labels, its presence.
            reloadDevices();
            reloaded = true;
        }
        const Presence::Device known = m_presence.devices().value(device.uuid);
        // Maintenance a person set through another collector.
        if (device.maintenanceUntil != known.maintenanceUntil) {
            m_presence.setMaintenance(device.uuid, device.maintenanceUntil);
            m_engine.setMaintenance(device.uuid, device.maintenanceUntil);
            const auto stored = m_devices.find(device.uuid);
            if (stored != m_devices.end())
                stored->maintenanceUntil = device.maintenanceUntil;
        }
        if (device.lastSeen <= known.lastSeen)
            continue;
        if (const std::optional<Presence::Change> back
            = m_presence.seen(device.uuid, device.intervalMs, device.lastSeen))
            deviceBack(*back, at);
    }
}

QString AlertService::summaryOf(const AlertEvent &event) const
{
    const auto device = m_devices.constFind(event.uuid);
    const QString name = device != m_devices.cend() ? device->name : event.uuid;
    const Rule &rule = event.rule;
    if (event.kind == AlertEvent::Kind::Cleared) {
        if (rule.name.isEmpty())
            return QStringLiteral("%1: alert ended (its rule was removed)").arg(name);
        if (rule.isOffline())
            return QStringLiteral("%1 is back online").arg(name);
        return QStringLiteral("%1: %2 cleared (%3%4 %5)")
            .arg(name, rule.name, rule.metric,
                event.interface.isEmpty() ? QString() : QLatin1Char(' ') + event.interface,
                number(event.value));
    }
    if (rule.isOffline())
        return QStringLiteral("%1 is offline").arg(name);
    QString text
        = QStringLiteral("%1: %2: %3%4 %5 %6 %7")
              .arg(name, rule.name, rule.metric,
                  event.interface.isEmpty() ? QString() : QLatin1Char(' ') + event.interface,
                  number(event.value),
                  rule.comparison == Rule::Comparison::Above ? QStringLiteral(">")
                                                             : QStringLiteral("<"),
                  number(rule.raise));
    if (rule.forMs > 0)
        text += (rule.isLoss() ? QStringLiteral(" over ") : QStringLiteral(" for "))
            + duration(rule.forMs);
    return text;
}

namespace {

// The database was busy (SQLite's lock, PostgreSQL's lock timeout, a
// deadlock or a serialization failure): the event is tried again.
bool isRetryable(const QString &error)
{
    return error.contains(QLatin1String("locked")) || error.contains(QLatin1String("busy"))
        || error.contains(QLatin1String("lock timeout"))
        || error.contains(QLatin1String("deadlock"))
        || error.contains(QLatin1String("could not serialize"));
}

} // namespace

void AlertService::apply(const QList<AlertEvent> &events)
{
    QJsonArray changed;
    // PostgreSQL gives up a whole transaction at its first error: each event
    // there has a savepoint of its own, so that one refused event does not
    // undo the others the memory already counts as stored.
    const bool savepoints = m_database->isPostgres();
    QSqlQuery savepoint(m_database->sql());
    for (const AlertEvent &event : events) {
        const QString key = openKey(event.rule.id, event.uuid, event.interface);
        QString error;
        const QString summary = summaryOf(event);
        bool refused = false;
        if (savepoints)
            savepoint.exec(QStringLiteral("SAVEPOINT alert_event"));
        const auto settle = qScopeGuard([&] {
            if (savepoints)
                savepoint.exec(refused ? QStringLiteral("ROLLBACK TO SAVEPOINT alert_event")
                                       : QStringLiteral("RELEASE SAVEPOINT alert_event"));
        });
        if (event.kind == AlertEvent::Kind::Raised) {
            const auto device = m_devices.constFind(event.uuid);
            if (device == m_devices.cend()) {
                m_unstored.append(event);
                continue;
            }
            const std::optional<AlertStore::Raised> raised
                = m_store->raise(device->id, event, summary, &error);
            if (!raised) {
                qCWarning(lcAlerts, "cannot store an alert (%s): %s", qPrintable(summary),
                    qPrintable(error));
                refused = true;
                // A busy database is tried again shortly (PostgreSQL's lock
                // timeout comes at a statement, not at BEGIN).
                if (isRetryable(error)) {
                    m_unstored.append(event);
                    flushSoon();
                }
                continue;
            }
            const qint64 id = raised->id;
            m_open.insert(key, id);
            m_firingDirty = true;
            if (!raised->here) {
                // Another collector raised it first and announces it: this
                // one follows it, to clear it when its condition ends here.
                qCInfo(lcAlerts, "raised by another collector already: %s", qPrintable(summary));
                if (const std::optional<AlertStore::Alert> stored = m_store->alert(id, &error)) {
                    m_firing.insert(id,
                        {id, event.uuid, stored->summary,
                            Rule::severityFrom(stored->severity).value_or(Severity::Warning),
                            stored->raisedAt, stored->metric});
                    changed.append(alertJson(*stored));
                }
                continue;
            }
            qCInfo(lcAlerts, "%s: %s", qPrintable(Rule::severityName(event.rule.severity)),
                qPrintable(summary));
            m_notifier->add(event, summary, device->name, id);
            // As stored, without reading it back: a storm raises thousands.
            AlertStore::Alert stored;
            stored.id = id;
            stored.ruleId = event.rule.id;
            stored.ruleName = event.rule.name;
            stored.uuid = event.uuid;
            stored.deviceName = device->name;
            stored.interface = event.interface;
            stored.metric = event.rule.metric;
            stored.severity = Rule::severityName(event.rule.severity);
            stored.summary = summary.left(512);
            stored.raisedAt = event.at;
            stored.raisedValue = event.value;
            changed.append(alertJson(stored));
            m_firing.insert(id,
                {id, event.uuid, stored.summary, event.rule.severity, event.at, event.rule.metric});
        } else {
            const auto open = m_open.constFind(key);
            if (open == m_open.cend())
                continue;
            const qint64 id = *open;
            const std::optional<bool> cleared = m_store->clear(id, event.at, event.value, &error);
            if (!cleared) {
                qCWarning(lcAlerts, "cannot clear alert %lld: %s", static_cast<long long>(id),
                    qPrintable(error));
                refused = true;
                // A busy database is tried again shortly (PostgreSQL's lock
                // timeout comes at a statement, not at BEGIN).
                if (isRetryable(error)) {
                    m_unstored.append(event);
                    flushSoon();
                }
                continue;
            }
            m_open.erase(open);
            m_firing.remove(id);
            m_firingDirty = true;
            // On PostgreSQL the collector whose clear ended it announces it;
            // on SQLite the one console does, as it always did.
            if (!*cleared && m_shared) {
                qCInfo(lcAlerts, "resolved by another collector already: %s", qPrintable(summary));
                m_notifier->forget(id);
                if (const std::optional<AlertStore::Alert> stored = m_store->alert(id, &error))
                    changed.append(alertJson(*stored));
                continue;
            }
            qCInfo(lcAlerts, "resolved: %s", qPrintable(summary));
            const std::optional<AlertStore::Alert> stored = m_store->alert(id, &error);
            if (stored) {
                // The stored alert says which rule it was, even if the rule is gone.
                AlertEvent ended = event;
                ended.rule.severity
                    = Rule::severityFrom(stored->severity).value_or(Severity::Warning);
                if (ended.rule.metric.isEmpty())
                    ended.rule.metric = stored->metric;
                m_notifier->add(ended, summary, stored->deviceName, id);
                changed.append(alertJson(*stored));
            }
        }
        m_firingDirty = true;
    }
    if (!changed.isEmpty())
        emit alertsChanged(changed);
}

void AlertService::publishAgain()
{
    m_firingDirty = true;
    publishFiring();
}

std::optional<QList<AlertStore::Alert>> AlertService::firingAlerts(QString *error) const
{
    AlertStore::AlertFilter filter;
    filter.firingOnly = true;
    filter.limit = 100000;
    return m_store->alerts(filter, error);
}

void AlertService::loadFiring(const QList<AlertStore::Alert> &open)
{
    m_firing.clear();
    for (const AlertStore::Alert &alert : open) {
        m_firing.insert(alert.id,
            {alert.id, alert.uuid, alert.summary,
                Rule::severityFrom(alert.severity).value_or(Severity::Warning), alert.raisedAt,
                alert.metric});
    }
    m_firingDirty = true;
}

void AlertService::publishFiring()
{
    if (!m_firingDirty || !m_store)
        return;
    m_firingDirty = false;
    // From memory (apply() keeps m_firing): a busy fleet changes what fires
    // every tick, and reading it all back each time cost more than the rules.
    QList<Firing> firing = m_firing.values();
    std::sort(firing.begin(), firing.end(), [](const Firing &a, const Firing &b) {
        return a.severity != b.severity
            ? a.severity > b.severity
            : (a.since != b.since ? a.since > b.since : a.alertId > b.alertId);
    });
    emit firingChanged(firing);
}

void AlertService::deviceChanged(const DeviceChangeResult &result)
{
    if (!result.done())
        return;
    const DeviceChange &change = result.change;
    const auto forget = [this](const QString &uuid) {
        m_engine.forget(uuid);
        m_presence.forget(uuid);
        m_devices.remove(uuid);
        for (auto it = m_open.begin(); it != m_open.end();)
            it = it.key().section(QLatin1Char('/'), 1, 1) == uuid ? m_open.erase(it)
                                                                  : std::next(it);
        // Nothing of it waits to be written any more.
        const auto ofIt = [&uuid](const AlertEvent &event) { return event.uuid == uuid; };
        m_unstored.removeIf(ofIt);
        m_pending.removeIf(ofIt);
        m_outages.removeIf([&uuid](const OutageChange &change) { return change.uuid == uuid; });
        m_labelUpdates.remove(uuid);
        m_agentLabels.remove(uuid);
    };
    switch (change.kind) {
    case DeviceChange::Kind::Delete:
        forget(change.uuid);
        break;
    case DeviceChange::Kind::Merge:
        forget(change.from);
        break;
    case DeviceChange::Kind::Rename:
        break;
    }
    reloadDevices();
    // The store deleted or moved the alerts of the device that went.
    QString error;
    const std::optional<QList<AlertStore::Alert>> open = firingAlerts(&error);
    if (!open) {
        qCWarning(lcAlerts, "cannot read the alerts firing: %s", qPrintable(error));
        return;
    }
    QList<AlertStore::Alert> kept;
    for (const AlertStore::Alert &alert : *open) {
        const QString key = openKey(alert.ruleId, alert.uuid, alert.interface);
        const qint64 known = m_open.value(key);
        if (known == 0) {
            // Moved here with a merged device's history: it fires on as this
            // device's, and clears when its condition does.
            m_engine.restoreFiring(
                alert.ruleId, alert.uuid, alert.interface, alert.raisedAt, alert.raisedValue);
            m_open.insert(key, alert.id);
        } else if (known != alert.id) {
            // The device it joined fires for the same rule: one alert is enough.
            if (!m_store->clear(alert.id, now(), alert.raisedValue, &error))
                qCWarning(lcAlerts, "cannot clear alert %lld: %s", static_cast<long long>(alert.id),
                    qPrintable(error));
            continue;
        }
        kept.append(alert);
    }
    loadFiring(kept);
}

QJsonObject AlertService::alertJson(const AlertStore::Alert &alert) const
{
    QJsonObject object {{QStringLiteral("id"), double(alert.id)},
        {QStringLiteral("rule_id"), double(alert.ruleId)}, {QStringLiteral("rule"), alert.ruleName},
        {QStringLiteral("device"), alert.uuid}, {QStringLiteral("device_name"), alert.deviceName},
        {QStringLiteral("interface"), alert.interface}, {QStringLiteral("metric"), alert.metric},
        {QStringLiteral("severity"), alert.severity}, {QStringLiteral("summary"), alert.summary},
        {QStringLiteral("state"),
            alert.clearedAt ? QStringLiteral("resolved") : QStringLiteral("firing")},
        {QStringLiteral("raised_at"), AlertJson::time(alert.raisedAt)},
        {QStringLiteral("raised_value"), alert.raisedValue},
        {QStringLiteral("cleared_at"),
            alert.clearedAt ? AlertJson::time(*alert.clearedAt) : QJsonValue()},
        {QStringLiteral("cleared_value"),
            alert.clearedValue ? QJsonValue(*alert.clearedValue) : QJsonValue()},
        {QStringLiteral("acknowledged_at"),
            alert.acknowledgedAt ? AlertJson::time(*alert.acknowledgedAt) : QJsonValue()},
        {QStringLiteral("acknowledged_by"),
            alert.acknowledgedAt ? QJsonValue(alert.acknowledgedBy) : QJsonValue()},
        {QStringLiteral("silenced_until"),
            alert.silencedUntil > now() ? AlertJson::time(alert.silencedUntil) : QJsonValue()}};
    return object;
}

QJsonObject AlertService::presenceJson(const AlertStore::Device &device, QString *error)
{
    const qint64 at = now();
    Presence::Device presence = m_presence.devices().value(device.uuid);
    if (!m_presenceLeader) {
        // Another collector judges presence: the database's word, which
        // every collector keeps, not this one's own agents alone.
        const std::optional<QList<AlertStore::Seen>> seen = m_store->seen(device.id, error);
        if (!seen)
            return {};
        if (!seen->isEmpty()) {
            presence.lastSeen = seen->first().lastSeen;
            presence.intervalMs = seen->first().intervalMs;
            presence.maintenanceUntil = seen->first().maintenanceUntil;
        }
    }
    QJsonObject uptime;
    for (const auto &[name, windowMs] : kUptimeWindows) {
        // Of the window, the part since the device was first known.
        const qint64 from = std::max(at - windowMs, device.createdAt);
        if (at <= from) {
            uptime.insert(QLatin1String(name), QJsonValue());
            continue;
        }
        const std::optional<qint64> offline = m_store->offlineMs(device.id, from, at, error);
        if (!offline)
            return {};
        uptime.insert(QLatin1String(name),
            std::round(10000.0 * (1.0 - double(*offline) / double(at - from))) / 100.0);
    }
    QJsonArray outages;
    const std::optional<QList<AlertStore::Outage>> list
        = m_store->outages(device.id, at - 30 * 86400000LL, 50, error);
    if (!list)
        return {};
    for (const AlertStore::Outage &outage : *list) {
        outages.append(QJsonObject {{QStringLiteral("start"), AlertJson::time(outage.start)},
            {QStringLiteral("end"), outage.end ? AlertJson::time(*outage.end) : QJsonValue()},
            {QStringLiteral("seconds"), double((outage.end.value_or(at) - outage.start) / 1000)}});
    }
    // One mark per expected report over the last kHeartbeatMarks intervals:
    // arrived, lost (none came while the device was up) or missing (it was
    // offline), oldest first.
    const qint64 interval = std::max<qint64>(1000, presence.intervalMs);
    const qint64 start = at - kHeartbeatMarks * interval;
    std::vector<bool> arrived(kHeartbeatMarks, false);
    if (!m_reader->forEachSystemRow(
            device.id, start, at + 1,
            [&](const QVariantList &row) {
                const qint64 slot = (row.at(0).toLongLong() - start) / interval;
                if (slot >= 0 && slot < kHeartbeatMarks)
                    arrived[std::size_t(slot)] = true;
                return true;
            },
            error))
        return {};
    QJsonArray heartbeat;
    for (int i = 0; i < kHeartbeatMarks; ++i) {
        const qint64 slotStart = start + i * interval;
        bool down = false;
        for (const AlertStore::Outage &outage : *list)
            down = down
                || (outage.start < slotStart + interval && outage.end.value_or(at) > slotStart);
        QString mark;
        if (arrived[std::size_t(i)])
            mark = QStringLiteral("arrived");
        else if (slotStart + interval <= device.createdAt)
            mark = QStringLiteral("none"); // before the device was known
        else if (down)
            mark = QStringLiteral("missing");
        else if (slotStart + interval > at - interval / 2)
            mark = QStringLiteral("pending"); // may still be on its way
        else
            mark = QStringLiteral("lost");
        heartbeat.append(mark);
    }
    return {{QStringLiteral("device"), device.uuid},
        {QStringLiteral("state"),
            presenceName(Presence::stateOf(presence, at, m_options.offlineAfterSeconds))},
        {QStringLiteral("last_seen"), AlertJson::time(presence.lastSeen)},
        {QStringLiteral("maintenance_until"),
            device.maintenanceUntil > at ? AlertJson::time(device.maintenanceUntil) : QJsonValue()},
        {QStringLiteral("uptime_percent"), uptime}, {QStringLiteral("outages"), outages},
        {QStringLiteral("heartbeat_interval_seconds"), double(interval / 1000)},
        {QStringLiteral("heartbeat"), heartbeat}};
}

AlertReply AlertService::handle(const AlertRequest &request)
{
    if (!m_store)
        return AlertJson::error(503, QStringLiteral("alerting is not running"));
    // What was evaluated is answered; a read does not wait long for the
    // database (a window's device view asks every few seconds).
    flush(request.method == "GET" ? kFlushWaitMs : kRequestWaitMs);
    const QString head = request.path.value(0);
    if (head == QLatin1String("rules"))
        return rulesRequest(request);
    if (head == QLatin1String("alerts"))
        return alertsRequest(request);
    if (head == QLatin1String("devices"))
        return deviceRequest(request);
    if (head == QLatin1String("channels") || head == QLatin1String("notifications"))
        return m_notifier->handle(request);
    return AlertJson::error(404, QStringLiteral("no such resource"));
}

AlertReply AlertService::rulesRequest(const AlertRequest &request)
{
    QString error;
    const QByteArray &method = request.method;
    const bool one = request.path.size() == 2;
    bool numeric = false;
    const qint64 id = one ? request.path.at(1).toLongLong(&numeric) : 0;
    if (request.path.size() > 2 || (one && !numeric))
        return AlertJson::error(404, QStringLiteral("no such rule"));
    const auto rules = m_store->rules(&error);
    if (!rules)
        return AlertJson::error(500, error);
    const auto found = std::find_if(
        rules->cbegin(), rules->cend(), [id](const Rule &rule) { return rule.id == id; });
    if (one && found == rules->cend())
        return AlertJson::error(404, QStringLiteral("no rule %1").arg(id));
    if (method == "GET") {
        if (one)
            return AlertJson::reply(200, found->toJson());
        QJsonArray list;
        for (const Rule &rule : *rules)
            list.append(rule.toJson());
        return AlertJson::reply(200, list);
    }
    const auto reload = [this]() {
        QString e;
        if (const auto fresh = m_store->rules(&e))
            apply(m_engine.setRules(*fresh, now()));
        m_firingDirty = true;
    };
    if (method == "DELETE" && one) {
        if (!m_store->deleteRule(id, &error))
            return AlertJson::error(500, error);
        reload();
        return {204, {}};
    }
    if ((method == "POST" && !one) || (method == "PUT" && one)) {
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(request.body, &parseError);
        if (!document.isObject())
            return AlertJson::error(400,
                QStringLiteral("the body must be a JSON object: %1")
                    .arg(parseError.error == QJsonParseError::NoError ? QStringLiteral("not one")
                                                                      : parseError.errorString()));
        std::optional<Rule> rule = Rule::fromJson(document.object(), &error, one ? *found : Rule());
        if (!rule)
            return AlertJson::error(400, error);
        if (!rule->deviceUuid.isEmpty() && !m_devices.contains(rule->deviceUuid))
            reloadDevices();
        if (!rule->deviceUuid.isEmpty() && !m_devices.contains(rule->deviceUuid))
            return AlertJson::error(400, QStringLiteral("no device %1").arg(rule->deviceUuid));
        if (one) {
            rule->id = id;
            if (!m_store->updateRule(*rule, now(), &error))
                return AlertJson::error(500, error);
        } else {
            const std::optional<qint64> created = m_store->insertRule(*rule, now(), &error);
            if (!created)
                return AlertJson::error(500, error);
            rule->id = *created;
        }
        reload();
        qCInfo(lcAlerts, "rule %lld (%s) %s", static_cast<long long>(rule->id),
            qPrintable(rule->name), one ? "changed" : "created");
        return AlertJson::reply(one ? 200 : 201, rule->toJson());
    }
    return AlertJson::error(
        405, QStringLiteral("%1 is not allowed here").arg(QString::fromLatin1(method)));
}

AlertReply AlertService::alertsRequest(const AlertRequest &request)
{
    QString error;
    if (request.path.size() == 1 && request.method == "GET") {
        AlertStore::AlertFilter filter;
        const QString state = request.query.queryItemValue(QStringLiteral("state"));
        if (!state.isEmpty() && state != QLatin1String("firing") && state != QLatin1String("all"))
            return AlertJson::error(400, QStringLiteral("state is firing or all"));
        filter.firingOnly = state != QLatin1String("all");
        const QString uuid = request.query.queryItemValue(QStringLiteral("device"));
        if (!uuid.isEmpty()) {
            const auto device = m_devices.constFind(uuid);
            if (device == m_devices.cend())
                return AlertJson::error(404, QStringLiteral("no device %1").arg(uuid));
            filter.deviceId = device->id;
        }
        if (request.query.hasQueryItem(QStringLiteral("limit"))) {
            bool ok = false;
            filter.limit = request.query.queryItemValue(QStringLiteral("limit")).toInt(&ok);
            if (!ok || filter.limit < 1 || filter.limit > 10000)
                return AlertJson::error(400, QStringLiteral("limit is 1 to 10000"));
        }
        const auto alerts = m_store->alerts(filter, &error);
        if (!alerts)
            return AlertJson::error(500, error);
        QJsonArray list;
        for (const AlertStore::Alert &alert : *alerts)
            list.append(alertJson(alert));
        return AlertJson::reply(200, list);
    }
    bool numeric = false;
    const qint64 id = request.path.value(1).toLongLong(&numeric);
    if (!numeric || request.path.size() > 3)
        return AlertJson::error(404, QStringLiteral("no such alert"));
    const std::optional<AlertStore::Alert> alert = m_store->alert(id, &error);
    if (!alert)
        return error.isEmpty() ? AlertJson::error(404, QStringLiteral("no alert %1").arg(id))
                               : AlertJson::error(500, error);
    const QString action = request.path.value(2);
    if (action.isEmpty() && request.method == "GET")
        return AlertJson::reply(200, alertJson(*alert));
    if (request.method != "POST"
        || (action != QLatin1String("ack") && action != QLatin1String("silence")))
        return AlertJson::error(404, QStringLiteral("POST /api/alerts/{id}/ack/ or /silence/"));
    const QJsonObject body = QJsonDocument::fromJson(request.body).object();
    if (action == QLatin1String("ack")) {
        const QString by = body.value(QLatin1String("by")).toString(request.user).left(64);
        if (!m_store->acknowledge(id, by.isEmpty() ? QStringLiteral("api") : by, now(), &error))
            return AlertJson::error(500, error);
        m_notifier->acknowledged(id);
    } else {
        const double minutes = body.value(QLatin1String("minutes")).toDouble(-1);
        if (!(minutes >= 0 && minutes <= 30 * 1440))
            return AlertJson::error(
                400, QStringLiteral("{\"minutes\": N}, 0 (unsilence) to 43200"));
        if (!m_store->silence(id, minutes > 0 ? now() + qint64(minutes * 60000) : 0, &error))
            return AlertJson::error(500, error);
    }
    m_firingDirty = true;
    const std::optional<AlertStore::Alert> changed = m_store->alert(id, &error);
    if (!changed)
        return AlertJson::error(500, error);
    emit alertsChanged(QJsonArray {alertJson(*changed)});
    return AlertJson::reply(200, alertJson(*changed));
}

AlertReply AlertService::deviceRequest(const AlertRequest &request)
{
    const QString uuid = request.path.value(1);
    auto device = m_devices.find(uuid);
    if (device == m_devices.end()) {
        reloadDevices();
        device = m_devices.find(uuid);
    }
    if (device == m_devices.end())
        return AlertJson::error(404, QStringLiteral("no device %1").arg(uuid));
    const QString what = request.path.value(2);
    QString error;
    if (what == QLatin1String("presence") && request.method == "GET") {
        const QJsonObject presence = presenceJson(*device, &error);
        return presence.isEmpty() ? AlertJson::error(500, error) : AlertJson::reply(200, presence);
    }
    if (what == QLatin1String("labels")) {
        if (request.method == "PUT") {
            const QJsonDocument document = QJsonDocument::fromJson(request.body);
            const QJsonValue labels = document.object().value(QLatin1String("labels"));
            if (!labels.isObject())
                return AlertJson::error(
                    400, QStringLiteral("{\"labels\": {\"name\": \"value\", ...}}"));
            // Taken pair by pair (not through the selector's text form), so
            // that a value may hold a comma.
            Labels parsed;
            const QJsonObject object = labels.toObject();
            for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
                if (!it.value().isString())
                    return AlertJson::error(400, QStringLiteral("label values are strings"));
                const QString name = it.key().trimmed();
                const QString value = it.value().toString().trimmed();
                if (!Rule::checkLabel(name, value, &error))
                    return AlertJson::error(400, error);
                parsed.insert(name, value);
            }
            if (!m_store->setLabels(device->id, parsed, QStringLiteral("user"), &error))
                return AlertJson::error(500, error);
            // A person's label took the row of the agent's of that name; once
            // the person drops it, the agent's comes back (known for agents
            // heard since the console started).
            const auto agent = m_agentLabels.constFind(uuid);
            if (agent != m_agentLabels.cend()
                && !m_store->setLabels(device->id, *agent, QStringLiteral("agent"), &error))
                return AlertJson::error(500, error);
            reloadDevices();
            flush(); // the alerts of rules that no longer target it end
            device = m_devices.find(uuid);
            emit labelsChanged(uuid, device->labels);
        } else if (request.method != "GET") {
            return AlertJson::error(405, QStringLiteral("GET or PUT"));
        }
        const auto object = [](const Labels &labels) {
            QJsonObject json;
            for (auto it = labels.cbegin(); it != labels.cend(); ++it)
                json.insert(it.key(), it.value());
            return json;
        };
        // Both: what the device carries, and what of it a person may edit
        // (the rest comes from the agent and is replaced by its next report).
        return AlertJson::reply(200,
            QJsonObject {{QStringLiteral("labels"), object(device->labels)},
                {QStringLiteral("user_labels"), object(device->userLabels)}});
    }
    if (what == QLatin1String("maintenance") && request.method == "PUT") {
        const QJsonObject body = QJsonDocument::fromJson(request.body).object();
        qint64 until = 0;
        const QJsonValue minutes = body.value(QLatin1String("minutes"));
        const QJsonValue end = body.value(QLatin1String("until"));
        if (minutes.isDouble() && minutes.toDouble() >= 0 && minutes.toDouble() <= 366 * 1440) {
            until = minutes.toDouble() > 0 ? now() + qint64(minutes.toDouble() * 60000) : 0;
        } else if (end.isString()) {
            const QDateTime parsed = QDateTime::fromString(end.toString(), Qt::ISODateWithMs);
            if (!parsed.isValid())
                return AlertJson::error(400, QStringLiteral("until is an ISO 8601 time"));
            until = parsed.toMSecsSinceEpoch();
        } else if (!end.isNull()) {
            return AlertJson::error(
                400, QStringLiteral("{\"minutes\": N} (0 ends it) or {\"until\": \"ISO time\"}"));
        }
        if (!m_store->setMaintenance(device->id, until, &error))
            return AlertJson::error(500, error);
        device->maintenanceUntil = until;
        m_engine.setMaintenance(uuid, until);
        m_presence.setMaintenance(uuid, until);
        qCInfo(lcAlerts, "%s: maintenance %s", qPrintable(device->name),
            until > 0 ? qPrintable(QStringLiteral("until ") + AlertJson::time(until).toString())
                      : "ended");
        return AlertJson::reply(200,
            QJsonObject {{QStringLiteral("maintenance_until"),
                until > 0 ? AlertJson::time(until) : QJsonValue()}});
    }
    return AlertJson::error(404, QStringLiteral("no such resource"));
}

} // namespace dmr::console
