// SPDX-License-Identifier: MIT
#pragma once

#include "alerts/AlertRequest.h"
#include "alerts/AlertStore.h"
#include "alerts/Presence.h"
#include "alerts/RuleEngine.h"
#include "ingest/AcceptedReport.h"
#include "store/DeviceChange.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <functional>
#include <memory>

class QTimer;

namespace dmr::console {

class Database;
class Notifier;
class StoreReader;

// Alerting for the whole console, on a thread of its own: follows every
// accepted report and the clock, keeps presence and outages, evaluates the
// rules, stores the alerts and hands them to the notifier; answers the REST
// API's alerting requests. The window and the web page hear of changes by
// its signals.
class AlertService : public QObject
{
    Q_OBJECT
public:
    using Clock = std::function<qint64()>;

    struct Options
    {
        QString databasePath;
        int offlineAfterSeconds = 60;
        int tickMs = 500; // offline within a second of its threshold
    };

    AlertService(Options options, Clock clock = {}, QObject *parent = nullptr);
    ~AlertService() override;

    // On the alerting thread. Opens its connection, loads rules and devices.
    bool start(QString *error);
    void stop();

    Notifier *notifier() const { return m_notifier.get(); }
    // Whether this console judges online and offline (presence, outages, the
    // offline rule): on SQLite always; on PostgreSQL, where several
    // collectors share the database, the one that holds the presence lock.
    bool isPresenceLeader() const { return m_presenceLeader; }
    AlertReply handle(const AlertRequest &request);

    // What fires now, for the window and the web page.
    struct Firing
    {
        qint64 alertId = 0;
        QString uuid;
        QString summary;
        Severity severity = Severity::Warning;
        qint64 since = 0;
        QString metric; // the rule's metric (the window colours its cell)
    };

public slots:
    void reportsAccepted(const QList<AcceptedReport> &reports);
    void deviceChanged(const DeviceChangeResult &result);
    void tick();
    // firingChanged() again, for a window that connected after start.
    void publishAgain();

signals:
    // Alerts raised, cleared, acknowledged or silenced (JSON as GET
    // /api/alerts/ gives them), a batch at a time.
    void alertsChanged(const QJsonArray &alerts);
    // A device's labels changed: the agent's (--label) or a person's.
    void labelsChanged(const QString &uuid, const QMap<QString, QString> &labels);
    // After every change: firing alerts per device, worst first.
    void firingChanged(const QList<AlertService::Firing> &firing);

private:
    class Batch;
    // Writes what was evaluated in one transaction, waiting at most waitMs
    // for the database (the store writer holds it for long stretches under
    // load); when it cannot, keeps it all and tries again soon.
    void flush(int waitMs = kFlushWaitMs);
    void flushSoon();
    // Whether the connection can be written to: open, or opened again (at
    // most once a second) after the PostgreSQL server went away.
    bool reconnected();
    static constexpr int kFlushWaitMs = 50;
    static constexpr int kFlushSoonMs = 100;
    static constexpr int kRequestWaitMs = 2000; // a REST request's answer
    void apply(const QList<AlertEvent> &events);
    // presenceToo: every device's presence as the database has it, not only
    // the new devices'.
    void reloadDevices(bool presenceToo = false);
    // PostgreSQL: each collector hears only its own agents, so one of them,
    // the holder of a session advisory lock on its alerting connection,
    // judges presence for the fleet from devices.last_seen, which all of
    // them write. Asked every tick: when the holder's connection goes, so
    // does its lock, and another collector takes over.
    static constexpr qint64 kPresenceLockKey = 0x646d72'70726573; // "dmrpres"
    void updatePresenceLeader();
    void becomePresenceLeader();
    void refreshPresence(qint64 at);
    void deviceBack(const Presence::Change &change, qint64 at);
    QString summaryOf(const AlertEvent &event) const;
    QJsonObject alertJson(const AlertStore::Alert &alert) const;
    QJsonObject presenceJson(const AlertStore::Device &device, QString *error);
    void publishFiring();
    void loadFiring(const QList<AlertStore::Alert> &open);
    // Every alert firing now, as stored.
    std::optional<QList<AlertStore::Alert>> firingAlerts(QString *error) const;
    qint64 now() const;

    AlertReply rulesRequest(const AlertRequest &request);
    AlertReply alertsRequest(const AlertRequest &request);
    AlertReply deviceRequest(const AlertRequest &request);

    Options m_options;
    Clock m_clock;
    std::unique_ptr<Database> m_database;
    std::unique_ptr<AlertStore> m_store;
    std::unique_ptr<StoreReader> m_reader;
    std::unique_ptr<Notifier> m_notifier;
    RuleEngine m_engine;
    Presence m_presence;
    QHash<QString, AlertStore::Device> m_devices; // by uuid
    // Firing alerts' ids by rule, device and interface.
    QHash<QString, qint64> m_open;
    QList<AlertEvent> m_unstored; // raised before the writer stored their device
    QList<AlertEvent> m_pending; // evaluated, not yet written (flush())
    struct OutageChange
    {
        QString uuid;
        bool started = false; // else ended
        qint64 at = 0;
    };
    QList<OutageChange> m_outages; // to store at the next flush, in order
    bool m_flushSoon = false;
    qint64 m_deferredFlushes = 0; // in a row: the database was busy
    QElapsedTimer m_lastReopen;
    QHash<QString, Labels> m_agentLabels; // as the agents last sent them
    QHash<QString, Labels> m_labelUpdates; // to store at the next flush
    void storeLabels();
    bool m_shared = false; // PostgreSQL: other collectors may write the database too
    bool m_presenceLeader = false;
    bool m_presenceLockFailing = false; // logged once
    QTimer *m_timer = nullptr;
    bool m_firingDirty = false;
    QHash<qint64, Firing> m_firing; // what fires now, by alert id
};

} // namespace dmr::console

Q_DECLARE_METATYPE(dmr::console::AlertService::Firing)
