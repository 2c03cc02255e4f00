// SPDX-License-Identifier: MIT
#include "StoreWriter.h"

#include "Database.h"
#include "IngestCounters.h"
#include "Logging.h"
#include "ReportQueue.h"

#include <QElapsedTimer>
#include <QSqlError>
#include <QThread>
#include <QTimer>
#include <cmath>
#include <limits>

namespace {

// Rows per multi-row INSERT; fewer statements per transaction is most of the
// speed QtSql can give.
constexpr int kRowsPerStatement = 16;
// Work done per timer tick before the event loop gets a turn.
constexpr qint64 kTickBudgetMs = 250;

const char kSystemColumns[]
    = "device, ts, cpu_percent, memory_percent, memory_used_kb, memory_total_kb,"
      " disk_percent, disk_used_kb, disk_total_kb, load_1, load_5, load_15,"
      " uptime_seconds, run_id, sequence";
constexpr int kSystemColumnCount = 15;
const char kNetworkColumns[] = "device, ts, interface, ip_address, mac_address, rx_bytes, tx_bytes,"
                               " rx_packets, tx_packets";
constexpr int kNetworkColumnCount = 9;

QString insertStatement(const char *table, const char *columns, int columnCount, int rows)
{
    QString row = QStringLiteral("(?");
    for (int i = 1; i < columnCount; ++i)
        row += QStringLiteral(",?");
    row += QLatin1Char(')');
    QStringList values;
    for (int i = 0; i < rows; ++i)
        values << row;
    return QStringLiteral("INSERT INTO %1 (%2) VALUES %3")
        .arg(QLatin1String(table), QLatin1String(columns), values.join(QLatin1Char(',')));
}

// SQL has no unsigned 64-bit type; counters never get near 2^63 in practice.
qint64 toSql(quint64 value)
{
    return static_cast<qint64>(std::min<quint64>(value, std::numeric_limits<qint64>::max()));
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
    {
        QSqlQuery query(m_database->sql());
        query.setForwardOnly(true);
        query.exec(QStringLiteral("SELECT uuid, id FROM devices"));
        while (query.next())
            m_ids.insert(query.value(0).toString(), query.value(1).toLongLong());
    }
    m_timer = new QTimer(this);
    m_timer->setInterval(m_options.flushIntervalMs);
    connect(m_timer, &QTimer::timeout, this, &StoreWriter::flushSome);
    m_timer->start();
    m_lastErrorLog.start();
    qCInfo(lcStore, "writing to %s", qPrintable(m_options.databasePath));
    return true;
}

void StoreWriter::stop()
{
    if (m_timer) {
        m_timer->stop();
        delete m_timer;
        m_timer = nullptr;
    }
    m_systemMany.reset();
    m_systemOne.reset();
    m_networkMany.reset();
    m_networkOne.reset();
    m_insertDevice.reset();
    m_selectDevice.reset();
    m_updateDevice.reset();
    m_database.reset();
}

bool StoreWriter::prepare(QString *error)
{
    auto make = [this, error](std::unique_ptr<QSqlQuery> &query, const QString &sql) {
        query = std::make_unique<QSqlQuery>(m_database->sql());
        if (!query->prepare(sql)) {
            *error = QStringLiteral("cannot prepare %1: %2")
                         .arg(sql.left(60), query->lastError().text());
            return false;
        }
        return true;
    };
    return make(m_systemMany,
               insertStatement(
                   "system_metrics", kSystemColumns, kSystemColumnCount, kRowsPerStatement))
        && make(
            m_systemOne, insertStatement("system_metrics", kSystemColumns, kSystemColumnCount, 1))
        && make(m_networkMany,
            insertStatement(
                "network_metrics", kNetworkColumns, kNetworkColumnCount, kRowsPerStatement))
        && make(m_networkOne,
            insertStatement("network_metrics", kNetworkColumns, kNetworkColumnCount, 1))
        && make(m_insertDevice,
            QStringLiteral("INSERT INTO devices (uuid, device_id, hostname, agent_version,"
                           " interval_seconds, created_at, updated_at, last_seen,"
                           " reports_received, reports_lost, run_id, last_sequence)"
                           " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"))
        && make(m_selectDevice, QStringLiteral("SELECT id FROM devices WHERE uuid = ?"))
        && make(m_updateDevice,
            QStringLiteral("UPDATE devices SET hostname = ?, agent_version = ?,"
                           " interval_seconds = ?, updated_at = ?, last_seen = ?,"
                           " reports_received = ?, reports_lost = ?, run_id = ?,"
                           " last_sequence = ? WHERE id = ?"));
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
    QElapsedTimer budget;
    budget.start();
    while (m_queue->size() > 0 && budget.elapsed() < kTickBudgetMs) {
        std::vector<AcceptedReport> batch
            = m_queue->take(std::size_t(m_options.maxReportsPerTransaction));
        QString error;
        if (!writeBatch(batch, &error)) {
            m_counters->writeErrors.fetch_add(1, std::memory_order_relaxed);
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
    if (m_timer->interval() != m_options.flushIntervalMs)
        m_timer->setInterval(m_options.flushIntervalMs);
    // Still behind: come back as soon as other events have had their turn.
    if (m_queue->size() > 0)
        QTimer::singleShot(0, this, &StoreWriter::flushSome);
}

bool StoreWriter::flushAll()
{
    if (!m_database)
        return m_queue->size() == 0;
    for (int attempt = 0; m_queue->size() > 0;) {
        std::vector<AcceptedReport> batch
            = m_queue->take(std::size_t(m_options.maxReportsPerTransaction));
        QString error;
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
    if (batch.empty())
        return true;
    QSqlDatabase &db = m_database->sql();
    if (!db.transaction()) {
        *error = db.lastError().text();
        return false;
    }
    const QHash<QString, qint64> idsBefore = m_ids;
    if (!upsertDevices(batch, error) || !insertSystem(batch, error) || !insertNetwork(batch, error)
        || !db.commit()) {
        if (error->isEmpty())
            *error = db.lastError().text();
        db.rollback();
        m_ids = idsBefore; // rows inserted in the rolled-back transaction are gone
        return false;
    }
    m_counters->persisted.fetch_add(batch.size(), std::memory_order_relaxed);
    return true;
}

bool StoreWriter::upsertDevices(const std::vector<AcceptedReport> &batch, QString *error)
{
    // The newest snapshot of each device in the batch is what the row should say.
    QHash<QString, const DeviceSnapshot *> newest;
    for (const AcceptedReport &report : batch)
        newest.insert(report.device.uuid, &report.device);
    for (const DeviceSnapshot *device : std::as_const(newest)) {
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
            QSqlQuery &select = *m_selectDevice;
            select.bindValue(0, device->uuid);
            if (!insert.exec() || !select.exec() || !select.next()) {
                *error = QStringLiteral("cannot add device %1: %2")
                             .arg(device->deviceId,
                                 insert.lastError().text() + select.lastError().text());
                return false;
            }
            m_ids.insert(device->uuid, select.value(0).toLongLong());
            select.finish();
            continue;
        }
        QSqlQuery &update = *m_updateDevice;
        update.bindValue(0, device->hostname);
        update.bindValue(1, device->agentVersion);
        update.bindValue(2, device->intervalSeconds);
        update.bindValue(3, device->updatedAt);
        update.bindValue(4, device->lastSeen);
        update.bindValue(5, toSql(device->reportsReceived));
        update.bindValue(6, toSql(device->reportsLost));
        update.bindValue(7, qint64(device->runId));
        update.bindValue(8, toSql(device->lastSequence));
        update.bindValue(9, *id);
        if (!update.exec()) {
            *error = QStringLiteral("cannot update device %1: %2")
                         .arg(device->deviceId, update.lastError().text());
            return false;
        }
    }
    return true;
}

bool StoreWriter::insertSystem(const std::vector<AcceptedReport> &batch, QString *error)
{
    auto bindRow = [this](QSqlQuery &query, int row, const AcceptedReport &accepted) {
        const dmr::Report &r = accepted.report;
        const dmr::SystemSample &s = r.system;
        const int base = row * kSystemColumnCount;
        query.bindValue(base + 0, m_ids.value(accepted.device.uuid));
        query.bindValue(base + 1, qint64(r.sampleTimeMs));
        query.bindValue(base + 2, s.cpuPercent);
        query.bindValue(base + 3, s.memoryPercent());
        query.bindValue(base + 4, toSql(s.memoryUsedKb));
        query.bindValue(base + 5, toSql(s.memoryTotalKb));
        query.bindValue(base + 6, s.diskPercent());
        query.bindValue(base + 7, toSql(s.diskUsedKb));
        query.bindValue(base + 8, toSql(s.diskTotalKb));
        query.bindValue(base + 9, s.load1);
        query.bindValue(base + 10, s.load5);
        query.bindValue(base + 11, s.load15);
        query.bindValue(base + 12, toSql(s.uptimeSeconds));
        query.bindValue(base + 13, qint64(r.runId));
        query.bindValue(base + 14, toSql(r.sequence));
    };
    std::size_t i = 0;
    for (; i + kRowsPerStatement <= batch.size(); i += kRowsPerStatement) {
        for (int row = 0; row < kRowsPerStatement; ++row)
            bindRow(*m_systemMany, row, batch[i + std::size_t(row)]);
        if (!m_systemMany->exec()) {
            *error = m_systemMany->lastError().text();
            return false;
        }
    }
    for (; i < batch.size(); ++i) {
        bindRow(*m_systemOne, 0, batch[i]);
        if (!m_systemOne->exec()) {
            *error = m_systemOne->lastError().text();
            return false;
        }
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
    auto bindRow = [](QSqlQuery &query, int index, const Row &row) {
        const int base = index * kNetworkColumnCount;
        query.bindValue(base + 0, row.device);
        query.bindValue(base + 1, row.ts);
        query.bindValue(base + 2, QString::fromStdString(row.sample->name));
        query.bindValue(base + 3, QString::fromStdString(row.sample->ipAddress));
        query.bindValue(base + 4, QString::fromStdString(row.sample->macAddress));
        query.bindValue(base + 5, toSql(row.sample->rxBytes));
        query.bindValue(base + 6, toSql(row.sample->txBytes));
        query.bindValue(base + 7, toSql(row.sample->rxPackets));
        query.bindValue(base + 8, toSql(row.sample->txPackets));
    };
    std::size_t i = 0;
    for (; i + kRowsPerStatement <= rows.size(); i += kRowsPerStatement) {
        for (int row = 0; row < kRowsPerStatement; ++row)
            bindRow(*m_networkMany, row, rows[i + std::size_t(row)]);
        if (!m_networkMany->exec()) {
            *error = m_networkMany->lastError().text();
            return false;
        }
    }
    for (; i < rows.size(); ++i) {
        bindRow(*m_networkOne, 0, rows[i]);
        if (!m_networkOne->exec()) {
            *error = m_networkOne->lastError().text();
            return false;
        }
    }
    return true;
}
