// SPDX-License-Identifier: MIT
#pragma once

#include "ingest/AcceptedReport.h"
#include "ingest/DeviceAdoption.h"
#include "ingest/StoredRun.h"
#include "store/DeviceChange.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QSqlQuery>
#include <functional>
#include <memory>
#include <vector>

class QTimer;

namespace dmr::console {

class BulkInsert;
class Compactor;
class Retention;
class Database;
class NetworkRollup;
class PartitionManager;
class SystemRollup;
class ReportQueue;
struct IngestCounters;

// Moves accepted reports from the queue into the database. Lives on its own
// thread with its own connection (opened in start()), and writes in batched
// transactions with prepared multi-row INSERTs. A failed transaction puts its
// reports back in the queue and is retried; nothing accepted is thrown away
// unless the queue overflows, which is counted as dropped.
class StoreWriter : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        QString databasePath;
        int flushIntervalMs = 1000;
        int maxReportsPerTransaction = 100000;
        int retryIntervalMs = 1000;
        // Closes devices' history into compact chunks between batches
        // (Compactor); off only for tests of the row tables themselves and
        // for --store-maintenance off. Retention and the budget need it.
        bool compact = true;
        qint64 compactGraceMs = 10 * 60 * 1000;
        // Retention (Retention); 0 keeps for ever.
        qint64 keepRawMs = 0;
        qint64 keepMinuteMs = 0;
        qint64 keepHourMs = 0;
        qint64 maxDbBytes = 0; // disk budget (Retention::Limits::maxBytes); 0: none
        // Free pages kept for the next inserts (16 MB of 4 KB pages); beyond
        // them compaction's and retention's pages go back to the file system.
        qint64 keptFreePages = 4096;
        // Devices neither seen nor created for this long, while the writer
        // ran this long too, are deleted; 0: never.
        qint64 forgetAfterMs = 0;
        std::function<qint64()> clock; // default: the system's
    };

    StoreWriter(
        Options options, ReportQueue *queue, IngestCounters *counters, QObject *parent = nullptr);
    ~StoreWriter() override;

    // Opens the connection and starts the flush timer; call on the writer's thread.
    bool open(QString *error);
    // Writes everything queued now; used at shutdown. Returns false if a write failed.
    bool flushAll();
    // Closes windows into chunks and applies retention for up to budgetMs
    // (all there is when negative), each step in its own transaction. False
    // on a database error.
    bool compact(qint64 budgetMs, QString *error);
    // Renames, deletes or merges devices (DeviceLifecycle), in one
    // transaction; call on the writer's thread. Reports of a deleted device
    // still on their way are dropped, a merged one's go to the device it was
    // merged into; the views learn of it from deviceChanged().
    DeviceChangeResult changeDevice(const DeviceChange &change);
    void stop();

signals:
    void healthChanged(bool healthy, const QString &error);
    // After each transaction: the runs it added to, as now stored. Only
    // built while something is connected.
    void runsStored(const QList<StoredRun> &runs);
    // The disk budget deleted history: the last step as a sentence, and the
    // steps since the signal before (at most one signal every 10 s).
    void budgetDeleted(const QString &what, qint64 steps);
    // Closing a backlog of history into chunks (a database from before
    // chunks, or after a long stop): raw rows moved of those found on
    // open, a few times a second; done == total once it is all closed.
    void compactionProgress(qint64 done, qint64 total);
    // Every change to the devices, done or not (the caller of changeDevice()
    // finds its own by DeviceChange::id); also each device forgotten after
    // forgetAfterMs, as a Delete with `forgotten` set.
    void deviceChanged(const DeviceChangeResult &result);
    // After a commit: devices this console took for new that another console
    // on the same database had registered; the stored uuid is theirs now.
    void devicesAdopted(const QList<DeviceAdoption> &adoptions);

private:
    void flushSome();
    bool writeBatch(std::vector<AcceptedReport> &batch, QString *error);
    bool upsertDevices(const std::vector<AcceptedReport> &batch,
        const QHash<QString, StoredRun> &stored, QString *error);
    // The runs of `batch`'s devices once it is stored, by uuid.
    QHash<QString, StoredRun> storedAfter(const std::vector<AcceptedReport> &batch) const;
    bool insertSystem(const std::vector<AcceptedReport> &batch, QString *error);
    bool insertNetwork(const std::vector<AcceptedReport> &batch, QString *error);
    // hardware_metrics: a row per report with any hardware (agents 0.2.0+).
    bool insertHardware(const std::vector<AcceptedReport> &batch, QString *error);
    bool prepare(QString *error);
    // Destroys every statement prepare() made, before their connection goes.
    void releasePrepared();
    // The devices' ids and stored runs as the database has them.
    bool loadStored(QString *error);
    // The connection to a PostgreSQL server went away: whether it is back,
    // opened again with every statement prepared anew. What the writer
    // keeps of the devices is read again, and reports of the batch in
    // flight that the server committed after all are taken off the queue.
    bool reconnect(QString *error);
    bool connectionLost() const;
    // A write failed on a lost connection: unhealthy, and the next try later.
    void noteConnectionLost(const QString &error, std::size_t queued);
    void releaseFreePages(qint64 pages);
    void setHealthy(bool healthy, const QString &error);
    qint64 now() const;
    // Deletes the devices unseen for forgetAfterMs, a device per transaction.
    void forgetUnseen();
    // PostgreSQL: creates the coming days' partitions and drops those
    // retention has wholly expired, at open and then hourly (a minute after
    // a failure).
    void maintainPartitions();
    // What the writer keeps in memory of a device that is gone: its reports
    // still queued are dropped (reportsGoTo 0) or written to the device it was
    // merged into.
    void dropDevice(qint64 id, const QString &uuid, qint64 reportsGoTo);

    Options m_options;
    ReportQueue *m_queue;
    IngestCounters *m_counters;
    std::unique_ptr<Database> m_database;
    QTimer *m_timer = nullptr;
    QHash<QString, qint64> m_ids; // uuid -> devices.id
    QList<DeviceAdoption> m_adoptions; // of the open transaction
    QHash<QString, StoredRun> m_stored; // uuid -> its current run's stored sequences
    std::unique_ptr<BulkInsert> m_systemMany, m_systemOne, m_networkMany, m_networkOne;
    std::unique_ptr<BulkInsert> m_hardwareMany, m_hardwareOne;
    std::vector<std::unique_ptr<SystemRollup>> m_rollups; // minute, hour
    std::unique_ptr<NetworkRollup> m_networkRollup;
    std::unique_ptr<Compactor> m_compactor;
    std::unique_ptr<Retention> m_retention;
    qint64 m_retainedRows = 0; // since the last progress line
    // Maintenance time earned by writing while behind (kBehindMaintenanceShare);
    // negative after a step overran its slice.
    qint64 m_maintenanceCreditMs = 0;
    QElapsedTimer m_lastBudgetCheck;
    QElapsedTimer m_lastBudgetLog; // the last budgetDeleted signal
    QElapsedTimer m_lastBudgetLine;
    qint64 m_budgetDeletions = 0; // since the last line about them
    QString m_lastBudgetDeletion;
    qint64 m_backlogRows = 0; // raw rows found on open; 0: no backlog worth showing
    qint64 m_backlogDone = 0;
    QElapsedTimer m_lastProgress;
    qint64 m_compactedWindows = 0; // since the last progress line
    qint64 m_compactedRows = 0;
    QElapsedTimer m_lastCompactionLog;
    std::unique_ptr<QSqlQuery> m_insertDevice, m_selectDevice, m_updateDevice;
    QHash<QString, qint64> m_gone; // uuid of a deleted or merged device -> where its reports go
    // uuid of a device merged into -> its counters (received, lost) just
    // after, kept up until ingest's snapshots carry the merged device's too.
    QHash<QString, std::pair<qint64, qint64>> m_mergedCounters;
    QElapsedTimer m_lastForgetCheck;
    std::unique_ptr<PartitionManager> m_partitions; // PostgreSQL only
    QElapsedTimer m_lastPartitionCheck;
    bool m_partitionsFailed = false;
    qint64 m_openedAt = 0; // now() at open()
    bool m_healthy = true;
    QElapsedTimer m_connectionLostAt; // valid while the server is away
    int m_reconnectIntervalMs = 0; // doubles while it stays away
    QElapsedTimer m_lastErrorLog;
};

} // namespace dmr::console
