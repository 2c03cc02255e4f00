// SPDX-License-Identifier: MIT
#include "store/StoreWriter.h"

#include "dmr/Codec.h"
#include "ingest/IngestCounters.h"
#include "ingest/ReportQueue.h"
#include "store/BulkInsert.h"
#include "store/Compactor.h"
#include "store/Database.h"
#include "store/DeviceLifecycle.h"
#include "store/NetworkRollup.h"
#include "store/PartitionManager.h"
#include "store/Retention.h"
#include "store/SqlConnection.h"
#include "store/StoreLogging.h"
#include "store/SystemRollup.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QMetaMethod>
#include <QSqlError>
#include <QThread>
#include <QTimer>
#include <algorithm>
#include <cmath>
#include <limits>

namespace dmr::console {

namespace {

// Rows per multi-row INSERT; fewer statements per transaction is most of the
// speed QtSql can give.
constexpr int kRowsPerStatement = 16;
// Work done per timer tick before the event loop gets a turn.
constexpr qint64 kTickBudgetMs = 250;
// Compaction per tick once the queue is empty.
constexpr qint64 kCompactBudgetMs = 100;
// Raw rows found on open beyond which closing them is shown as progress.
constexpr qint64 kBacklogRows = 200000;
// While the queue is not empty, compaction, retention and the disk budget
// still get this share of the writer's time: a writer that never catches up
// (a fleet beyond its capacity, a slow disk) must still keep the database
// compact and within its budget. Ingest keeps the rest.
constexpr double kBehindMaintenanceShare = 0.1;
// Slices shorter than this are not worth a compaction step; longer credit
// than this is not kept (one long write must not stall ingest for long).
constexpr qint64 kMinMaintenanceSliceMs = 20;
constexpr qint64 kMaxMaintenanceCreditMs = 1000;
// While the database server is away, reconnecting is tried at the retry
// interval, doubled after each failure up to this.
constexpr int kMaxReconnectIntervalMs = 5000;
// Reports in a transaction while writes fail (the store is unhealthy).
constexpr int kRetryReports = 250;

const QStringList kSystemColumns = {QStringLiteral("device"), QStringLiteral("ts"),
    QStringLiteral("cpu_percent"), QStringLiteral("memory_percent"),
    QStringLiteral("memory_used_kb"), QStringLiteral("memory_total_kb"),
    QStringLiteral("disk_percent"), QStringLiteral("disk_used_kb"), QStringLiteral("disk_total_kb"),
    QStringLiteral("disk_available_kb"), QStringLiteral("load_1"), QStringLiteral("load_5"),
    QStringLiteral("load_15"), QStringLiteral("uptime_seconds"), QStringLiteral("run_id"),
    QStringLiteral("sequence")};
const int kSystemColumnCount = int(kSystemColumns.size());
const QStringList kNetworkColumns
    = {QStringLiteral("device"), QStringLiteral("ts"), QStringLiteral("interface"),
        QStringLiteral("ip_address"), QStringLiteral("mac_address"), QStringLiteral("rx_bytes"),
        QStringLiteral("tx_bytes"), QStringLiteral("rx_packets"), QStringLiteral("tx_packets")};
const int kNetworkColumnCount = int(kNetworkColumns.size());
const QStringList kHardwareColumns
    = {QStringLiteral("device"), QStringLiteral("ts"), QStringLiteral("body")};
const int kHardwareColumnCount = int(kHardwareColumns.size());

// SQL has no unsigned 64-bit type; counters never get near 2^63 in practice.
qint64 toSql(quint64 value)
{
    return static_cast<qint64>(std::min<quint64>(value, std::numeric_limits<qint64>::max()));
}

// stored_sequence and stored_above of a device's row: what is on disk of its
// current run (nothing, if the run has just changed and none of it is).
void bindStored(QSqlQuery &query, int first, const StoredRun &run, const DeviceSnapshot &device)
{
    const bool current = run.runId == device.runId;
    query.bindValue(first, current ? toSql(run.window.contiguous()) : 0);
    // Not null: the column is NOT NULL, and an empty map is "".
    const QByteArray hex = current ? run.window.toHex() : QByteArray();
    query.bindValue(
        first + 1, hex.isEmpty() ? QString(QLatin1String("")) : QString::fromLatin1(hex));
}

} // namespace

StoreWriter::StoreWriter(
    Options options, ReportQueue *queue, IngestCounters *counters, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_queue(queue)
    , m_counters(counters)
{ }

StoreWriter::~StoreWriter()
{
    stop();
}

bool StoreWriter::open(QString *error)
{
    const QString name = QStringLiteral("store-writer-%1")
                             .arg(reinterpret_cast<quintptr>(QThread::currentThread()), 0, 16);
    m_database = std::make_unique<Database>(name);
    if (!m_database->open(m_options.databasePath, error) || !m_database->migrate(error)
        || !prepare(error)) {
        m_database.reset();
        return false;
    }
    if (!loadStored(error)) {
        stop();
        return false;
    }
    m_openedAt = now();
    m_timer = new QTimer(this);
    m_timer->setInterval(m_options.flushIntervalMs);
    connect(m_timer, &QTimer::timeout, this, &StoreWriter::flushSome);
    m_timer->start();
    m_lastErrorLog.start();
    if (m_options.compact) {
        m_compactor = std::make_unique<Compactor>(m_database->sql(), m_options.compactGraceMs);
        // What an earlier run, or a database from before chunks, left as rows.
        QString scanError;
        if (!m_compactor->scanAll(&scanError))
            qCWarning(lcStore, "cannot look for history to compact: %s", qPrintable(scanError));
        // A backlog worth showing progress for: more raw rows than a few
        // hours of a fleet leave open.
        QSqlQuery count(m_database->sql());
        if (m_compactor->pending()
            && count.exec(QStringLiteral("SELECT (SELECT COUNT(*) FROM system_metrics)"
                                         " + (SELECT COUNT(*) FROM network_metrics)"))
            && count.next() && count.value(0).toLongLong() >= kBacklogRows) {
            m_backlogRows = count.value(0).toLongLong();
            qCInfo(lcStore, "%lld rows of history to close into chunks, in the background",
                static_cast<long long>(m_backlogRows));
        }
        m_lastCompactionLog.start();
        if (m_options.keepRawMs > 0 || m_options.keepMinuteMs > 0 || m_options.keepHourMs > 0
            || m_options.maxDbBytes > 0) {
            std::function<qint64()> clock = m_options.clock;
            if (!clock)
                clock = [] { return QDateTime::currentMSecsSinceEpoch(); };
            m_retention = std::make_unique<Retention>(m_database->sql(),
                Retention::Limits {m_options.keepRawMs, m_options.keepMinuteMs,
                    m_options.keepHourMs, m_options.maxDbBytes},
                clock);
            for (const auto &[device, newest] : m_compactor->newest())
                m_retention->noteNewest(device, newest);
        }
    }
    if (m_database->isPostgres()) {
        m_partitions = std::make_unique<PartitionManager>(m_database->sql());
        maintainPartitions();
    }
    qCInfo(lcStore, "writing to %s", qPrintable(m_options.databasePath));
    return true;
}

bool StoreWriter::loadStored(QString *error)
{
    QSqlQuery query(m_database->sql());
    query.setForwardOnly(true);
    if (!query.exec(QStringLiteral(
            "SELECT uuid, id, device_id, run_id, stored_sequence, stored_above FROM devices"))) {
        *error = QStringLiteral("cannot read devices: %1").arg(query.lastError().text());
        return false;
    }
    // Rows replace what is kept; a device merged away has no row, and its
    // reports keep going where they went.
    while (query.next()) {
        const QString uuid = query.value(0).toString();
        m_ids.insert(uuid, query.value(1).toLongLong());
        StoredRun &run = m_stored[uuid];
        run.deviceId = query.value(2).toString();
        run.runId = quint32(query.value(3).toLongLong());
        run.window = SequenceWindow::fromHex(
            query.value(4).toULongLong(), query.value(5).toString().toLatin1());
    }
    return true;
}

bool StoreWriter::connectionLost() const
{
    return m_connectionLostAt.isValid()
        || (m_database && m_database->isPostgres() && !m_database->sql().isOpen());
}

void StoreWriter::noteConnectionLost(const QString &error, std::size_t queued)
{
    const QString why = error.simplified().isEmpty() ? QStringLiteral("the server does not answer")
                                                     : error.simplified();
    if (!m_connectionLostAt.isValid()) {
        m_connectionLostAt.start();
        m_reconnectIntervalMs = m_options.retryIntervalMs;
        qCCritical(lcStore,
            "database connection lost, keeping %zu reports queued and reconnecting: %s", queued,
            qPrintable(why));
    }
    setHealthy(false, QStringLiteral("database connection lost: %1; retrying").arg(why));
}

bool StoreWriter::reconnect(QString *error)
{
    // The statements go first: QPSQL deallocates a statement when its query
    // is destroyed, which on the new connection would fail its transaction.
    releasePrepared();
    if (!m_database->reopen(error) || !prepare(error) || !loadStored(error)) {
        releasePrepared();
        m_database->sql().close();
        return false;
    }
    // A commit the connection broke under may have been made all the same:
    // its reports are in their device's stored window now, and must not be
    // written twice. (Ingest never queues a report already stored.)
    std::vector<AcceptedReport> front
        = m_queue->take(std::size_t(m_options.maxReportsPerTransaction));
    const std::size_t before = front.size();
    front.erase(std::remove_if(front.begin(), front.end(),
                    [this](const AcceptedReport &accepted) {
                        const auto run = m_stored.constFind(accepted.device.uuid);
                        return accepted.report.sequence != 0 && run != m_stored.cend()
                            && run->runId == accepted.report.runId
                            && run->window.contains(accepted.report.sequence);
                    }),
        front.end());
    if (before != front.size()) {
        qCInfo(lcStore, "%zu reports were committed before the connection was lost",
            before - front.size());
        m_counters->persisted.fetch_add(before - front.size(), std::memory_order_relaxed);
    }
    if (const std::size_t dropped = m_queue->pushFront(std::move(front)))
        m_counters->dropped.fetch_add(dropped, std::memory_order_relaxed);
    if (m_connectionLostAt.isValid())
        qCInfo(lcStore, "database connection back after %.1f s",
            double(m_connectionLostAt.elapsed()) / 1000.0);
    m_connectionLostAt.invalidate();
    return true;
}

void StoreWriter::releasePrepared()
{
    m_systemMany.reset();
    m_systemOne.reset();
    m_networkMany.reset();
    m_networkOne.reset();
    m_hardwareMany.reset();
    m_hardwareOne.reset();
    m_rollups.clear();
    m_networkRollup.reset();
    m_insertDevice.reset();
    m_selectDevice.reset();
    m_updateDevice.reset();
}

void StoreWriter::stop()
{
    if (m_timer) {
        m_timer->stop();
        delete m_timer;
        m_timer = nullptr;
    }
    releasePrepared();
    m_compactor.reset();
    m_retention.reset();
    m_partitions.reset();
    m_database.reset();
}

bool StoreWriter::prepare(QString *error)
{
    auto bulk = [this, error](std::unique_ptr<BulkInsert> &insert, const char *table,
                    const QStringList &columns, int rows) {
        insert = std::make_unique<BulkInsert>(
            m_database->sql(), QString::fromLatin1(table), columns, rows);
        return insert->prepare(error);
    };
    auto make = [this, error](std::unique_ptr<QSqlQuery> &query, const QString &sql) {
        query = std::make_unique<QSqlQuery>(m_database->sql());
        if (!query->prepare(sql)) {
            *error = QStringLiteral("cannot prepare %1: %2")
                         .arg(sql.left(60), query->lastError().text());
            return false;
        }
        return true;
    };
    m_rollups.clear();
    for (Tier tier : Tiers::kRollups) {
        m_rollups.push_back(std::make_unique<SystemRollup>(m_database->sql(), tier));
        if (!m_rollups.back()->prepare(error))
            return false;
    }
    m_networkRollup = std::make_unique<NetworkRollup>(m_database->sql());
    if (!m_networkRollup->prepare(error))
        return false;
    return bulk(m_systemMany, "system_metrics", kSystemColumns, kRowsPerStatement)
        && bulk(m_systemOne, "system_metrics", kSystemColumns, 1)
        && bulk(m_networkMany, "network_metrics", kNetworkColumns, kRowsPerStatement)
        && bulk(m_networkOne, "network_metrics", kNetworkColumns, 1)
        && bulk(m_hardwareMany, "hardware_metrics", kHardwareColumns, kRowsPerStatement)
        && bulk(m_hardwareOne, "hardware_metrics", kHardwareColumns, 1)
        && make(m_insertDevice,
            // Another console on the same database may have registered the
            // device first (several collectors on PostgreSQL): its row wins.
            QStringLiteral("INSERT INTO devices (uuid, device_id, hostname, agent_version,"
                           " interval_seconds, created_at, updated_at, last_seen,"
                           " reports_received, reports_lost, run_id, last_sequence,"
                           " stored_sequence, stored_above)"
                           " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                           " ON CONFLICT (device_id) DO NOTHING"))
        && make(m_selectDevice,
            QStringLiteral("SELECT id, uuid, reports_received, reports_lost, created_at"
                           " FROM devices WHERE device_id = ?"))
        && make(m_updateDevice,
            QStringLiteral("UPDATE devices SET hostname = ?, agent_version = ?,"
                           " interval_seconds = ?, updated_at = ?, last_seen = ?,"
                           " reports_received = ?, reports_lost = ?, run_id = ?,"
                           " last_sequence = ?, stored_sequence = ?, stored_above = ?"
                           " WHERE id = ?"));
}

void StoreWriter::setHealthy(bool healthy, const QString &error)
{
    if (healthy == m_healthy)
        return;
    m_healthy = healthy;
    if (healthy)
        qCInfo(lcStore, "writing to the database again");
    emit healthChanged(healthy, error);
}

void StoreWriter::flushSome()
{
    if (!m_database)
        return;
    if (connectionLost()) {
        QString error;
        if (!reconnect(&error)) {
            noteConnectionLost(error, m_queue->size());
            m_reconnectIntervalMs
                = std::min(std::max(m_options.retryIntervalMs, kMaxReconnectIntervalMs),
                    m_reconnectIntervalMs * 2);
            m_timer->start(m_reconnectIntervalMs);
            return;
        }
    }
    QElapsedTimer budget;
    budget.start();
    while (m_queue->size() > 0 && budget.elapsed() < kTickBudgetMs) {
        // While writes fail, a try is a small transaction: a failed one costs
        // little, and a good one says soon that the database is back.
        std::vector<AcceptedReport> batch = m_queue->take(
            std::size_t(m_healthy ? m_options.maxReportsPerTransaction
                                  : std::min(m_options.maxReportsPerTransaction, kRetryReports)));
        QString error;
        if (!writeBatch(batch, &error)) {
            m_counters->writeErrors.fetch_add(1, std::memory_order_relaxed);
            if (connectionLost()
                || SqlConnection::isConnectionLost(
                    m_database->sql(), m_database->sql().lastError())) {
                noteConnectionLost(error, batch.size() + m_queue->size());
                if (const std::size_t dropped = m_queue->pushFront(std::move(batch)))
                    m_counters->dropped.fetch_add(dropped, std::memory_order_relaxed);
                m_timer->start(m_reconnectIntervalMs);
                return;
            }
            error = Database::withFileSystemProblem(m_options.databasePath, error);
            // The first failure, then at most one line per 10 s while it lasts.
            if (m_healthy || m_lastErrorLog.elapsed() > 10000) {
                qCCritical(lcStore,
                    "cannot write to the database, keeping %zu reports queued and "
                    "retrying: %s",
                    batch.size() + m_queue->size(), qPrintable(error));
                m_lastErrorLog.restart();
            }
            setHealthy(false, error);
            if (const std::size_t dropped = m_queue->pushFront(std::move(batch)))
                m_counters->dropped.fetch_add(dropped, std::memory_order_relaxed);
            m_timer->start(m_options.retryIntervalMs);
            return;
        }
        setHealthy(true, QString());
    }
    const qint64 wroteMs = budget.elapsed();
    maintainPartitions();
    // The budget is looked at every 10 s: three pragmas.
    const bool budgetDue = m_options.maxDbBytes > 0
        && (!m_lastBudgetCheck.isValid() || m_lastBudgetCheck.elapsed() > 10000);
    if (m_compactor
        && (m_compactor->pending() || (m_retention && m_retention->pending()) || budgetDue)) {
        const bool behind = m_queue->size() > 0;
        qint64 sliceMs = kCompactBudgetMs;
        if (behind) {
            m_maintenanceCreditMs = std::min(kMaxMaintenanceCreditMs,
                m_maintenanceCreditMs
                    + qint64(
                        double(wroteMs) * kBehindMaintenanceShare / (1 - kBehindMaintenanceShare)));
            sliceMs = m_maintenanceCreditMs >= kMinMaintenanceSliceMs ? m_maintenanceCreditMs : 0;
        } else {
            m_maintenanceCreditMs = 0; // idle time is free
        }
        if (sliceMs > 0) {
            QElapsedTimer spent;
            spent.start();
            QString error;
            if (!compact(sliceMs, &error))
                qCWarning(lcStore, "compaction failed, will retry: %s", qPrintable(error));
            // A step that ran past its slice is paid back from later ticks.
            if (behind)
                m_maintenanceCreditMs
                    = std::max(-kMaxMaintenanceCreditMs, sliceMs - spent.elapsed());
        }
    } else {
        m_maintenanceCreditMs = 0;
    }
    // Unseen devices are looked for once a minute, when ingest has had its turn.
    if (m_options.forgetAfterMs > 0 && m_queue->size() == 0
        && (!m_lastForgetCheck.isValid() || m_lastForgetCheck.elapsed() > 60000))
        forgetUnseen();
    // A backlog of maintenance (a database from before chunks, retention
    // after a long stop) with nothing queued: the writer keeps at it with
    // a slice every 100 ms, about half a core, instead of a tenth of a
    // core once a second, and no later than that when new reports come.
    const bool maintenanceLeft = m_compactor && m_queue->size() == 0
        && (m_compactor->pending() || (m_retention && m_retention->pending()));
    const int interval = maintenanceLeft
        ? std::min<int>(m_options.flushIntervalMs, int(kCompactBudgetMs))
        : m_options.flushIntervalMs;
    if (m_timer->interval() != interval)
        m_timer->setInterval(interval);
    // Still behind: come back as soon as other events have had their turn.
    if (m_queue->size() > 0)
        QTimer::singleShot(0, this, &StoreWriter::flushSome);
}

// The pragma frees one page per step of its statement, and QtSql steps a
// statement without result columns only once: one page per exec. So the
// statement runs once per page, in one transaction.
void StoreWriter::releaseFreePages(qint64 pages)
{
    QSqlDatabase db = m_database->sql();
    QSqlQuery query(db);
    if (!db.transaction())
        return;
    query.prepare(QStringLiteral("PRAGMA incremental_vacuum(1)"));
    for (qint64 page = 0; page < pages; ++page) {
        if (!query.exec()) {
            qCWarning(
                lcStore, "giving free pages back failed: %s", qPrintable(query.lastError().text()));
            break;
        }
    }
    query.finish();
    if (!db.commit())
        db.rollback();
}

bool StoreWriter::compact(qint64 budgetMs, QString *error)
{
    if (!m_compactor)
        return true;
    QElapsedTimer budget;
    budget.start();
    bool ok = true;
    while (budgetMs < 0 || budget.elapsed() < budgetMs) {
        // Closing windows first: retention then deletes whole chunks.
        if (const std::optional<Compactor::Step> step = m_compactor->step(error)) {
            ++m_compactedWindows;
            m_compactedRows += step->rows;
            if (step->tier == Tier::Raw)
                m_backlogDone += step->rows;
            continue;
        }
        if (!error->isEmpty()) {
            ok = false;
            break;
        }
        const std::optional<qint64> deleted = m_retention ? m_retention->step(error) : std::nullopt;
        if (!deleted) {
            ok = error->isEmpty();
            break;
        }
        m_retainedRows += *deleted;
    }
    // Within the disk budget: the oldest raw windows of the fleet go, then
    // the oldest minutes, a step at a time.
    if (ok && m_retention && m_options.maxDbBytes > 0) {
        m_lastBudgetCheck.start();
        while (budgetMs < 0 || budget.elapsed() < budgetMs) {
            const std::optional<QString> deleted = m_retention->enforceBudget(error);
            if (!deleted) {
                ok = error->isEmpty();
                break;
            }
            ++m_budgetDeletions;
            m_lastBudgetDeletion = *deleted;
        }
        // The log, the window's status bar and /healthz say so, a line a
        // minute and a signal every 10 s at most.
        if (m_budgetDeletions > 0
            && (!m_lastBudgetLog.isValid() || m_lastBudgetLog.elapsed() > 10000)) {
            emit budgetDeleted(m_lastBudgetDeletion, m_budgetDeletions);
            if (!m_lastBudgetLine.isValid() || m_lastBudgetLine.elapsed() > 60000) {
                qCWarning(lcStore, "%s (%lld steps)", qPrintable(m_lastBudgetDeletion),
                    static_cast<long long>(m_budgetDeletions));
                m_lastBudgetLine.start();
            }
            m_budgetDeletions = 0;
            m_lastBudgetLog.start();
        }
    }
    if (ok) {
        // Give what deleted rows freed back, beyond a reserve for new rows.
        // (SQLite: PostgreSQL's autovacuum reuses the space, and retention
        // gives whole partitions back.)
        QSqlQuery query(m_database->sql());
        if (!m_database->isPostgres() && query.exec(QStringLiteral("PRAGMA freelist_count"))
            && query.next()) {
            qint64 spare = query.value(0).toLongLong() - m_options.keptFreePages;
            query.finish();
            // Moving pages takes time: a step of at most 8 MB in a tick.
            if (budgetMs >= 0)
                spare = std::min<qint64>(spare, 2048);
            if (spare > 0)
                releaseFreePages(spare);
        }
    }
    // Progress of a long compaction (a database from before chunks) in the
    // log, at most every 10 s, and to the window a few times a second.
    const bool backlogDone = m_backlogRows > 0 && !m_compactor->pending();
    if (m_backlogRows > 0
        && (backlogDone || !m_lastProgress.isValid() || m_lastProgress.elapsed() > 250)) {
        emit compactionProgress(
            backlogDone ? m_backlogRows : std::min(m_backlogDone, m_backlogRows), m_backlogRows);
        m_lastProgress.start();
    }
    if ((m_compactedWindows > 0 || m_retainedRows > 0)
        && (m_lastCompactionLog.elapsed() > 10000 || !m_compactor->pending())) {
        const QString share = m_backlogRows > 0
            ? QStringLiteral(" (%1 % of the backlog)")
                  .arg(backlogDone ? 100
                                   : 100 * std::min(m_backlogDone, m_backlogRows) / m_backlogRows)
            : QString();
        qCInfo(lcStore,
            "compacted %lld windows of history (%lld rows) into chunks%s%s; retention deleted "
            "%lld rows and chunks",
            static_cast<long long>(m_compactedWindows), static_cast<long long>(m_compactedRows),
            m_compactor->pending() ? ", more to go" : "", qPrintable(share),
            static_cast<long long>(m_retainedRows));
        m_compactedWindows = m_compactedRows = m_retainedRows = 0;
        m_lastCompactionLog.restart();
    }
    if (backlogDone)
        m_backlogRows = m_backlogDone = 0;
    return ok;
}

bool StoreWriter::flushAll()
{
    if (!m_database)
        return m_queue->size() == 0;
    for (int attempt = 0; m_queue->size() > 0;) {
        QString error;
        if (connectionLost() && !reconnect(&error)) {
            qCCritical(lcStore, "final flush: cannot reconnect: %s", qPrintable(error));
            if (++attempt >= 3)
                return false;
            QThread::msleep(200);
            continue;
        }
        std::vector<AcceptedReport> batch
            = m_queue->take(std::size_t(m_options.maxReportsPerTransaction));
        if (!writeBatch(batch, &error)) {
            m_counters->writeErrors.fetch_add(1, std::memory_order_relaxed);
            qCCritical(lcStore, "final flush failed: %s", qPrintable(error));
            m_queue->pushFront(std::move(batch));
            if (++attempt >= 3)
                return false;
            QThread::msleep(200);
        }
    }
    return true;
}

bool StoreWriter::writeBatch(std::vector<AcceptedReport> &batch, QString *error)
{
    if (!m_gone.isEmpty()) {
        // Accepted before ingest heard of the deletion: they go with their
        // device. Counted as persisted, which is what they would have been.
        const std::size_t before = batch.size();
        batch.erase(std::remove_if(batch.begin(), batch.end(),
                        [this](const AcceptedReport &accepted) {
                            return m_gone.value(accepted.device.uuid, -1) == 0;
                        }),
            batch.end());
        m_counters->persisted.fetch_add(before - batch.size(), std::memory_order_relaxed);
    }
    if (batch.empty())
        return true;
    QSqlDatabase &db = m_database->sql();
    if (!db.transaction()) {
        *error = db.lastError().text();
        return false;
    }
    const QHash<QString, qint64> idsBefore = m_ids;
    const auto mergedBefore = m_mergedCounters;
    QHash<QString, StoredRun> stored = storedAfter(batch);
    m_networkRollup->begin();
    if (!upsertDevices(batch, stored, error) || !insertSystem(batch, error)
        || !insertNetwork(batch, error) || !insertHardware(batch, error) || !db.commit()) {
        if (error->isEmpty())
            *error = db.lastError().text();
        db.rollback();
        m_ids = idsBefore; // rows inserted in the rolled-back transaction are gone
        m_mergedCounters = mergedBefore;
        m_networkRollup->rollback();
        m_adoptions.clear();
        return false;
    }
    m_counters->persisted.fetch_add(batch.size(), std::memory_order_relaxed);
    if (!m_adoptions.isEmpty()) {
        for (const DeviceAdoption &adoption : std::as_const(m_adoptions)) {
            // Reports under either uuid go to the one row.
            m_ids.insert(adoption.storedUuid, m_ids.value(adoption.localUuid));
            stored.insert(adoption.storedUuid, stored.value(adoption.localUuid));
            qCInfo(lcStore, "device %s was registered by another console: it is %s",
                qPrintable(adoption.deviceId), qPrintable(adoption.storedUuid));
        }
        emit devicesAdopted(std::exchange(m_adoptions, {}));
    }
    if (m_compactor) {
        QHash<qint64, qint64> newest; // device -> newest sample time in the batch
        for (const AcceptedReport &accepted : batch) {
            qint64 &ts = newest[m_ids.value(accepted.device.uuid)];
            ts = std::max(ts, qint64(accepted.report.sampleTimeMs));
        }
        for (auto it = newest.cbegin(); it != newest.cend(); ++it) {
            m_compactor->noteNewest(it.key(), it.value());
            if (m_retention)
                m_retention->noteNewest(it.key(), it.value());
        }
    }
    const bool announce = isSignalConnected(QMetaMethod::fromSignal(&StoreWriter::runsStored));
    QList<StoredRun> runs;
    for (auto it = stored.begin(); it != stored.end(); ++it) {
        if (announce && it->window.highest() > 0)
            runs.append(*it);
        m_stored.insert(it.key(), std::move(*it));
    }
    if (!runs.isEmpty())
        emit runsStored(runs);
    return true;
}

QHash<QString, StoredRun> StoreWriter::storedAfter(const std::vector<AcceptedReport> &batch) const
{
    QHash<QString, StoredRun> after;
    for (const AcceptedReport &accepted : batch) {
        const dmr::Report &report = accepted.report;
        auto it = after.find(accepted.device.uuid);
        if (it == after.end()) {
            it = after.insert(accepted.device.uuid, m_stored.value(accepted.device.uuid));
            it->deviceId = accepted.device.deviceId;
        }
        if (report.sequence == 0)
            continue; // over HTTP: not part of an agent run
        if (report.runId != it->runId) {
            // A report of an earlier run (resent late) leaves the current one alone.
            if (report.runId != accepted.device.runId)
                continue;
            it->runId = report.runId;
            it->window = SequenceWindow();
        }
        it->window.insert(report.sequence);
    }
    return after;
}

bool StoreWriter::upsertDevices(const std::vector<AcceptedReport> &batch,
    const QHash<QString, StoredRun> &stored, QString *error)
{
    // The newest snapshot of each device in the batch is what the row should say.
    QHash<QString, const DeviceSnapshot *> newest;
    for (const AcceptedReport &report : batch)
        newest.insert(report.device.uuid, &report.device);
    // In device_id order: two consoles writing the same devices to one
    // PostgreSQL then take their row locks in the same order, and neither
    // waits on the other in a circle (a deadlock fails a whole batch).
    std::vector<const DeviceSnapshot *> ordered(newest.cbegin(), newest.cend());
    std::sort(ordered.begin(), ordered.end(),
        [](const DeviceSnapshot *a, const DeviceSnapshot *b) { return a->deviceId < b->deviceId; });
    for (const DeviceSnapshot *device : ordered) {
        if (m_gone.contains(device->uuid))
            continue; // merged into another: its row is gone, its rows go there
        const auto id = m_ids.constFind(device->uuid);
        if (id == m_ids.constEnd()) {
            QSqlQuery &insert = *m_insertDevice;
            insert.bindValue(0, device->uuid);
            insert.bindValue(1, device->deviceId);
            insert.bindValue(2, device->hostname);
            insert.bindValue(3, device->agentVersion);
            insert.bindValue(4, device->intervalSeconds);
            insert.bindValue(5, device->createdAt);
            insert.bindValue(6, device->updatedAt);
            insert.bindValue(7, device->lastSeen);
            insert.bindValue(8, toSql(device->reportsReceived));
            insert.bindValue(9, toSql(device->reportsLost));
            insert.bindValue(10, qint64(device->runId));
            insert.bindValue(11, toSql(device->lastSequence));
            // storedAfter() holds every device of the batch.
            bindStored(insert, 12, *stored.constFind(device->uuid), *device);
            QSqlQuery &select = *m_selectDevice;
            select.bindValue(0, device->deviceId);
            if (!insert.exec() || !select.exec() || !select.next()) {
                *error = QStringLiteral("cannot add device %1: %2")
                             .arg(device->deviceId,
                                 insert.lastError().text() + select.lastError().text());
                return false;
            }
            const qint64 rowId = select.value(0).toLongLong();
            m_ids.insert(device->uuid, rowId);
            if (insert.numRowsAffected() == 0) {
                // Registered by another console: this one's uuid is an alias
                // of the stored one, which ingest takes on after the commit.
                DeviceAdoption adoption;
                adoption.deviceId = device->deviceId;
                adoption.localUuid = device->uuid;
                adoption.storedUuid = select.value(1).toString();
                adoption.reportsReceived = select.value(2).toULongLong();
                adoption.reportsLost = select.value(3).toULongLong();
                adoption.createdAt = select.value(4).toLongLong();
                m_adoptions.append(adoption);
            }
            select.finish();
            continue;
        }
        qint64 received = toSql(device->reportsReceived);
        qint64 lost = toSql(device->reportsLost);
        const auto merged = m_mergedCounters.find(device->uuid);
        if (merged != m_mergedCounters.end()) {
            // A snapshot from before ingest added the merged device's
            // counters must not take them back out of the row.
            if (received >= merged->first) {
                m_mergedCounters.erase(merged);
            } else {
                received = merged->first;
                lost = std::max(lost, merged->second);
            }
        }
        QSqlQuery &update = *m_updateDevice;
        update.bindValue(0, device->hostname);
        update.bindValue(1, device->agentVersion);
        update.bindValue(2, device->intervalSeconds);
        update.bindValue(3, device->updatedAt);
        update.bindValue(4, device->lastSeen);
        update.bindValue(5, received);
        update.bindValue(6, lost);
        update.bindValue(7, qint64(device->runId));
        update.bindValue(8, toSql(device->lastSequence));
        bindStored(update, 9, *stored.constFind(device->uuid), *device);
        update.bindValue(11, *id);
        if (!update.exec()) {
            *error = QStringLiteral("cannot update device %1: %2")
                         .arg(device->deviceId, update.lastError().text());
            return false;
        }
    }
    return true;
}

namespace {

// Binds rows kRowsPerStatement at a time, then the remainder one by one.
template<typename Row, typename Bind>
bool insertRows(
    BulkInsert &many, BulkInsert &one, const std::vector<Row> &rows, Bind bindRow, QString *error)
{
    std::size_t i = 0;
    for (; i + kRowsPerStatement <= rows.size(); i += kRowsPerStatement) {
        for (int row = 0; row < kRowsPerStatement; ++row)
            bindRow(many, row, rows[i + std::size_t(row)]);
        if (!many.exec(error))
            return false;
    }
    for (; i < rows.size(); ++i) {
        bindRow(one, 0, rows[i]);
        if (!one.exec(error))
            return false;
    }
    return true;
}

} // namespace

bool StoreWriter::insertSystem(const std::vector<AcceptedReport> &batch, QString *error)
{
    std::vector<const AcceptedReport *> rows;
    rows.reserve(batch.size());
    for (const AcceptedReport &accepted : batch) {
        if (accepted.hasSystem)
            rows.push_back(&accepted);
    }
    auto bindRow = [this](BulkInsert &insert, int row, const AcceptedReport *report) {
        const AcceptedReport &accepted = *report;
        const dmr::Report &r = accepted.report;
        const dmr::SystemSample &s = r.system;
        const int base = row * kSystemColumnCount;
        insert.bind(base + 0, m_ids.value(accepted.device.uuid));
        insert.bind(base + 1, qint64(r.sampleTimeMs));
        insert.bind(base + 2, s.cpuPercent);
        insert.bind(base + 3, s.memoryPercent());
        insert.bind(base + 4, toSql(s.memoryUsedKb));
        insert.bind(base + 5, toSql(s.memoryTotalKb));
        insert.bind(base + 6, s.diskPercent());
        insert.bind(base + 7, toSql(s.diskUsedKb));
        insert.bind(base + 8, toSql(s.diskTotalKb));
        insert.bind(base + 9, toSql(s.diskAvailableKb));
        insert.bind(base + 10, s.load1);
        insert.bind(base + 11, s.load5);
        insert.bind(base + 12, s.load15);
        insert.bind(base + 13, toSql(s.uptimeSeconds));
        insert.bind(base + 14, qint64(r.runId));
        insert.bind(base + 15, toSql(r.sequence));
    };
    if (!insertRows(*m_systemMany, *m_systemOne, rows, bindRow, error))
        return false;
    for (const std::unique_ptr<SystemRollup> &rollup : m_rollups) {
        for (const AcceptedReport *accepted : rows) {
            rollup->add(m_ids.value(accepted->device.uuid), qint64(accepted->report.sampleTimeMs),
                accepted->report.system);
        }
        if (!rollup->write(error))
            return false;
    }
    return true;
}

bool StoreWriter::insertNetwork(const std::vector<AcceptedReport> &batch, QString *error)
{
    struct Row
    {
        qint64 device;
        qint64 ts;
        const dmr::InterfaceSample *sample;
    };
    std::vector<Row> rows;
    rows.reserve(batch.size() * 2);
    for (const AcceptedReport &accepted : batch) {
        const qint64 device = m_ids.value(accepted.device.uuid);
        for (const dmr::InterfaceSample &sample : accepted.report.interfaces)
            rows.push_back({device, accepted.report.sampleTimeMs, &sample});
    }
    auto bindRow = [](BulkInsert &insert, int index, const Row &row) {
        const int base = index * kNetworkColumnCount;
        insert.bind(base + 0, row.device);
        insert.bind(base + 1, row.ts);
        insert.bind(base + 2, row.sample->name);
        insert.bind(base + 3, row.sample->ipAddress);
        insert.bind(base + 4, row.sample->macAddress);
        insert.bind(base + 5, toSql(row.sample->rxBytes));
        insert.bind(base + 6, toSql(row.sample->txBytes));
        insert.bind(base + 7, toSql(row.sample->rxPackets));
        insert.bind(base + 8, toSql(row.sample->txPackets));
    };
    if (!insertRows(*m_networkMany, *m_networkOne, rows, bindRow, error))
        return false;
    // Rates come from consecutive samples: in time order, whatever the arrival order.
    std::stable_sort(
        rows.begin(), rows.end(), [](const Row &a, const Row &b) { return a.ts < b.ts; });
    for (const Row &row : rows) {
        if (!m_networkRollup->add(row.device, row.ts, *row.sample, error))
            return false;
    }
    return m_networkRollup->write(error);
}

bool StoreWriter::insertHardware(const std::vector<AcceptedReport> &batch, QString *error)
{
    struct Row
    {
        qint64 device;
        qint64 ts;
        std::string body;
    };
    std::vector<Row> rows;
    for (const AcceptedReport &accepted : batch) {
        if (!accepted.report.hardware.empty())
            rows.push_back({m_ids.value(accepted.device.uuid), accepted.report.sampleTimeMs,
                dmr::encodeHardwareRecord(accepted.report.hardware)});
    }
    auto bindRow = [](BulkInsert &insert, int index, const Row &row) {
        const int base = index * kHardwareColumnCount;
        insert.bind(base + 0, row.device);
        insert.bind(base + 1, row.ts);
        insert.bindBlob(base + 2, row.body);
    };
    return insertRows(*m_hardwareMany, *m_hardwareOne, rows, bindRow, error);
}

qint64 StoreWriter::now() const
{
    return m_options.clock ? m_options.clock() : QDateTime::currentMSecsSinceEpoch();
}

void StoreWriter::dropDevice(qint64 id, const QString &uuid, qint64 reportsGoTo)
{
    m_gone.insert(uuid, reportsGoTo);
    // Devices merged into this one before follow it.
    for (auto it = m_gone.begin(); it != m_gone.end(); ++it) {
        if (it.value() == id)
            it.value() = reportsGoTo;
    }
    for (auto it = m_gone.cbegin(); it != m_gone.cend(); ++it) {
        if (it.value() == reportsGoTo) {
            if (reportsGoTo != 0) {
                m_ids.insert(it.key(), reportsGoTo);
            } else {
                m_ids.remove(it.key());
                m_stored.remove(it.key());
            }
        }
    }
    m_mergedCounters.remove(uuid);
    if (m_compactor)
        m_compactor->forget(id);
    if (m_retention)
        m_retention->forget(id);
    // The rollup keeps the last counters of each interface by devices.id,
    // which SQLite gives the next new device when this one had the highest.
    auto rollup = std::make_unique<NetworkRollup>(m_database->sql());
    QString error;
    if (rollup->prepare(&error))
        m_networkRollup = std::move(rollup);
    else
        qCWarning(lcStore, "cannot renew the network rollup: %s", qPrintable(error));
}

DeviceChangeResult StoreWriter::changeDevice(const DeviceChange &change)
{
    DeviceChangeResult result;
    result.change = change;
    if (!m_database) {
        result.error = QStringLiteral("the store is not open");
        emit deviceChanged(result);
        return result;
    }
    DeviceLifecycle lifecycle(m_database->sql());
    QString error;
    auto find = [&](const QString &uuid) {
        std::optional<DeviceLifecycle::Device> device = lifecycle.find(uuid, &error);
        if (!device) {
            result.status = error.isEmpty() ? DeviceChangeResult::Status::NotFound
                                            : DeviceChangeResult::Status::Failed;
            result.error = error.isEmpty() ? QStringLiteral("no device with uuid %1").arg(uuid)
                                           : QStringLiteral("database error: %1").arg(error);
        }
        return device;
    };
    auto finish = [&](bool ok) {
        if (ok) {
            result.status = DeviceChangeResult::Status::Done;
        } else {
            result.status = DeviceChangeResult::Status::Failed;
            result.error = QStringLiteral("database error: %1").arg(error);
            qCWarning(lcStore, "device change failed: %s", qPrintable(error));
        }
        emit deviceChanged(result);
        return result;
    };

    if (change.kind == DeviceChange::Kind::Merge && change.from == change.uuid) {
        result.status = DeviceChangeResult::Status::Refused;
        result.error = QStringLiteral("a device cannot be merged into itself");
        emit deviceChanged(result);
        return result;
    }
    const std::optional<DeviceLifecycle::Device> device = find(change.uuid);
    if (!device) {
        emit deviceChanged(result);
        return result;
    }
    result.deviceId = device->deviceId;
    result.hostname = device->hostname;
    switch (change.kind) {
    case DeviceChange::Kind::Rename:
        if (!lifecycle.rename(*device, change.displayName, &error))
            return finish(false);
        result.displayName = change.displayName;
        qCInfo(lcStore, "device %s (%s) renamed to \"%s\"", qPrintable(device->deviceId),
            qPrintable(device->uuid), qPrintable(change.displayName));
        return finish(true);
    case DeviceChange::Kind::Delete:
        if (!lifecycle.remove(*device, &result.samples, &error))
            return finish(false);
        dropDevice(device->id, device->uuid, 0);
        qCInfo(lcStore, "device %s (%s, %s) deleted with its history (%lld samples)",
            qPrintable(device->deviceId), qPrintable(device->hostname), qPrintable(device->uuid),
            static_cast<long long>(result.samples));
        return finish(true);
    case DeviceChange::Kind::Merge:
        break;
    }

    const std::optional<DeviceLifecycle::Device> from = find(change.from);
    if (!from) {
        emit deviceChanged(result);
        return result;
    }
    result.fromDeviceId = from->deviceId;
    result.fromHostname = from->hostname;
    if (!lifecycle.merge(*from, *device, &result.samples, &error))
        return finish(false);
    result.displayName = device->displayName.isEmpty() ? from->displayName : device->displayName;
    m_mergedCounters.insert(device->uuid,
        {device->reportsReceived + from->reportsReceived, device->reportsLost + from->reportsLost});
    // Compaction and retention look at the device again: its history now
    // reaches back to the other's, which may have rows of closed windows.
    qint64 newest = 0;
    if (m_compactor) {
        for (qint64 id : {from->id, device->id}) {
            const auto it = m_compactor->newest().find(id);
            if (it != m_compactor->newest().end())
                newest = std::max(newest, it->second);
        }
    }
    dropDevice(from->id, from->uuid, device->id);
    if (m_compactor) {
        m_compactor->forget(device->id);
        if (m_retention)
            m_retention->forget(device->id);
        if (newest > 0) {
            m_compactor->noteNewest(device->id, newest);
            if (m_retention)
                m_retention->noteNewest(device->id, newest);
        }
    }
    qCInfo(lcStore, "device %s (%s, %s) merged into %s (%s, %s): %lld samples moved",
        qPrintable(from->deviceId), qPrintable(from->hostname), qPrintable(from->uuid),
        qPrintable(device->deviceId), qPrintable(device->hostname), qPrintable(device->uuid),
        static_cast<long long>(result.samples));
    return finish(true);
}

void StoreWriter::forgetUnseen()
{
    m_lastForgetCheck.start();
    const qint64 before = now() - m_options.forgetAfterMs;
    // Time the console was not running does not count: after a week off,
    // every device gets its days again to report before it is forgotten.
    if (before < m_openedAt)
        return;
    DeviceLifecycle lifecycle(m_database->sql());
    QString error;
    const std::optional<QList<DeviceLifecycle::Device>> unseen
        = lifecycle.unseenSince(before, &error);
    if (!unseen) {
        qCWarning(lcStore, "cannot look for devices to forget: %s", qPrintable(error));
        return;
    }
    QElapsedTimer budget;
    budget.start();
    for (const DeviceLifecycle::Device &device : *unseen) {
        if (budget.elapsed() > kCompactBudgetMs) {
            m_lastForgetCheck.invalidate(); // the rest at the next tick
            return;
        }
        DeviceChangeResult result;
        result.change.kind = DeviceChange::Kind::Delete;
        result.change.uuid = device.uuid;
        result.deviceId = device.deviceId;
        result.hostname = device.hostname;
        result.forgotten = true;
        if (!lifecycle.remove(device, &result.samples, &error)) {
            qCWarning(lcStore, "cannot forget device %s: %s", qPrintable(device.deviceId),
                qPrintable(error));
            return;
        }
        dropDevice(device.id, device.uuid, 0);
        result.status = DeviceChangeResult::Status::Done;
        qCInfo(lcStore,
            "forgot device %s (%s, %s), unseen since %s: deleted with its history (%lld samples)",
            qPrintable(device.deviceId), qPrintable(device.hostname), qPrintable(device.uuid),
            qPrintable(
                QDateTime::fromMSecsSinceEpoch(std::max(device.lastSeen, device.createdAt), Qt::UTC)
                    .toString(Qt::ISODate)),
            static_cast<long long>(result.samples));
        emit deviceChanged(result);
    }
}

void StoreWriter::maintainPartitions()
{
    constexpr qint64 kIntervalMs = 3600 * 1000;
    constexpr qint64 kRetryMs = 60 * 1000;
    if (!m_partitions
        || (m_lastPartitionCheck.isValid()
            && m_lastPartitionCheck.elapsed() < (m_partitionsFailed ? kRetryMs : kIntervalMs)))
        return;
    m_lastPartitionCheck.start();
    QString error;
    std::optional<int> done = m_partitions->ensure(now(), &error);
    // Whole partitions go before Retention's per-row deletes, which then
    // find only the parts of partitions not all expired. Ages count from the
    // newest report too, as Retention's do, not from the clock alone.
    if (done && m_retention) {
        PartitionManager::Horizons horizons;
        horizons.ageMs = std::min(now(), m_retention->newest());
        horizons.keepRawMs = m_options.keepRawMs;
        horizons.keepMinuteMs = m_options.keepMinuteMs;
        horizons.keepHourMs = m_options.keepHourMs;
        done = m_partitions->dropExpired(horizons, &error);
    }
    m_partitionsFailed = !done;
    if (!done)
        qCWarning(lcStore, "partition maintenance failed, will retry: %s", qPrintable(error));
}

} // namespace dmr::console
