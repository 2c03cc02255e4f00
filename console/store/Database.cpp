// SPDX-License-Identifier: MIT
#include "store/Database.h"

#include "dmr/Codec.h"
#include "store/AccountSchema.h"
#include "store/ChunkTable.h"
#include "store/DatabaseLocation.h"
#include "store/HardwareTable.h"
#include "store/NetworkRollup.h"
#include "store/PostgresSchema.h"
#include "store/SqlConnection.h"
#include "store/StoreLogging.h"
#include "store/SystemRollup.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QScopeGuard>
#include <QSqlError>
#include <QSqlQuery>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

namespace dmr::console {

namespace {

// PostgreSQL advisory lock keys of this schema ("DMR" and a number).
constexpr qint64 kMigrationLock = 0x444D520001;

// The system fields when migration 2 made the minute rollup: later fields
// are added by their own migrations.
const QStringList kSystemFieldsOfVersion1 = {QStringLiteral("cpu_percent"),
    QStringLiteral("memory_percent"), QStringLiteral("memory_used_kb"),
    QStringLiteral("memory_total_kb"), QStringLiteral("disk_percent"),
    QStringLiteral("disk_used_kb"), QStringLiteral("disk_total_kb"), QStringLiteral("load_1"),
    QStringLiteral("load_5"), QStringLiteral("load_15"), QStringLiteral("uptime_seconds")};

// Append new migrations; never edit one that has shipped.
const QList<SchemaStep> &sqliteMigrations()
{
    static const QList<SchemaStep> list = {
        {1,
            {
                QStringLiteral("CREATE TABLE devices ("
                               " id {{ID}},"
                               " uuid VARCHAR(36) NOT NULL UNIQUE,"
                               " device_id VARCHAR(64) NOT NULL UNIQUE,"
                               " hostname VARCHAR(253) NOT NULL DEFAULT '',"
                               " agent_version VARCHAR(32) NOT NULL DEFAULT '',"
                               " interval_seconds INTEGER NOT NULL DEFAULT 10,"
                               " created_at BIGINT NOT NULL,"
                               " updated_at BIGINT NOT NULL,"
                               " last_seen BIGINT NOT NULL,"
                               " reports_received BIGINT NOT NULL DEFAULT 0,"
                               " reports_lost BIGINT NOT NULL DEFAULT 0,"
                               " run_id BIGINT NOT NULL DEFAULT 0,"
                               " last_sequence BIGINT NOT NULL DEFAULT 0)"),
                QStringLiteral("CREATE TABLE system_metrics ("
                               " device BIGINT NOT NULL REFERENCES devices(id),"
                               " ts BIGINT NOT NULL,"
                               " cpu_percent DOUBLE PRECISION NOT NULL,"
                               " memory_percent DOUBLE PRECISION NOT NULL,"
                               " memory_used_kb BIGINT NOT NULL,"
                               " memory_total_kb BIGINT NOT NULL,"
                               " disk_percent DOUBLE PRECISION NOT NULL,"
                               " disk_used_kb BIGINT NOT NULL,"
                               " disk_total_kb BIGINT NOT NULL,"
                               " load_1 DOUBLE PRECISION NOT NULL,"
                               " load_5 DOUBLE PRECISION NOT NULL,"
                               " load_15 DOUBLE PRECISION NOT NULL,"
                               " uptime_seconds BIGINT NOT NULL,"
                               " run_id BIGINT NOT NULL,"
                               " sequence BIGINT NOT NULL)"),
                QStringLiteral(
                    "CREATE INDEX system_metrics_device_ts ON system_metrics (device, ts)"),
                QStringLiteral("CREATE TABLE network_metrics ("
                               " device BIGINT NOT NULL REFERENCES devices(id),"
                               " ts BIGINT NOT NULL,"
                               " interface VARCHAR(15) NOT NULL,"
                               " ip_address VARCHAR(45) NOT NULL,"
                               " mac_address VARCHAR(59) NOT NULL,"
                               " rx_bytes BIGINT NOT NULL,"
                               " tx_bytes BIGINT NOT NULL,"
                               " rx_packets BIGINT NOT NULL,"
                               " tx_packets BIGINT NOT NULL)"),
                QStringLiteral(
                    "CREATE INDEX network_metrics_device_ts ON network_metrics (device, ts)"),
            }},
        // Per-minute aggregates of both metrics tables, filled from what is stored.
        {2,
            SystemRollup::createStatements(kSystemFieldsOfVersion1)
                + NetworkRollup::createStatements()},
        // What of each device's current run is stored (SequenceWindow), for
        // acknowledgements and for taking resends after a restart. Devices
        // from before count as stored up to their last sequence.
        {3,
            {
                QStringLiteral("ALTER TABLE devices ADD COLUMN stored_sequence BIGINT NOT NULL"
                               " DEFAULT 0"),
                QStringLiteral("ALTER TABLE devices ADD COLUMN stored_above TEXT NOT NULL"
                               " DEFAULT ''"),
                QStringLiteral("UPDATE devices SET stored_sequence = last_sequence"),
            }},
        // What unprivileged users can still write of the disk (df's Avail).
        // Rows from before were sent with disk_total_kb = used + available.
        {4,
            QStringList {
                QStringLiteral("ALTER TABLE system_metrics ADD COLUMN disk_available_kb BIGINT"
                               " NOT NULL DEFAULT 0"),
                QStringLiteral("UPDATE system_metrics SET disk_available_kb"
                               " = disk_total_kb - disk_used_kb"),
            } + SystemRollup::addMetricStatements(QStringLiteral("disk_available_kb"))},
        // Closed two-hour windows of history as compact BLOBs (ChunkTable);
        // the writer's Compactor moves rows there in small steps, existing
        // history included, after this migration.
        {5, ChunkTable::createStatements()},
        // The hour tier, computed from the minutes; the bytes each bucket
        // counted beside the network rates; the fleet's oldest window of a
        // kind in one index seek (retention's disk budget). The Compactor
        // closes minutes and hours into chunks after this migration.
        {6,
            SystemRollup::createHourStatements(
                kSystemFieldsOfVersion1 + QStringList {QStringLiteral("disk_available_kb")})
                + NetworkRollup::addSumsAndHourStatements() + ChunkTable::kindIndexStatements()},
        // A name the operator gives a device, shown instead of its hostname
        // when set (DeviceLifecycle::rename).
        {7,
            {QStringLiteral("ALTER TABLE devices ADD COLUMN display_name VARCHAR(253) NOT NULL"
                            " DEFAULT ''")}},
        // Alerting (console/alerts): presence, labels, rules and their
        // history, notification channels and what was sent on them. The
        // shipped rules are rows a person may edit or delete like others.
        {8,
            {QStringLiteral("ALTER TABLE devices ADD COLUMN maintenance_until BIGINT NOT NULL"
                            " DEFAULT 0"),
                QStringLiteral("CREATE TABLE device_labels ("
                               " device BIGINT NOT NULL REFERENCES devices(id),"
                               " name VARCHAR(64) NOT NULL,"
                               " value VARCHAR(253) NOT NULL,"
                               " source VARCHAR(8) NOT NULL DEFAULT 'agent',"
                               " PRIMARY KEY (device, name))"),
                QStringLiteral("CREATE TABLE outages ("
                               " id {{ID}},"
                               " device BIGINT NOT NULL REFERENCES devices(id),"
                               " start_ts BIGINT NOT NULL,"
                               " end_ts BIGINT)"),
                QStringLiteral("CREATE INDEX outages_device_start ON outages (device, start_ts)"),
                QStringLiteral("CREATE TABLE alert_rules ("
                               " id {{ID}},"
                               " name VARCHAR(128) NOT NULL,"
                               " metric VARCHAR(64) NOT NULL,"
                               " comparison VARCHAR(2) NOT NULL,"
                               " raise_value DOUBLE PRECISION NOT NULL,"
                               " clear_value DOUBLE PRECISION NOT NULL,"
                               " for_ms BIGINT NOT NULL DEFAULT 0,"
                               " severity VARCHAR(8) NOT NULL,"
                               " device_uuid VARCHAR(36) NOT NULL DEFAULT '',"
                               " labels VARCHAR(512) NOT NULL DEFAULT '',"
                               " enabled INTEGER NOT NULL DEFAULT 1,"
                               " created_at BIGINT NOT NULL,"
                               " updated_at BIGINT NOT NULL)"),
                QStringLiteral("INSERT INTO alert_rules (name, metric, comparison, raise_value,"
                               " clear_value, for_ms, severity, created_at, updated_at) VALUES"
                               " ('Device offline', 'offline', '>', 0, 0, 0, 'critical', 0, 0),"
                               " ('Disk almost full', 'disk_percent', '>', 90, 88, 0,"
                               " 'warning', 0, 0),"
                               " ('Disk full', 'disk_percent', '>', 95, 93, 0, 'critical', 0, 0),"
                               " ('Memory high', 'memory_percent', '>', 90, 85, 300000,"
                               " 'warning', 0, 0),"
                               " ('CPU saturated', 'cpu_percent', '>', 95, 90, 600000,"
                               " 'warning', 0, 0),"
                               " ('Reports lost', 'report_loss_percent', '>', 5, 2, 600000,"
                               " 'warning', 0, 0)"),
                QStringLiteral("CREATE TABLE alerts ("
                               " id {{ID}},"
                               " rule_id BIGINT NOT NULL,"
                               " device BIGINT NOT NULL REFERENCES devices(id),"
                               " interface VARCHAR(64) NOT NULL DEFAULT '',"
                               " metric VARCHAR(64) NOT NULL,"
                               " severity VARCHAR(8) NOT NULL,"
                               " summary VARCHAR(512) NOT NULL DEFAULT '',"
                               " raised_at BIGINT NOT NULL,"
                               " raised_value DOUBLE PRECISION NOT NULL,"
                               " cleared_at BIGINT,"
                               " cleared_value DOUBLE PRECISION,"
                               " acknowledged_at BIGINT,"
                               " acknowledged_by VARCHAR(64) NOT NULL DEFAULT '',"
                               " silenced_until BIGINT NOT NULL DEFAULT 0)"),
                QStringLiteral("CREATE INDEX alerts_device_raised ON alerts (device, raised_at)"),
                QStringLiteral("CREATE INDEX alerts_raised ON alerts (raised_at)"),
                QStringLiteral("CREATE TABLE alert_channels ("
                               " id {{ID}},"
                               " name VARCHAR(128) NOT NULL,"
                               " kind VARCHAR(16) NOT NULL,"
                               " settings TEXT NOT NULL,"
                               " enabled INTEGER NOT NULL DEFAULT 1,"
                               " created_at BIGINT NOT NULL,"
                               " updated_at BIGINT NOT NULL)"),
                // The window's notifications, on by default; a headless
                // console has no window to show them and says so.
                QStringLiteral("INSERT INTO alert_channels (name, kind, settings, enabled,"
                               " created_at, updated_at) VALUES ('This desktop', 'desktop',"
                               " '{\"min_severity\":\"warning\"}', 1, 0, 0)"),
                QStringLiteral("CREATE TABLE notification_attempts ("
                               " id {{ID}},"
                               " channel_id BIGINT NOT NULL,"
                               " at BIGINT NOT NULL,"
                               " ok INTEGER NOT NULL,"
                               " attempt INTEGER NOT NULL,"
                               " subject VARCHAR(512) NOT NULL,"
                               " detail VARCHAR(1024) NOT NULL DEFAULT '')"),
                QStringLiteral(
                    "CREATE INDEX notification_attempts_at ON notification_attempts (at)")}},
        // Accounts (console/auth): users, their API tokens, web sessions and
        // the audit log.
        {9, accountTables()},
        // A board's hardware (agents 0.2.0+): one row per report that has
        // any, its HardwareSample as dmr::encodeHardwareRecord() bytes.
        // Rarely read and never aggregated, so one BLOB rather than columns.
        {10, HardwareTable::createStatements()},
    };
    return list;
}

// What is wrong with the file system a SQLite file is on, as a sentence;
// empty when nothing is.
QString fileSystemProblem(const QString &path)
{
    if (path == QLatin1String(":memory:"))
        return QString();
    const QString folder = QFileInfo(path).absolutePath();
    struct statvfs fs
    {
    };
    if (::statvfs(QFile::encodeName(folder).constData(), &fs) != 0)
        return QString(); // not a file (PostgreSQL), or no folder to look at
    if (fs.f_flag & ST_RDONLY)
        return QStringLiteral("the file system of %1 is read-only").arg(folder);
    if (fs.f_bavail == 0)
        return QStringLiteral("the file system of %1 is full").arg(folder);
    // A file system that went read-only on an error need not say so in its
    // flags (ext4 since Linux 6.10 does not), and SQLite calls what follows
    // a "disk I/O error": one byte written beside the database tells.
    const QByteArray probe = QFile::encodeName(path + QStringLiteral("-probe"));
    int error = 0;
    const int fd = ::open(probe.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        error = errno == EEXIST ? 0 : errno;
    } else {
        if (::write(fd, "x", 1) != 1)
            error = errno;
        ::close(fd);
        ::unlink(probe.constData());
    }
    switch (error) {
    case 0:
        return QString();
    case EROFS:
        return QStringLiteral("the file system of %1 is read-only").arg(folder);
    case ENOSPC:
    case EDQUOT:
        return QStringLiteral("the file system of %1 is full").arg(folder);
    case EACCES:
    case EPERM:
        return QStringLiteral("the console may not write in %1").arg(folder);
    default:
        return QStringLiteral("writing in %1 fails: %2")
            .arg(folder, QString::fromLocal8Bit(std::strerror(error)));
    }
}

} // namespace

Database::Database(QString connectionName)
    : m_connectionName(std::move(connectionName))
{ }

Database::~Database()
{
    if (m_db.isValid()) {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_connectionName);
    }
}

bool Database::isPostgres() const
{
    return SqlConnection::isPostgres(m_db);
}

int Database::latestVersion() const
{
    return (isPostgres() ? PostgresSchema::migrations() : sqliteMigrations()).constLast().version;
}

QString Database::withFileSystemProblem(const QString &path, const QString &error)
{
    const QString problem = fileSystemProblem(path);
    return problem.isEmpty() ? error : problem + QStringLiteral(": ") + error;
}

bool Database::open(const QString &path, QString *error)
{
    const std::optional<DatabaseLocation> location = DatabaseLocation::parse(path, error);
    if (!location)
        return false;
    m_path = path;
    if (location->isPostgres()) {
        m_db = SqlConnection::open(path, m_connectionName, SqlConnection::Access::ReadWrite, error);
        return m_db.isValid();
    }
    if (path != QLatin1String(":memory:")) {
        const QFileInfo info(path);
        if (!QDir().mkpath(info.absolutePath())) {
            *error = QStringLiteral("cannot create the folder %1").arg(info.absolutePath());
            return false;
        }
    }
    m_db = SqlConnection::open(path, m_connectionName, SqlConnection::Access::ReadWrite, error);
    if (!m_db.isValid()) {
        *error = withFileSystemProblem(path, *error);
        return false;
    }
    return configureSqlite(path, error);
}

bool Database::configureSqlite(const QString &path, QString *error)
{
    QSqlQuery query(m_db);
    // WAL lets readers (HTTP, charts) run beside the writer. FULL syncs the
    // WAL at each commit: agents forget what the console acknowledges, so a
    // committed report must survive a power cut too, not only a crash. The
    // writer commits about once a second, so that is one fsync a second.
    // A 64 MiB page cache holds the newest index page of every device of a
    // large fleet, so inserts do not read pages back from the file.
    // auto_vacuum first: it takes only on a new, empty file, where it lets the
    // writer give the pages of deleted rows back (PRAGMA incremental_vacuum).
    for (const char *pragma :
        {"PRAGMA auto_vacuum=INCREMENTAL", "PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
            "PRAGMA cache_size=-65536", "PRAGMA wal_autocheckpoint=16384"}) {
        if (!query.exec(QString::fromLatin1(pragma))) {
            *error = withFileSystemProblem(path,
                QStringLiteral("%1 failed on %2: %3")
                    .arg(QString::fromLatin1(pragma), path, query.lastError().text()));
            return false;
        }
    }
    return true;
}

bool Database::reopen(QString *error)
{
    if (!m_db.isValid()) {
        *error = QStringLiteral("the database was never opened");
        return false;
    }
    if (!SqlConnection::reopen(m_db, SqlConnection::Access::ReadWrite, error))
        return false;
    return isPostgres() || configureSqlite(m_path, error);
}

int Database::schemaVersion() const
{
    QSqlQuery query(m_db);
    if (!query.exec(QStringLiteral("SELECT version FROM schema_version")) || !query.next())
        return 0;
    return query.value(0).toInt();
}

bool Database::migrate(QString *error, const Progress &progress)
{
    QSqlQuery query(m_db);
    // Consoles started together on one PostgreSQL migrate one after another;
    // the later ones find the schema current.
    if (isPostgres()
        && !query.exec(QStringLiteral("SELECT pg_advisory_lock(%1)").arg(kMigrationLock))) {
        *error = QStringLiteral("cannot lock the schema for migrating: %1")
                     .arg(query.lastError().text());
        return false;
    }
    const auto unlock = qScopeGuard([this] {
        if (isPostgres())
            QSqlQuery(m_db).exec(
                QStringLiteral("SELECT pg_advisory_unlock(%1)").arg(kMigrationLock));
    });
    if (!SqlConnection::hasTable(m_db, QStringLiteral("schema_version"))) {
        // Table and row together, so that a crash cannot leave a version table without a version.
        m_db.transaction();
        if (!query.exec(QStringLiteral("CREATE TABLE schema_version (version INTEGER NOT NULL)"))
            || !query.exec(QStringLiteral("INSERT INTO schema_version (version) VALUES (0)"))
            || !m_db.commit()) {
            *error
                = QStringLiteral("cannot create schema_version: %1").arg(query.lastError().text());
            m_db.rollback();
            return false;
        }
    }
    const int current = schemaVersion();
    const int latest = latestVersion();
    if (current > latest) {
        *error = QStringLiteral("the database has schema version %1, newer than this console's %2; "
                                "upgrade the console")
                     .arg(current)
                     .arg(latest);
        return false;
    }
    // Progress by statements: one of a large database can take a while (a
    // rollup computed from every stored row).
    int steps = 0;
    const QList<SchemaStep> &migrations
        = isPostgres() ? PostgresSchema::migrations() : sqliteMigrations();
    for (const SchemaStep &migration : migrations)
        steps += migration.version > current ? int(migration.statements.size()) : 0;
    if (steps > 0)
        qCInfo(lcStore, "migrating the database from schema version %d to %d (%d steps)", current,
            latest, steps);
    int step = 0;
    QElapsedTimer clock;
    clock.start();
    for (const SchemaStep &migration : migrations) {
        if (migration.version <= current)
            continue;
        m_db.transaction();
        for (QString statement : migration.statements) {
            if (progress)
                progress(step, steps);
            if (clock.elapsed() > 2000) // a line for the slow ones, not for a new file
                qCInfo(lcStore, "migrating the database: step %d of %d (%.0f s so far)", step + 1,
                    steps, double(clock.elapsed()) / 1000.0);
            ++step;
            statement.replace(QStringLiteral("{{ID}}"),
                isPostgres() ? QStringLiteral("BIGSERIAL PRIMARY KEY")
                             : QStringLiteral("INTEGER PRIMARY KEY"));
            statement.replace(QStringLiteral("{{BLOB}}"),
                isPostgres() ? QStringLiteral("BYTEA") : QStringLiteral("BLOB"));
            if (!query.exec(statement)) {
                *error = QStringLiteral("migration to version %1 failed: %2 (%3)")
                             .arg(migration.version)
                             .arg(query.lastError().text(), statement);
                m_db.rollback();
                return false;
            }
        }
        query.prepare(QStringLiteral("UPDATE schema_version SET version = ?"));
        query.addBindValue(migration.version);
        if (!query.exec() || !m_db.commit()) {
            *error = QStringLiteral("migration to version %1 failed: %2")
                         .arg(migration.version)
                         .arg(m_db.lastError().text());
            m_db.rollback();
            return false;
        }
        qCInfo(lcStore, "database schema migrated to version %d", migration.version);
    }
    if (progress && steps > 0)
        progress(steps, steps);
    return true;
}

std::optional<QList<DeviceSnapshot>> Database::loadDevices(QString *error) const
{
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    if (!query.exec(QStringLiteral(
            "SELECT uuid, device_id, hostname, agent_version, interval_seconds, created_at,"
            " updated_at, last_seen, reports_received, reports_lost, run_id, last_sequence,"
            " stored_sequence, stored_above FROM devices"))) {
        *error = QStringLiteral("cannot read devices: %1").arg(query.lastError().text());
        return std::nullopt;
    }
    QList<DeviceSnapshot> devices;
    while (query.next()) {
        DeviceSnapshot device;
        device.uuid = query.value(0).toString();
        device.deviceId = query.value(1).toString();
        device.hostname = query.value(2).toString();
        device.agentVersion = query.value(3).toString();
        device.intervalSeconds = query.value(4).toUInt();
        device.createdAt = query.value(5).toLongLong();
        device.updatedAt = query.value(6).toLongLong();
        device.lastSeen = query.value(7).toLongLong();
        device.reportsReceived = query.value(8).toULongLong();
        device.reportsLost = query.value(9).toULongLong();
        device.runId = quint32(query.value(10).toLongLong());
        device.lastSequence = query.value(11).toULongLong();
        device.storedSequence = query.value(12).toULongLong();
        device.storedAbove = query.value(13).toString().toLatin1();
        devices.append(device);
    }
    return devices;
}

std::optional<std::vector<std::pair<std::string, dmr::HardwareSample>>> Database::loadHardwareFacts(
    QString *error) const
{
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    // One index probe per device: the newest row of each.
    if (!query.exec(QStringLiteral("SELECT d.device_id, h.body FROM devices d JOIN %1 h"
                                   " ON h.device = d.id AND h.ts = (SELECT MAX(ts) FROM %1"
                                   " WHERE device = d.id)")
                        .arg(HardwareTable::table()))) {
        *error = QStringLiteral("cannot read hardware facts: %1").arg(query.lastError().text());
        return std::nullopt;
    }
    std::vector<std::pair<std::string, dmr::HardwareSample>> facts;
    while (query.next()) {
        const QByteArray body = query.value(1).toByteArray();
        std::optional<dmr::HardwareSample> hardware
            = dmr::decodeHardwareRecord(std::string(body.constData(), std::size_t(body.size())));
        if (hardware)
            facts.emplace_back(query.value(0).toString().toStdString(), std::move(*hardware));
    }
    return facts;
}

} // namespace dmr::console
