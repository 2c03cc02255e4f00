// SPDX-License-Identifier: MIT
#pragma once

#include "dmr/Report.h"
#include "ingest/AcceptedReport.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dmr::console {

// One QtSql connection to the metrics database, owned by the thread that
// opened it. Knows the schema and brings any older database up to date.
// The SQL is kept to what SQLite and PostgreSQL (QPSQL) both accept; the
// schema has a history per driver (PostgresSchema), and what else differs is
// in SqlConnection.
class Database
{
public:
    // SQLite's newest schema version; PostgreSQL has its own history
    // (PostgresSchema). latestVersion() is the one of the open connection's.
    static constexpr int kSchemaVersion = 10;

    // connectionName must be unique per thread (QtSql connections are per thread).
    explicit Database(QString connectionName);
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    // Opens a SQLite file (creating its folder), in WAL mode, or a
    // PostgreSQL database named by a postgresql:// URL (DatabaseLocation).
    bool open(const QString &path, QString *error);
    // Closes the connection and opens the same database again, set up as
    // open() does: after a PostgreSQL server went away and came back. Every
    // QSqlQuery prepared on sql() before must be prepared again.
    bool reopen(QString *error);
    // Creates or upgrades the schema. Refuses a database from a newer version.
    // Called before each statement of the migrations to run: done of total.
    using Progress = std::function<void(int done, int total)>;
    bool migrate(QString *error, const Progress &progress = {});
    int schemaVersion() const;
    int latestVersion() const;

    std::optional<QList<DeviceSnapshot>> loadDevices(QString *error) const;
    // Each device's newest stored hardware (device_id, sample), for the
    // facts its agent sends by hash only (dmr::FactsCache::learn). Rows
    // that do not decode are left out.
    std::optional<std::vector<std::pair<std::string, dmr::HardwareSample>>> loadHardwareFacts(
        QString *error) const;

    // A failed open or write of a SQLite file, explained: `error` with what
    // is wrong with the file system the file is on (read-only, full, not
    // writable) put in front, or `error` alone. SQLite calls a read-only file
    // system "disk I/O error"; this names it.
    static QString withFileSystemProblem(const QString &path, const QString &error);

    QSqlDatabase &sql() { return m_db; }
    bool isPostgres() const;

private:
    bool configureSqlite(const QString &path, QString *error);

    QString m_connectionName;
    QString m_path;
    QSqlDatabase m_db;
};

} // namespace dmr::console
