// SPDX-License-Identifier: MIT
#pragma once

#include "AcceptedReport.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <optional>

// One QtSql connection to the metrics database, owned by the thread that
// opened it. Knows the schema and brings any older database up to date.
// The SQL is kept to what SQLite and PostgreSQL (QPSQL) both accept; the one
// difference, the auto-increment key, is spelled per driver.
class Database
{
public:
    static constexpr int kSchemaVersion = 3;

    // connectionName must be unique per thread (QtSql connections are per thread).
    explicit Database(QString connectionName);
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    // Opens a SQLite file (creating its folder), in WAL mode.
    bool open(const QString &path, QString *error);
    // Creates or upgrades the schema. Refuses a database from a newer version.
    bool migrate(QString *error);
    int schemaVersion() const;

    std::optional<QList<DeviceSnapshot>> loadDevices(QString *error) const;

    // What is wrong with the file system a SQLite file is on, if it is
    // read-only or full, as a sentence; empty otherwise. SQLite calls a
    // read-only file system "disk I/O error"; this names it.
    static QString fileSystemProblem(const QString &path);

    QSqlDatabase &sql() { return m_db; }
    bool isPostgres() const;

private:
    QString m_connectionName;
    QSqlDatabase m_db;
};
